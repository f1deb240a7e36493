"""`{% survey_hub as hub %}` for the community home page: whether the member runs the surveys, and their own
surveys waiting for an answer (alumni.selectors.surveys)."""

from django import template

from alliance import page_cache
from alliance.permissions import membership_has
from alumni.capabilities import MANAGE_COMMUNITY
from alumni.selectors.surveys import my_open_invitations

register = template.Library()


@register.simple_tag(takes_context=True)
def survey_hub(context) -> dict:
    request = context.get("request")
    membership = getattr(request, "membership", None)
    if membership is None:
        return {"manage": False, "open": []}
    invitations = list(my_open_invitations(membership=membership))
    if invitations:
        # A link leaves the page when it expires, at a time of day no write marks: a kept page goes by then.
        page_cache.changes_at(request, min(invitation.expires_at for invitation in invitations))
    return {"manage": membership_has(membership, MANAGE_COMMUNITY), "open": invitations}
