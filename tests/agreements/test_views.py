"""The STEP 1-3 pages as a manager and an employee walk through them."""

import hashlib
from datetime import date

import pytest
from django.urls import reverse

from agreements import selectors, services
from agreements.models import AgreementPdf, CareerAlignment, Tour, VersionStatus
from tests.agreements.conftest import PASSWORD
from tests.factories import MembershipFactory


def _formset(prefix, rows, total=None):
    data = {
        f"{prefix}-TOTAL_FORMS": str(total or len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{index}-{key}"] = value
    return data


def _alignment_post(employee_pk, **overrides):
    data = {
        "employee": employee_pk,
        "held_on": "2026-10-01",
        "ideal_self": "地域の医療をITで支える会社をつくる",
        "time_horizon": "10y",
        "outside_company": "on",
        "resonance_notes": "",
        **_formset("values", [{"value": "誠実さ", "why": "信頼の土台"}, {}, {}]),
        **_formset("drift", [{}, {}]),
    }
    data.update(overrides)
    return data


def test_a_manager_drafts_an_alignment_for_a_report_and_the_employee_confirms_it(login, manager, employee):
    response = login(manager).post(reverse("agreements:alignment_new", args=["acme"]), _alignment_post(employee.pk))
    assert response.status_code == 302, response.context and response.context["form"].errors
    alignment = CareerAlignment.objects.filter(employee=employee).order_by("-id").first()
    assert alignment.core_values == [{"value": "誠実さ", "why": "信頼の土台"}]
    assert alignment.manager == manager and alignment.status == "draft"
    client = login(employee)
    assert client.get(reverse("agreements:alignment_confirm", args=["acme", alignment.pk])).status_code == 200
    assert client.post(reverse("agreements:alignment_confirm", args=["acme", alignment.pk])).status_code == 302
    alignment.refresh_from_db()
    assert alignment.status == "confirmed"
    # Confirmed records are kept as they were: no more edits, and the page says it is the state, not the role.
    assert login(manager).get(reverse("agreements:alignment_edit", args=["acme", alignment.pk])).status_code == 409


def test_a_manager_cannot_draft_for_someone_who_is_not_their_report(login, other_manager, employee):
    response = login(other_manager).get(reverse("agreements:alignment_new", args=["acme"]), {"employee": employee.pk})
    assert response.status_code in (403, 404)


def test_the_alignment_form_keeps_what_was_typed_and_explains_career_drift(login, employee):
    data = _alignment_post(employee.pk, ideal_self="", uses_career_drift="")
    data["values-0-why"] = "typed reason stays"
    response = login(employee, language="en").post(reverse("agreements:alignment_new", args=["acme"]), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "typed reason stays" in body
    assert "career drift" in body.lower()


def test_career_drift_needs_a_direction(login, employee):
    data = _alignment_post(employee.pk, ideal_self="", uses_career_drift="on", time_horizon="open")
    response = login(employee).post(reverse("agreements:alignment_new", args=["acme"]), data)
    assert response.status_code == 200
    data.update(_formset("drift", [{"direction": "データ分析", "goals": "半年で3つのダッシュボード"}, {}]))
    response = login(employee).post(reverse("agreements:alignment_new", args=["acme"]), data)
    assert response.status_code == 302


def _tour_post(**overrides):
    data = {
        "title": "新規事業の立ち上げ",
        "kind": "transformational",
        "goal": "新規事業を黒字化する",
        "toward_ideal_self": "起業の経験を積む",
        "value_to_company": "新しい収益源をつくる",
        "start_date": "2031-01-01",
        "length": "12",
        "end_date": "",
    }
    data.update(overrides)
    return data


def test_a_tour_is_created_from_an_alignment_with_a_typical_length(login, manager, make_alignment):
    alignment = make_alignment()
    response = login(manager).post(reverse("agreements:tour_new", args=["acme", alignment.pk]), _tour_post())
    assert response.status_code == 302
    tour = Tour.objects.get(alignment=alignment)
    assert (tour.start_date, tour.end_date, tour.status) == (date(2031, 1, 1), date(2031, 12, 31), "draft")
    assert tour.agreement.versions.get().number == 1
    # The organization's template gives the first draft its clauses.
    assert tour.agreement.versions.get().alumni_clause


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"length": "", "end_date": "2030-12-01"}, "end_date"),  # ends before it starts
        ({"length": "", "end_date": "2031-01-20"}, "end_date"),  # shorter than any sensible period
        ({"length": "", "end_date": "2039-01-01"}, "end_date"),  # longer than five years
        ({"length": "", "end_date": ""}, "end_date"),
    ],
)
def test_tour_dates_are_validated_with_a_message_on_the_field(login, manager, make_alignment, overrides, field):
    alignment = make_alignment()
    response = login(manager).post(reverse("agreements:tour_new", args=["acme", alignment.pk]), _tour_post(**overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert response.context["form"]["title"].value() == "新規事業の立ち上げ"


def test_no_two_active_tours_for_one_person_unless_hr_allows(
    signed_version, make_tour, manager, hr, employee, draft_version
):
    first = signed_version()
    tour = first.agreement.tour
    second = make_tour(start_date=tour.start_date, end_date=tour.end_date, title="並行する別の任務")
    with pytest.raises(Exception) as error:
        services.agreement_request_signatures(version=draft_version(tour=second), actor=manager)
    assert "active tour" in str(error.value)
    services.tour_set_allow_concurrent(tour=second, actor=hr, allow=True)
    second.refresh_from_db()
    version = selectors.current_version(second.agreement)
    services.agreement_request_signatures(version=version, actor=manager)


def test_the_agreement_editor_saves_clauses_and_kpis_and_keeps_input_on_error(login, manager, make_tour):
    tour = make_tour()
    url = reverse("agreements:version_edit", args=["acme", tour.agreement.pk, 1])
    client = login(manager)
    assert client.get(url).status_code == 200
    kpi = {
        "name": "解約率",
        "definition": "月次解約数 ÷ 月初契約数",
        "unit": "%",
        "baseline": "3",
        "target": "5",  # "lower is better" with a target above the baseline: refused
        "direction": "lower",
        "due_date": "2032-03-31",
        "weight": "100",
    }
    data = {
        "company_offers": "研修投資",
        "company_asks": "",
        "employee_offers": "解約率の改善",
        "employee_asks": "",
        "alumni_clause": "",
        **_formset("kpi", [kpi]),
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "target" in response.context["kpis"].forms[0].errors
    assert "研修投資" in response.content.decode()
    data["kpi-0-target"] = "1.5"
    assert client.post(url, data).status_code == 302
    version = selectors.current_version(tour.agreement)
    assert version.company_offers == "研修投資" and version.kpis.get().name == "解約率"


def test_kpi_weights_must_add_up_to_100(login, manager, make_tour):
    tour = make_tour()
    row = {
        "name": "A",
        "target": "10",
        "baseline": "1",
        "direction": "higher",
        "due_date": "2032-03-31",
        "weight": "40",
    }
    data = {"company_offers": "x", "employee_offers": "y", **_formset("kpi", [row, {**row, "name": "B"}])}
    response = login(manager).post(reverse("agreements:version_edit", args=["acme", tour.agreement.pk, 1]), data)
    assert response.status_code == 200 and response.context["kpis"].non_form_errors()


def test_signing_through_the_pages_needs_the_password(login, manager, employee, draft_version):
    version = draft_version()
    client = login(manager)
    args = ["acme", version.agreement.pk, version.number]
    assert client.post(reverse("agreements:request", args=args)).status_code == 302
    version.refresh_from_db()
    assert version.status == VersionStatus.PENDING
    employee_client = login(employee)
    sign_url = reverse("agreements:sign", args=args)
    page = employee_client.get(sign_url)
    assert version.content_hash in page.content.decode()
    wrong = employee_client.post(sign_url, {"password": "nope", "content_hash": version.content_hash, "agree": "on"})
    assert wrong.status_code == 200 and "password" in wrong.context["form"].errors
    right = employee_client.post(
        sign_url,
        {"password": PASSWORD, "content_hash": version.content_hash, "agree": "on"},
        REMOTE_ADDR="198.51.100.4",
        HTTP_USER_AGENT="TestBrowser/1.0",
    )
    assert right.status_code == 302
    signature = version.signatures.get()
    assert (signature.ip_address, signature.user_agent) == ("198.51.100.4", "TestBrowser/1.0")


def test_a_signed_version_page_says_it_cannot_change_and_offers_the_pdf(login, employee, signed_version):
    version = signed_version()
    response = login(employee, language="en").get(
        reverse("agreements:version", args=["acme", version.agreement.pk, version.number])
    )
    body = response.content.decode()
    assert "can never change" in body
    assert reverse("agreements:pdf", args=["acme", version.agreement.pk, version.number]) in body


def test_the_pdf_is_served_from_storage_to_the_parties_and_hr_only(
    login, employee, manager, hr, other_manager, signed_version
):
    version = signed_version()
    url = reverse("agreements:pdf", args=["acme", version.agreement.pk, version.number])
    stored = AgreementPdf.objects.get(version=version)
    for who in (employee, manager, hr):
        response = login(who).get(url)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        content = b"".join(response.streaming_content)
        assert hashlib.sha256(content).hexdigest() == stored.sha256
    assert login(other_manager).get(url).status_code == 404


@pytest.mark.parametrize(
    ("reader", "recorded"),
    [("employee", False), ("manager", True), ("hr", True)],
    ids=["the employee's own: not recorded", "their manager's reading", "HR's reading"],
)
@pytest.mark.parametrize("download", [False, True], ids=["opened", "downloaded"])
def test_reading_someone_elses_sealed_pdf_is_audited(request, login, signed_version, reader, recorded, download):
    from alliance.models import AuditEntry

    version = signed_version()
    who = request.getfixturevalue(reader)
    url = reverse("agreements:pdf", args=["acme", version.agreement.pk, version.number])
    before = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = login(who).get(url, {"download": "1"} if download else {})
    assert response.status_code == 200
    rows = list(AuditEntry.objects.filter(pk__gt=before, action="agreement.pdf_read"))
    assert len(rows) == (1 if recorded else 0)
    for row in rows:
        assert (row.actor_id, row.object_id, row.subject_id) == (
            who.pk,
            str(version.pk),
            version.agreement.tour.employee_id,
        )


def test_verification_by_hash_reveals_only_version_and_time(client, signed_version):
    version = signed_version()
    response = client.post(reverse("verify"), {"hash": version.content_hash.upper()}, HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.context["result"]["ok"]
    assert "決済基盤" not in body and "社員 一郎" not in body
    missing = client.post(reverse("verify"), {"hash": "0" * 64})
    assert not missing.context["result"]["ok"]


def test_verification_by_file_accepts_the_pdf_and_rejects_a_changed_byte(client, signed_version):
    from django.core.files.uploadedfile import SimpleUploadedFile

    version = signed_version()
    content = AgreementPdf.objects.get(version=version).file.read()
    ok = client.post(reverse("verify"), {"file": SimpleUploadedFile("a.pdf", content, "application/pdf")})
    assert ok.context["result"]["ok"] and ok.context["result"]["version"] == version
    tampered = bytearray(content)
    tampered[len(tampered) // 2] ^= 0x01
    bad = client.post(reverse("verify"), {"file": SimpleUploadedFile("a.pdf", bytes(tampered), "application/pdf")})
    assert not bad.context["result"]["ok"]


def test_verification_rejects_malformed_input_with_a_message(client, db):
    response = client.post(reverse("verify"), {"hash": "xyz"})
    assert "hash" in response.context["form"].errors
    response = client.post(reverse("verify"), {})
    assert response.context["form"].non_field_errors()


def test_verification_is_rate_limited(client, db, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "rl"}}
    codes = [client.post(reverse("verify"), {"hash": "0" * 64}).status_code for _ in range(35)]
    assert codes[0] == 200 and codes[-1] == 429


def test_team_page_query_count_does_not_grow_with_reports(
    login, manager, acme, make_alignment, django_assert_max_num_queries
):
    client = login(manager)
    url = reverse("agreements:team", args=["acme"])
    with django_assert_max_num_queries(20) as before:
        client.get(url)
    for member in MembershipFactory.create_batch(12, organization=acme, manager=manager):
        make_alignment(actor=manager, member=member)
    with django_assert_max_num_queries(len(before.captured_queries)):
        response = client.get(url)
    assert len(response.context["rows"]) >= 12


def test_my_alliance_shows_the_next_action(login, employee, member=None):
    response = login(employee).get(reverse("agreements:mine", args=["acme"]))
    assert response.context["state"].stage == "signed"


def test_password_guessing_on_the_sign_page_is_limited(login, manager, employee, draft_version, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "sign"}}
    version = services.agreement_request_signatures(version=draft_version(), actor=manager)
    client = login(employee, language="en")
    url = reverse("agreements:sign", args=["acme", version.agreement.pk, version.number])
    data = {"password": "guess", "content_hash": version.content_hash, "agree": "on"}
    for _ in range(10):
        assert "password" in client.post(url, data).context["form"].errors
    data["password"] = PASSWORD
    response = client.post(url, data)
    assert response.status_code == 200 and "Too many signing attempts" in response.content.decode()
    assert not version.signatures.exists()


def test_the_link_printed_on_the_pdf_opens_the_verification_result(client, signed_version):
    from agreements.documents import verify_url

    version = signed_version()
    url = verify_url(version.content_hash)
    path = url[url.index("/verify/") :]
    response = client.get(path)
    assert response.status_code == 200 and response.context["result"]["version"] == version


def _kpis(n):
    from tests.agreements.conftest import KPI

    return [{**KPI, "name": f"KPI {i}", "weight": 100 // n + (100 % n if i == 0 else 0)} for i in range(n)]


def test_the_version_page_query_count_does_not_grow_with_kpis_or_events(
    login, manager, employee, draft_version, make_tour, django_assert_max_num_queries
):
    small = draft_version(kpis=_kpis(1))
    big = draft_version(tour=make_tour(title="大きな計画"), kpis=_kpis(15))
    for version in (small, big):
        services.agreement_request_signatures(version=version, actor=manager)
        services.agreement_withdraw(version=version, actor=manager)
    for _ in range(5):
        services.agreement_request_signatures(version=big, actor=manager)
        services.agreement_withdraw(version=big, actor=manager)
    client = login(manager)
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("agreements:version", args=["acme", small.agreement.pk, 1]))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("agreements:version", args=["acme", big.agreement.pk, 1]))
    assert len(response.context["kpis"]) == 15 and len(response.context["events"]) == 12


def test_my_alliance_query_count_does_not_grow_with_history(
    login, employee, make_alignment, make_tour, django_assert_max_num_queries
):
    from datetime import date

    client = login(employee)
    url = reverse("agreements:mine", args=["acme"])
    with django_assert_max_num_queries(30) as before:
        client.get(url)
    for year in range(2033, 2043):
        alignment = make_alignment(held_on=date(year, 1, 1))
        make_tour(
            alignment=alignment, start_date=date(year, 2, 1), end_date=date(year, 12, 31), title=f"{year}年の任務"
        )
    with django_assert_max_num_queries(len(before.captured_queries)):
        response = client.get(url)
    assert len(response.context["tours"]) >= 10


def test_hr_saves_the_default_clauses_and_the_next_tour_starts_from_them(login, hr, make_tour):
    from django_scopes import scopes_disabled

    from alliance.models import AuditEntry

    clauses = {
        "company_offers": "Mentoring",
        "company_asks": "Ship it",
        "employee_offers": "Focus",
        "employee_asks": "Time",
        "alumni_clause": "Stay in touch",
    }
    response = login(hr).post(reverse("agreements:template", args=["acme"]), clauses)
    assert response.status_code == 302
    tour = make_tour()
    with scopes_disabled():
        first = tour.agreement.versions.get(number=1)
        assert first.company_offers == "Mentoring" and first.alumni_clause == "Stay in touch"
        entry = AuditEntry.objects.filter(action="agreement_template.update").get()
    assert entry.actor == hr and entry.changes["company_offers"][1] == "Mentoring"
