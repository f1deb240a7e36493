"""Template filters for capabilities and role labels, so no template compares a role string.

`{% load roles %}` then `{% if m|has_capability:"reports_to_manager" %}` asks the role map about another member
(the current member's capabilities are the `capabilities` set from `alliance.context_processors.tenancy`:
`{% if "view_reports" in capabilities %}`), and `{{ value|role_label }}` shows a stored role in the reader's
language.
"""

from django import template

from alliance.models import Role
from alliance.permissions import membership_has

register = template.Library()


@register.filter
def has_capability(membership, capability: str) -> bool:
    """Whether `membership` holds the registered `capability` (alliance.permissions.membership_has)."""
    return membership_has(membership, capability)


@register.filter
def role_label(value) -> str:
    """The translated label of a role value ("employee", "manager", "hr"); an unknown value as it is; "—" for
    none. Signer roles (agreements.models.SignerRole) share these values and labels."""
    if not value:
        return "—"
    try:
        return Role(value).label
    except ValueError:
        return value
