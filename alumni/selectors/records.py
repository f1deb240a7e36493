"""HR's alumni records: one row per alumnus of an organization, with only what each person agreed to share.

What a row shows, and why:
- name and reading (sorted in 五十音順 by reading, as the members page), the last working day and the kind of
  departure (their latest completed Departure; the membership's `left_on` when there is none);
- the profile fields whose `share_*` consent is on, and only while the profile is in the community and not
  hidden (a hidden profile, or someone who left the community, shows none: HR sees that state instead);
- the **comeback interest**: the exit conversation's "would consider coming back" answer, shown (and filtered
  on) only when the person let HR quote their answer about coming back (`comeback_note_quotable`); otherwise it
  stays between them and their manager and the row says "not shared". The filter never matches an unshared
  answer, so filtering cannot reveal it either;
- whether they joined the community;
- the columns other parts register (alumni.records.register_column).

Queries are bounded: a page is one count, one query for its memberships (with user and profile), one for their
departures, and one or two per registered column, whatever the number of rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliance.models import Membership, MembershipStatus, Organization
from alliance.selectors import by_reading, person_search
from alumni import records as record_columns
from alumni.models import AlumniProfile, ComebackInterest, Departure, DepartureStatus
from alumni.models.community import OPEN_TO, open_to_labels

# The consented profile fields a row shows, as (field, header), each behind its own `share_<field>`.
PROFILE_COLUMNS = (
    ("current_organization", gettext_lazy("Current organization")),
    ("current_role", gettext_lazy("Current role")),
    ("location", gettext_lazy("Location")),
    ("skills", gettext_lazy("Skills")),
)


class CommunityState:
    MEMBER = "member"
    HIDDEN = "hidden"
    LEFT = "left"
    NOT_JOINED = "not_joined"

    LABELS = {
        MEMBER: gettext_lazy("Member of the community"),
        HIDDEN: gettext_lazy("Profile hidden"),
        LEFT: gettext_lazy("Left the community"),
        NOT_JOINED: gettext_lazy("Not joined"),
    }


@dataclass(frozen=True)
class RecordFilters:
    """The list's filters; empty values filter nothing. `year` is the calendar year of the last working day;
    `kind` a DepartureKind value; `comeback` a ComebackInterest value (matched only where it is shared); `open_to`
    a key of OPEN_TO (matched only where the person shares what they are open to); `query` a name, reading or
    e-mail however typed (alliance.selectors.person_search)."""

    year: int | None = None
    kind: str = ""
    comeback: str = ""
    open_to: str = ""
    query: str = ""


@dataclass
class RecordRow:
    """One alumnus's row: `membership` (user loaded), `departure` (latest completed, or None), `last_day`,
    `kind_label`, `profile_fields` ({field: value} consented and non-empty), `open_to` (labels, consented),
    `comeback` (a ComebackInterest value, or None when not shared), `community` (a CommunityState value),
    `extra` ({column key: value} of the registered columns)."""

    membership: Membership
    departure: Departure | None
    last_day: object
    kind_label: str
    profile_fields: dict = field(default_factory=dict)
    open_to: list = field(default_factory=list)
    comeback: str | None = None
    community: str = CommunityState.NOT_JOINED
    extra: dict = field(default_factory=dict)

    @property
    def profile_values(self) -> list:
        """The consented profile values in PROFILE_COLUMNS order ("" where not shared)."""
        return [self.profile_fields.get(name, "") for name, _header in PROFILE_COLUMNS]

    @property
    def extra_values(self) -> list:
        """The registered columns' values in their registration order (None where a column has none)."""
        return [self.extra.get(key) for key in record_columns.COLUMNS]

    @property
    def comeback_label(self) -> str:
        if self.comeback is None:
            return str(_("Not shared"))
        return str(ComebackInterest(self.comeback).label)

    @property
    def community_label(self) -> str:
        return str(CommunityState.LABELS[self.community])


def _completed(organization) -> QuerySet[Departure]:
    return Departure.objects.for_organization(organization).filter(status=DepartureStatus.COMPLETED)


def alumni_records(*, organization: Organization, filters: RecordFilters = RecordFilters()) -> QuerySet[Membership]:
    """The organization's alumni memberships matching `filters`, in 五十音順 of their readings, with user and
    profile loaded and `completed_departures` (newest last day first) prefetched. One row per person."""
    qs = Membership.objects.for_organization(organization).filter(status=MembershipStatus.ALUMNI)
    departures = _completed(organization).filter(membership=OuterRef("pk"))
    if filters.year:
        qs = qs.filter(Exists(departures.filter(last_day__year=filters.year)) | Q(left_on__year=filters.year))
    if filters.kind:
        qs = qs.filter(Exists(departures.filter(kind=filters.kind)))
    if filters.comeback:
        # Only an answer the person let HR quote: an unshared one never matches, so a filter reveals nothing.
        qs = qs.filter(Exists(departures.filter(comeback=filters.comeback, comeback_note_quotable=True)))
    if filters.open_to in dict(OPEN_TO):
        visible = AlumniProfile.objects.filter(
            membership=OuterRef("pk"), share_open_to=True, hidden=False, left_community_at__isnull=True
        )
        qs = qs.filter(Exists(visible.filter(**{f"open_to_{filters.open_to}": True})))
    if filters.query.strip():
        qs = qs.filter(person_search(filters.query) | Q(user__email__icontains=filters.query.strip()))
    qs = qs.select_related("user", "alumni_profile").prefetch_related(
        Prefetch(
            "departures",
            queryset=_completed(organization).order_by("-last_day", "-id"),
            to_attr="completed_departures",
        )
    )
    return by_reading(qs)


def departure_years(*, organization: Organization) -> list[int]:
    """The years (newest first) in which someone of `organization` left, for the year filter. One query."""
    years = {d.year for d in _completed(organization).values_list("last_day", flat=True)}
    years |= {
        d.year
        for d in Membership.objects.for_organization(organization)
        .filter(status=MembershipStatus.ALUMNI, left_on__isnull=False)
        .values_list("left_on", flat=True)
    }
    return sorted(years, reverse=True)


def _profile(membership) -> AlumniProfile | None:
    try:
        return membership.alumni_profile
    except AlumniProfile.DoesNotExist:
        return None


def record_rows(*, organization: Organization, memberships: Iterable[Membership]) -> list[RecordRow]:
    """The rows of `memberships` (from `alumni_records`, in their order), with the registered columns' values
    (one call of each column for all of them)."""
    memberships = list(memberships)
    extra = record_columns.column_values(organization=organization, memberships=memberships)
    rows = []
    for member in memberships:
        completed = getattr(member, "completed_departures", None)
        departure = completed[0] if completed else None
        row = RecordRow(
            membership=member,
            departure=departure,
            last_day=departure.last_day if departure else member.left_on,
            kind_label=departure.get_kind_display() if departure else "",
            comeback=departure.comeback if departure and departure.comeback_note_quotable else None,
            extra={key: values.get(member.pk) for key, values in extra.items()},
        )
        profile = _profile(member)
        if profile is not None:
            if profile.left_community_at is not None:
                row.community = CommunityState.LEFT
            elif profile.hidden:
                row.community = CommunityState.HIDDEN
            else:
                row.community = CommunityState.MEMBER
                row.profile_fields = {
                    name: getattr(profile, name)
                    for name, _header in PROFILE_COLUMNS
                    if getattr(profile, f"share_{name}") and getattr(profile, name)
                }
                if profile.share_open_to:
                    row.open_to = [str(label) for key, label in open_to_labels() if getattr(profile, f"open_to_{key}")]
        rows.append(row)
    return rows


# --- the CSV export ----------------------------------------------------------------------------------------------

# A spreadsheet reads a cell starting with one of these as a formula (or, for tab and CR, may shift it so that it
# does): such a value is written with a leading apostrophe, which Excel and LibreOffice show as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str:
    """`value` as CSV cell text: "" for None, and a leading `'` when it starts with a formula character
    (FORMULA_STARTS), so that a spreadsheet never runs it."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_header() -> list[str]:
    """The export's header row, in the active language."""
    return [
        str(_("Name")),
        str(_("Reading")),
        str(_("E-mail")),
        str(_("Last working day")),
        str(_("Reason for leaving")),
        *(str(header) for _name, header in PROFILE_COLUMNS),
        str(_("Open to")),
        str(_("Comeback interest")),
        str(_("Community")),
        *(str(column.header) for column in record_columns.COLUMNS.values()),
    ]


def csv_values(row: RecordRow) -> list[str]:
    """One row of the export, every cell neutralised (`neutralise`); dates as YYYY-MM-DD."""
    user = row.membership.user
    cells = [
        user.display_name,
        user.reading,
        user.email,
        row.last_day.isoformat() if row.last_day else "",
        row.kind_label,
        *(row.profile_fields.get(name, "") for name, _header in PROFILE_COLUMNS),
        " / ".join(row.open_to),
        row.comeback_label,
        row.community_label,
        *(row.extra.get(key) for key in record_columns.COLUMNS),
    ]
    return [neutralise(cell) for cell in cells]


def csv_rows(*, organization: Organization, filters: RecordFilters, batch: int = 500) -> Iterator[list[str]]:
    """The header, then every matching alumnus's values, read `batch` people at a time (bounded memory and
    queries per batch: `record_rows`). The caller runs this inside the organization's scope."""
    yield csv_header()
    pks = list(alumni_records(organization=organization, filters=filters).values_list("pk", flat=True))
    for start in range(0, len(pks), batch):
        chunk = pks[start : start + batch]
        members = {m.pk: m for m in alumni_records(organization=organization).filter(pk__in=chunk)}
        for row in record_rows(organization=organization, memberships=[members[pk] for pk in chunk]):
            yield csv_values(row)
