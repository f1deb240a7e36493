"""The home dashboard's extension point: apps append card builders here from their AppConfig.ready()."""

from collections.abc import Callable

DASHBOARD_CARDS: list[Callable] = []
# Builders of the "waiting for you" section at the top of the home page: each returns what waits on the member
# in its app (an object the app's template renders) or None; the section says so plainly when nothing waits.
WAITING_BUILDERS: list[Callable] = []


def collect_cards(*, request, membership) -> list[dict]:
    """Each builder returns a dict (title, body template, context) or None when it has nothing to show."""
    cards = []
    for builder in DASHBOARD_CARDS:
        card = builder(request=request, membership=membership)
        if card:
            cards.append(card)
    return cards


def collect_waiting(*, membership) -> list[dict]:
    """Each builder returns a dict (template, context) with something waiting, or None when nothing waits."""
    sections = []
    for builder in WAITING_BUILDERS:
        section = builder(membership=membership)
        if section:
            sections.append(section)
    return sections
