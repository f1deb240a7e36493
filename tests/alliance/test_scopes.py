"""Tenancy fails closed (issue 8): every model with an `organization` is scoped by it (django-scopes), so a query
outside an organization scope raises instead of returning every tenant's rows; requests, tasks, commands and
the notice scan enter the scope they need.

Tests run inside `scopes_disabled()` (tests/conftest.py); the `enforced` fixture enters `scope()` in it, which
enforces scoping again, exactly as outside any scope in production (proved by the first test).
"""

from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.apps import apps
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_scopes import ScopeError, get_scope, scope, scopes_disabled

from alliance.models import ManagerChange, ManagerChangeReason, Membership, Notice, NoticeState

# Every model with a field named `organization`, from the app registry: a model added later is in the table
# without anyone listing it.
TENANT_MODELS = sorted(
    (model for model in apps.get_models() if any(f.name == "organization" for f in model._meta.get_fields())),
    key=lambda model: model._meta.label,
)


def _label(model) -> str:
    return model._meta.label


@pytest.fixture
def enforced(db):
    """Scoping enforced with no organization, as in a task or a command before it enters one. List it after the
    fixtures that read the database (pytest sets them up in that order)."""
    with scope():
        yield


@pytest.fixture
def rows_in_both_organizations(acme, globex):
    """The demo has rows of every tenant model in both organizations but manager changes: add one to each."""
    for organization in (acme, globex):
        member = Membership.objects.filter(organization=organization, manager__isnull=False).first()
        ManagerChange.objects.create(
            organization=organization,
            membership=member,
            previous_manager=None,
            new_manager=member.manager,
            reason=ManagerChangeReason.ASSIGNED,
        )
        # Nor a cancelled checkpoint: cancel the demo employee's last scheduled one (checkpoints.services).
        from checkpoints.models import Checkpoint
        from checkpoints.services import checkpoint_cancel

        scheduled = Checkpoint.objects.filter(organization=organization, status="scheduled", kind="regular")
        last = scheduled.order_by("due_date").last()  # the closing review is never cancelled by hand
        checkpoint_cancel(checkpoint=last, actor=last.tour.employee.manager, reason="scope test")


def test_a_scope_nested_in_scopes_disabled_enforces_scoping_again(acme):
    assert get_scope() == {"_enabled": False}, "tests/conftest.py disables scoping for the test's own code"
    assert Membership.objects.count() > Membership.objects.filter(organization=acme).count()
    with scope():
        with pytest.raises(ScopeError):
            Membership.objects.count()
        with scope(organization=acme):
            assert set(Membership.objects.values_list("organization_id", flat=True)) == {acme.pk}
    assert get_scope() == {"_enabled": False}


def test_the_table_lists_the_models_of_every_app_and_their_history():
    labels = {_label(model) for model in TENANT_MODELS}
    assert {
        "alliance.Membership",
        "alliance.Invitation",
        "alliance.Notice",
        "alliance.AuditEntry",
        "alliance.MembershipEvent",
        "agreements.CareerAlignment",
        "agreements.AgreementVersion",
        "agreements.Signature",
        "agreements.TourEvent",
    } <= labels


# Every way of reading rows from a default manager, each of which must refuse to run outside a scope.
UNSCOPED_READS = {
    "iterate": lambda m: list(m.objects.all()),
    "count": lambda m: m.objects.count(),
    "exists": lambda m: m.objects.exists(),
    "first": lambda m: m.objects.first(),
    "get": lambda m: m.objects.get(pk=1),
    "filter": lambda m: list(m.objects.filter(pk__gt=0)),
    "exclude then exists": lambda m: m.objects.exclude(pk=0).exists(),
    "select_related": lambda m: list(m.objects.select_related()),
    "values_list": lambda m: list(m.objects.values_list("pk", flat=True)),
    "aggregate": lambda m: m.objects.aggregate(n=__import__("django.db.models").db.models.Count("pk")),
    "update": lambda m: m.objects.update(),
    "delete": lambda m: m.objects.all().delete(),
    "in_bulk": lambda m: m.objects.in_bulk([1]),
}


@pytest.mark.parametrize("read", UNSCOPED_READS.values(), ids=UNSCOPED_READS.keys())
@pytest.mark.parametrize("model", TENANT_MODELS, ids=_label)
def test_a_query_outside_an_organization_scope_raises(model, read, enforced):
    with pytest.raises(ScopeError):
        read(model)


def test_the_queryset_methods_of_a_model_raise_the_scope_error_too(enforced):
    from alliance.models import Invitation

    with pytest.raises(ScopeError):
        Invitation.objects.pending()


def test_a_reverse_relation_outside_a_scope_raises_and_a_foreign_key_still_reads(employee, enforced):
    with pytest.raises(ScopeError):
        list(employee.organization.memberships.all())
    assert employee.manager.pk == employee.manager_id  # the row named by an id the row holds: base manager


@pytest.mark.usefixtures("rows_in_both_organizations")
@pytest.mark.parametrize("model", TENANT_MODELS, ids=_label)
def test_inside_an_organization_scope_a_query_returns_that_organizations_rows_only(model, acme, globex, enforced):
    for organization in (acme, globex):
        expected = set(model._base_manager.filter(organization=organization).values_list("pk", flat=True))
        assert expected, f"no {_label(model)} rows in {organization.slug}: add some to the demo or to this test"
        with scope(organization=organization):
            assert set(model.objects.values_list("pk", flat=True)) == expected
            assert model.objects.count() == len(expected)
            other = acme if organization == globex else globex
            assert not model.objects.filter(organization=other).exists()


def test_for_organization_names_the_tenant_outside_a_scope_and_cannot_leave_the_scope_inside(acme, globex, enforced):
    mine = Membership.objects.for_organization(acme)
    assert mine.exists() and set(mine.values_list("organization_id", flat=True)) == {acme.pk}
    with scope(organization=acme):
        assert not Membership.objects.for_organization(globex).exists()
    assert not Membership.objects.for_organization(None).exists()


# --- requests ------------------------------------------------------------------------------------------------


def _spy_on_rendering():
    """Patch the tenancy context processor (run while the page's template renders) to record which
    organizations an unfiltered membership query returns there, or that it was refused."""
    from alliance import context_processors

    seen = []
    original = context_processors.capabilities_of

    def capabilities_of(membership):
        try:
            seen.append(set(Membership.objects.values_list("organization_id", flat=True)))
        except ScopeError:
            seen.append("refused")
        return original(membership)

    return seen, mock.patch.object(context_processors, "capabilities_of", capabilities_of)


@pytest.mark.parametrize(
    ("who", "slug"), [("hr", "acme"), ("outsider", "globex")], ids=["acme's HR", "globex's employee"]
)
def test_a_page_of_an_organization_runs_in_that_organizations_scope(db, request, login, who, slug):
    member = request.getfixturevalue(who)
    seen, spy = _spy_on_rendering()
    with spy:
        response = login(member).get(reverse("dashboard", args=[slug]))
    assert response.status_code == 200
    assert seen and all(orgs == {member.organization_id} for orgs in seen), seen
    assert get_scope() == {"_enabled": False}, "the request's scope ends with the request"


@pytest.mark.parametrize("url", ["/orgs/", "/profile/", "/verify/"])
def test_a_page_outside_an_organization_reads_no_tenant_row_unless_it_says_so(login, hr, url):
    """Even under the test's scopes_disabled(), a request starts with scoping enforced: an unfiltered query on
    the chooser, the profile or /verify/ is refused, while the pages themselves work."""
    seen, spy = _spy_on_rendering()
    with spy:
        response = login(hr).get(url)
    assert response.status_code == 200
    assert seen and set(map(str, seen)) == {"refused"}, seen


def test_the_organization_switcher_lists_every_organization_of_the_user(login, hr, globex):
    Membership.objects.create(organization=globex, user=hr.user, role="employee", status="active")
    page = login(hr).get(reverse("dashboard", args=["acme"])).content.decode()
    assert reverse("dashboard", args=["globex"]) in page and globex.name in page


@pytest.mark.parametrize(
    ("superuser", "expected"), [(False, {"acme"}), (True, {"acme", "globex"})], ids=["staff HR", "superuser"]
)
def test_the_admin_keeps_a_staff_hr_in_their_organizations_even_if_a_filter_is_forgotten(
    login, hr, superuser, expected
):
    """The admin's own filter (TenantScopedAdmin.get_queryset) removed: the admin's scope still keeps a staff HR
    to the organizations where they are HR; a superuser reads every organization by design."""
    from django.contrib.admin import ModelAdmin

    from alliance.admin import MembershipAdmin

    hr.user.is_staff, hr.user.is_superuser = True, superuser
    hr.user.save()
    unfiltered = mock.patch.object(MembershipAdmin, "get_queryset", ModelAdmin.get_queryset)
    with unfiltered:
        response = login(hr).get(reverse("admin:alliance_membership_changelist") + "?all=")
    assert response.status_code == 200
    assert {m.organization.slug for m in response.context["cl"].result_list} == expected


# --- tasks and commands ----------------------------------------------------------------------------------------


def _send_reminders(now) -> str:
    out = StringIO()
    call_command("send_reminders", "--now", now.isoformat(), stdout=out)
    return out.getvalue().strip()


def test_send_reminders_twice_at_the_same_instant_sends_nothing_the_second_time(enforced):
    """The demo's versions waiting for signatures (both organizations) are reminded on day 3."""
    instant = timezone.now() + timedelta(days=3, hours=1)
    first = _send_reminders(instant)
    mailed = len(mail.outbox)
    second = _send_reminders(instant)
    assert mailed and " sent=0 " not in f"{first} ", first
    assert " sent=0 " in f"{second} " and len(mail.outbox) == mailed, second
    with scopes_disabled():
        organizations = set(Notice.objects.filter(kind="signature-reminder").values_list("organization__slug"))
    assert organizations == {("acme",), ("globex",)}


def _alignment_notices_queued_again():
    """The demo's "a 1on1 record waits for your confirmation" notices (one per organization, still relevant: the
    records are drafts) put back in the queue, as if their send tasks had been lost."""
    from agreements.models import AlignmentStatus, CareerAlignment

    with scopes_disabled():
        drafts = CareerAlignment.objects.filter(status=AlignmentStatus.DRAFT).values_list("pk", flat=True)
        queued = Notice.objects.filter(kind="alignment-confirm", object_id__in=list(drafts))
        assert queued.update(state=NoticeState.QUEUED, sent_at=None) >= 2
        return list(queued.select_related("organization", "recipient__user"))


def test_the_scan_task_sends_each_waiting_notice_in_its_organization(enforced):
    from alliance import notices
    from alliance.tasks import scan_notices

    waiting = _alignment_notices_queued_again()
    assert {n.organization.slug for n in waiting} == {"acme", "globex"}
    # Reminders due today by the demo's dates (checkpoints/notices.py: a checkpoint due at the month's end) may
    # go out beside them: each waiting notice is among what was sent.
    assert scan_notices.apply().get() >= len(waiting)
    sent = [(m.to[0], m.extra_headers["Message-ID"]) for m in mail.outbox]
    assert {(n.recipient.user.email, notices.message_id(n)) for n in waiting} <= set(sent)
    with scopes_disabled():
        assert not Notice.objects.filter(state=NoticeState.QUEUED).exists()


def test_a_notice_is_delivered_only_through_its_own_organization(acme, globex, enforced):
    from alliance import notices
    from alliance.tasks import send_notice

    notice = next(n for n in _alignment_notices_queued_again() if n.organization_id == acme.pk)
    assert notices.deliver(notice.pk, organization_id=globex.pk) == "", "another organization's id finds nothing"
    assert send_notice.apply(args=[notice.pk]).get() == "", "a message without organization waits for the scan"
    assert mail.outbox == []
    assert send_notice.apply(args=[notice.pk, acme.pk]).get() == NoticeState.SENT
    assert [m.to for m in mail.outbox] == [[notice.recipient.user.email]]


def test_the_pdf_task_fetches_the_version_through_its_organization(acme, globex, enforced):
    from agreements.models import AgreementPdf
    from agreements.tasks import render_missing_pdfs, render_signed_pdf

    with scopes_disabled():
        version_id = AgreementPdf.objects.filter(organization=acme).values_list("version_id", flat=True).first()
    assert render_signed_pdf.apply(args=[version_id, acme.pk]).get() is True  # already stored: found, kept
    assert render_signed_pdf.apply(args=[version_id, globex.pk]).get() is False
    assert render_signed_pdf.apply(args=[version_id]).get() is False, "left to render_missing_pdfs"
    assert render_missing_pdfs.apply().get() == 0


@pytest.mark.parametrize("with_organization", [True, False], ids=["current message", "message queued before"])
def test_the_invitation_task_runs_in_the_invitations_organization(
    acme, hr, with_organization, django_capture_on_commit_callbacks, enforced
):
    from alliance import services
    from alliance.tasks import send_invitation_email

    with scope(organization=acme), django_capture_on_commit_callbacks(execute=False):
        invitation, token = services.invitation_create(
            organization=acme, email="scoped@example.com", role="employee", invited_by=hr.user
        )
    args = [invitation.pk, token, acme.pk] if with_organization else [invitation.pk, token]
    assert send_invitation_email.apply(args=args).get() is True
    assert send_invitation_email.apply(args=args).get() is False, "never twice"
    assert [m.to for m in mail.outbox] == [["scoped@example.com"]]
    assert send_invitation_email.apply(args=[invitation.pk, "not-the-token"]).get() is False


def test_the_demo_seeds_again_under_enforced_scoping(enforced):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "Demo data ready." in out.getvalue()
