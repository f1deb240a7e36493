"""Reads of the community's profiles and directory. Every function takes the organization (or a membership of
it); the directory shows, and searches, only what each alumnus chose to share."""

from __future__ import annotations

import re

from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, ExtractYear
from django.http import Http404
from django.utils.translation import gettext

from alliance.models import Membership, Organization
from alliance.selectors import by_reading
from alliance.text import normalize_search
from alumni.forms_community import is_web_address
from alumni.models import AlumniProfile, Departure, DepartureStatus
from alumni.models.community import OPEN_TO, open_to_labels

PROFILE_USER = "membership__user"


def profile_of(*, membership: Membership) -> AlumniProfile | None:
    """`membership`'s community profile (joined or left), or None when they never joined."""
    return AlumniProfile.objects.for_organization(membership.organization_id).filter(membership=membership).first()


def _departures(organization):
    # The departure that made the person alumni: its last day is the year they left, its manager their former team.
    return (
        Departure.objects.for_organization(organization)
        .filter(membership=OuterRef("membership"), status=DepartureStatus.COMPLETED)
        .order_by("-last_day", "-id")
    )


def visible_profiles(*, organization: Organization) -> QuerySet[AlumniProfile]:
    """The profiles the directory lists: in the community, not hidden, of `organization`'s alumni; each annotated
    with `left_year` (of the completed departure's last day, else the membership's `left_on`; None if neither),
    `former_manager_id` and `former_manager_name` (the departure's manager), with the member and user loaded."""
    departures = _departures(organization)
    return (
        AlumniProfile.objects.for_organization(organization)
        .filter(left_community_at__isnull=True, hidden=False, membership__status="alumni")
        .select_related("membership__user")
        .annotate(
            left_year=ExtractYear(Coalesce(Subquery(departures.values("last_day")[:1]), F("membership__left_on"))),
            former_manager_id=Subquery(departures.values("manager_id")[:1]),
            former_manager_name=Subquery(departures.values("manager__user__name")[:1]),
        )
    )


def _skill_matches(skill: str) -> Q:
    # Skills are stored as "a, b, c" (alumni.forms_community.parse_skills): one of them equals `skill`.
    return (
        Q(skills=skill)
        | Q(skills__startswith=f"{skill}, ")
        | Q(skills__endswith=f", {skill}")
        | Q(skills__contains=f", {skill}, ")
    )


def directory(
    *,
    organization: Organization,
    query: str = "",
    open_to: str = "",
    skill: str = "",
    year: int | None = None,
    team: int | None = None,
) -> QuerySet[AlumniProfile]:
    """The directory of `organization` (visible_profiles) in 五十音順 of the people's readings, narrowed by:

    - `query`: the person's name or reading however typed (alliance.text.normalize_search: kana, width, case,
      old kanji), or a SHARED current organization, role or skill (AlumniProfile.search_text); never the e-mail
      address nor any field its owner did not share. Blank: everyone.
    - `open_to`: a key of alumni.models.community.OPEN_TO; only profiles that share what they are open to match.
    - `skill`: one whole skill among the shared skills. `year`: the year they left. `team`: the id of the
      manager they had when they left (Departure.manager).
    """
    qs = visible_profiles(organization=organization)
    form = normalize_search(query)
    if form:
        # User.search_text is "<name> <reading> <e-mail>", each normalised (alliance.text.search_document), and
        # the e-mail always last: a match followed by a space lies in the name or the reading, never the e-mail.
        in_name = Q(**{f"{PROFILE_USER}__search_text__regex": re.escape(form) + r"[^ ]* "})
        qs = qs.filter(in_name | Q(search_text__contains=form))
    fields = dict(OPEN_TO)
    if open_to in fields:
        qs = qs.filter(share_open_to=True, **{fields[open_to]: True})
    if skill:
        qs = qs.filter(_skill_matches(skill), share_skills=True)
    if year:
        qs = qs.filter(left_year=year)
    if team:
        qs = qs.filter(former_manager_id=team)
    return by_reading(qs, user_path=PROFILE_USER)


def directory_choices(*, organization: Organization) -> dict:
    """What the directory's filters offer, from the visible profiles: `skills` (shared ones, sorted), `years`
    (newest first) and `teams` ((manager id, name), by name, then id). Two queries, each reading distinct values
    only (an organization's alumni share a few years and teams)."""
    # order_by(): no Meta ordering under DISTINCT (it would add its columns and undo the distinct).
    visible = visible_profiles(organization=organization).order_by()
    skills = set()
    shared = visible.filter(share_skills=True).exclude(skills="").values_list("skills", flat=True).distinct()
    for text in shared:
        skills.update(s.strip() for s in text.split(",") if s.strip())
    years, teams = set(), set()
    for year, pk, name in visible.values_list("left_year", "former_manager_id", "former_manager_name").distinct():
        if year:
            years.add(year)
        if pk and name:
            teams.add((pk, name))
    return {
        "skills": sorted(skills),
        "years": sorted(years, reverse=True),
        # By name, then id: two managers may share a name, and the page must not reorder them between requests.
        "teams": sorted(teams, key=lambda team: (team[1], team[0])),
    }


def directory_profile(*, organization: Organization, pk: int) -> AlumniProfile:
    """One profile the directory lists (visible_profiles), else Http404: hidden, left the community, of another
    organization, or no such profile."""
    profile = visible_profiles(organization=organization).filter(pk=pk).first()
    if profile is None:
        raise Http404
    return profile


def shared_fields(profile: AlumniProfile) -> list[dict]:
    """What others see of `profile`: for each field it shares and that is not blank, {name, label, value};
    `value` is a list for skills, links and open_to (their labels), a string otherwise. Unshared fields are
    absent, whatever they hold."""
    shown = []
    for name in ("current_organization", "current_role", "location", "skills", "note", "links"):
        value = getattr(profile, name)
        if not getattr(profile, f"share_{name}") or not value.strip():
            continue
        if name == "skills":
            value = [s.strip() for s in value.split(",") if s.strip()]
        elif name == "links":
            # Re-checked on the way out too: a row written elsewhere (admin, import) shows no javascript: link.
            value = [line.strip() for line in value.splitlines() if is_web_address(line.strip())]
            if not value:
                continue
        shown.append({"name": name, "label": AlumniProfile._meta.get_field(name).verbose_name, "value": value})
    if profile.share_open_to:
        fields = dict(OPEN_TO)
        open_to = [label for key, label in open_to_labels() if getattr(profile, fields[key])]
        if open_to:
            shown.append({"name": "open_to", "label": gettext("Open to"), "value": open_to})
    return shown
