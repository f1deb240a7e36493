"""Opportunities of the alumni community: who reads which, posting and closing, interest and its follow-up."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from alliance import notices
from alliance.audit import AuditEntry
from alliance.conflicts import StateConflict
from alliance.models import Membership, Notice
from alumni.demo_opportunities import COMEBACK_TITLE
from alumni.models import Interest, InterestStatus, Opportunity, OpportunityKind, OpportunityStatus
from alumni.notices_opportunities import INTEREST
from alumni.services import opportunities as services


@pytest.fixture
def other_alumnus(db):
    return (
        Membership.objects.select_related("user")
        .filter(organization__slug="acme", status="alumni")
        .exclude(user__email="alumni@acme.example")
        .order_by("pk")
        .first()
    )


@pytest.fixture
def comeback(db):
    return Opportunity.objects.get(organization__slug="acme", title=COMEBACK_TITLE)


@pytest.fixture
def closed(db):
    return Opportunity.objects.get(organization__slug="acme", kind=OpportunityKind.PARTNERSHIP)


def post(actor, **overrides):
    values = {
        "kind": OpportunityKind.PROJECT,
        "title": "データ基盤の立ち上げ",
        "description": "半年のプロジェクトです。",
        "location": "大阪",
        "remote": True,
        "closes_on": None,
    }
    values.update(overrides)
    return services.opportunity_create(actor=actor, **values)


def url(name, *args):
    return reverse(f"alumni:{name}", args=["acme", *args])


# Who reads an opportunity: alumni and HR every one (closed ones stay readable); current employees only open
# ones, so that they can refer someone; a closed one does not exist for them.
@pytest.mark.parametrize(
    "role, which, expected",
    [
        ("alumni", "open", 200),
        ("alumni", "closed", 200),
        ("hr", "open", 200),
        ("hr", "closed", 200),
        ("employee", "open", 200),
        ("employee", "closed", 404),
        ("manager", "open", 200),
        ("manager", "closed", 404),
    ],
)
def test_each_role_reads_the_opportunities_the_table_says(db, login, request, comeback, closed, role, which, expected):
    opportunity = comeback if which == "open" else closed
    client = login(request.getfixturevalue(role), language="en")
    assert client.get(url("opportunity", opportunity.pk)).status_code == expected
    listing = client.get(url("opportunities") + "?state=closed").content.decode()
    assert (f'data-opportunity="{closed.pk}"' in listing) == (role in {"alumni", "hr"})


def test_an_opportunity_past_its_closing_date_counts_as_closed(db, login, employee, alumni, hr):
    opportunity = post(hr, closes_on=timezone.localdate())
    Opportunity.objects.filter(pk=opportunity.pk).update(closes_on=timezone.localdate() - timedelta(days=1))
    assert login(employee).get(url("opportunity", opportunity.pk)).status_code == 404
    page = login(alumni, language="en").get(url("opportunity", opportunity.pk)).content.decode()
    assert "data-closed-banner" in page
    with pytest.raises(StateConflict):
        services.interest_express(opportunity=opportunity, actor=alumni)


@pytest.mark.parametrize(
    "query, kinds",
    [
        ("", {"comeback", "project"}),
        ("?kind=project", {"project"}),
        ("?state=closed", {"partnership"}),
        ("?state=all", {"comeback", "project", "partnership"}),
        ("?kind=comeback&state=closed", set()),
    ],
)
def test_the_list_filters_by_kind_and_open_or_closed(db, login, alumni, query, kinds):
    page = login(alumni, language="en").get(url("opportunities") + query)
    assert {o.kind for o in page.context["page"].object_list} == kinds


def test_current_employees_never_list_closed_ones_even_when_they_ask(db, login, employee):
    page = login(employee).get(url("opportunities") + "?state=closed")
    assert {o.kind for o in page.context["page"].object_list} == {"comeback", "project"}


def test_the_list_reads_in_a_fixed_number_of_queries(
    db, login, hr, alumni, other_alumnus, django_assert_max_num_queries
):
    for n in range(25):
        opportunity = post(hr, title=f"募集 {n}")
        services.interest_express(opportunity=opportunity, actor=other_alumnus)
    client = login(alumni)
    with django_assert_max_num_queries(14):
        page = client.get(url("opportunities"))
    assert page.status_code == 200 and len(page.context["page"].object_list) == 20
    assert page.context["page"].object_list[0].interest_count == 1


def test_an_alumnus_posts_an_opportunity_and_the_audit_says_so(db, login, alumni):
    response = login(alumni).post(
        url("opportunity_new"),
        {"kind": "partnership", "title": "共同研究", "description": "大学との共同研究の相手を探しています。"},
    )
    opportunity = Opportunity.objects.get(title="共同研究")
    assert response.status_code == 302 and response["Location"] == url("opportunity", opportunity.pk)
    assert opportunity.posted_by == alumni and opportunity.status == OpportunityStatus.OPEN
    assert AuditEntry.objects.filter(action="opportunity.create", object_id=str(opportunity.pk)).count() == 1


@pytest.mark.parametrize(
    "data, field",
    [
        ({"title": "  "}, "title"),
        ({"description": ""}, "description"),
        ({"closes_on": "2001-04-01"}, "closes_on"),
        ({"kind": "lottery"}, "kind"),
    ],
)
def test_a_mistake_is_named_beside_its_field_and_what_was_typed_stays(db, login, alumni, data, field):
    form = {"kind": "job", "title": "採用担当", "description": "一緒に採用を考えましょう。", **data}
    response = login(alumni, language="en").post(url("opportunity_new"), form)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert response.context["form"]["description"].value() == form["description"]
    assert not Opportunity.objects.filter(title=form["title"].strip() or "—").exclude(kind="comeback").exists()


def test_only_the_poster_or_hr_edit_and_close_it(db, login, alumni, other_alumnus, hr):
    opportunity = post(alumni)
    assert login(other_alumnus).get(url("opportunity_edit", opportunity.pk)).status_code == 403
    assert login(other_alumnus).post(url("opportunity_close", opportunity.pk)).status_code == 403
    assert login(alumni).get(url("opportunity_edit", opportunity.pk)).status_code == 200
    assert login(hr).get(url("opportunity_close", opportunity.pk)).status_code == 200
    with pytest.raises(PermissionDenied):
        services.opportunity_close(opportunity=opportunity, actor=other_alumnus)


def test_closing_keeps_it_readable_marked_closed_and_takes_no_more_interest(db, login, alumni, other_alumnus):
    opportunity = post(alumni)
    response = login(alumni).post(url("opportunity_close", opportunity.pk))
    assert response.status_code == 302
    opportunity.refresh_from_db()
    assert opportunity.status == "closed" and opportunity.closed_by == alumni and opportunity.closed_at
    page = login(other_alumnus, language="en").get(url("opportunity", opportunity.pk))
    assert page.status_code == 200 and "data-closed-banner" in page.content.decode()
    assert login(other_alumnus).post(url("opportunity_interest", opportunity.pk)).status_code == 409
    assert login(alumni).get(url("opportunity_edit", opportunity.pk)).status_code == 409
    assert login(alumni).post(url("opportunity_edit", opportunity.pk), {"kind": "job"}).status_code == 409


def test_interest_tells_the_poster_even_when_the_poster_is_an_alumnus(db, login, alumni, other_alumnus, mailoutbox):
    opportunity = post(alumni)
    response = login(other_alumnus).post(url("opportunity_interest", opportunity.pk), {"note": "ぜひ話を聞きたいです"})
    assert response.status_code == 302
    interest = Interest.objects.get(opportunity=opportunity, membership=other_alumnus)
    notice = Notice.objects.get(kind=INTEREST, object_id=interest.pk)
    assert notice.recipient_id == alumni.pk
    assert notices.deliver(notice.pk, organization_id=notice.organization_id) == "sent"
    assert opportunity.title in mailoutbox[-1].subject and "ぜひ話を聞きたいです" in mailoutbox[-1].body


def test_the_poster_sees_who_is_interested_and_other_alumni_do_not(db, login, alumni, other_alumnus, hr, comeback):
    name = other_alumnus.user.display_name
    assert name in login(hr).get(url("opportunity", comeback.pk)).content.decode()
    page = login(alumni, language="en").get(url("opportunity", comeback.pk)).content.decode()
    assert "data-interest=" not in page and name not in page


def test_a_follow_up_status_is_what_the_interested_person_then_sees(db, login, hr, alumni, comeback):
    interest = Interest.objects.get(opportunity=comeback, membership=alumni)
    response = login(hr).post(url("interest_status", interest.pk), {"status": "in_talks"})
    assert response.status_code == 302
    page = login(alumni, language="en").get(url("opportunity", comeback.pk)).content.decode()
    assert 'data-own-interest-status="in_talks"' in page
    assert AuditEntry.objects.filter(action="opportunity.interest_status", object_id=str(interest.pk)).exists()


def test_an_alumnus_who_did_not_post_it_cannot_follow_up_anyones_interest(db, login, other_alumnus, comeback, alumni):
    interest = Interest.objects.get(opportunity=comeback, membership=alumni)
    assert login(other_alumnus).post(url("interest_status", interest.pk), {"status": "contacted"}).status_code == 404
    interest.refresh_from_db()
    assert interest.status == InterestStatus.NEW


def test_withdrawing_keeps_the_interest_marked_and_it_can_be_expressed_again(db, login, alumni, comeback):
    interest = Interest.objects.get(opportunity=comeback, membership=alumni)
    assert login(alumni).get(url("interest_withdraw", comeback.pk)).status_code == 200
    assert login(alumni).post(url("interest_withdraw", comeback.pk)).status_code == 302
    interest.refresh_from_db()
    assert interest.withdrawn_at is not None
    with pytest.raises(StateConflict):
        services.interest_set_status(interest=interest, actor=comeback.posted_by, status="contacted")
    services.interest_express(opportunity=comeback, actor=alumni, note="やはり興味があります")
    interest.refresh_from_db()
    assert interest.withdrawn_at is None and interest.status == InterestStatus.NEW
    assert Interest.objects.filter(opportunity=comeback, membership=alumni).count() == 1


def test_expressing_interest_twice_changes_nothing_the_second_time(db, alumni, other_alumnus):
    opportunity = post(alumni)
    services.interest_express(opportunity=opportunity, actor=other_alumnus)
    services.interest_express(opportunity=opportunity, actor=other_alumnus)
    assert AuditEntry.objects.filter(action="opportunity.interest", object_label=opportunity.title).count() == 1
    assert Notice.objects.filter(kind=INTEREST, recipient=alumni).count() == 1


@pytest.mark.parametrize("role", ["hr", "employee"])
def test_only_alumni_express_interest(db, request, comeback, role):
    with pytest.raises(PermissionDenied):
        services.interest_express(opportunity=comeback, actor=request.getfixturevalue(role))


def test_a_note_too_long_is_refused_with_its_length(db, alumni, other_alumnus):
    opportunity = post(alumni)
    with pytest.raises(ValidationError) as error:
        services.interest_express(opportunity=opportunity, actor=other_alumnus, note="あ" * 1001)
    assert "1001" in error.value.message_dict["note"][0]


def test_an_opportunity_of_another_organization_is_404_to_alumni(db, login, alumni):
    foreign = Opportunity.objects.get(organization__slug="globex", title=COMEBACK_TITLE)
    for name in ("opportunity", "opportunity_interest", "interest_withdraw", "opportunity_refer"):
        assert login(alumni).get(url(name, foreign.pk)).status_code == 404, name
        # A GET-only page answers a POST with 405 before it looks anything up: that reveals nothing either.
        assert login(alumni).post(url(name, foreign.pk)).status_code in (404, 405), name


def test_current_employees_find_the_opportunities_in_the_menu(db, login, employee):
    page = login(employee, language="en").get(reverse("dashboard", args=["acme"])).content.decode()
    assert url("opportunities") in page


def test_a_withdrawn_interest_has_nothing_left_to_tell_the_poster(db, alumni, other_alumnus, mailoutbox):
    opportunity = post(alumni)
    interest = services.interest_express(opportunity=opportunity, actor=other_alumnus)
    notice = Notice.objects.get(kind=INTEREST, object_id=interest.pk)
    services.interest_withdraw(interest=interest, actor=other_alumnus)
    assert notices.deliver(notice.pk, organization_id=notice.organization_id) == "skipped"
    assert not mailoutbox


def test_seeding_the_demo_again_adds_no_opportunity(db, acme):
    from alumni import demo_opportunities
    from alumni.models import Referral

    before = (Opportunity.objects.count(), Interest.objects.count(), Referral.objects.count())
    demo_opportunities.seed(acme)
    assert (Opportunity.objects.count(), Interest.objects.count(), Referral.objects.count()) == before
