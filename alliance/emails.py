"""One function per message kind; subject, text and HTML bodies live in templates/emails/<kind>-*.{txt,html}."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import translation


def render_text(name: str, context: dict) -> str:
    """Render the plain-text template `name` without HTML escaping: a subject or a text body is not HTML, and
    what people typed ("R&D", a reason with quotes) must read as typed, not as `R&amp;D`. The HTML body is
    rendered with escaping as every page is. (A subject's newlines are collapsed by `send`.)"""
    return get_template(name).template.render(Context(context, autoescape=False))


def send(kind: str, *, to: str, context: dict, language: str | None = None, headers: dict | None = None) -> None:
    with translation.override(language or settings.LANGUAGE_CODE):
        context = {**context, "LANGUAGE_CODE": translation.get_language()}
        subject = " ".join(render_text(f"emails/{kind}-subject.txt", context).split())
        text = render_text(f"emails/{kind}-body.txt", context)
        html = render_to_string(f"emails/{kind}-body.html", context)
    message = EmailMultiAlternatives(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, text, to=[to], headers=headers)
    message.attach_alternative(html, "text/html")
    message.send()


def invitation(*, invitation, accept_url: str, language: str | None = None) -> None:
    send(
        "invitation",
        to=invitation.email,
        context={"invitation": invitation, "organization": invitation.organization, "accept_url": accept_url},
        language=language,
    )
