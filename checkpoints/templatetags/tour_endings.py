"""The closing review's "complete the tour" block on the checkpoint page: the same section the tour page shows
(checkpoints.sections.tour_ending_section), computed for the viewer, so that the checkpoint view needs no change."""

from django import template

from checkpoints import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def tour_ending_section(context, tour):
    """`{"state": EndingState}` of `tour` for the page's member (context `current_membership`), or None for a tour
    that never ran; use as `{% tour_ending_section tour as section %}`."""
    membership = context.get("current_membership")
    if membership is None:
        return None
    state = selectors.ending_state(viewer=membership, tour=tour)
    return {"state": state} if state is not None else None
