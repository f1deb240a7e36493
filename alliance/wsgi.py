import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliance.settings")
application = get_wsgi_application()

# gunicorn runs no system checks: refuse to serve with a configuration error (e.g. alliance.E001, no secret
# key in production) rather than start insecurely.
from django.core import checks  # noqa: E402
from django.core.management.base import SystemCheckError  # noqa: E402

_errors = [message for message in checks.run_checks(include_deployment_checks=False) if message.is_serious()]
if _errors:
    raise SystemCheckError("\n".join(str(message) for message in _errors))
