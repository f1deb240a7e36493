"""Sending alumni surveys on the core scan (alumni.notices_surveys): 3 and 6 months after the last day, once
each, within the send window, never to someone who came back."""

from datetime import date, datetime, time
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from alliance import notices
from alliance.models import MembershipStatus, Notice
from alumni.models import Departure, DepartureKind, DepartureStatus, SurveyInvitation
from alumni.notices_surveys import KIND, SEND_WINDOW_DAYS, invitations_due, milestone_day
from tests.factories import MembershipFactory, UserFactory


def at(day: date, hour: int = 9):
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _leaver(organization, last_day, *, language="ja", email=None):
    user = UserFactory(email=email or f"leaver-{last_day.isoformat()}@factory.example", language=language)
    membership = MembershipFactory(organization=organization, user=user, status=MembershipStatus.ALUMNI)
    departure = Departure.objects.create(
        organization=organization,
        membership=membership,
        status=DepartureStatus.COMPLETED,
        last_day=last_day,
        kind=DepartureKind.CAREER_STEP,
        completed_at=at(last_day, 18),
        community_invited_at=at(last_day, 18),  # the last-day step's invitation is not what these tests count
    )
    return departure


def _command(day):
    out = StringIO()
    call_command("send_reminders", "--now", at(day).isoformat(), stdout=out)
    return out.getvalue().strip()


@pytest.mark.parametrize(
    "last_day, months, expected",
    [
        (date(2025, 3, 31), 3, date(2025, 6, 30)),
        (date(2025, 3, 31), 6, date(2025, 9, 30)),
        (date(2025, 1, 15), 3, date(2025, 4, 15)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
        (date(2023, 11, 30), 3, date(2024, 2, 29)),
        (date(2025, 8, 31), 6, date(2026, 2, 28)),
        (date(2025, 12, 31), 6, date(2026, 6, 30)),
    ],
    ids=[
        "end of March, 3 months: end of June",
        "end of March, 6 months: end of September",
        "mid-month: the same day 3 months on",
        "end of November: the last day of February",
        "end of November before a leap year: 29 February",
        "end of August, 6 months: the last day of February",
        "end of December, 6 months: end of June",
    ],
)
def test_the_milestone_is_the_end_of_the_civil_code_period_after_the_last_day(last_day, months, expected):
    assert milestone_day(last_day, months) == expected


# The leaver's last day is 31 January of next year (3 months on 30 April, 6 months on 31 July), so that the links
# of the invitations the scans make are still valid by the real clock when their e-mails are delivered.
Y = timezone.localdate().year + 1
LAST_DAY = date(Y, 1, 31)


@pytest.mark.parametrize(
    "scan_day, milestones",
    [
        (date(Y, 4, 29), []),
        (date(Y, 4, 30), [3]),
        (date(Y, 5, 30), [3]),
        (date(Y, 5, 31), []),
        (date(Y, 7, 30), []),
        (date(Y, 7, 31), [6]),
        (date(Y, 8, 30), [6]),
        (date(Y, 8, 31), []),
        (date(Y + 1, 7, 31), []),
    ],
    ids=[
        "the day before 3 months: nothing",
        "on the 3-month day: the 3-month survey",
        "30 days after it (a scan that did not run): still sent",
        "31 days after it: too late, nothing",
        "the day before 6 months: nothing",
        "on the 6-month day: the 6-month survey",
        "30 days after 6 months: still sent",
        "31 days after 6 months: nothing",
        "a year later: nothing",
    ],
)
def test_a_survey_is_sent_from_its_milestone_for_the_send_window_only(acme, scan_day, milestones):
    departure = _leaver(acme, LAST_DAY)
    notices.scan_and_send(now=at(scan_day))
    sent = SurveyInvitation.objects.filter(departure=departure)
    assert sorted(sent.values_list("milestone", flat=True)) == milestones
    assert SEND_WINDOW_DAYS == 30


def test_send_reminders_sends_each_survey_once_and_nothing_the_second_time(acme):
    departure = _leaver(acme, LAST_DAY)
    first = _command(date(Y, 4, 30))
    outbox = len(mail.outbox)
    second = _command(date(Y, 5, 2))
    assert " sent=0 " in second + " ", (first, second)
    assert len(mail.outbox) == outbox
    mine = [m for m in mail.outbox if m.to == [departure.membership.user.email]]
    assert len(mine) == 1, list(Notice.objects.filter(kind=KIND).values_list("state", "error"))[:3]
    _command(date(Y, 7, 31))
    _command(date(Y, 7, 31))
    assert SurveyInvitation.objects.filter(departure=departure).count() == 2
    assert Notice.objects.filter(kind=KIND, recipient=departure.membership).count() == 2
    assert len([m for m in mail.outbox if m.to == [departure.membership.user.email]]) == 2


def test_the_email_is_in_the_recipients_language_with_a_personal_link_whose_token_is_not_stored(acme, client):
    departure = _leaver(acme, LAST_DAY, language="en")
    notices.scan_and_send(now=at(date(Y, 4, 30)))
    (message,) = [m for m in mail.outbox if m.to == [departure.membership.user.email]]
    assert "a short survey" in message.subject
    invitation = SurveyInvitation.objects.get(departure=departure)
    token = invitation.token()
    assert f"/surveys/{token}/" in message.body
    assert token not in (invitation.token_hash, invitation.nonce)
    assert not Notice.objects.filter(url__contains=token).exists()
    assert invitation.token_hash == SurveyInvitation.hash_token(token)


@pytest.mark.parametrize(
    "change",
    ["came back", "left the community", "no survey in use", "departure cancelled"],
)
def test_nobody_is_sent_a_survey_who_should_not_get_one(acme, change):
    from alumni.models import AlumniProfile, Survey

    departure = _leaver(acme, LAST_DAY)
    membership = departure.membership
    if change == "came back":
        membership.status = MembershipStatus.ACTIVE
        membership.save()
    elif change == "left the community":
        AlumniProfile.objects.create(organization=acme, membership=membership, left_community_at=timezone.now())
    elif change == "no survey in use":
        Survey.objects.filter(organization=acme).update(is_active=False)
    else:
        Departure.objects.filter(pk=departure.pk).update(status=DepartureStatus.CANCELLED)
    notices.scan_and_send(now=at(date(Y, 4, 30)))
    assert not SurveyInvitation.objects.filter(departure=departure).exists()


def test_a_queued_survey_notice_is_skipped_once_the_alumnus_came_back(acme):
    departure = _leaver(acme, LAST_DAY)
    notices.scan(now=at(date(Y, 4, 30)))
    departure.membership.status = MembershipStatus.ACTIVE
    departure.membership.save()
    notices.scan_and_send(now=at(date(Y, 4, 30)))
    assert Notice.objects.get(kind=KIND, recipient=departure.membership).state == "skipped"


def test_the_survey_in_use_at_send_time_is_the_one_sent(acme, hr):
    from alumni.models import Survey
    from alumni.services import surveys as services

    old = Survey.objects.get(organization=acme, is_active=True)
    new = services.survey_copy(survey=old, actor=hr)
    services.survey_activate(survey=new, actor=hr)
    departure = _leaver(acme, LAST_DAY)
    notices.scan_and_send(now=at(date(Y, 4, 30)))
    assert SurveyInvitation.objects.get(departure=departure).survey == new


def test_the_second_scan_asks_a_few_queries_and_records_nothing(acme, django_assert_max_num_queries):
    for n in range(12):
        _leaver(acme, LAST_DAY, email=f"many-{n}@factory.example")
    notices.scan(now=at(date(Y, 4, 30)))
    before = (SurveyInvitation.objects.count(), Notice.objects.count())
    # Active surveys, then per milestone the candidates; for the one that has some, the invitations made and
    # the notices recorded.
    with django_assert_max_num_queries(1 + 2 + 2 + 2):
        assert list(invitations_due(now=at(date(Y, 4, 30)), batch_size=500)) == []
    assert (SurveyInvitation.objects.count(), Notice.objects.count()) == before
