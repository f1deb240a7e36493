"""Referrals: who refers, what a referral needs, HR's statuses and their rules, who is told, who sees the contact."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alliance import notices
from alliance.audit import AuditEntry
from alliance.conflicts import StateConflict
from alliance.models import Membership, MembershipStatus, Notice
from alumni import records
from alumni.demo_opportunities import COMEBACK_TITLE
from alumni.models import Opportunity, OpportunityKind, Referral, ReferralStatus, ReferralStatusChange
from alumni.notices_opportunities import REFERRAL_STATUS
from alumni.selectors.opportunities import referral_counts
from alumni.services import opportunities as services

CANDIDATE = {
    "candidate_name": "山口 花子",
    "candidate_email": "hanako@example.com",
    "candidate_phone": "",
    "reason": "前職の同僚で、チームを明るくしてくれる人です。",
}


@pytest.fixture
def comeback(db):
    return Opportunity.objects.get(organization__slug="acme", title=COMEBACK_TITLE)


@pytest.fixture
def project(db):
    """The project alumni@ posted (demo)."""
    return Opportunity.objects.get(organization__slug="acme", kind=OpportunityKind.PROJECT)


@pytest.fixture
def other_alumnus(db):
    return (
        Membership.objects.select_related("user")
        .filter(organization__slug="acme", status="alumni")
        .exclude(user__email="alumni@acme.example")
        .order_by("pk")
        .first()
    )


def refer(opportunity, actor, **overrides):
    return services.referral_create(opportunity=opportunity, actor=actor, **{**CANDIDATE, **overrides})


def url(name, *args):
    return reverse(f"alumni:{name}", args=["acme", *args])


@pytest.mark.parametrize("role", ["alumni", "employee", "manager", "hr"])
def test_alumni_and_current_members_refer_a_candidate(db, login, request, comeback, role):
    member = request.getfixturevalue(role)
    response = login(member).post(url("opportunity_refer", comeback.pk), CANDIDATE)
    referral = Referral.objects.filter(referrer=member).latest("pk")
    assert response.status_code == 302 and response["Location"] == url("referral", referral.pk)
    assert referral.status == ReferralStatus.RECEIVED and referral.candidate_name == "山口 花子"
    assert list(referral.changes.values_list("from_status", "to_status")) == [("", "received")]
    entry = AuditEntry.objects.get(action="referral.create", object_id=str(referral.pk))
    assert "hanako@example.com" not in str(entry.changes)


@pytest.mark.parametrize(
    "email, phone, field",
    [
        ("hanako@example.com", "", None),
        ("", "090-1234-5678", None),
        ("", "０９０ １２３４ ５６７８", None),
        ("", "+81 90-1234-5678", None),
        ("", "(03) 1234-5678", None),
        ("hanako@example.com", "03-1234-5678", None),
        ("", "", "candidate_email"),
        ("hanako@", "", "candidate_email"),
        ("hanako example.com", "", "candidate_email"),
        ("", "1234", "candidate_phone"),
        ("", "090-1234-5678-9999-0000", "candidate_phone"),
        ("", "call me", "candidate_phone"),
    ],
)
def test_a_referral_needs_an_e_mail_or_a_phone_number_that_is_valid(db, alumni, comeback, email, phone, field):
    if field is None:
        referral = refer(comeback, alumni, candidate_email=email, candidate_phone=phone)
        assert referral.candidate_phone == phone.replace("０９０ １２３４ ５６７８", "090 1234 5678")
        return
    with pytest.raises(ValidationError) as error:
        refer(comeback, alumni, candidate_email=email, candidate_phone=phone)
    assert field in error.value.message_dict


@pytest.mark.parametrize("field", ["candidate_name", "reason"])
def test_a_referral_needs_a_name_and_why(db, login, alumni, comeback, field):
    response = login(alumni, language="en").post(url("opportunity_refer", comeback.pk), {**CANDIDATE, field: " "})
    assert response.status_code == 200 and response.context["form"].errors[field]
    assert response.context["form"]["candidate_email"].value() == CANDIDATE["candidate_email"]


def test_a_closed_opportunity_takes_no_referral(db, login, alumni, employee):
    closed = Opportunity.objects.get(organization__slug="acme", kind=OpportunityKind.PARTNERSHIP)
    assert login(alumni).get(url("opportunity_refer", closed.pk)).status_code == 409
    assert login(alumni).post(url("opportunity_refer", closed.pk), CANDIDATE).status_code == 409
    assert login(employee).post(url("opportunity_refer", closed.pk), CANDIDATE).status_code == 404
    with pytest.raises(PermissionDenied):
        refer(closed, employee)


# The statuses a referral moves through: received → in talks → hired / not this time; the last two are final.
@pytest.mark.parametrize(
    "path, to, outcome",
    [
        ([], "in_talks", "ok"),
        ([], "not_this_time", "ok"),
        ([], "hired", "invalid"),
        ([], "received", "invalid"),
        (["in_talks"], "hired", "ok"),
        (["in_talks"], "not_this_time", "ok"),
        (["in_talks"], "received", "invalid"),
        (["in_talks"], "in_talks", "invalid"),
        (["in_talks", "hired"], "not_this_time", "final"),
        (["not_this_time"], "in_talks", "final"),
    ],
)
def test_hr_moves_a_referral_only_along_the_allowed_statuses(db, hr, alumni, comeback, path, to, outcome):
    referral = refer(comeback, alumni)
    for step in path:
        services.referral_set_status(referral=referral, actor=hr, status=step, note="次へ")
    if outcome == "ok":
        services.referral_set_status(referral=referral, actor=hr, status=to, note="進めます")
        referral.refresh_from_db()
        assert referral.status == to
        assert referral.changes.count() == len(path) + 2
        return
    expected = StateConflict if outcome == "final" else ValidationError
    with pytest.raises(expected) as error:
        services.referral_set_status(referral=referral, actor=hr, status=to, note="進めます")
    if outcome == "invalid":
        assert "status" in error.value.message_dict
    referral.refresh_from_db()
    assert referral.changes.count() == len(path) + 1


def test_each_change_needs_a_note(db, hr, alumni, comeback):
    referral = refer(comeback, alumni)
    with pytest.raises(ValidationError) as error:
        services.referral_set_status(referral=referral, actor=hr, status="in_talks", note="  ")
    assert "note" in error.value.message_dict


@pytest.mark.parametrize("role", ["alumni", "employee", "manager"])
def test_only_hr_moves_a_referral(db, login, request, hr, comeback, role):
    member = request.getfixturevalue(role)
    referral = refer(comeback, member)
    with pytest.raises(PermissionDenied):
        services.referral_set_status(referral=referral, actor=member, status="in_talks", note="x")
    response = login(member).post(url("referral_status", referral.pk), {"status": "in_talks", "note": "x"})
    # An alumnus lacking a capability gets 404 (alliance.tenancy.TenantView), a current member 403.
    assert response.status_code == (404 if role == "alumni" else 403)
    referral.refresh_from_db()
    assert referral.status == "received"


def test_the_referrer_is_told_of_each_change_with_hrs_note(db, login, hr, alumni, comeback, mailoutbox):
    referral = refer(comeback, alumni)
    response = login(hr).post(url("referral_status", referral.pk), {"status": "in_talks", "note": "面談を設定しました"})
    assert response.status_code == 302
    services.referral_set_status(referral=referral, actor=hr, status="hired", note="入社が決まりました")
    changes = list(ReferralStatusChange.objects.filter(referral=referral, from_status__gt=""))
    sent = Notice.objects.filter(kind=REFERRAL_STATUS, recipient=alumni, object_id__in=[c.pk for c in changes])
    assert sent.count() == 2
    for notice in sent:
        # An alumnus is still mailed: the kind reaches alumni.
        assert notices.deliver(notice.pk, organization_id=notice.organization_id) == "sent"
    bodies = [message.body for message in mailoutbox[-2:]]
    assert any("面談を設定しました" in body for body in bodies) and any("入社が決まりました" in body for body in bodies)
    assert all(url("referral", referral.pk) in body for body in bodies)
    assert AuditEntry.objects.filter(action="referral.status", object_id=str(referral.pk)).count() == 2


def test_the_referrer_sees_the_status_and_history_on_their_pages(db, login, hr, employee, comeback):
    referral = refer(comeback, employee)
    services.referral_set_status(referral=referral, actor=hr, status="in_talks", note="面談を設定しました")
    client = login(employee, language="en")
    mine = client.get(url("referrals_mine")).content.decode()
    assert f'data-referral="{referral.pk}"' in mine and 'data-referral-status="in_talks"' in mine
    page = client.get(url("referral", referral.pk)).content.decode()
    assert "面談を設定しました" in page and 'data-change="received"' in page and 'data-change="in_talks"' in page
    assert "data-move-referral" not in page


# The candidate's name, contact and the reason are for HR and the referrer only; not the opportunity's poster
# (alumni@ posted the project), not other alumni, not the referrer's colleagues.
@pytest.mark.parametrize(
    "viewer, expected",
    [("referrer", 200), ("hr", 200), ("poster", 404), ("other_alumnus", 404), ("manager", 404)],
)
def test_only_hr_and_the_referrer_see_a_referral(db, login, request, employee, alumni, project, viewer, expected):
    referral = refer(project, employee, candidate_phone="090-1234-5678")
    member = {"referrer": employee, "poster": alumni}.get(viewer) or request.getfixturevalue(viewer)
    response = login(member).get(url("referral", referral.pk))
    assert response.status_code == expected
    if expected == 200:
        assert "090-1234-5678" in response.content.decode()


def test_the_poster_sees_no_referral_contact_on_their_opportunity(db, login, employee, alumni, project):
    refer(project, employee)
    page = login(alumni).get(url("opportunity", project.pk)).content.decode()
    assert "hanako@example.com" not in page and "山口 花子" not in page


def test_my_referrals_lists_one_own_referrals_only(db, login, employee, alumni, comeback):
    refer(comeback, alumni, candidate_name="卒業生の友人")
    refer(comeback, employee, candidate_name="社員の友人")
    page = login(employee).get(url("referrals_mine")).content.decode()
    assert "社員の友人" in page and "卒業生の友人" not in page


@pytest.mark.parametrize("status", ["received", "in_talks", "hired", "not_this_time"])
def test_hr_filters_referrals_by_status(db, login, hr, status):
    page = login(hr, language="en").get(url("referrals") + f"?status={status}")
    rows = page.context["page"].object_list
    assert rows and {r.status for r in rows} == {status}


def test_hr_s_referrals_list_reads_in_a_fixed_number_of_queries(
    db, login, hr, alumni, employee, comeback, django_assert_max_num_queries
):
    for n in range(25):
        refer(comeback, alumni if n % 2 else employee, candidate_name=f"候補者 {n}")
    client = login(hr)
    with django_assert_max_num_queries(14):
        page = client.get(url("referrals"))
    assert len(page.context["page"].object_list) == 20
    # "My referrals" is read by a referrer who made 12 of them, so that an N+1 would show (HR made none).
    referrer = login(alumni)
    with django_assert_max_num_queries(14):
        response = referrer.get(url("referrals_mine"))
    assert len(response.context["page"].object_list) >= 12


def test_the_referrals_made_column_counts_each_referrer_in_one_query(db, acme, alumni, other_alumnus, comeback):
    refer(comeback, alumni)
    alumni_members = list(Membership.objects.filter(organization=acme, status=MembershipStatus.ALUMNI))
    expected = {m.pk: Referral.objects.filter(referrer=m).count() for m in alumni_members}
    with CaptureQueriesContext(connection) as queries:
        values = records.column_values(organization=acme, memberships=alumni_members)["referrals_made"]
    assert values == expected and values[alumni.pk] == 3 and values[other_alumnus.pk] == 0
    assert len([q for q in queries if "alumni_referral" in q["sql"]]) == 1
    assert referral_counts(organization=acme, memberships=[alumni]) == {alumni.pk: 3}


def test_the_demo_has_referrals_in_each_status_by_an_alumnus_and_an_employee(db):
    for slug in ("acme", "globex"):
        rows = Referral.objects.filter(organization__slug=slug)
        assert {r.status for r in rows} == set(ReferralStatus.values)
        assert {r.referrer.user.email.split("@")[0] for r in rows} == {"alumni", "employee"}
        assert Opportunity.objects.filter(organization__slug=slug, status="closed").count() == 1


@pytest.mark.parametrize(
    "language, subject, body",
    [
        ("en", "Your referral of 山口 花子: In talks", "HR's note:"),
        ("ja", "山口 花子 さんのご紹介：話し合い中", "人事からのメモ："),
    ],
)
def test_the_status_e_mail_is_in_the_referrer_s_language(db, hr, alumni, comeback, mailoutbox, language, subject, body):
    alumni.user.language = language
    alumni.user.save(update_fields=["language"])
    referral = refer(comeback, alumni)
    change = services.referral_set_status(referral=referral, actor=hr, status="in_talks", note="面談を設定しました")
    notice = Notice.objects.get(kind=REFERRAL_STATUS, object_id=change.pk)
    assert notices.deliver(notice.pk, organization_id=notice.organization_id) == "sent"
    message = mailoutbox[-1]
    assert subject in message.subject and body in message.body
    html = message.alternatives[0][0]
    assert "面談を設定しました" in html and f"/acme/alumni/referrals/{referral.pk}/" in html
