"""`manage.py seed_bench` (issue 12): a synthetic load written in bulk that the app itself finds valid.

Run at tiny sizes on whichever database the suite uses (SQLite by default, PostgreSQL with DATABASE_URL): the
row counts follow the options, every foreign key stays inside its organization, the personas sign in and open
their main pages, signed versions verify as the app verifies them, and --reset removes the bench rows and
nothing else.
"""

from io import StringIO

import pytest
from django.apps import apps
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, F
from django.test import Client
from django.test.utils import CaptureQueriesContext

from agreements.models import AgreementPdf, AgreementVersion, Signature, Tour, TourStatus, VersionStatus
from agreements.snapshot import build_snapshot, snapshot_hash
from alliance import bench_seed
from alliance.core_models import AuditEntry
from alliance.models import Membership, MembershipStatus, Organization, User
from alliance.periods import period_end
from checkpoints.models import Checkpoint, CheckpointStatus, KpiMeasurement
from checkpoints.rules import schedule_dates

SIZES = {"orgs": 3, "members": 60, "large_org_members": 30}


def _seed(**options) -> str:
    out = StringIO()
    call_command("seed_bench", stdout=out, **{**SIZES, **options})
    return out.getvalue()


@pytest.fixture
def bench(db):
    return _seed()


def _bench_orgs():
    return Organization.objects.filter(slug__startswith=bench_seed.PREFIX)


@pytest.mark.django_db
def test_row_counts_follow_the_options(bench):
    sizes = dict(_bench_orgs().annotate(n=Count("memberships")).values_list("slug", "n"))
    assert sizes == {"bench-0001": 20, "bench-0002": 20, "bench-0003": 20, bench_seed.LARGE_SLUG: 30}
    assert User.objects.filter(email__endswith=".bench.example").count() == 90
    for org in _bench_orgs():
        for persona in bench_seed.PERSONAS:
            assert Membership.objects.filter(
                organization=org, user__email=bench_seed.persona_email(persona, org.slug)
            ).exists(), (org.slug, persona)
    # Each signed tour has the checkpoints its period gives at the organization's interval, no more, no less.
    signed = Tour.objects.filter(organization__in=_bench_orgs()).exclude(status=TourStatus.DRAFT)
    counts = dict(
        Checkpoint.objects.filter(tour__in=signed).values("tour").annotate(n=Count("id")).values_list("tour", "n")
    )
    for tour in signed:
        assert counts[tour.pk] == len(schedule_dates(tour.start_date, tour.end_date, 3)), tour.pk
    # About ten checkpoints a membership, as the default load's million for 100,000 people.
    per_member = sum(counts.values()) / 90
    assert 7 <= per_member <= 14, per_member
    # The summary names the tables it wrote and the password.
    assert "checkpoints_checkpoint" in bench and bench_seed.PASSWORD in bench


def _tenant_models():
    for model in apps.get_models():
        if model._meta.managed and any(f.name == "organization" for f in model._meta.concrete_fields):
            yield model


@pytest.mark.django_db
def test_every_foreign_key_stays_in_its_organization(bench):
    bench_ids = list(_bench_orgs().values_list("pk", flat=True))
    checked = 0
    for model in _tenant_models():
        rows = model._base_manager.filter(organization_id__in=bench_ids)
        for f in model._meta.concrete_fields:
            target = f.related_model
            if not f.is_relation or target is None or target is Organization:
                continue
            if not any(g.name == "organization" for g in target._meta.concrete_fields):
                continue
            stray = rows.filter(**{f"{f.name}__isnull": False}).exclude(
                **{f"{f.name}__organization_id": F("organization_id")}
            )
            assert not stray.exists(), (model.__name__, f.name)
            checked += 1
    assert checked > 40
    # Deeper than one key: a measurement's KPI belongs to the version of its checkpoint's tour, a checkpoint's
    # tour to a member of the checkpoint's organization.
    measurements = KpiMeasurement.objects.filter(organization_id__in=bench_ids)
    assert measurements.exists()
    assert not measurements.exclude(kpi__version__agreement__tour=F("checkpoint__tour")).exists()
    assert (
        not Checkpoint.objects.filter(organization_id__in=bench_ids)
        .exclude(tour__employee__organization_id=F("organization_id"))
        .exists()
    )
    # Held checkpoints have a value for each KPI, scheduled ones none.
    held = Checkpoint.objects.filter(
        organization_id__in=bench_ids, status__in=[CheckpointStatus.HELD, CheckpointStatus.CONFIRMED]
    ).annotate(n=Count("measurements", distinct=True), k=Count("tour__agreement__versions__kpis", distinct=True))
    assert held.exists() and not held.exclude(n=F("k")).exists()
    assert not KpiMeasurement.objects.filter(checkpoint__status=CheckpointStatus.SCHEDULED).exists()
    # Alumni have left after joining, a completed departure on their last day and no manager any more.
    alumni = Membership.objects.filter(organization_id__in=bench_ids, status=MembershipStatus.ALUMNI)
    assert alumni.exists()
    assert not alumni.filter(manager__isnull=False).exists()
    assert not alumni.exclude(departures__status="completed", departures__last_day=F("left_on")).exists()


def _login(slug: str, persona: str) -> Client:
    client = Client()
    assert client.login(email=bench_seed.persona_email(persona, slug), password=bench_seed.PASSWORD)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["bench-0001", bench_seed.LARGE_SLUG])
def test_personas_sign_in_and_open_their_pages(bench, slug):
    employee = Membership.objects.get(user__email=bench_seed.persona_email("employee", slug))
    manager = Membership.objects.get(user__email=bench_seed.persona_email("manager", slug))
    alumnus = Membership.objects.get(user__email=bench_seed.persona_email("alumnus", slug))
    assert employee.manager_id == manager.pk
    tour = Tour.objects.get(employee=employee, status=TourStatus.ACTIVE)
    assert tour.agreement.versions.get().status == VersionStatus.SIGNED
    due = Checkpoint.objects.get(tour=tour, status=CheckpointStatus.SCHEDULED, due_date=period_end(tour.start_date, 6))
    assert Checkpoint.objects.filter(tour=tour, status=CheckpointStatus.CONFIRMED).exists()
    pages = {
        "employee": ["/", f"/{slug}/", f"/{slug}/alliance/", f"/{slug}/checkpoints/{due.pk}/"],
        "manager": [
            f"/{slug}/",
            f"/{slug}/checkpoints/{due.pk}/",
            f"/{slug}/people/{employee.pk}/timeline/",
            f"/{slug}/alliance/team/",
        ],
        "hr": [f"/{slug}/hr/", f"/{slug}/alumni/directory/", f"/{slug}/alumni/posts/", f"/{slug}/members/"],
        "alumnus": [f"/{slug}/alumni/", f"/{slug}/alumni/directory/", f"/{slug}/alumni/posts/"],
    }
    for persona, urls in pages.items():
        client = _login(slug, persona)
        for url in urls:
            response = client.get(url, follow=True)
            assert response.status_code == 200, (persona, url, response.status_code)
    timeline = _login(slug, "employee").get(f"/{slug}/people/{employee.pk}/timeline/")
    assert timeline.status_code == 200
    # The directory and the feed have content: the alumnus persona shares a profile, HR pinned a post.
    directory = _login(slug, "hr").get(f"/{slug}/alumni/directory/")
    assert alumnus.user.name in directory.content.decode()
    assert alumnus.alumni_profile.share_current_role


@pytest.mark.django_db
def test_signed_versions_verify_as_the_app_verifies_them(bench, client):
    versions = AgreementVersion.objects.filter(
        organization__in=_bench_orgs(), status=VersionStatus.SIGNED
    ).select_related("agreement__tour__employee__user", "manager_signer__user", "organization")
    assert versions.exists()
    for version in versions:
        # What signing would have frozen for it, byte for byte, and the hash of that.
        assert build_snapshot(version, requested_at=version.requested_at) == version.snapshot, version.pk
        assert snapshot_hash(version.snapshot) == version.content_hash
        live = Signature.objects.filter(version=version, voided_at__isnull=True)
        assert sorted(live.values_list("role", flat=True)) == ["employee", "manager"]
        assert set(live.values_list("content_hash", flat=True)) == {version.content_hash}
    sample = versions.first()
    response = client.get("/verify/", {"hash": sample.content_hash})
    assert "result-ok" in response.content.decode()
    # One stored PDF shared by reference; uploading it names the version it was rendered for.
    pdfs = AgreementPdf.objects.filter(version__in=versions)
    assert pdfs.count() == versions.count()
    assert pdfs.values("file").distinct().count() == 1
    name = pdfs.first().file.name
    assert default_storage.exists(name)
    with default_storage.open(name, "rb") as handle:
        upload = SimpleUploadedFile("agreement.pdf", handle.read(), content_type="application/pdf")
    response = client.post("/verify/", {"file": upload})
    assert "result-ok" in response.content.decode()
    rendered_for = response.context["result"]["version"]
    assert rendered_for.agreement.tour.employee.user.email == bench_seed.persona_email("employee", "bench-0001")


def _demo_counts() -> dict[str, int]:
    demo = Organization.objects.exclude(slug__startswith=bench_seed.PREFIX)
    return {
        model.__name__: model._base_manager.filter(organization__in=demo).count()
        for model in _tenant_models()
        if model is not Organization
    }


@pytest.mark.django_db
def test_reset_removes_the_bench_rows_only(db):
    before = _demo_counts()
    assert before["Membership"] and before["AuditEntry"]
    _seed()
    with pytest.raises(CommandError, match="--reset"):
        _seed()
    assert "removed" in _seed(reset=True)
    assert _bench_orgs().count() == 4
    call_command("seed_bench", reset_only=True, stdout=StringIO())
    assert not _bench_orgs().exists()
    assert not User.objects.filter(email__endswith=".bench.example").exists()
    for model in _tenant_models():
        assert not model._base_manager.exclude(organization__in=Organization.objects.all()).exists(), model
    assert _demo_counts() == before
    # The guards are back: a signed version of a demo organization still refuses to change.
    signed = AgreementVersion.objects.filter(status=VersionStatus.SIGNED).first()
    with pytest.raises(DatabaseError), transaction.atomic():
        AgreementVersion.objects.filter(pk=signed.pk).update(amendment_reason="changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=AuditEntry.objects.first().pk).delete()


@pytest.mark.django_db
def test_writing_is_bulk_not_one_query_per_row(db):
    """Twice the people, about the same number of queries: rows are written in batches."""

    def queries(members: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            _seed(orgs=2, members=members, large_org_members=0, reset=True)
        return len(captured.captured_queries)

    _seed(orgs=2, members=40, large_org_members=0)
    small, large = queries(40), queries(160)
    assert large <= small + 20, (small, large)


@pytest.mark.parametrize(
    "tty, expected",
    [
        (True, ["\r", "[##############################] 100% 7/7", "s\n"]),
        (False, ["rows: 7 to go\n", "rows: done in "]),
    ],
    ids=["terminal: a bar redrawn in place", "log: plain lines"],
)
def test_progress_is_a_bar_on_a_terminal_and_lines_elsewhere(tty, expected):
    out = StringIO()
    progress = bench_seed.Progress(out, tty=tty)
    progress.start("rows", 7)
    for _ in range(7):
        progress.advance()
    progress.finish()
    text = out.getvalue()
    for part in expected:
        assert part in text
    assert ("\r" in text) is tty
