"""The amendment block of the checkpoint page reads its state here, so that the block is one `{% include %}` in
templates/checkpoints/checkpoint.html and the page's view needs no change for it."""

from django import template

from checkpoints import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def amendment_offer(context, checkpoint):
    """selectors.amendment_offer for the page's viewer (the request's membership)."""
    return selectors.amendment_offer(checkpoint=checkpoint, membership=context["request"].membership)
