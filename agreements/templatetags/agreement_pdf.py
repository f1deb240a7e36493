"""Template tags about the signed PDF, so that a page can warn without its view computing anything."""

from django import template

from agreements.documents import draft_unprintable_fields, unprintable_messages
from agreements.models import AgreementVersion, VersionStatus

register = template.Library()


@register.simple_tag
def unprintable_warnings(version: AgreementVersion) -> list[str]:
    """Sentences naming each draft field whose characters the PDF cannot print; [] when all can be printed.

    Only drafts are checked: a requested or signed version passed the same check when it was frozen.
    """
    if version is None or version.status != VersionStatus.DRAFT:
        return []
    return unprintable_messages(draft_unprintable_fields(version))
