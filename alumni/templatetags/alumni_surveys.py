"""`{% survey_hub as hub %}` for the community home page: whether the member runs the surveys, and their own
surveys waiting for an answer (alumni.selectors.surveys)."""

from django import template

from alliance.permissions import membership_has
from alumni.capabilities import MANAGE_COMMUNITY
from alumni.selectors.surveys import my_open_invitations

register = template.Library()


@register.simple_tag(takes_context=True)
def survey_hub(context) -> dict:
    membership = getattr(context.get("request"), "membership", None)
    if membership is None:
        return {"manage": False, "open": []}
    return {
        "manage": membership_has(membership, MANAGE_COMMUNITY),
        "open": list(my_open_invitations(membership=membership)),
    }
