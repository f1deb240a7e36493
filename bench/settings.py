"""Settings of the HTTP benchmark (bench/http_pages.py): production settings plus one bare view.

Everything comes from alliance.settings as production reads it (the benchmark sets DJANGO_SECRET_KEY and
DJANGO_DEBUG=false in gunicorn's environment); the only difference is the URLconf, which adds
`/__bench__/bare/` (bench/urls.py), a view with one query that measures the ceiling of this stack. The
production URLconf (alliance.urls) never contains it.
"""

from alliance.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
