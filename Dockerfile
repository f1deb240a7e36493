# syntax=docker/dockerfile:1
# Production image for web (gunicorn), worker and beat (celery); see docker-compose.yml.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_LINK_MODE=copy \
    UV_COMPILE_BYTECODE=1 \
    UV_PYTHON_DOWNLOADS=never \
    PATH=/app/.venv/bin:$PATH \
    MEDIA_ROOT=/data/media

# WeasyPrint needs Pango and HarfBuzz's subsetter at runtime; gettext provides msgfmt for compilemessages.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 gettext \
    && rm -rf /var/lib/apt/lists/*

RUN pip install --no-cache-dir uv

WORKDIR /app

# Dependencies first, so code changes do not invalidate this layer.
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --locked --no-dev --no-install-project

COPY . .
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --locked --no-dev

# Translations and static files are baked into the image. collectstatic needs a key to import settings
# (and one makes DEBUG off, so the manifest storage is used); this dummy exists only during this step.
RUN python manage.py compilemessages --ignore=.venv \
    && DJANGO_SECRET_KEY=build-time-dummy-not-used-at-runtime python manage.py collectstatic --noinput

# Run unprivileged. The media directory exists in the image so a fresh named volume inherits its owner.
RUN useradd --system --uid 10001 --home-dir /app --no-create-home alliance \
    && mkdir -p /data/media \
    && chown alliance:alliance /data/media
USER alliance

EXPOSE 8000
CMD ["gunicorn", "alliance.wsgi", "-b", "0.0.0.0:8000", "-w", "3"]
