"""Faults found by attacking the alumni community as outsiders, alumni, employees and HR: each table is one KIND of
fault, each row one way in. Every test here failed before its fix."""

import itertools
from datetime import date

import pytest
from django.utils import timezone

from alliance.models import MembershipStatus
from alumni.models import Departure, QuestionKind, Survey
from alumni.selectors.surveys import DIMENSIONS, results
from alumni.services.surveys import invitation_answer, invitations_create, survey_copy
from tests.factories import MembershipFactory, UserFactory

# --- an anonymous free-text answer narrowed down by the named ones around it ---------------------------------
#
# HR knows who answered (the records' survey status, with each alumnus's reason and year of leaving). In a shown
# group, every text shown with a name removes that person from those who may have written the anonymous texts:
# when fewer than K people remain, the anonymous text is as good as signed.

# A respondent: (kind, milestone, anonymous, writes a text)
NAMED_TEXT = ("career_step", 3, False, True)
NAMED_SILENT = ("career_step", 3, False, False)
ANON_TEXT = ("career_step", 3, True, True)
ANON_SILENT = ("career_step", 3, True, False)
OTHER_ANON_SILENT = ("startup", 3, True, False)


@pytest.fixture
def fresh_survey(db, acme, hr):
    """A copy of acme's demo survey (same questions) that nobody answered yet."""
    return survey_copy(survey=Survey.objects.get(organization=acme, is_active=True), actor=hr)


def _respond(survey, organization, people):
    texts = {}
    text_question = survey.questions.get(kind=QuestionKind.TEXT)
    for n, (kind, milestone, anonymous, writes) in enumerate(people):
        user = UserFactory(name=f"回答者{n:02d}")
        member = MembershipFactory(organization=organization, user=user, status=MembershipStatus.ALUMNI)
        departure = Departure.objects.create(
            organization=organization, membership=member, status="completed", last_day=date(2025, 4, 30), kind=kind
        )
        (invitation,) = invitations_create(survey=survey, keys=[(departure, milestone)], now=timezone.now())
        answers = {}
        if writes:
            answers[text_question.pk] = f"自由回答{n:02d}"
            texts[f"自由回答{n:02d}"] = (user.name, anonymous)
        invitation_answer(invitation=invitation, answers=answers, anonymous=anonymous)
    return texts


def _every_filter(result):
    values = {"milestone": [None, 3, 6], "kind": [None, "career_step", "startup"], "year": [None, *result.years]}
    for combination in itertools.product(*(values[d] for d in DIMENSIONS)):
        yield dict(zip(DIMENSIONS, combination, strict=True))


@pytest.mark.parametrize(
    "people, names_shown",
    [
        ([NAMED_TEXT] * 4 + [ANON_TEXT], False),
        ([NAMED_TEXT, ANON_TEXT] + [ANON_SILENT] * 3, False),
        ([NAMED_TEXT] * 2 + [ANON_TEXT] + [NAMED_SILENT] * 2, False),
        ([NAMED_TEXT] * 2 + [ANON_TEXT] + [ANON_SILENT] * 2 + [OTHER_ANON_SILENT] * 5, False),
        ([NAMED_TEXT] * 2 + [ANON_TEXT] + [ANON_SILENT] * 7, True),
        ([NAMED_TEXT] * 5, True),
    ],
    ids=[
        "four named texts beside one anonymous text: the anonymous one is the fifth person's",
        "one named text leaves four who may have written the anonymous one",
        "people who answered under their name without a text still count as possible authors",
        "the whole hides the anonymous text but the filter on its reason narrows it to three",
        "seven or more people who may have written the anonymous text: names may be shown",
        "no anonymous text: names are shown",
    ],
)
def test_no_filter_lets_named_texts_narrow_down_who_wrote_an_anonymous_one(db, acme, fresh_survey, people, names_shown):
    texts = _respond(fresh_survey, acme, people)
    any_shown = False
    for filters in _every_filter(results(survey=fresh_survey, filters={})):
        result = results(survey=fresh_survey, filters=filters)
        if not result.shown:
            continue
        any_shown = True
        (text_result,) = [q for q in result.questions if q.question.kind == QuestionKind.TEXT]
        for text, name in text_result.texts:
            writer, anonymous = texts[text]
            assert not (anonymous and name), "an anonymous text carries a name"
            assert name == (writer if names_shown and not anonymous else ""), (filters, text, name)
    assert any_shown


# --- an alumnus who left the community still shown and acting in it by name ----------------------------------
#
# Leaving the community is meant to take one out of it entirely ("their posts then show as a former member"): the
# opportunities were still signed with the name, and one who left could still post, manage and express interest.


@pytest.fixture
def left_poster(db, acme, alumni):
    """acme's demo alumnus, who posted an opportunity, then left the community."""
    from alumni.models import AlumniProfile
    from alumni.services.community import profile_join, profile_leave
    from alumni.services.opportunities import opportunity_create

    opportunity = opportunity_create(actor=alumni, kind="project", title="退職者の案件", description="詳細")
    profile = AlumniProfile.objects.filter(membership=alumni).first() or profile_join(membership=alumni)
    profile_leave(profile=profile, actor=alumni)
    return opportunity


@pytest.mark.parametrize("viewer", ["hr", "employee", "other_alumnus"])
@pytest.mark.parametrize("page", ["opportunities", "opportunity"])
def test_an_opportunity_of_someone_who_left_the_community_shows_a_former_member(
    db, request, login, acme, alumni, left_poster, make_alumnus, viewer, page
):
    member = make_alumnus() if viewer == "other_alumnus" else request.getfixturevalue(viewer)
    from django.urls import reverse

    args = [acme.slug] if page == "opportunities" else [acme.slug, left_poster.pk]
    body = login(member, language="en").get(reverse(f"alumni:{page}", args=args)).content.decode()
    assert "退職者の案件" in body
    assert alumni.user.display_name not in body
    assert "a former member" in body


@pytest.mark.parametrize(
    "act",
    ["post an opportunity", "edit own opportunity", "close own opportunity", "express interest"],
)
def test_an_alumnus_who_left_the_community_no_longer_acts_in_it(db, acme, alumni, left_poster, act):
    from django.core.exceptions import PermissionDenied

    from alliance.models import Membership
    from alumni.services import opportunities as services

    alumni = Membership.objects.get(pk=alumni.pk)  # as a request loads it, after leaving
    other = services.opportunity_create(
        actor=MembershipFactory(organization=acme, role="hr"), kind="job", title="求人", description="詳細"
    )
    calls = {
        "post an opportunity": lambda: services.opportunity_create(
            actor=alumni, kind="project", title="新規", description="詳細"
        ),
        "edit own opportunity": lambda: services.opportunity_update(
            opportunity=left_poster, actor=alumni, kind="project", title="変更", description="詳細"
        ),
        "close own opportunity": lambda: services.opportunity_close(opportunity=left_poster, actor=alumni),
        "express interest": lambda: services.interest_express(opportunity=other, actor=alumni, note=""),
    }
    with pytest.raises(PermissionDenied):
        calls[act]()


def test_an_alumnus_who_left_the_community_is_not_mailed_about_interest_in_their_old_opportunity(
    db, acme, left_poster, make_alumnus, mailoutbox
):
    from alliance import notices
    from alliance.models import Notice
    from alumni.notices_opportunities import INTEREST
    from alumni.services.opportunities import interest_express

    interest = interest_express(opportunity=left_poster, actor=make_alumnus(), note="ぜひ")
    notice = Notice.objects.get(kind=INTEREST, object_id=interest.pk)
    assert notices.deliver(notice.pk, organization_id=notice.organization_id) != "sent"
    assert not mailoutbox


def test_an_opportunity_closed_by_someone_who_then_left_the_community_names_a_former_member(
    db, login, acme, alumni, hr
):
    from django.urls import reverse

    from alumni.models import AlumniProfile
    from alumni.services.community import profile_join, profile_leave
    from alumni.services.opportunities import opportunity_close, opportunity_create

    opportunity = opportunity_create(actor=alumni, kind="project", title="閉じた案件", description="詳細")
    opportunity_close(opportunity=opportunity, actor=alumni)
    profile = AlumniProfile.objects.filter(membership=alumni).first() or profile_join(membership=alumni)
    profile_leave(profile=profile, actor=alumni)
    body = login(hr, language="en").get(reverse("alumni:opportunity", args=[acme.slug, opportunity.pk])).content
    assert alumni.user.display_name not in body.decode()
