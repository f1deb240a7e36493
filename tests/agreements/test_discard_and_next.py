"""Drafts can be discarded (kept, marked, out of the way); a drafted next tour never hides the signed one;
overlapping periods are explained when the tour is saved; HR countersigns as "one of HR"."""

from datetime import date

import pytest
from django.core import mail
from django.urls import reverse

from agreements import rules, selectors, services
from agreements.models import AgreementVersion, Tour


def _next_tour(make_alignment, make_tour, employee, manager, current, **dates):
    alignment = make_alignment(held_on=date(2032, 3, 1))
    return make_tour(
        alignment=alignment,
        title="次の任務",
        start_date=dates.get("start", current.end_date.replace(day=2)),
        end_date=dates.get("end", date(2033, 5, 1)),
    )


@pytest.mark.parametrize("who", ["employee", "manager"])
def test_a_draft_tour_is_discarded_after_a_confirmation_page_and_kept(login, request, make_tour, who):
    tour = make_tour()
    client = login(request.getfixturevalue(who), language="en")
    url = reverse("agreements:tour_discard", args=["acme", tour.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Nothing is deleted" in page.content.decode()
    assert Tour.objects.get(pk=tour.pk).status == "draft"  # opening the page changes nothing
    response = client.post(url)
    assert response.status_code == 302
    tour.refresh_from_db()
    assert tour.status == "discarded" and tour.discarded_at is not None
    assert set(AgreementVersion.objects.filter(agreement__tour=tour).values_list("status", flat=True)) == {"discarded"}
    member = request.getfixturevalue("employee")
    assert tour not in selectors.tour_history(member=member)
    assert selectors.person_alliance(viewer=member, member=member).tour != tour


@pytest.mark.parametrize(("who", "status"), [("hr", 403), ("other_manager", 404), ("outsider", 404)])
def test_only_those_who_may_edit_a_tour_may_discard_it(login, request, make_tour, who, status):
    tour = make_tour()
    response = login(request.getfixturevalue(who)).post(reverse("agreements:tour_discard", args=["acme", tour.pk]))
    assert response.status_code == status
    assert Tour.objects.get(pk=tour.pk).status == "draft"


def test_a_draft_amendment_is_discarded_and_the_signed_version_stays_in_force(login, signed_version, manager):
    signed = signed_version()
    draft = services.agreement_amend(agreement=signed.agreement, actor=manager)
    client = login(manager)
    url = reverse("agreements:version_discard", args=["acme", signed.agreement_id, draft.number])
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 302
    draft.refresh_from_db()
    assert draft.status == "discarded"
    assert selectors.current_version(signed.agreement) == signed
    state = selectors.person_alliance(viewer=manager, member=signed.agreement.tour.employee)
    assert state.version == signed and not state.amending
    # A new amendment can start again, with a number never used before.
    again = services.agreement_amend(agreement=signed.agreement, actor=manager)
    assert again.number == draft.number + 1


@pytest.mark.parametrize("page", ["mine", "team", "dashboard"])
def test_a_drafted_next_tour_never_hides_the_signed_one(
    login, signed_version, make_alignment, make_tour, employee, manager, page
):
    signed = signed_version()
    current = signed.agreement.tour
    nxt = _next_tour(make_alignment, make_tour, employee, manager, current)
    state = selectors.person_alliance(viewer=employee, member=employee)
    assert state.tour == current and state.signed_version == signed and state.stage == "signed"
    assert state.next_tour == nxt
    viewer = manager if page == "team" else employee
    html = (
        login(viewer, language="en")
        .get(reverse(f"agreements:{page}" if page != "dashboard" else page, args=["acme"]))
        .content.decode()
    )
    pdf_url = reverse("agreements:pdf", args=["acme", signed.agreement_id, signed.number])
    if page == "mine":
        assert pdf_url in html and "The next tour of duty" in html and nxt.title in html
    elif page == "team":
        assert current.title in html
    else:
        assert "The agreement is signed" in html and "Open the next tour" in html


def test_overlapping_periods_are_explained_when_the_tour_is_created(
    login, signed_version, make_alignment, employee, manager
):
    signed = signed_version()
    current = signed.agreement.tour
    alignment = make_alignment(held_on=date(2032, 3, 1))
    client = login(manager, language="en")
    response = client.post(
        reverse("agreements:tour_new", args=["acme", alignment.pk]),
        {
            "title": "重なる任務",
            "kind": "rotational",
            "goal": "g",
            "toward_ideal_self": "t",
            "value_to_company": "v",
            "start_date": "2031-11-01",
            "length": "",
            "end_date": "2032-10-31",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "This period overlaps" in html and current.title in html
    assert html.count("This period overlaps") == 1, "explained once, not as a message and again on the page"
    tour = Tour.objects.get(title="重なる任務")
    assert "This period overlaps" in client.get(reverse("agreements:tour", args=["acme", tour.pk])).content.decode()


OVERLAP_CASES = [
    (date(2032, 5, 2), date(2033, 5, 1), False),  # the day after the current tour ends
    (date(2032, 5, 1), date(2033, 5, 1), True),  # end dates are inclusive: the last day is shared
    (date(2030, 5, 1), date(2031, 5, 1), True),  # ends on the first day of the current tour
    (date(2030, 1, 1), date(2031, 4, 30), False),  # ends the day before
]


@pytest.mark.parametrize(("start", "end", "overlaps"), OVERLAP_CASES)
def test_the_overlap_rule_reads_end_dates_as_inclusive(make_tour, make_alignment, start, end, overlaps):
    make_tour()  # 2031-05-01 – 2032-05-01, a draft
    other = make_tour(alignment=make_alignment(), title="別", start_date=start, end_date=end)
    assert bool(selectors.tour_overlaps(other)) is overlaps


@pytest.mark.parametrize(("start", "end", "overlaps"), OVERLAP_CASES)
def test_signing_refuses_exactly_the_overlaps_the_tour_page_explains(make_tour, make_alignment, start, end, overlaps):
    """One rule for the warning and the refusal: a period sharing one day with an active tour is both."""
    from django.core.exceptions import ValidationError

    from agreements.models import TourStatus

    current = make_tour()  # 2031-05-01 – 2032-05-01
    Tour.objects.filter(pk=current.pk).update(status=TourStatus.ACTIVE)
    other = make_tour(alignment=make_alignment(), title="別", start_date=start, end_date=end)
    assert bool(selectors.tour_overlaps(other)) is overlaps
    if overlaps:
        with pytest.raises(ValidationError):
            rules.check_no_concurrent_tour(other)
    else:
        rules.check_no_concurrent_tour(other)


def test_hr_is_one_pending_signer_on_the_page_and_in_the_mail(
    login, draft_version, manager, hr, employee, django_capture_on_commit_callbacks
):
    from alliance.models import Membership

    other_hr = Membership.objects.filter(organization=hr.organization, role="hr", status="active").exclude(pk=hr.pk)
    for person in (hr, employee):  # read the e-mails in English
        person.user.language = "en"
        person.user.save(update_fields=["language"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        version = services.agreement_request_signatures(version=draft_version(), actor=manager)
    html = (
        login(employee, language="en")
        .get(reverse("agreements:version", args=["acme", version.agreement_id, version.number]))
        .content.decode()
    )
    block = html[html.index("Still to sign:") : html.index("Fingerprint")]
    assert "one of HR" in block
    for person in [hr, *other_hr]:
        assert person.user.display_name not in block
    hr_mail = next(m for m in mail.outbox if m.to == [hr.user.email])
    assert "one of HR" in hr_mail.body
    employee_mail = next(m for m in mail.outbox if m.to == [employee.user.email])
    assert "one of HR" not in employee_mail.body
