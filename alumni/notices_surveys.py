"""The survey sent to each alumnus 3 and 6 months after their last day, on the core notice scan (alliance.notices).

When: the milestone of a departure whose last day is D is the last day of the period of n months that starts the
day after D (Civil Code art. 140 and 143, alliance.periods.period_end): last day 31 March → 3 months on 30 June,
6 months on 30 September; last day 30 November → 3 months on 28 (29) February. The survey is sent on the scan of
that day or of any of the SEND_WINDOW_DAYS days after it (a scan that did not run still sends it), never later:
turning surveys on, or a first survey put in use, mails nobody whose milestone passed longer ago than that.

To whom: alumni of a completed departure whose membership is still alumni (not one who came back: their
membership is active again) and who did not leave the community, in organizations with a survey in use (the one
active at send time is the one sent). Once: a SurveyInvitation per (departure, milestone) (unique), and the notice
recorded once under (organization, kind, invitation, recipient). The e-mail goes in the recipient's language to
the address alliance.notices resolves (an alumnus's personal address), with the personal link
`/surveys/<token>/`; the in-app notice links to `/<org>/alumni/surveys/answer/<pk>/`, which opens for the alumnus
signed in.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance import notices
from alliance.models import MembershipStatus, Notice
from alliance.periods import period_end
from alumni.models import Departure, DepartureStatus
from alumni.models.surveys import MILESTONES, Survey, SurveyInvitation

KIND = "alumni-survey"
# How many days after its milestone a survey is still sent (see the module docstring).
SEND_WINDOW_DAYS = 30


def milestone_day(last_day: date, months: int) -> date:
    """The day `months` months after `last_day` (the last working day): the end of the Civil Code period of
    `months` months that starts the next day (alliance.periods.period_end). Raises ValueError for months < 1."""
    return period_end(last_day + timedelta(days=1), months)


def _last_days_due(today: date, months: int) -> tuple[date, date]:
    """The range of last days (inclusive) whose milestone may fall within the send window ending `today`:
    wide enough, the exact test is `milestone_day` on each."""
    return today - timedelta(days=31 * (months + 1) + SEND_WINDOW_DAYS), today - timedelta(days=28 * months - 1)


def invitation_path(invitation: SurveyInvitation, slug: str) -> str:
    """The in-app page of the invitation (for the alumnus signed in)."""
    return reverse("alumni:survey_answer", args=[slug, invitation.pk])


def invitations_due(*, now, batch_size: int):
    """A provider: create the invitations due at `now` (see the module) and yield their notices in batches.
    Runs with django-scopes disabled (alliance.notices.scan): one query per milestone for the candidate
    departures, one for the active surveys, one for the invitations already made; then, per batch, the inserts
    and one query for the notices already recorded."""
    today = timezone.localdate(now)
    surveys = {s.organization_id: s for s in Survey.objects.filter(is_active=True).select_related("organization")}
    if not surveys:
        return
    for months in MILESTONES:
        first, last = _last_days_due(today, months)
        departures = [
            d
            for d in Departure.objects.filter(
                organization_id__in=list(surveys),
                status=DepartureStatus.COMPLETED,
                membership__status=MembershipStatus.ALUMNI,
                last_day__gte=first,
                last_day__lte=last,
            )
            .exclude(membership__alumni_profile__left_community_at__isnull=False)
            .select_related("organization", "membership")
            .order_by("pk")
            if milestone_day(d.last_day, months)
            <= today
            <= milestone_day(d.last_day, months) + timedelta(days=SEND_WINDOW_DAYS)
        ]
        if not departures:
            continue
        invited = dict(
            SurveyInvitation.objects.filter(departure__in=departures, milestone=months).values_list(
                "departure_id", "pk"
            )
        )
        for start in range(0, len(departures), batch_size):
            chunk = departures[start : start + batch_size]
            from alumni.services.surveys import invitations_create

            for organization_id in {d.organization_id for d in chunk}:
                fresh = [(d, months) for d in chunk if d.organization_id == organization_id and d.pk not in invited]
                for invitation in invitations_create(survey=surveys[organization_id], keys=fresh, now=now):
                    invited[invitation.departure_id] = invitation.pk
            ids = [invited[d.pk] for d in chunk if d.pk in invited]
            recorded = set(
                Notice.objects.filter(
                    kind=KIND,
                    content_type=ContentType.objects.get_for_model(SurveyInvitation),
                    object_id__in=ids,
                ).values_list("object_id", flat=True)
            )
            owed = [pk for pk in ids if pk not in recorded]
            if not owed:
                continue
            rows = SurveyInvitation.objects.filter(pk__in=owed).select_related("organization", "survey").order_by("pk")
            yield [
                notices.Due(
                    organization_id=invitation.organization_id,
                    kind=KIND,
                    obj=invitation,
                    recipient_id=invitation.membership_id,
                    label=f"{invitation.survey.title_ja} / {invitation.survey.title_en}",
                    url=invitation_path(invitation, invitation.organization.slug),
                )
                for invitation in rows
                if invitation.answered_at is None and now < invitation.expires_at
            ]


def _invitation_of(notice) -> SurveyInvitation | None:
    return (
        SurveyInvitation.objects.for_organization(notice.organization_id)
        .select_related("survey", "membership__user", "organization")
        .filter(pk=notice.object_id)
        .first()
    )


def _context(notice) -> dict:
    invitation = _invitation_of(notice)
    site = settings.SITE_URL.rstrip("/")
    return {
        "invitation": invitation,
        "survey": invitation.survey,
        "months": invitation.milestone,
        "expires_at": invitation.expires_at,
        "url": site + reverse("survey_public", args=[invitation.token()]),
    }


def _relevant(notice) -> bool:
    """Still worth sending: not answered, the link not expired, the recipient still an alumnus."""
    invitation = _invitation_of(notice)
    return (
        invitation is not None
        and invitation.answered_at is None
        and timezone.now() < invitation.expires_at
        and invitation.membership.status == MembershipStatus.ALUMNI
    )


def register() -> None:
    """Register the survey kind (it reaches alumni) and its provider with the core scan; called by
    AlumniConfig.ready()."""
    notices.register_kind(
        KIND,
        label=_("A survey from your former organization"),
        context=_context,
        relevant=_relevant,
        reaches_alumni=True,
    )
    notices.register_provider(invitations_due)
