"""STEP 1-3 in a real browser: a first career alignment 1on1 carried through to a signed agreement, its PDF and the
public verification page; the tour form keeping what was typed; a signer declining; HR kept out of alignments.

Pages are Japanese (the demo accounts' language) and selected by structure, hrefs, input names and form actions;
where a test reads a text, it asks for the English page with the language cookie. Every visited page goes
through `ui.check()` (status, JavaScript errors, axe, screenshot): see conftest.py.
"""

import hashlib
import shutil
import subprocess
from datetime import date
from urllib.parse import urlsplit

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import translation
from playwright.sync_api import expect

from agreements.models import AgreementPdf, AgreementVersion, CareerAlignment, Tour
from alliance.demo import DEMO_PASSWORD
from alliance.models import CompanyValue, Membership
from alliance.periods import period_end
from tests.browser.conftest import DESKTOP, UI, _finish, _forget_old_screenshots, _test_name

pytestmark = pytest.mark.browser

GLOBEX_NAME = "グローベックス株式会社"
SIGNING_TIMEOUT = 30_000  # the last signature renders and seals the PDF before the page answers


def path_of(url: str) -> str:
    return urlsplit(url).path


def member(email: str, slug: str) -> Membership:
    return Membership.objects.select_related("user").get(user__email=email, organization__slug=slug)


def submit(page, form, *, timeout: float | None = None, button: str = "button[type=submit]"):
    """Press a form's submit button and wait for the page it leads to."""
    options = {"timeout": timeout} if timeout else {}
    with page.expect_navigation(**options):
        form.locator(button).first.click()


@pytest.fixture
def open_ui(browser, axe, seeded, request):
    """More browser contexts in one test (one per person, and an anonymous one): `open_ui("manager")`.

    Each is a separate session with the same checks as the `ui` fixture; screenshots are named after the test
    and the person.
    """
    opened: list[tuple] = []

    def open_(who: str, *, language: str | None = None) -> UI:
        name = f"{_test_name(request.node)}-{who}"
        _forget_old_screenshots(name)
        context = browser.new_context(base_url=seeded.url, locale="ja-JP", timezone_id="Asia/Tokyo", viewport=DESKTOP)
        context.set_default_timeout(10_000)
        if language:
            # What the header's language button sets; it beats the user's saved preference.
            context.add_cookies([{"name": "django_language", "value": language, "url": seeded.url}])
        ui = UI(context.new_page(), axe=axe, name=name)
        opened.append((context, ui))
        return ui

    yield open_
    errors = []
    for context, ui in opened:
        try:
            _finish(context, ui, request)
        except BaseException as error:  # close every context, then report the first problem
            errors.append(error)
    if errors:
        raise errors[0]


# (1) A first 1on1 carried through to a signed agreement, its PDF and its verification --------------------------


def test_first_one_on_one_to_signed_agreement_pdf_and_verification(open_ui, tmp_path):
    slug = "globex"
    report = member("member05@globex.example", slug)
    assert not CareerAlignment.objects.filter(employee=report).exists(), "the demo's member05 must start at STEP 1"
    company_value = CompanyValue.objects.for_organization(report.organization).order_by("position").first()

    # The manager opens the team page and picks the report with no career alignment yet.
    boss = open_ui("manager")
    page = boss.page
    boss.sign_in("manager@globex.example")
    assert path_of(page.url) == f"/{slug}/"
    boss.check("dashboard")
    with page.expect_navigation():
        page.locator(f"nav.main-nav a[href='/{slug}/alliance/team/']").click()
    boss.check("team")
    person_href = f"/{slug}/people/{report.pk}/alliance/"
    row = page.locator("main table tbody tr").filter(has=page.locator(f"a[href='{person_href}']"))
    expect(row).to_have_count(1)
    expect(row.locator(".badge-stage-start")).to_be_visible()
    with page.expect_navigation():
        row.locator(f"a[href='{person_href}']").click()
    boss.check("person-start")

    # STEP 1: the career alignment 1on1.
    with page.expect_navigation():
        page.locator(f"main a[href='/{slug}/alignments/new/?employee={report.pk}']").click()
    boss.check("alignment-form")
    form = page.locator("main form[method=post]")
    expect(form.locator("input[name=employee]")).to_have_value(str(report.pk))
    form.locator("input[name='values-0-value']").fill("探究心")
    form.locator("textarea[name='values-0-why']").fill("分からないことを調べ抜くと、仕事がいちばん面白くなるから")
    form.locator("textarea[name=ideal_self]").fill("品質保証の専門家として、開発チーム全体の品質文化を育てる人になる。")
    form.locator("select[name=time_horizon]").select_option("3y")
    form.locator(f"input[name=resonant_values][value='{company_value.pk}']").check()
    form.locator("textarea[name=manager_notes]").fill("テスト自動化の経験を積める仕事を探す。")
    submit(page, form)
    boss.check("alignment-saved")
    alignment = CareerAlignment.objects.get(employee=report)
    assert path_of(page.url) == f"/{slug}/alignments/{alignment.pk}/"
    expect(page.locator(".messages[role=status]")).to_be_visible()
    expect(page.locator("main h1 .badge-draft")).to_be_visible()
    expect(page.locator("main")).to_contain_text("品質保証の専門家として")
    expect(page.locator("main .value-list").first).to_contain_text("探究心")
    expect(page.locator("main")).to_contain_text(company_value.title)
    assert alignment.core_values == [
        {"value": "探究心", "why": "分からないことを調べ抜くと、仕事がいちばん面白くなるから"}
    ]
    assert list(alignment.resonant_values.all()) == [company_value]
    assert alignment.manager_id == report.manager_id

    # The employee reads it on their own page and confirms it.
    them = open_ui("employee")
    their_page = them.page
    them.sign_in(report.user.email)
    assert path_of(their_page.url) == f"/{slug}/"
    them.check("dashboard")
    with their_page.expect_navigation():
        their_page.locator(f"nav.main-nav a[href='/{slug}/alliance/']").click()
    them.check("my-alliance-aligned")
    with their_page.expect_navigation():
        their_page.locator(f"main a[href='/{slug}/alignments/{alignment.pk}/']").first.click()
    them.check("alignment")
    expect(their_page.locator("main")).to_contain_text("品質保証の専門家として")
    with their_page.expect_navigation():
        their_page.locator(f"main a[href='/{slug}/alignments/{alignment.pk}/confirm/']").click()
    them.check("alignment-confirm")
    submit(their_page, their_page.locator("main form[method=post]"))
    assert path_of(their_page.url) == f"/{slug}/alignments/{alignment.pk}/"
    them.check("alignment-confirmed")
    expect(their_page.locator("main h1 .badge-confirmed")).to_be_visible()
    expect(their_page.locator(f"main a[href='/{slug}/alignments/{alignment.pk}/edit/']")).to_have_count(0)

    # STEP 2: the manager sets the tour of duty from the confirmed alignment.
    page.reload()
    boss.check("alignment-confirmed")
    expect(page.locator("main h1 .badge-confirmed")).to_be_visible()
    with page.expect_navigation():
        page.locator(f"main a[href='/{slug}/alignments/{alignment.pk}/tours/new/']").click()
    boss.check("tour-form")
    start = date.today().replace(day=1)
    form = page.locator("main form[method=post]")
    form.locator("input[name=title]").fill("テスト自動化基盤の立ち上げ")
    form.locator("input[name=kind][value=transformational]").check()
    form.locator("textarea[name=goal]").fill("主要な画面の回帰テストを自動化し、リリース前の手動確認を半分にする")
    form.locator("textarea[name=toward_ideal_self]").fill("品質文化を育てるための仕組みづくりを、自分の手で経験する")
    form.locator("textarea[name=value_to_company]").fill("リリースの頻度と品質を同時に上げ、顧客への価値提供を速める")
    form.locator("input[name=start_date]").fill(start.isoformat())
    form.locator("select[name=length]").select_option("12")
    submit(page, form)
    tour = Tour.objects.select_related("agreement").get(employee=report)
    assert path_of(page.url) == f"/{slug}/tours/{tour.pk}/"
    boss.check("tour")
    assert (tour.start_date, tour.end_date, tour.kind) == (
        start,
        period_end(start, 12),
        "transformational",
    )
    assert tour.alignment_id == alignment.pk
    expect(page.locator("main h1")).to_contain_text("テスト自動化基盤の立ち上げ")
    expect(page.locator("main h1 .badge-draft")).to_be_visible()

    # STEP 3: the manager writes the agreement and one KPI, then requests signatures.
    agreement = tour.agreement
    version_href = f"/{slug}/agreements/{agreement.pk}/v1/"
    with page.expect_navigation():
        page.locator(f"main .actions a[href='{version_href}']").click()
    boss.check("agreement-draft")
    expect(page.locator("main h1 .badge-draft")).to_be_visible()
    with page.expect_navigation():
        page.locator(f"main a[href='{version_href}edit/']").click()
    boss.check("agreement-edit")
    form = page.locator("main form[method=post]")
    form.locator("textarea[name=company_offers]").fill("自動化ツールの導入費用と、外部研修への参加を支援する。")
    form.locator("textarea[name=company_asks]").fill("四半期ごとに自動化の進捗と効果を共有すること。")
    form.locator("textarea[name=employee_offers]").fill("回帰テストの自動化をやり切り、チームに手法を広める。")
    form.locator("textarea[name=employee_asks]").fill("設計レビューへの参加と、率直なフィードバック。")
    form.locator("textarea[name=alumni_clause]").fill("退職後もアルムナイとして知見の共有を歓迎します。")
    form.locator("input[name='kpi-0-name']").fill("自動化された回帰テストの割合")
    form.locator("input[name='kpi-0-unit']").fill("%")
    form.locator("input[name='kpi-0-baseline']").fill("10")
    form.locator("input[name='kpi-0-target']").fill("60")
    form.locator("select[name='kpi-0-direction']").select_option("higher")
    form.locator("input[name='kpi-0-due_date']").fill((start + relativedelta(months=11)).isoformat())
    form.locator("input[name='kpi-0-weight']").fill("100")
    submit(page, form, button="button[type=submit][name=request]")
    assert path_of(page.url) == f"{version_href}request/"
    boss.check("request-signatures")
    submit(page, page.locator("main form[method=post]"))
    assert path_of(page.url) == version_href
    boss.check("agreement-pending")
    expect(page.locator("main h1 .badge-pending")).to_be_visible()
    version = AgreementVersion.objects.get(agreement=agreement, number=1)
    assert version.status == "pending" and len(version.content_hash) == 64
    assert not version.requires_hr  # globex: no HR countersignature
    expect(page.locator("main code.hash")).to_have_text(version.content_hash)
    kpi = version.kpis.get()
    assert (kpi.name, kpi.weight, kpi.due_date) == (
        "自動化された回帰テストの割合",
        100,
        start + relativedelta(months=11),
    )

    # The manager signs: password and the agreement box.
    with page.expect_navigation():
        page.locator(f"main a[href='{version_href}sign/']").click()
    boss.check("sign-manager")
    expect(page.locator("main code.hash")).to_have_text(version.content_hash)
    form = page.locator("main form[method=post]")
    form.locator("input[name=password]").fill(DEMO_PASSWORD)
    form.locator("input[name=agree]").check()
    submit(page, form)
    assert path_of(page.url) == version_href
    boss.check("agreement-signed-by-manager")
    expect(page.locator("main h1 .badge-pending")).to_be_visible()
    expect(page.locator(f"main a[href='{version_href}sign/']")).to_have_count(0)
    expect(page.locator("section[aria-labelledby=signatures-title] tbody tr")).to_have_count(1)

    # The employee signs from their own page; the last signature seals the PDF.
    with their_page.expect_navigation():
        their_page.locator(f"nav.main-nav a[href='/{slug}/alliance/']").click()
    them.check("my-alliance-pending")
    with their_page.expect_navigation():
        their_page.locator(f"main a[href='{version_href}sign/']").first.click()
    them.check("sign-employee")
    form = their_page.locator("main form[method=post]")
    form.locator("input[name=password]").fill(DEMO_PASSWORD)
    form.locator("input[name=agree]").check()
    submit(their_page, form, timeout=SIGNING_TIMEOUT)
    assert path_of(their_page.url) == version_href
    them.check("agreement-signed")
    version.refresh_from_db()
    assert version.status == "signed" and version.signed_at is not None
    expect(their_page.locator("main h1 .badge-signed")).to_be_visible()
    expect(their_page.locator("main .banner-ok code.hash")).to_have_text(version.content_hash)
    expect(their_page.locator("section[aria-labelledby=signatures-title] tbody tr")).to_have_count(2)
    expect(their_page.locator(f"main a[href='{version_href}sign/']")).to_have_count(0)

    # The manager's page shows it signed too, and the tour is active.
    page.reload()
    boss.check("agreement-signed")
    expect(page.locator("main h1 .badge-signed")).to_be_visible()
    tour.refresh_from_db()
    assert tour.status == "active"

    # The PDF: served as application/pdf, Japanese text with the organization and the hash printed on the page.
    pdf_href = f"{version_href}pdf/"
    expect(their_page.locator(f"main .banner-ok a[href='{pdf_href}']")).to_be_visible()
    expect(their_page.locator(f"main .banner-ok a[href='{pdf_href}?download=1']")).to_be_visible()
    response = their_page.request.get(pdf_href)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    content = response.body()
    assert content.startswith(b"%PDF")
    assert AgreementPdf.objects.get(version=version).sha256 == hashlib.sha256(content).hexdigest()
    download = page.request.get(f"{pdf_href}?download=1")
    assert download.status == 200 and download.headers["content-disposition"].startswith("attachment")
    assert download.body() == content
    shown_hash = their_page.locator("main .banner-ok code.hash").inner_text().strip()
    text = pdf_text(content, tmp_path)
    assert GLOBEX_NAME in text
    assert report.user.name in text
    assert "テスト自動化基盤の立ち上げ" in text
    assert shown_hash in "".join(text.split()), "the PDF must print the hash shown on the version page"

    # Anyone can verify it: by the hash, by the file, and a file with one byte changed is refused.
    anyone = open_ui("anonymous")
    verify_page = anyone.page
    anyone.goto("/verify/", "verify")
    form = verify_page.locator("main form[enctype='multipart/form-data']")
    form.locator("input[name=hash]").fill(shown_hash)
    submit(verify_page, form)
    anyone.check("verify-hash-ok")
    expect(verify_page.locator("main .result.result-ok[role=status]")).to_be_visible()
    expect(verify_page.locator("main .result-bad")).to_have_count(0)
    expect(verify_page.locator("main")).not_to_contain_text("テスト自動化基盤")  # nothing of the content

    form.locator("input[name=hash]").fill("")
    form.locator("input[name=file]").set_input_files(
        {"name": "agreement.pdf", "mimeType": "application/pdf", "buffer": content}
    )
    submit(verify_page, form)
    anyone.check("verify-file-ok")
    expect(verify_page.locator("main .result.result-ok[role=status]")).to_be_visible()
    expect(verify_page.locator("main .result-ok p")).to_have_count(2)  # the file and its seal are intact

    tampered = bytearray(content)
    tampered[len(tampered) // 2] ^= 0x01
    form.locator("input[name=hash]").fill("")
    form.locator("input[name=file]").set_input_files(
        {"name": "agreement.pdf", "mimeType": "application/pdf", "buffer": bytes(tampered)}
    )
    submit(verify_page, form)
    anyone.check("verify-file-tampered")
    expect(verify_page.locator("main .result.result-bad[role=alert]")).to_be_visible()
    expect(verify_page.locator("main .result-ok")).to_have_count(0)


def pdf_text(content: bytes, folder) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: install poppler-utils", pytrace=False)
    path = folder / "agreement.pdf"
    path.write_bytes(content)
    result = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, timeout=30)
    return result.stdout.decode("utf-8")


# (2) The tour form keeps what was typed when the end comes before the start -----------------------------------


def test_tour_form_refuses_an_end_before_the_start_and_keeps_the_input(open_ui):
    slug = "globex"
    report = member("member01@globex.example", slug)  # the demo's drafted alignment, no tour yet
    alignment = CareerAlignment.objects.get(employee=report)
    boss = open_ui("manager", language="en")
    page = boss.page
    boss.sign_in("manager@globex.example")
    boss.check("dashboard")
    assert boss.lang() == "en"
    tour_new = f"/{slug}/alignments/{alignment.pk}/tours/new/"
    boss.goto(tour_new, "tour-form")

    form = page.locator("main form[method=post]")
    form.locator("input[name=title]").fill("データ活用の仕組みづくり")
    form.locator("input[name=kind][value=rotational]").check()
    form.locator("textarea[name=goal]").fill("社内ダッシュボードを3つ作り、毎週の意思決定で使われる状態にする")
    form.locator("textarea[name=toward_ideal_self]").fill("データで意思決定を支える経験を積む")
    form.locator("textarea[name=value_to_company]").fill("勘ではなく数字で判断できる組織にする")
    form.locator("input[name=start_date]").fill("2026-04-01")
    form.locator("select[name=length]").select_option(value="")
    form.locator("input[name=end_date]").fill("2026-01-31")
    submit(page, form)

    assert path_of(page.url) == tour_new
    boss.check("tour-form-errors")
    expect(page.locator("main [data-error-summary][role=alert]")).to_be_visible()
    expect(page.locator("main [data-error-summary] a[href='#id_end_date']")).to_be_visible()
    end = form.locator("input[name=end_date]")
    expect(end).to_have_attribute("aria-invalid", "true")
    with translation.override("en"):
        message = translation.gettext("The end must come after the start.")
    error = page.locator("#id_end_date_error")
    expect(error).to_be_visible()
    expect(error).to_have_text(message)
    # The message sits with its field, and no other field is marked.
    expect(page.locator("main .field-error")).to_have_count(1)
    expect(page.locator("main .field-error")).to_contain_text(message)
    expect(page.locator("main .field-error input[name=end_date]")).to_have_count(1)
    # Everything typed is still there.
    expect(form.locator("input[name=title]")).to_have_value("データ活用の仕組みづくり")
    expect(form.locator("input[name=kind][value=rotational]")).to_be_checked()
    expect(form.locator("textarea[name=goal]")).to_have_value(
        "社内ダッシュボードを3つ作り、毎週の意思決定で使われる状態にする"
    )
    expect(form.locator("input[name=start_date]")).to_have_value("2026-04-01")
    expect(form.locator("input[name=end_date]")).to_have_value("2026-01-31")
    expect(form.locator("select[name=length]")).to_have_value("")
    assert not Tour.objects.filter(employee=report).exists()


# (3) A signer declines with a reason ------------------------------------------------------------------------------


def test_manager_declines_pending_agreement_with_a_reason(open_ui):
    slug = "acme"
    report = member("member03@acme.example", slug)
    tour = Tour.objects.select_related("agreement").get(employee=report)
    version = tour.agreement.versions.get(status="pending")
    assert version.signatures.filter(voided_at__isnull=True).count() == 1  # the employee signed already
    version_href = f"/{slug}/agreements/{tour.agreement.pk}/v{version.number}/"
    reason = "KPIの期日が早すぎるので、四半期末に合わせてください。"

    boss = open_ui("manager")
    page = boss.page
    boss.sign_in("manager@acme.example")
    boss.check("dashboard")
    with page.expect_navigation():
        page.locator(f"nav.main-nav a[href='/{slug}/alliance/team/']").click()
    boss.check("team")
    person_href = f"/{slug}/people/{report.pk}/alliance/"
    row = page.locator("main table tbody tr").filter(has=page.locator(f"a[href='{person_href}']"))
    expect(row.locator(".badge-stage-pending")).to_be_visible()
    with page.expect_navigation():
        row.locator(f"a[href='{person_href}']").click()
    boss.check("person-pending")
    with page.expect_navigation():
        page.locator(f"section.next-step a[href='{version_href}']").click()
    boss.check("agreement-pending")
    expect(page.locator("main h1 .badge-pending")).to_be_visible()

    with page.expect_navigation():
        page.locator(f"main a[href='{version_href}decline/']").click()
    boss.check("decline")
    form = page.locator("main form[method=post]")
    form.locator("textarea[name=reason]").fill(reason)
    submit(page, form)

    assert path_of(page.url) == version_href
    boss.check("agreement-declined")
    expect(page.locator(".messages[role=status]")).to_be_visible()
    expect(page.locator("main h1 .badge-draft")).to_be_visible()
    expect(page.locator("main .banner-warn[role=status] blockquote")).to_have_text(reason)
    expect(page.locator("section[aria-labelledby=signatures-title] tbody tr")).to_have_count(0)
    expect(page.locator(f"main a[href='{version_href}edit/']")).to_be_visible()
    expect(page.locator(f"main a[href='{version_href}sign/']")).to_have_count(0)
    version.refresh_from_db()
    assert version.status == "draft" and version.last_decline_reason == reason and version.content_hash == ""
    assert not version.signatures.filter(voided_at__isnull=True).exists()

    # The draft's edit page shows the reason too, so whoever changes it knows what was asked.
    with page.expect_navigation():
        page.locator(f"main a[href='{version_href}edit/']").click()
    boss.check("agreement-edit-after-decline")
    expect(page.locator("main .banner-warn blockquote")).to_have_text(reason)


# (4) HR sees each person's step, never an alignment that was not shared with them --------------------------------


def test_hr_sees_the_step_but_gets_404_for_an_unshared_alignment(open_ui):
    slug = "globex"
    report = member("member01@globex.example", slug)
    alignment = CareerAlignment.objects.get(employee=report)
    assert not alignment.shared_with_hr
    alignment_href = f"/{slug}/alignments/{alignment.pk}/"

    hr = open_ui("hr")
    page = hr.page
    hr.sign_in("hr@globex.example")
    hr.check("dashboard")
    with page.expect_navigation():
        page.locator(f"nav.main-nav a[href='/{slug}/alliance/team/']").click()
    hr.check("everyone")
    person_href = f"/{slug}/people/{report.pk}/alliance/"
    row = page.locator("main table tbody tr").filter(has=page.locator(f"a[href='{person_href}']"))
    expect(row).to_have_count(1)
    expect(row.locator(".badge-stage-aligned")).to_be_visible()

    with page.expect_navigation():
        row.locator(f"a[href='{person_href}']").click()
    hr.check("person")
    expect(page.locator("main .badge-stage-aligned").first).to_be_visible()
    expect(page.locator(f"a[href^='{alignment_href}']")).to_have_count(0)

    hr.goto(alignment_href, "alignment-404", status=404)
    expect(page.locator("body")).not_to_contain_text(alignment.drift_directions[0]["direction"])
    hr.goto(f"{alignment_href}edit/", "alignment-edit-404", status=404)
    hr.goto(f"/{slug}/alignments/{alignment.pk}/tours/new/", "tour-new-404", status=404)
