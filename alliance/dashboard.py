"""The home dashboard's extension point: apps append card builders here from their AppConfig.ready()."""

from collections.abc import Callable

DASHBOARD_CARDS: list[Callable] = []


def collect_cards(*, request, membership) -> list[dict]:
    """Each builder returns a dict (title, body template, context) or None when it has nothing to show."""
    cards = []
    for builder in DASHBOARD_CARDS:
        card = builder(request=request, membership=membership)
        if card:
            cards.append(card)
    return cards
