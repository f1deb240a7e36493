"""System checks of the deployment's configuration."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security)
def secret_key_is_set(app_configs, **kwargs):
    """alliance.E001: with DEBUG off, DJANGO_SECRET_KEY must come from the environment.

    The fixed development key is public (it is in the source), so a production site using it would sign
    sessions and password-reset links anyone can forge. Decided from the environment at settings time
    (settings.SECRET_KEY_MISSING), so tests and `manage.py start`, which turn DEBUG off at run time for
    their own reasons, are unaffected.
    """
    if getattr(settings, "SECRET_KEY_MISSING", False):
        return [
            checks.Error(
                "DJANGO_SECRET_KEY is not set while DEBUG is off.",
                hint='Set DJANGO_SECRET_KEY to a long random value (e.g. `python -c "import secrets; '
                'print(secrets.token_urlsafe(50))"`), or DJANGO_DEBUG=true for development only.',
                id="alliance.E001",
            )
        ]
    return []
