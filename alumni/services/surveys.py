"""Writes of the surveys part: HR defines surveys and their questions, the scan sends invitations, an alumnus
answers once. Each public service is one `@transaction.atomic` step that writes one `audit_log` row (the scan's
`invitations_create` writes one per invitation)."""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliance.audit import audit_log
from alliance.conflicts import StateConflict
from alumni.models.surveys import (
    LINK_DAYS,
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
)

AUDIT_ACTIONS = {
    "alumni_survey.create": gettext_lazy("Alumni survey created"),
    "alumni_survey.update": gettext_lazy("Alumni survey edited"),
    "alumni_survey.activate": gettext_lazy("Alumni survey put in use"),
    "alumni_survey.deactivate": gettext_lazy("Alumni survey taken out of use"),
    "alumni_survey.copy": gettext_lazy("Alumni survey copied to a new version"),
    "alumni_survey.question_save": gettext_lazy("Alumni survey question saved"),
    "alumni_survey.question_remove": gettext_lazy("Alumni survey question removed"),
    "alumni_survey.invite": gettext_lazy("Alumni survey sent"),
    "alumni_survey.answer": gettext_lazy("Alumni survey answered"),
}

SURVEY_FIELDS = ("title_ja", "title_en", "intro_ja", "intro_en")
QUESTION_FIELDS = (
    "position",
    "kind",
    "text_ja",
    "text_en",
    "required",
    "low_label_ja",
    "low_label_en",
    "high_label_ja",
    "high_label_en",
    "options",
)


def has_answers(survey: Survey) -> bool:
    """Whether any invitation of `survey` was answered: its questions are then frozen."""
    return survey.invitations.filter(answered_at__isnull=False).exists()


def _refuse_if_answered(survey: Survey) -> None:
    if has_answers(survey):
        raise StateConflict(
            _("This survey has answers: its questions can no longer change."),
            next_step=_("Copy it to a new version, change the copy and put the copy in use."),
        )


@transaction.atomic
def survey_create(*, actor, organization, **fields) -> Survey:
    """A new survey (not in use) with the titles and intros in `fields` (SURVEY_FIELDS)."""
    survey = Survey.objects.create(organization=organization, created_by=actor, **_pick(fields, SURVEY_FIELDS))
    audit_log("alumni_survey.create", obj=survey, actor=actor, label=survey.title_ja)
    return survey


@transaction.atomic
def survey_update(*, survey: Survey, actor, **fields) -> Survey:
    """Change the titles and intros. Raises StateConflict once the survey has answers."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    _refuse_if_answered(survey)
    before = {name: getattr(survey, name) for name in SURVEY_FIELDS}
    for name, value in _pick(fields, SURVEY_FIELDS).items():
        setattr(survey, name, value)
    survey.save()
    changes = {n: [before[n], getattr(survey, n)] for n in SURVEY_FIELDS if before[n] != getattr(survey, n)}
    audit_log("alumni_survey.update", obj=survey, actor=actor, changes=changes, label=survey.title_ja)
    return survey


@transaction.atomic
def survey_activate(*, survey: Survey, actor) -> Survey:
    """Put `survey` in use for the scheduled sends (the one in use before is taken out). Raises StateConflict for
    a survey without questions."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if not survey.questions.exists():
        raise StateConflict(_("A survey without questions cannot be put in use."), next_step=_("Add a question."))
    Survey.objects.filter(organization_id=survey.organization_id, is_active=True).exclude(pk=survey.pk).update(
        is_active=False
    )
    survey.is_active = True
    survey.save(update_fields=["is_active", "updated_at"])
    audit_log("alumni_survey.activate", obj=survey, actor=actor, label=survey.title_ja)
    return survey


@transaction.atomic
def survey_deactivate(*, survey: Survey, actor) -> Survey:
    """Take `survey` out of use: no survey is sent until another is put in use."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    survey.is_active = False
    survey.save(update_fields=["is_active", "updated_at"])
    audit_log("alumni_survey.deactivate", obj=survey, actor=actor, label=survey.title_ja)
    return survey


@transaction.atomic
def survey_copy(*, survey: Survey, actor) -> Survey:
    """A new version of `survey` (not in use) with the same texts and questions, to change freely."""
    latest = Survey.objects.filter(organization_id=survey.organization_id).order_by("-version").first()
    copy = Survey.objects.create(
        organization_id=survey.organization_id,
        created_by=actor,
        copied_from=survey,
        version=(latest.version if latest else 0) + 1,
        **{name: getattr(survey, name) for name in SURVEY_FIELDS},
    )
    SurveyQuestion.objects.bulk_create(
        SurveyQuestion(
            organization_id=survey.organization_id,
            survey=copy,
            **{name: getattr(question, name) for name in QUESTION_FIELDS},
        )
        for question in survey.questions.all()
    )
    audit_log(
        "alumni_survey.copy", obj=copy, actor=actor, label=copy.title_ja, changes={"copied_from": [None, survey.pk]}
    )
    return copy


@transaction.atomic
def question_save(*, survey: Survey, actor, question: SurveyQuestion | None = None, **fields) -> SurveyQuestion:
    """Add a question to `survey` (or change `question`): `fields` as QUESTION_FIELDS, validated by the form
    (alumni.forms_surveys.QuestionForm). Fields a kind does not use are cleared. Raises StateConflict once the
    survey has answers."""
    Survey.objects.select_for_update().get(pk=survey.pk)
    _refuse_if_answered(survey)
    values = _pick(fields, QUESTION_FIELDS)
    kind = values.get("kind", question.kind if question else QuestionKind.TEXT)
    if kind != QuestionKind.SCALE:
        values.update(low_label_ja="", low_label_en="", high_label_ja="", high_label_en="")
    if kind != QuestionKind.CHOICE:
        values["options"] = []
    if question is None:
        if "position" not in values:
            values["position"] = survey.questions.count() + 1
        question = SurveyQuestion.objects.create(organization_id=survey.organization_id, survey=survey, **values)
        changes = None
    else:
        before = {name: getattr(question, name) for name in values}
        for name, value in values.items():
            setattr(question, name, value)
        question.save()
        changes = {n: [before[n], values[n]] for n in values if before[n] != values[n]}
    audit_log("alumni_survey.question_save", obj=survey, actor=actor, changes=changes, label=question.text_ja)
    return question


@transaction.atomic
def question_remove(*, question: SurveyQuestion, actor) -> None:
    """Remove a question of a survey nobody has answered (a draft's question, never an answer's). Raises
    StateConflict once the survey has answers."""
    survey = Survey.objects.select_for_update().get(pk=question.survey_id)
    _refuse_if_answered(survey)
    label = question.text_ja
    question.delete()
    audit_log("alumni_survey.question_remove", obj=survey, actor=actor, label=label)


def _pick(fields: dict, names) -> dict:
    return {name: fields[name] for name in names if name in fields}


# --- sending and answering -----------------------------------------------------------------------------------


def invitations_create(*, survey: Survey, keys: list[tuple], now) -> list[SurveyInvitation]:
    """Create the invitations of `survey` for `keys` [(departure, milestone)], skipping any (departure,
    milestone) already invited (the unique constraint holds against a scan running at the same time); returns
    the invitations created. The link expires LINK_DAYS days after `now`. Each is audited, by the system."""
    created = []
    for departure, milestone in keys:
        nonce = SurveyInvitation.new_nonce()
        try:
            with transaction.atomic():
                invitation = SurveyInvitation.objects.create(
                    organization_id=departure.organization_id,
                    survey=survey,
                    departure=departure,
                    membership_id=departure.membership_id,
                    milestone=milestone,
                    nonce=nonce,
                    token_hash=SurveyInvitation.hash_token(SurveyInvitation.make_token(nonce)),
                    sent_at=now,
                    expires_at=now + timedelta(days=LINK_DAYS),
                )
                audit_log(
                    "alumni_survey.invite",
                    obj=invitation,
                    organization=departure.organization,
                    subject=departure.membership,
                    label=f"{survey.title_ja} · {milestone}",
                )
        except IntegrityError:
            continue  # invited by another scan meanwhile: once only
        created.append(invitation)
    return created


@transaction.atomic
def invitation_answer(*, invitation: SurveyInvitation, answers: dict, anonymous: bool) -> SurveyInvitation:
    """Record the answers of `invitation` ({question id: 1-5 for a scale, an option index for a choice, text}),
    once. Raises StateConflict when it was answered already (nothing changes) or its link expired."""
    invitation = SurveyInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.answered_at is not None:
        raise StateConflict(_("You have answered this survey already. Thank you."))
    now = timezone.now()
    if now >= invitation.expires_at:
        raise StateConflict(_("This survey link has expired."))
    rows = []
    for question in invitation.survey.questions.all():
        value = answers.get(question.pk)
        if value in (None, ""):
            continue
        row = SurveyAnswer(organization_id=invitation.organization_id, invitation=invitation, question=question)
        if question.kind == QuestionKind.SCALE:
            row.scale = int(value)
        elif question.kind == QuestionKind.CHOICE:
            row.choice = int(value)
        else:
            row.text = str(value)
        rows.append(row)
    SurveyAnswer.objects.bulk_create(rows)
    invitation.answered_at = now
    invitation.anonymous = anonymous
    invitation.save(update_fields=["answered_at", "anonymous"])
    # The audit row says that it was answered, never what: the answers stay in the aggregate.
    audit_log(
        "alumni_survey.answer",
        obj=invitation,
        actor=invitation.membership,
        label=f"{invitation.survey.title_ja} · {invitation.milestone}",
    )
    return invitation
