"""Sections that later apps add to the pages of earlier ones, without the earlier app importing them.

A page names a **slot** and collects its sections in its view; an app registers a builder for a slot from its
`AppConfig.ready()`. Slots in use:

- ``"tour"``: the tour-of-duty page (agreements). Builder keywords: ``membership`` (the viewer), ``tour``.
- ``"alliance"``: a person's alliance page, one's own or a report's (agreements). Keywords: ``membership`` (the
  viewer), ``member`` (whose page it is), ``tour`` (their current tour, or None).

A builder returns ``None`` when it has nothing to show, else a ``Section``; the page includes each section's
template in registration order with the section's context merged into its own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

SLOTS = ("tour", "alliance")


@dataclass(frozen=True)
class Section:
    """One block of a page: `template` rendered with `context` (added to the page's context)."""

    template: str
    context: dict = field(default_factory=dict)


_BUILDERS: dict[str, list[Callable[..., Section | None]]] = defaultdict(list)


def register_section(slot: str, builder: Callable[..., Section | None]) -> None:
    """Add `builder` to `slot` (one of SLOTS); registering the same builder twice keeps one.
    Raises ValueError for an unknown slot, so a typo fails at start-up rather than hiding a section."""
    if slot not in SLOTS:
        raise ValueError(f"Unknown page slot {slot!r}; known: {', '.join(SLOTS)}.")
    if builder not in _BUILDERS[slot]:
        _BUILDERS[slot].append(builder)


def collect_sections(slot: str, **kwargs) -> list[Section]:
    """The sections of `slot` for this page view, calling each builder with `kwargs` (the slot's keywords)."""
    sections = []
    for builder in _BUILDERS[slot]:
        section = builder(**kwargs)
        if section is not None:
            sections.append(section)
    return sections
