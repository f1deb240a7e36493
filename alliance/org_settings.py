"""Sections that feature apps add to the organization settings page (`/<org>/settings/`), without the core
importing them.

An app registers a `SettingsPart` from its `AppConfig.ready()`: a form of its own settings (its fields are posted
with the page's one Save, under the part's `key` as prefix) and the service call that saves them, audited by that
app. The page renders each part as a section with a heading, its fields and its links, in `order`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django import forms


@dataclass(frozen=True)
class SettingsPart:
    """One section of the settings page.

    - `key`: a unique slug, the form prefix and the section's anchor (`#settings-<key>`).
    - `title`, `description`: the heading and the sentence under it (lazy translations).
    - `form`: `form(data, *, organization, prefix)` returns the bound (data is a QueryDict) or unbound (None)
      form; its initial values are the organization's current settings.
    - `save`: `save(*, form, organization, actor)` stores the valid form's values through the app's service,
      which writes the audit row when something changed. Called inside the page's transaction.
    - `links`: `(label, url name)` pairs of the app's own settings pages, reversed with `org_slug` only.
    - `order`: sections sort by it (the core's own sections use 10 to 50; alumni 60).
    """

    key: str
    title: str
    form: Callable[..., forms.Form]
    save: Callable[..., None]
    description: str = ""
    links: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    order: int = 100


_PARTS: dict[str, SettingsPart] = {}


def register_settings_part(part: SettingsPart) -> None:
    """Add `part` to the settings page. Registering the same key again replaces it (a module imported twice).
    Raises ValueError for a key that would collide with the core's own form prefixes ("values")."""
    if part.key in {"values", "move"}:
        raise ValueError(f"settings part key {part.key!r} is reserved by the core's settings form")
    _PARTS[part.key] = part


def settings_parts() -> list[SettingsPart]:
    """The registered parts, in their `order` (then key)."""
    return sorted(_PARTS.values(), key=lambda p: (p.order, p.key))
