from django import template

from alliance.account_security import MFA_NEXT_SESSION_KEY

register = template.Library()


@register.simple_tag(takes_context=True)
def mfa_continue_pending(context) -> bool:
    """Whether an organization's two-factor requirement interrupted the member on their way to a page
    (alliance.views.MfaRequiredView), so the MFA pages offer to continue there (alliance.views.mfa_continue)."""
    request = context.get("request")
    return request is not None and MFA_NEXT_SESSION_KEY in request.session


@register.simple_tag
def session_idle_minutes() -> int:
    """Minutes without a request after which a session ends (settings.SESSION_IDLE_MINUTES)."""
    from django.conf import settings

    return settings.SESSION_IDLE_MINUTES
