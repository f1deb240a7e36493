"""The alumni app's figures on HR's dashboard (`/<org>/hr/`, alliance.hr_insights): departures by kind and month,
the alumni community's size and activity, comeback interest, referrals by status and survey responses, each with
the drill-down list behind it. Registered by `register()` from AlumniConfig.ready().

Rules every builder and list here keeps:
- **Fixed queries.** A builder runs the same number of queries whatever the organization's size (aggregates with
  conditional counts, TruncMonth; never a loop over people); a list is one queryset of dicts.
- **Inclusive dates.** A figure "in the period" counts the rows whose date (a DateField, or a DateTimeField's
  local date in the current time zone) lies in `period_start..period_end`, both days included. Figures "now"
  (the community's size) ignore the period.
- **Who is narrowed, by department and manager.** A person is in the department when their membership's
  `department` is it (an alumnus keeps theirs). Alumni have no manager link any more (it is cleared on the last
  day), so for the manager filter:
  - a **departure** is narrowed by its own `Departure.manager`, the manager snapshotted when it was started (the
    person's manager at the time of leaving), for planned and completed ones alike;
  - any **other person** (an alumnus, a poster, a referrer, a respondent) is in the manager's group when their
    membership reports to that manager now, or when one of their departures was started under that manager.
  `InsightFilters.members()` is not used for this reason: it would drop every alumnus once a manager is chosen.
- **Consent.** The exit conversation's words are never read here. The comeback choice counts under its value only
  when the person let HR quote their answer about coming back (`comeback_note_quotable`, as HR's alumni records
  do); every other departure counts as "not shared", and the lists never match an unshared answer.
- **Survey anonymity.** Only counts of invitations and responses, never answers (those are on each survey's
  results page). A survey's responses, and its response rate, are shown only when 0 or at least K
  (alumni.aggregates.K) people answered in the group: the results page hides fewer than K. There is no total over
  surveys. A count of responses tells only how many answered, which HR's alumni records already show person by
  person (their survey status column); no answer, mean or breakdown is derived here, so narrowing by department
  or manager (a dimension the results page does not offer) reveals no answer either.
- Lists hold plain values (names, dates, labels, numbers); the surveys list's `results` column links to the
  survey's results page (alliance.hr_insights.Link).
- Each list returns exactly the rows its figure counts when called with the figure's `list_params`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, NullIf, TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from alliance.hr_insights import Chart, Figure, InsightFilters, Link, Section, register_list, register_section
from alliance.models import Membership, MembershipStatus
from alumni import aggregates
from alumni.models import (
    AlumniProfile,
    Comeback,
    ComebackInterest,
    Comment,
    Departure,
    DepartureKind,
    DepartureStatus,
    Interest,
    InterestStatus,
    Opportunity,
    OpportunityKind,
    OpportunityStatus,
    Post,
    Referral,
    ReferralStatus,
)
from alumni.models.surveys import Survey, SurveyInvitation

# The departures a figure counts: started and not cancelled.
COUNTED_DEPARTURES = (DepartureStatus.PLANNED, DepartureStatus.COMPLETED)
# The departures list's `timing` parameter for the planned departures whose last day comes after the period.
AFTER_PERIOD = "after_period"
# The comeback figures' keys (the `comeback` parameter of the departures list): a ComebackInterest value shared
# with HR ("unsaid": shared, but no choice made), or NOT_SHARED.
NOT_SHARED = "not_shared"
UNSAID = "unsaid"


# --- narrowing -----------------------------------------------------------------------------------------------


def _field(path: str, name: str) -> str:
    return f"{path}__{name}" if path else name


def _narrow_people(qs: QuerySet, filters: InsightFilters, path: str) -> QuerySet:
    """`qs` narrowed to the people of `filters`' department and manager; `path` leads from `qs`'s model to the
    person's Membership ("" when `qs` is of memberships). See the module's docstring for the manager rule."""
    if filters.department is not None:
        qs = qs.filter(**{_field(path, "department"): filters.department})
    if filters.manager is not None:
        # An uncorrelated subquery (run once), not EXISTS per row.
        left_under = (
            Departure.objects.for_organization(filters.organization)
            .filter(manager=filters.manager)
            .values("membership_id")
        )
        qs = qs.filter(Q(**{_field(path, "manager"): filters.manager}) | Q(**{f"{path or 'pk'}__in": left_under}))
    return qs


def _in_period(filters: InsightFilters, lookup: str) -> Q:
    """The rows whose `lookup` is in the period, both ends included: a DateField's name, or `<datetime>__date`
    for a DateTimeField whose local date (current time zone) is in it, compared as the instants from the first
    day's midnight to the midnight after the last day (so an index is used and no row's date is computed)."""
    if lookup.endswith("__date"):
        field = lookup.removesuffix("__date")
        zone = timezone.get_current_timezone()
        first = timezone.make_aware(datetime.combine(filters.period_start, time.min), zone)
        after = timezone.make_aware(datetime.combine(filters.period_end + timedelta(days=1), time.min), zone)
        return Q(**{f"{field}__gte": first, f"{field}__lt": after})
    return Q(**{f"{lookup}__gte": filters.period_start, f"{lookup}__lte": filters.period_end})


def _name(path: str):
    """The person's display name (their name, or their e-mail address when they gave none) as an expression."""
    return Coalesce(
        NullIf(F(_field(path, "user__name")), Value("")), F(_field(path, "user__email")), output_field=CharField()
    )


def _label(field: str, choices) -> Case:
    """A TextChoices field's label in the active language, as an expression (for a list of dicts)."""
    return Case(
        *(When(**{field: value}, then=Value(str(label))) for value, label in choices),
        default=Value(""),
        output_field=CharField(),
    )


def _param(params, name: str, allowed) -> str:
    """The query string's `name` when it is one of `allowed`, else "" (an unknown value is ignored)."""
    value = params.get(name, "") if params is not None else ""
    return value if value in allowed else ""


def _month_key(day: date) -> str:
    return f"{day:%Y-%m}"


# --- departures ----------------------------------------------------------------------------------------------


def _departures(filters: InsightFilters) -> QuerySet:
    """The departures counted for `filters`: planned or completed, last day in the period, narrowed by the
    leaver's department and the departure's manager snapshot."""
    qs = Departure.objects.for_organization(filters.organization).filter(
        _in_period(filters, "last_day"), status__in=COUNTED_DEPARTURES
    )
    if filters.department is not None:
        qs = qs.filter(membership__department=filters.department)
    if filters.manager is not None:
        qs = qs.filter(manager=filters.manager)
    return qs


def _planned_after(filters: InsightFilters) -> QuerySet:
    """The planned departures (still to happen) whose last day comes after the period's end, narrowed like
    `_departures`: a fact HR wants to see beside the period's figures, counted apart from them."""
    qs = Departure.objects.for_organization(filters.organization).filter(
        status=DepartureStatus.PLANNED, last_day__gt=filters.period_end
    )
    if filters.department is not None:
        qs = qs.filter(membership__department=filters.department)
    if filters.manager is not None:
        qs = qs.filter(manager=filters.manager)
    return qs


def build_departures(filters: InsightFilters) -> Section:
    """Departures whose last day is in the period: planned and completed, by kind (reason) and by month; and,
    apart from those, the planned departures whose last day comes after the period (upcoming when the period ends
    today, as by default). Two queries."""
    counts = {}
    for row in (
        _departures(filters)
        .annotate(month=TruncMonth("last_day"))
        .values("kind", "status", "month")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        key = (row["kind"], row["status"], _month_key(row["month"]))
        counts[key] = counts.get(key, 0) + row["n"]
    after = _planned_after(filters).count()

    def total(kind=None, status=None, month=None) -> int:
        return sum(
            n
            for (k, s, m), n in counts.items()
            if (kind is None or k == kind) and (status is None or s == status) and (month is None or m == month)
        )

    figures = [
        Figure(label=_("Departures"), value=total(), list_key="alumni_departures"),
        Figure(
            label=_("Planned"),
            value=total(status=DepartureStatus.PLANNED),
            list_key="alumni_departures",
            list_params={"status": DepartureStatus.PLANNED},
            note=_("The last day is still to come."),
        ),
        Figure(
            label=_("Left"),
            value=total(status=DepartureStatus.COMPLETED),
            list_key="alumni_departures",
            list_params={"status": DepartureStatus.COMPLETED},
        ),
        Figure(
            label=_("Planned, last day after the period"),
            value=after,
            list_key="alumni_departures",
            list_params={"timing": AFTER_PERIOD},
            note=_("Not in the period's figures: their last day comes after %(end)s.")
            % {"end": filters.period_end.isoformat()},
        ),
    ]
    figures += [
        Figure(label=str(label), value=total(kind=value), list_key="alumni_departures", list_params={"kind": value})
        for value, label in DepartureKind.choices
    ]
    months = filters.months()
    statuses = ((DepartureStatus.PLANNED, _("Planned")), (DepartureStatus.COMPLETED, _("Left")))
    charts = [
        Chart(
            title=_("Departures by month of the last day"),
            # "2026-04", as on the other charts over time: read the same in both languages, and short on a phone.
            labels=[_month_key(month) for month in months],
            series=[
                (str(name), [total(status=status, month=_month_key(month)) for month in months])
                for status, name in statuses
            ],
            unit=_("people"),
        ),
        Chart(
            title=_("Departures by reason for leaving"),
            labels=[str(label) for _value, label in DepartureKind.choices],
            series=[
                (str(name), [total(kind=value, status=status) for value, _label in DepartureKind.choices])
                for status, name in statuses
            ],
            unit=_("people"),
        ),
    ]
    return Section(
        key="alumni_departures",
        title=_("Departures"),
        figures=figures,
        charts=charts,
        empty_message="" if total() or after else _("No departure has its last day in this period."),
    )


def departure_rows(filters: InsightFilters, params) -> QuerySet:
    """The departures behind the departures and comeback figures, newest last day first, as dicts: name,
    last_day (a date), kind, status, comeback (the shared choice, or "Not shared"). `params`: `timing`
    (after_period: instead of the period's departures, the planned ones whose last day comes after it), `status`
    (planned, completed), `kind` (a DepartureKind value), `month` (YYYY-MM of the last day), `comeback` (yes, maybe,
    no, unsaid, not_shared: a value matches only a shared answer). Never any words of the exit conversation."""
    after = _param(params, "timing", (AFTER_PERIOD,))
    qs = _planned_after(filters) if after else _departures(filters)
    status = _param(params, "status", COUNTED_DEPARTURES)
    if status:
        qs = qs.filter(status=status)
    kind = _param(params, "kind", DepartureKind.values)
    if kind:
        qs = qs.filter(kind=kind)
    month = params.get("month", "") if params is not None else ""
    if month in {_month_key(m) for m in filters.months()}:
        year, number = (int(part) for part in month.split("-"))
        qs = qs.filter(last_day__year=year, last_day__month=number)
    comeback = _param(params, "comeback", [*_comeback_keys(), NOT_SHARED])
    if comeback == NOT_SHARED:
        qs = qs.filter(comeback_note_quotable=False)
    elif comeback:
        qs = qs.filter(comeback_note_quotable=True, comeback="" if comeback == UNSAID else comeback)
    return (
        qs.annotate(
            name=_name("membership"),
            kind_label=_label("kind", DepartureKind.choices),
            status_label=_label("status", DepartureStatus.choices),
            comeback_label=Case(
                When(comeback_note_quotable=False, then=Value(str(_("Not shared")))),
                *(When(comeback=value, then=Value(str(label))) for value, label in ComebackInterest.choices),
                default=Value(""),
                output_field=CharField(),
            ),
        )
        .order_by("-last_day", "-pk")
        .values("name", "last_day", "kind_label", "status_label", "comeback_label")
    )


def describe_departures(params) -> list[str]:
    """The departures list's own narrowing in words (its page shows them under the title); unknown values are
    left out, as the list ignores them."""
    words = []
    if _param(params, "timing", (AFTER_PERIOD,)):
        words.append(_("Planned, last day after the period"))
    status = _param(params, "status", COUNTED_DEPARTURES)
    if status:
        words.append(str(DepartureStatus(status).label))
    kind = _param(params, "kind", DepartureKind.values)
    if kind:
        words.append(str(DepartureKind(kind).label))
    month = params.get("month", "") if params is not None else ""
    if len(month) == 7 and month[4] == "-" and month.replace("-", "").isdigit():
        words.append(_("Last day in %(month)s") % {"month": month})
    comeback = _param(params, "comeback", [*_comeback_keys(), NOT_SHARED])
    if comeback == NOT_SHARED:
        words.append(_("Comeback interest not shared"))
    elif comeback:
        labels = {UNSAID if value == "" else value: label for value, label in ComebackInterest.choices}
        words.append(_("Comeback interest: %(answer)s") % {"answer": labels[comeback]})
    return words


# --- comeback interest ---------------------------------------------------------------------------------------


def _comeback_keys() -> list[str]:
    return [UNSAID if value == "" else value for value in ComebackInterest.values]


def build_comebacks(filters: InsightFilters) -> Section:
    """Comeback interest of the departures whose last day is in the period (a choice only where shared with HR,
    the rest "not shared"), and the comebacks recorded in the period. Two queries."""
    shared = Q(comeback_note_quotable=True)
    counts = _departures(filters).aggregate(
        not_shared=Count("pk", filter=~shared),
        **{key: Count("pk", filter=shared & Q(comeback="" if key == UNSAID else key)) for key in _comeback_keys()},
    )
    comebacks = _comebacks(filters).count()
    labels = {UNSAID if value == "" else value: label for value, label in ComebackInterest.choices}
    figures = [
        Figure(
            label=str(labels[key]),
            value=counts[key],
            list_key="alumni_departures",
            list_params={"comeback": key},
        )
        for key in _comeback_keys()
    ]
    figures.append(
        Figure(
            label=_("Not shared"),
            value=counts[NOT_SHARED],
            list_key="alumni_departures",
            list_params={"comeback": NOT_SHARED},
            note=_("The person kept their answer about coming back between them and their manager."),
        )
    )
    figures.append(
        Figure(
            label=_("Comebacks"),
            value=comebacks,
            list_key="alumni_comebacks",
            note=_("Alumni who became members again in the period."),
        )
    )
    return Section(
        key="alumni_comebacks",
        title=_("Comeback interest"),
        figures=figures,
        charts=[
            Chart(
                title=_("Would consider coming back (departures in the period)"),
                labels=[f.label for f in figures[:-1]],
                series=[(str(_("Departures")), [f.value for f in figures[:-1]])],
                unit=_("people"),
            )
        ],
    )


def _comebacks(filters: InsightFilters) -> QuerySet:
    qs = Comeback.objects.for_organization(filters.organization).filter(_in_period(filters, "came_back_on"))
    return _narrow_people(qs, filters, "membership")


def comeback_rows(filters: InsightFilters, params) -> QuerySet:
    """The comebacks recorded in the period (came back on a day in it), latest first: name, left_on,
    came_back_on (dates)."""
    return (
        _comebacks(filters)
        .annotate(name=_name("membership"))
        .order_by("-came_back_on", "-pk")
        .values("name", "left_on", "came_back_on")
    )


# --- the community -------------------------------------------------------------------------------------------

COMMUNITY_STATES = ("joined", "hidden", "left", "not_joined")


def _alumni(filters: InsightFilters) -> QuerySet:
    qs = Membership.objects.for_organization(filters.organization).filter(status=MembershipStatus.ALUMNI)
    return _narrow_people(qs, filters, "")


def _community_state(qs: QuerySet, state: str, organization) -> QuerySet:
    profiles = AlumniProfile.objects.for_organization(organization).filter(membership=OuterRef("pk"))
    if state == "joined":
        return qs.filter(Exists(profiles.filter(left_community_at__isnull=True)))
    if state == "hidden":
        return qs.filter(Exists(profiles.filter(left_community_at__isnull=True, hidden=True)))
    if state == "left":
        return qs.filter(Exists(profiles.filter(left_community_at__isnull=False)))
    if state == "not_joined":
        return qs.filter(~Exists(profiles))
    return qs


def _posts(filters):
    qs = Post.objects.for_organization(filters.organization).filter(_in_period(filters, "created_at__date"))
    return _narrow_people(qs, filters, "author")


def _comments(filters):
    qs = Comment.objects.for_organization(filters.organization).filter(_in_period(filters, "created_at__date"))
    return _narrow_people(qs, filters, "author")


def _posters(filters):
    """The members (alumni, HR, anyone) who posted or commented in the period."""
    organization = filters.organization
    posted = Post.objects.for_organization(organization).filter(_in_period(filters, "created_at__date"))
    commented = Comment.objects.for_organization(organization).filter(_in_period(filters, "created_at__date"))
    # Two uncorrelated subqueries (each run once), not EXISTS per member.
    qs = Membership.objects.for_organization(organization).filter(
        Q(pk__in=posted.values("author_id")) | Q(pk__in=commented.values("author_id"))
    )
    return _narrow_people(qs, filters, "")


def _opportunities(filters):
    qs = Opportunity.objects.for_organization(filters.organization).filter(_in_period(filters, "created_at__date"))
    return _narrow_people(qs, filters, "posted_by")


def _interests(filters):
    qs = Interest.objects.for_organization(filters.organization).filter(_in_period(filters, "created_at__date"))
    return _narrow_people(qs, filters, "membership")


def build_community(filters: InsightFilters) -> Section:
    """The community's size now (alumni, joined, hidden from the directory, left the community, not joined) and
    its activity in the period (posts, comments, people who posted or commented, opportunities posted, interests
    expressed, withdrawn ones included). Six queries."""
    profile = "alumni_profile"
    in_community = Q(**{f"{profile}__isnull": False, f"{profile}__left_community_at__isnull": True})
    size = _alumni(filters).aggregate(
        total=Count("pk"),
        joined=Count("pk", filter=in_community),
        hidden=Count("pk", filter=in_community & Q(**{f"{profile}__hidden": True})),
        left=Count("pk", filter=Q(**{f"{profile}__left_community_at__isnull": False})),
        not_joined=Count("pk", filter=Q(**{f"{profile}__isnull": True})),
    )
    people = "alumni_people"
    figures = [
        Figure(label=_("Alumni"), value=size["total"], list_key=people),
        Figure(
            label=_("In the community"),
            value=size["joined"],
            list_key=people,
            list_params={"state": "joined"},
            note=_("Joined and not left; hidden profiles included."),
        ),
        Figure(
            label=_("Hidden from the directory"),
            value=size["hidden"],
            list_key=people,
            list_params={"state": "hidden"},
        ),
        Figure(label=_("Left the community"), value=size["left"], list_key=people, list_params={"state": "left"}),
        Figure(
            label=_("Not joined"),
            value=size["not_joined"],
            list_key=people,
            list_params={"state": "not_joined"},
            note=_("Alumni who have not joined the community yet."),
        ),
        Figure(label=_("Posts"), value=_posts(filters).count(), list_key="alumni_posts"),
        Figure(label=_("Comments"), value=_comments(filters).count(), list_key="alumni_comments"),
        Figure(
            label=_("People who posted"),
            value=_posters(filters).count(),
            list_key="alumni_posters",
            note=_("Posted or commented in the period."),
        ),
        Figure(label=_("Opportunities posted"), value=_opportunities(filters).count(), list_key="alumni_opportunities"),
        Figure(label=_("Interests expressed"), value=_interests(filters).count(), list_key="alumni_interests"),
    ]
    return Section(
        key="alumni_community",
        title=_("Alumni community"),
        figures=figures,
        empty_message="" if size["total"] else _("No alumni yet: people appear here after their last day."),
    )


def people_rows(filters: InsightFilters, params) -> QuerySet:
    """The organization's alumni (narrowed), in 五十音順: name, left_on (a date), community (its state's label).
    `params`: `state` (joined, hidden, left, not_joined)."""
    from alliance.selectors import by_reading

    qs = _community_state(_alumni(filters), _param(params, "state", COMMUNITY_STATES), filters.organization)
    qs = qs.annotate(
        name=_name(""),
        community=Case(
            When(alumni_profile__isnull=True, then=Value(str(_("Not joined")))),
            When(alumni_profile__left_community_at__isnull=False, then=Value(str(_("Left the community")))),
            When(alumni_profile__hidden=True, then=Value(str(_("Profile hidden")))),
            default=Value(str(_("Member of the community"))),
            output_field=CharField(),
        ),
    )
    return by_reading(qs).values("name", "left_on", "community")


def _item_state():
    """An expression: a post's or comment's state as its author and HR see it (withdrawn, hidden, shown)."""
    return Case(
        When(withdrawn_at__isnull=False, then=Value(str(_("Withdrawn")))),
        When(hidden_at__isnull=False, then=Value(str(_("Hidden by HR")))),
        default=Value(str(_("Shown"))),
        output_field=CharField(),
    )


def post_rows(filters: InsightFilters, params) -> QuerySet:
    """The posts made in the period, newest first: author, posted (a datetime), comments (all of them), state.
    Never their words."""
    return (
        _posts(filters)
        .annotate(author_name=_name("author"), comment_count=Count("comments"), state=_item_state())
        .order_by("-created_at", "-pk")
        .values("author_name", "created_at", "comment_count", "state")
    )


def comment_rows(filters: InsightFilters, params) -> QuerySet:
    """The comments made in the period, newest first: author, posted (a datetime), state. Never their words."""
    return (
        _comments(filters)
        .annotate(author_name=_name("author"), state=_item_state())
        .order_by("-created_at", "-pk")
        .values("author_name", "created_at", "state")
    )


def poster_rows(filters: InsightFilters, params) -> QuerySet:
    """The people who posted or commented in the period, in 五十音順: name, status, posts, comments (their
    numbers in the period)."""
    from alliance.selectors import by_reading

    period = _in_period(filters, "alumni_posts__created_at__date")
    comment_period = _in_period(filters, "alumni_comments__created_at__date")
    qs = _posters(filters).annotate(
        name=_name(""),
        status_label=_label("status", MembershipStatus.choices),
        # Subqueries, not joins: two joined counts would multiply each other.
        post_count=Count("alumni_posts", filter=period, distinct=True),
        comment_count=Count("alumni_comments", filter=comment_period, distinct=True),
    )
    return by_reading(qs).values("name", "status_label", "post_count", "comment_count")


def opportunity_rows(filters: InsightFilters, params) -> QuerySet:
    """The opportunities posted in the period, newest first: title, kind, posted_by, created_at, status."""
    return (
        _opportunities(filters)
        .annotate(
            kind_label=_label("kind", OpportunityKind.choices),
            posted_by_name=_name("posted_by"),
            status_label=_label("status", OpportunityStatus.choices),
        )
        .order_by("-created_at", "-pk")
        .values("title", "kind_label", "posted_by_name", "created_at", "status_label")
    )


def interest_rows(filters: InsightFilters, params) -> QuerySet:
    """The interests expressed in the period, newest first: name, opportunity, created_at, status (withdrawn when
    withdrawn). Never the note."""
    return (
        _interests(filters)
        .annotate(
            name=_name("membership"),
            opportunity_title=F("opportunity__title"),
            status_label=Case(
                When(withdrawn_at__isnull=False, then=Value(str(_("Withdrawn")))),
                *(When(status=value, then=Value(str(label))) for value, label in InterestStatus.choices),
                default=Value(""),
                output_field=CharField(),
            ),
        )
        .order_by("-created_at", "-pk")
        .values("name", "opportunity_title", "created_at", "status_label")
    )


# --- referrals -----------------------------------------------------------------------------------------------


def _referrals(filters):
    qs = Referral.objects.for_organization(filters.organization).filter(_in_period(filters, "created_at__date"))
    return _narrow_people(qs, filters, "referrer")


def build_referrals(filters: InsightFilters) -> Section:
    """The referrals made in the period, by their status now. One query."""
    counts = _referrals(filters).aggregate(
        total=Count("pk"), **{value: Count("pk", filter=Q(status=value)) for value in ReferralStatus.values}
    )
    figures = [Figure(label=_("Referrals"), value=counts["total"], list_key="alumni_referrals")]
    figures += [
        Figure(label=str(label), value=counts[value], list_key="alumni_referrals", list_params={"status": value})
        for value, label in ReferralStatus.choices
    ]
    return Section(
        key="alumni_referrals",
        title=_("Referrals"),
        figures=figures,
        charts=[
            Chart(
                title=_("Referrals by status"),
                labels=[str(label) for _value, label in ReferralStatus.choices],
                series=[(str(_("Referrals")), [counts[value] for value in ReferralStatus.values])],
                unit=_("people"),
            )
        ],
        empty_message="" if counts["total"] else _("No referral in this period."),
    )


def referral_rows(filters: InsightFilters, params) -> QuerySet:
    """The referrals made in the period, newest first: candidate, opportunity, referrer, created_at, status.
    `params`: `status` (a ReferralStatus value). Never the candidate's contact details nor the reason."""
    qs = _referrals(filters)
    status = _param(params, "status", ReferralStatus.values)
    if status:
        qs = qs.filter(status=status)
    return (
        qs.annotate(
            opportunity_title=F("opportunity__title"),
            referrer_name=_name("referrer"),
            status_label=_label("status", ReferralStatus.choices),
        )
        .order_by("-created_at", "-pk")
        .values("candidate_name", "opportunity_title", "referrer_name", "created_at", "status_label")
    )


# --- surveys -------------------------------------------------------------------------------------------------


def _survey_counts(filters: InsightFilters, survey: str = "") -> list[dict]:
    """Per survey with an invitation sent in the period (narrowed by the alumnus): pk, title, version, sent,
    answered (of those invitations, whenever answered), shown (whether `answered` may be shown: 0 or K and
    more), rate (whole percent, None when hidden or nothing sent), results (the results page's path). Newest
    survey first. One query."""
    qs = SurveyInvitation.objects.for_organization(filters.organization).filter(_in_period(filters, "sent_at__date"))
    qs = _narrow_people(qs, filters, "membership")
    if survey.isdigit():
        qs = qs.filter(survey_id=int(survey))
    rows = (
        qs.values("survey_id", "survey__title_ja", "survey__title_en", "survey__version")
        .annotate(sent=Count("pk"), answered=Count("pk", filter=Q(answered_at__isnull=False)))
        .order_by("-survey_id")
    )
    out = []
    for row in rows:
        answered = row["answered"]
        shown = answered == 0 or answered >= aggregates.K
        sent = row["sent"]
        title = Survey(title_ja=row["survey__title_ja"], title_en=row["survey__title_en"]).title
        out.append(
            {
                "pk": row["survey_id"],
                "title": title,
                "version": row["survey__version"],
                "sent": sent,
                "answered": answered if shown else None,
                "answered_label": str(answered) if shown else _("Fewer than %(k)s") % {"k": aggregates.K},
                "rate": round(100 * answered / sent) if shown and sent else None,
                "rate_label": f"{round(100 * answered / sent)}%" if shown and sent else "—",
                "results": reverse("alumni:survey_results", args=[filters.organization.slug, row["survey_id"]]),
            }
        )
    return out


def build_surveys(filters: InsightFilters) -> Section:
    """The alumni surveys sent in the period: for each, the invitations sent in it, how many of them were
    answered and the response rate, hidden under K respondents as on the results page (where the answers are).
    One query."""
    rows = _survey_counts(filters)
    # Each survey's figure counts answers and links to that survey's row of the list (with its results page).
    per_survey = [
        Figure(
            label=_("%(title)s (v%(version)s)") % {"title": row["title"], "version": row["version"]},
            value=row["answered"] if row["answered"] is not None else row["answered_label"],
            list_key="alumni_surveys",
            list_params={"survey": str(row["pk"])},
            counts_rows=False,
            note=(
                _("Answered, of %(sent)s sent in the period (%(rate)s). The answers are on the survey's results page.")
                % {"sent": row["sent"], "rate": row["rate_label"]}
                if row["answered"] is not None
                else _("Fewer than %(k)s answered, of %(sent)s sent: hidden to protect who answered.")
                % {"k": aggregates.K, "sent": row["sent"]}
            ),
        )
        for row in rows
    ]
    figures = (
        [
            Figure(label=_("Surveys sent in the period"), value=len(rows), list_key="alumni_surveys"),
            *per_survey,
        ]
        if rows
        else []
    )
    charts = []
    if rows:
        charts.append(
            Chart(
                title=_("Response rate of the surveys sent in the period"),
                labels=[figure.label for figure in per_survey],
                series=[(str(_("Response rate")), [row["rate"] for row in rows])],
                unit="%",
            )
        )
    return Section(
        key="alumni_surveys",
        title=_("Alumni surveys"),
        figures=figures,
        charts=charts,
        empty_message=""
        if rows
        else _(
            "No survey was sent in this period. Surveys go out 3 and 6 months after "
            "each last day, once a survey is in use (Alumni › Surveys)."
        ),
    )


def survey_rows(filters: InsightFilters, params) -> list[dict]:
    """The surveys sent in the period, newest first: title, version, sent, answered (or "Fewer than 5"), rate,
    results (a Link to the survey's results page, where the answers are). `params`: `survey` (a survey's id)."""
    survey = params.get("survey", "") if params is not None else ""
    return [
        {
            "title": row["title"],
            "version": row["version"],
            "sent": row["sent"],
            "answered": row["answered_label"],
            "rate": row["rate_label"],
            "results": Link(text=_("Open the results"), url=row["results"]),
        }
        for row in _survey_counts(filters, survey)
    ]


# --- registration --------------------------------------------------------------------------------------------

ORDER = 100  # after the core's sections (people, alignments, tours, signatures, checkpoints: orders 10-70)


def register() -> None:
    """Register the alumni sections and lists with the HR dashboard (called once, from AlumniConfig.ready())."""
    register_section("alumni_departures", title=gettext_lazy("Departures"), order=ORDER, build=build_departures)
    register_section("alumni_community", title=gettext_lazy("Alumni community"), order=ORDER + 1, build=build_community)
    register_section(
        "alumni_comebacks", title=gettext_lazy("Comeback interest"), order=ORDER + 2, build=build_comebacks
    )
    register_section("alumni_referrals", title=gettext_lazy("Referrals"), order=ORDER + 3, build=build_referrals)
    register_section("alumni_surveys", title=gettext_lazy("Alumni surveys"), order=ORDER + 4, build=build_surveys)

    name = gettext_lazy("Name")
    posted = gettext_lazy("Posted")
    status = gettext_lazy("Status")
    register_list(
        "alumni_departures",
        title=gettext_lazy("Departures"),
        columns=[
            ("name", name),
            ("last_day", gettext_lazy("Last working day")),
            ("kind_label", gettext_lazy("Reason for leaving")),
            ("status_label", status),
            ("comeback_label", gettext_lazy("Comeback interest")),
        ],
        rows=departure_rows,
        describe=describe_departures,
    )
    register_list(
        "alumni_comebacks",
        title=gettext_lazy("Comebacks"),
        columns=[
            ("name", name),
            ("left_on", gettext_lazy("Left on")),
            ("came_back_on", gettext_lazy("Came back on")),
        ],
        rows=comeback_rows,
    )
    register_list(
        "alumni_people",
        title=gettext_lazy("Alumni"),
        columns=[
            ("name", name),
            ("left_on", gettext_lazy("Left on")),
            ("community", gettext_lazy("Community")),
        ],
        rows=people_rows,
    )
    register_list(
        "alumni_posts",
        title=gettext_lazy("Community posts"),
        columns=[
            ("author_name", gettext_lazy("Author")),
            ("created_at", posted),
            ("comment_count", gettext_lazy("Comments")),
            ("state", status),
        ],
        rows=post_rows,
    )
    register_list(
        "alumni_comments",
        title=gettext_lazy("Comments"),
        columns=[("author_name", gettext_lazy("Author")), ("created_at", posted), ("state", status)],
        rows=comment_rows,
    )
    register_list(
        "alumni_posters",
        title=gettext_lazy("People who posted"),
        columns=[
            ("name", name),
            ("status_label", status),
            ("post_count", gettext_lazy("Posts")),
            ("comment_count", gettext_lazy("Comments")),
        ],
        rows=poster_rows,
    )
    register_list(
        "alumni_opportunities",
        title=gettext_lazy("Opportunities posted"),
        columns=[
            ("title", gettext_lazy("Title")),
            ("kind_label", pgettext_lazy("opportunity", "Kind")),
            ("posted_by_name", gettext_lazy("Posted by")),
            ("created_at", posted),
            ("status_label", status),
        ],
        rows=opportunity_rows,
    )
    register_list(
        "alumni_interests",
        title=gettext_lazy("Interests expressed"),
        columns=[
            ("name", name),
            ("opportunity_title", gettext_lazy("Opportunity")),
            ("created_at", gettext_lazy("Expressed")),
            ("status_label", status),
        ],
        rows=interest_rows,
    )
    register_list(
        "alumni_referrals",
        title=gettext_lazy("Referrals"),
        columns=[
            ("candidate_name", gettext_lazy("Candidate")),
            ("opportunity_title", gettext_lazy("Opportunity")),
            ("referrer_name", gettext_lazy("Referred by")),
            ("created_at", gettext_lazy("Referred")),
            ("status_label", status),
        ],
        rows=referral_rows,
    )
    register_list(
        "alumni_surveys",
        title=gettext_lazy("Alumni surveys"),
        columns=[
            ("title", gettext_lazy("Survey")),
            ("version", gettext_lazy("Version")),
            ("sent", gettext_lazy("Sent")),
            ("answered", gettext_lazy("Answered")),
            ("rate", gettext_lazy("Response rate")),
            ("results", gettext_lazy("Results page")),
        ],
        rows=survey_rows,
    )
