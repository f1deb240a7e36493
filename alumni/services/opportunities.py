"""Writes of opportunities, interest and referrals. Each public function is one `@transaction.atomic` step that
checks who acts (PermissionDenied), the state (StateConflict, the 409 page) and the input (ValidationError keyed
by the form field), and ends with one `audit_log` row. Notices: the poster hears of new interest
(`alumni-opportunity-interest`), the referrer of each status change (`alumni-referral-status`).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliance.audit import audit_log
from alliance.conflicts import StateConflict
from alliance.models import Membership
from alliance.permissions import membership_has
from alumni import notices_opportunities as notices
from alumni.capabilities import EXPRESS_INTEREST, MANAGE_COMMUNITY, REFER_CANDIDATES
from alumni.models import (
    Interest,
    InterestStatus,
    Opportunity,
    OpportunityKind,
    OpportunityStatus,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
)
from alumni.models.opportunities import NOTE_MAX, REFERRAL_TRANSITIONS, TEXT_MAX, TITLE_MAX
from alumni.selectors.opportunities import may_manage, sees_closed
from alumni.selectors.posts import left_community, may_take_part

# What HR reads on the audit page for each action these services write (AlumniConfig.ready registers them).
AUDIT_ACTIONS = {
    "opportunity.create": gettext_lazy("Opportunity posted"),
    "opportunity.update": gettext_lazy("Opportunity edited"),
    "opportunity.close": gettext_lazy("Opportunity closed"),
    "opportunity.interest": gettext_lazy("Interest in an opportunity expressed"),
    "opportunity.interest_withdraw": gettext_lazy("Interest in an opportunity withdrawn"),
    "opportunity.interest_status": gettext_lazy("Interest in an opportunity followed up"),
    "referral.create": gettext_lazy("Candidate referred"),
    "referral.status": gettext_lazy("Referral status changed"),
}

PHONE_DIGITS_MIN, PHONE_DIGITS_MAX = 10, 15
_PHONE_CHARS = re.compile(r"^\+?[0-9()\- ]+$")


def _text(value, *, field: str, empty: str | None, limit: int) -> str:
    """`value` stripped; ValidationError keyed `field` when empty (if `empty` says what to write) or too long."""
    text = (value or "").strip()
    if not text and empty:
        raise ValidationError({field: [empty]})
    if len(text) > limit:
        raise ValidationError(
            {field: [_("Keep it to %(max)d characters (this one has %(n)d).") % {"max": limit, "n": len(text)}]}
        )
    return text


def clean_phone(value: str) -> str:
    """A phone number as typed, with full-width digits made half-width: digits, spaces, hyphens, parentheses and
    a leading +, 10 to 15 digits (03-1234-5678, 090 1234 5678, +81 90-1234-5678). Raises ValidationError."""
    phone = unicodedata.normalize("NFKC", value or "").strip()
    digits = sum(ch.isdigit() for ch in phone)
    if not _PHONE_CHARS.match(phone) or not PHONE_DIGITS_MIN <= digits <= PHONE_DIGITS_MAX:
        raise ValidationError(
            _("Write a phone number of 10 to 15 digits, e.g. 090-1234-5678 or +81 90-1234-5678."), code="phone"
        )
    return phone


def _opportunity_fields(*, kind, title, description, location, remote, closes_on, today: date) -> dict:
    errors = {}
    values = {"location": (location or "").strip()[:200], "remote": bool(remote), "closes_on": closes_on}
    if kind not in OpportunityKind.values:
        errors["kind"] = [_("Choose what kind of opportunity this is.")]
    values["kind"] = kind
    for name, empty, limit, raw in (
        ("title", _("Give the opportunity a title."), TITLE_MAX, title),
        ("description", _("Describe the opportunity: what it is, who you look for."), TEXT_MAX, description),
    ):
        try:
            values[name] = _text(raw, field=name, empty=empty, limit=limit)
        except ValidationError as error:
            errors.update(error.message_dict)
    if closes_on is not None and closes_on < today:
        errors["closes_on"] = [_("The closing date has passed: choose today or a later day, or leave it empty.")]
    if errors:
        raise ValidationError(errors)
    return values


def _lock_opportunity(opportunity: Opportunity) -> Opportunity:
    return Opportunity.objects.for_organization(opportunity.organization_id).select_for_update().get(pk=opportunity.pk)


def closed_conflict(opportunity: Opportunity) -> StateConflict:
    """The 409 for acting on a closed `opportunity` (it stays readable; the next step is the open ones)."""
    return StateConflict(
        _("This opportunity is closed."),
        next_step=_("It stays readable; look for an open one."),
        next_url_name="alumni:opportunities",
        next_label=_("Open opportunities"),
    )


@transaction.atomic
def opportunity_create(
    *,
    actor: Membership,
    kind: str,
    title: str,
    description: str,
    location: str = "",
    remote: bool = False,
    closes_on: date | None = None,
) -> Opportunity:
    """Post an opportunity to `actor`'s community (HR or an alumnus: USE_COMMUNITY, else PermissionDenied).
    `closes_on` is the last day it takes interest (inclusive), not before today. ValidationError keyed by field.
    Writes one audit row (`opportunity.create`)."""
    if not may_take_part(actor):
        raise PermissionDenied
    values = _opportunity_fields(
        kind=kind,
        title=title,
        description=description,
        location=location,
        remote=remote,
        closes_on=closes_on,
        today=timezone.localdate(),
    )
    opportunity = Opportunity.objects.create(organization_id=actor.organization_id, posted_by=actor, **values)
    audit_log(
        "opportunity.create",
        obj=opportunity,
        actor=actor,
        changes={"kind": [None, opportunity.kind], "title": [None, opportunity.title]},
    )
    return opportunity


@transaction.atomic
def opportunity_update(
    *,
    opportunity: Opportunity,
    actor: Membership,
    kind: str,
    title: str,
    description: str,
    location: str = "",
    remote: bool = False,
    closes_on: date | None = None,
) -> Opportunity:
    """Edit an open opportunity (its poster or HR, else PermissionDenied; closed: StateConflict). A closing date
    already set may stay as it is even if it passed meanwhile; a new one is not before today. Writes one audit row
    (`opportunity.update`) with what changed, none when nothing did."""
    opportunity = _lock_opportunity(opportunity)
    if not may_manage(actor, opportunity):
        raise PermissionDenied
    if opportunity.status == OpportunityStatus.CLOSED:
        raise closed_conflict(opportunity)
    today = timezone.localdate()
    if closes_on is not None and closes_on == opportunity.closes_on:
        today = min(today, closes_on)
    values = _opportunity_fields(
        kind=kind,
        title=title,
        description=description,
        location=location,
        remote=remote,
        closes_on=closes_on,
        today=today,
    )
    changes = {
        name: [getattr(opportunity, name), value]
        for name, value in values.items()
        if getattr(opportunity, name) != value
    }
    if not changes:
        return opportunity
    for name, value in values.items():
        setattr(opportunity, name, value)
    opportunity.save()
    audit_log(
        "opportunity.update",
        obj=opportunity,
        actor=actor,
        changes={k: [str(v) if isinstance(v, date) else v for v in pair] for k, pair in changes.items()},
    )
    return opportunity


@transaction.atomic
def opportunity_close(*, opportunity: Opportunity, actor: Membership) -> Opportunity:
    """Close an opportunity (its poster or HR, else PermissionDenied): it stays readable to alumni and HR,
    marked closed with who and when, and takes no more interest or referrals. Closing it again is a no-op.
    Writes one audit row (`opportunity.close`)."""
    opportunity = _lock_opportunity(opportunity)
    if not may_manage(actor, opportunity):
        raise PermissionDenied
    if opportunity.status == OpportunityStatus.CLOSED:
        return opportunity
    opportunity.status = OpportunityStatus.CLOSED
    opportunity.closed_at = timezone.now()
    opportunity.closed_by = actor
    opportunity.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
    audit_log("opportunity.close", obj=opportunity, actor=actor, changes={"status": ["open", "closed"]})
    return opportunity


@transaction.atomic
def interest_express(*, opportunity: Opportunity, actor: Membership, note: str = "") -> Interest:
    """`actor` (an alumnus: EXPRESS_INTEREST, else PermissionDenied; not the poster) says they are interested in
    an open `opportunity` (closed: StateConflict), with an optional note (NOTE_MAX characters). Expressing it
    again while active changes nothing; after a withdrawal it is active again, status back to new. The poster is
    told once (a notice). Writes one audit row (`opportunity.interest`)."""
    if not membership_has(actor, EXPRESS_INTEREST) or opportunity.posted_by_id == actor.pk or left_community(actor):
        raise PermissionDenied
    opportunity = _lock_opportunity(opportunity)
    if not opportunity.is_open:
        raise closed_conflict(opportunity)
    note = _text(note, field="note", empty=None, limit=NOTE_MAX)
    interest, created = Interest.objects.get_or_create(
        organization_id=opportunity.organization_id,
        opportunity=opportunity,
        membership=actor,
        defaults={"note": note},
    )
    if not created:
        if interest.withdrawn_at is None:
            return interest
        interest.withdrawn_at = None
        interest.status = InterestStatus.NEW
        interest.note = note
        interest.save(update_fields=["withdrawn_at", "status", "note", "updated_at"])
    audit_log(
        "opportunity.interest",
        obj=interest,
        actor=actor,
        label=str(opportunity),
        changes={"note": [None, note]} if note else {},
    )
    notices.notify_interest(interest)
    return interest


@transaction.atomic
def interest_withdraw(*, interest: Interest, actor: Membership) -> Interest:
    """Withdraw `actor`'s own `interest` (kept, marked withdrawn; another's: PermissionDenied). Withdrawing it
    again is a no-op. Writes one audit row (`opportunity.interest_withdraw`)."""
    interest = Interest.objects.for_organization(interest.organization_id).select_for_update().get(pk=interest.pk)
    if interest.membership_id != actor.pk:
        raise PermissionDenied
    if interest.withdrawn_at is not None:
        return interest
    interest.withdrawn_at = timezone.now()
    interest.save(update_fields=["withdrawn_at", "updated_at"])
    audit_log(
        "opportunity.interest_withdraw",
        obj=interest,
        actor=actor,
        label=str(interest.opportunity),
        changes={"withdrawn_at": [None, interest.withdrawn_at.isoformat()]},
    )
    return interest


@transaction.atomic
def interest_set_status(*, interest: Interest, actor: Membership, status: str) -> Interest:
    """The poster or HR (else PermissionDenied) follow up `interest` with an InterestStatus, which the interested
    person sees. A withdrawn interest: StateConflict. Unknown status: ValidationError keyed `status`. The same
    status again is a no-op. Writes one audit row (`opportunity.interest_status`)."""
    interest = (
        Interest.objects.for_organization(interest.organization_id)
        .select_for_update()
        .select_related("opportunity")
        .get(pk=interest.pk)
    )
    if not may_manage(actor, interest.opportunity):
        raise PermissionDenied
    if status not in InterestStatus.values:
        raise ValidationError({"status": [_("Choose one of the statuses listed.")]})
    if interest.withdrawn_at is not None:
        raise StateConflict(
            _("This person withdrew their interest."),
            next_step=_("Nothing to follow up; their interest stays listed as withdrawn."),
            next_url_name="alumni:opportunity",
            next_url_args=(interest.opportunity_id,),
            next_label=_("Back to the opportunity"),
        )
    if interest.status == status:
        return interest
    before = interest.status
    interest.status = status
    interest.save(update_fields=["status", "updated_at"])
    audit_log(
        "opportunity.interest_status",
        obj=interest,
        actor=actor,
        subject=interest.membership,
        label=str(interest.opportunity),
        changes={"status": [before, status]},
    )
    return interest


@transaction.atomic
def referral_create(
    *,
    opportunity: Opportunity,
    actor: Membership,
    candidate_name: str,
    candidate_email: str = "",
    candidate_phone: str = "",
    reason: str,
) -> Referral:
    """`actor` (an alumnus or a current member: REFER_CANDIDATES, else PermissionDenied) refers a candidate to an
    open `opportunity` (closed: StateConflict; a closed one a current employee may not read: PermissionDenied).
    Name and reason are required; an e-mail or a phone number (or both) too, each validated. ValidationError keyed
    by field. Records the first history row (received) and one audit row (`referral.create`); the candidate's
    contact is not written to the audit trail."""
    if not membership_has(actor, REFER_CANDIDATES):
        raise PermissionDenied
    opportunity = _lock_opportunity(opportunity)
    if not opportunity.is_open:
        if not sees_closed(actor):
            raise PermissionDenied
        raise closed_conflict(opportunity)
    errors = {}
    values = {}
    for name, empty, limit, raw in (
        ("candidate_name", _("Write the candidate's name."), 200, candidate_name),
        ("reason", _("Say why you refer them: what they would bring to this opportunity."), TEXT_MAX, reason),
    ):
        try:
            values[name] = _text(raw, field=name, empty=empty, limit=limit)
        except ValidationError as error:
            errors.update(error.message_dict)
    email = unicodedata.normalize("NFKC", candidate_email or "").strip()
    phone = (candidate_phone or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["candidate_email"] = [_("Write an e-mail address such as name@example.com.")]
    if phone:
        try:
            phone = clean_phone(phone)
        except ValidationError as error:
            errors["candidate_phone"] = error.messages
    if not email and not phone:
        errors["candidate_email"] = [_("Give an e-mail address or a phone number so that HR can reach them.")]
    if errors:
        raise ValidationError(errors)
    referral = Referral.objects.create(
        organization_id=opportunity.organization_id,
        opportunity=opportunity,
        referrer=actor,
        candidate_email=email,
        candidate_phone=phone,
        **values,
    )
    ReferralStatusChange.objects.create(
        organization_id=referral.organization_id,
        referral=referral,
        from_status="",
        to_status=ReferralStatus.RECEIVED,
        changed_by=actor,
        changed_at=referral.created_at,
    )
    audit_log(
        "referral.create",
        obj=referral,
        actor=actor,
        label=str(opportunity),
        changes={"status": [None, ReferralStatus.RECEIVED]},
    )
    return referral


@transaction.atomic
def referral_set_status(*, referral: Referral, actor: Membership, status: str, note: str) -> ReferralStatusChange:
    """HR (MANAGE_COMMUNITY, else PermissionDenied) moves `referral` to `status` along REFERRAL_TRANSITIONS
    (received → in talks → hired / not this time; hired and not this time are final: StateConflict), with a
    required note the referrer reads (ValidationError keyed `status` or `note`). Adds one history row, tells the
    referrer (notice `alumni-referral-status`) and writes one audit row (`referral.status`)."""
    if not membership_has(actor, MANAGE_COMMUNITY):
        raise PermissionDenied
    referral = Referral.objects.for_organization(referral.organization_id).select_for_update().get(pk=referral.pk)
    allowed = REFERRAL_TRANSITIONS[referral.status]
    if not allowed:
        raise StateConflict(
            _("This referral is final (%(status)s).") % {"status": referral.get_status_display()},
            next_step=_("Its history stays readable; nothing more changes."),
            next_url_name="alumni:referral",
            next_url_args=(referral.pk,),
            next_label=_("Back to the referral"),
        )
    errors = {}
    if status not in allowed:
        errors["status"] = [
            _("From “%(current)s” a referral can move to: %(allowed)s.")
            % {
                "current": referral.get_status_display(),
                "allowed": ", ".join(str(ReferralStatus(value).label) for value in allowed),
            }
        ]
    try:
        note = _text(
            note,
            field="note",
            empty=_("Write a note for the referrer: what happened, what comes next."),
            limit=NOTE_MAX,
        )
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    before = referral.status
    referral.status = status
    referral.save(update_fields=["status", "updated_at"])
    change = ReferralStatusChange.objects.create(
        organization_id=referral.organization_id,
        referral=referral,
        from_status=before,
        to_status=status,
        note=note,
        changed_by=actor,
    )
    audit_log(
        "referral.status",
        obj=referral,
        actor=actor,
        subject=referral.referrer,
        label=str(referral.opportunity),
        changes={"status": [before, status], "note": [None, note]},
    )
    notices.notify_referral_status(change)
    return change
