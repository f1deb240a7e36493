"""Reads of the surveys part: HR's surveys, an alumnus's own invitation, and the results under k-anonymity
(alumni.aggregates: a group is shown only when nothing shown can single out fewer than 5 respondents)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from alumni import aggregates
from alumni.models import DepartureKind
from alumni.models.surveys import InvitationStatus, QuestionKind, Survey, SurveyAnswer, SurveyInvitation, SurveyQuestion

DIMENSIONS = ("milestone", "kind", "year")
ROW = 24  # the height of one bar's row in the survey charts (templates/alumni/surveys/_bar_chart.html)


def surveys(*, organization):
    """The organization's surveys, newest first, with how many were sent and answered."""
    return Survey.objects.for_organization(organization).annotate(
        sent=Count("invitations", distinct=True),
        answered=Count("invitations", filter=Q(invitations__answered_at__isnull=False), distinct=True),
    )


def access_survey(*, membership, pk: int) -> Survey:
    """A survey of the member's organization (HR's views check the capability); Http404 otherwise."""
    survey = Survey.objects.for_organization(membership.organization).filter(pk=pk).first()
    if survey is None:
        raise Http404
    return survey


def access_question(*, membership, survey_pk: int, pk: int) -> SurveyQuestion:
    question = (
        SurveyQuestion.objects.for_organization(membership.organization)
        .filter(survey_id=survey_pk, pk=pk)
        .select_related("survey")
        .first()
    )
    if question is None:
        raise Http404
    return question


def access_own_invitation(*, membership, pk: int) -> SurveyInvitation:
    """The member's own invitation; anyone else's (HR's included) is a 404."""
    invitation = (
        SurveyInvitation.objects.for_organization(membership.organization)
        .filter(pk=pk, membership=membership)
        .select_related("survey")
        .first()
    )
    if invitation is None:
        raise Http404
    return invitation


def invitation_by_token(token: str) -> SurveyInvitation | None:
    """The invitation whose link carries `token`, across organizations (call with scopes disabled), or None."""
    if not token or len(token) > 128:
        return None
    return (
        SurveyInvitation.objects.filter(token_hash=SurveyInvitation.hash_token(token))
        .select_related("survey", "organization", "membership__user")
        .first()
    )


def my_open_invitations(*, membership):
    """The member's invitations not answered and not expired, newest first."""
    return (
        SurveyInvitation.objects.for_organization(membership.organization)
        .filter(membership=membership, answered_at__isnull=True, expires_at__gt=timezone.now())
        .select_related("survey")
    )


def survey_status_column(*, organization, memberships) -> dict[int, str]:
    """HR's alumni records column: each alumnus's latest survey invitation as "3 months: answered" etc. One query."""
    now = timezone.now()
    latest: dict[int, SurveyInvitation] = {}
    for invitation in (
        SurveyInvitation.objects.for_organization(organization)
        .filter(membership__in=[m.pk for m in memberships])
        .order_by("sent_at", "pk")
    ):
        latest[invitation.membership_id] = invitation
    return {
        pk: _("%(months)s months: %(status)s")
        % {"months": inv.milestone, "status": InvitationStatus(inv.status_at(now)).label}
        for pk, inv in latest.items()
    }


# --- results -------------------------------------------------------------------------------------------------


@dataclass
class QuestionResult:
    question: SurveyQuestion
    answered: int = 0
    mean: float | None = None
    bars: list = field(default_factory=list)
    texts: list = field(default_factory=list)  # [(text, name or "")]
    description: str = ""

    @property
    def rows(self) -> list[tuple]:
        """(bar, y) for the chart: one bar every ROW user units."""
        return [(bar, i * ROW) for i, bar in enumerate(self.bars)]

    @property
    def chart_height(self) -> int:
        return ROW * len(self.bars) + 4


@dataclass
class Cell:
    value: object
    label: str
    shown: bool
    respondents: int | None  # None when hidden
    means: list = field(default_factory=list)  # one per scale question, None when nobody answered it


@dataclass
class Breakdown:
    dimension: str
    title: str
    cells: list[Cell]


@dataclass
class Results:
    survey: Survey
    filters: dict
    total: int  # respondents of the whole survey: shown only when the whole is shown
    whole_shown: bool
    shown: bool
    respondents: int | None
    questions: list[QuestionResult]
    breakdowns: list[Breakdown]
    years: list[int]
    columns: int = 1  # the breakdown tables' figure columns: people, then each scale question's mean


def _labels(dimension: str, value) -> str:
    if dimension == "milestone":
        return _("%(months)s months") % {"months": value}
    if dimension == "kind":
        return str(DepartureKind(value).label)
    return str(value)


def results(*, survey: Survey, filters: dict) -> Results:
    """The results of `survey` for the group of `filters` ({"milestone": 3|6|None, "kind": str|None, "year":
    int|None}) and a breakdown by each dimension not filtered, every group under k-anonymity (a hidden group has
    no figure at all). Four queries whatever the number of answers."""
    respondents = list(
        survey.invitations.filter(answered_at__isnull=False).values_list(
            "pk", "milestone", "departure__kind", "departure__last_day", "anonymous", "membership__user__name"
        )
    )
    atom_of = {pk: (milestone, kind, last_day.year) for pk, milestone, kind, last_day, _a, _n in respondents}
    counts: dict[tuple, int] = {}
    for atom in atom_of.values():
        counts[atom] = counts.get(atom, 0) + 1
    suppressor = aggregates.Suppressor(counts)
    wanted = tuple(filters.get(d) for d in DIMENSIONS)
    shown = suppressor.shows(wanted)
    questions = list(survey.questions.all())
    answers = list(SurveyAnswer.objects.filter(invitation__survey=survey, invitation__answered_at__isnull=False))
    names = {pk: ("" if anonymous else name) for pk, _m, _k, _d, anonymous, name in respondents}
    # The years offered as filters are those of every invitation sent, answered or not: the years of the answers
    # alone would tell that someone who left in a year with a single leaver answered.
    years = sorted(day.year for day in survey.invitations.dates("departure__last_day", "year"))
    if not _names_keep_anonymity(suppressor, atom_of, answers, names, years):
        names = dict.fromkeys(names, "")

    def in_group(invitation_id, group) -> bool:
        return aggregates.matches(atom_of[invitation_id], group)

    question_results = []
    if shown:
        for question in questions:
            mine = [a for a in answers if a.question_id == question.pk and in_group(a.invitation_id, wanted)]
            question_results.append(_question_result(question, mine, names))
    breakdowns = []
    scale_questions = [q for q in questions if q.kind == QuestionKind.SCALE]
    values = {"milestone": [3, 6], "kind": [k.value for k in DepartureKind], "year": years}
    titles = {
        "milestone": _("By months after leaving"),
        "kind": _("By reason for leaving"),
        "year": _("By year of leaving"),
    }
    if shown:
        for index, dimension in enumerate(DIMENSIONS):
            if wanted[index] is not None:
                continue
            cells = []
            for value in values[dimension]:
                group = wanted[:index] + (value,) + wanted[index + 1 :]
                size = suppressor.size(group)
                cell_shown = size == 0 or suppressor.shows(group)
                means = []
                if cell_shown and size:
                    for question in scale_questions:
                        scores = [
                            a.scale
                            for a in answers
                            if a.question_id == question.pk and in_group(a.invitation_id, group)
                        ]
                        means.append(aggregates.scale_summary(scores)[0])
                cells.append(
                    Cell(
                        value=value,
                        label=_labels(dimension, value),
                        shown=cell_shown,
                        respondents=size if cell_shown else None,
                        means=means,
                    )
                )
            breakdowns.append(Breakdown(dimension=dimension, title=titles[dimension], cells=cells))
    whole = (None, None, None)
    return Results(
        survey=survey,
        filters=filters,
        total=len(respondents),
        whole_shown=suppressor.shows(whole),
        shown=shown,
        respondents=suppressor.size(wanted) if shown else None,
        questions=question_results,
        breakdowns=breakdowns,
        years=years,
        columns=1 + len(scale_questions),
    )


def _names_keep_anonymity(suppressor, atom_of: dict, answers: list, names: dict, years: list) -> bool:
    """Whether free-text answers may be shown with their authors' names. HR knows who answered (the records'
    survey status, with each one's reason and year of leaving), so in a shown group every named text strikes its
    author off the people who may have written the group's anonymous texts. Names are shown only if, in every group
    HR can ask for (whatever the filter now chosen: the same text is matched across pages), a group holding an
    anonymous text keeps K or more respondents who are not named on any text. Otherwise no text has a name."""
    writers = {a.invitation_id for a in answers if a.text}
    named = {pk for pk in writers if names.get(pk)}
    anonymous = writers - named
    if not anonymous or not named:
        return True
    values = {"milestone": [None, 3, 6], "kind": [None, *(k.value for k in DepartureKind)], "year": [None, *years]}
    for group in itertools.product(*(values[d] for d in DIMENSIONS)):
        if not any(aggregates.matches(atom_of[pk], group) for pk in anonymous):
            continue
        if not suppressor.shows(group):
            continue
        named_inside = sum(1 for pk in named if aggregates.matches(atom_of[pk], group))
        if suppressor.size(group) - named_inside < aggregates.K:
            return False
    return True


def _question_result(question: SurveyQuestion, answers: list[SurveyAnswer], names: dict) -> QuestionResult:
    result = QuestionResult(question=question)
    if question.kind == QuestionKind.SCALE:
        mean, distribution = aggregates.scale_summary(a.scale for a in answers if a.scale is not None)
        result.mean = mean
        result.answered = sum(distribution)
        labels = [str(n) for n in range(1, 6)]
        if question.low_label:
            labels[0] = f"1 {question.low_label}"
        if question.high_label:
            labels[4] = f"5 {question.high_label}"
        result.bars = aggregates.bars(labels, distribution)
    elif question.kind == QuestionKind.CHOICE:
        counts = aggregates.choice_counts((a.choice for a in answers if a.choice is not None), len(question.options))
        result.answered = sum(counts)
        result.bars = aggregates.bars(question.option_texts, counts)
    else:
        # Sorted by their text, never by when they came: the order would tie an anonymous answer to the person
        # HR sees answering at that time (the survey status column).
        texts = sorted(((a.text, names.get(a.invitation_id, "")) for a in answers if a.text), key=lambda t: t[0])
        result.texts = texts
        result.answered = len(texts)
    if result.bars:
        result.description = "; ".join(
            _("%(label)s: %(count)s (%(percent)s%%)") % {"label": b.label, "count": b.count, "percent": b.percent}
            for b in result.bars
        )
    return result
