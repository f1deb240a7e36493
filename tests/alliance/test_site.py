import json
import os
from unittest import mock

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import MembershipFactory


def test_anonymous_visitors_see_the_product_landing_page_in_japanese(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert '<html lang="ja">' in response.content.decode()
    assert reverse("account_login") in response.content.decode()


def test_english_browsers_get_english(client, db):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="en">' in response.content.decode()


def test_a_member_of_one_organization_is_sent_to_it(login, employee):
    response = login(employee).get("/")
    assert response["Location"] == reverse("dashboard", args=["acme"])


def test_a_member_of_several_organizations_chooses_and_sees_only_their_own(login, employee, globex):
    MembershipFactory(organization=globex, user=employee.user, status="alumni")
    client = login(employee)
    assert client.get("/")["Location"] == reverse("organization_chooser")
    body = client.get(reverse("organization_chooser")).content.decode()
    assert "グローベックス株式会社" in body and "株式会社アクメ" in body
    # The switcher in the header lists both, and nothing else.
    page = client.get(reverse("dashboard", args=["acme"]))
    assert sorted(m.organization.slug for m in page.context["my_memberships"]) == ["acme", "globex"]


def test_a_user_without_organizations_is_told_what_to_do(login, db):
    from tests.factories import UserFactory

    client = login(None)
    client.force_login(UserFactory())
    body = client.get(reverse("organization_chooser")).content.decode()
    assert reverse("dashboard", args=["acme"]) not in body
    assert "招待" in body  # "ask HR for an invitation", in Japanese by default


def test_switching_language_sets_the_cookie_and_the_users_preference(login, employee):
    client = login(employee)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/acme/"})
    assert response["Location"] == "/acme/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    employee.user.refresh_from_db()
    assert employee.user.language == "en"
    assert '<html lang="en">' in client.get("/acme/").content.decode()


def test_the_language_switch_refuses_an_outside_redirect(client, db):
    response = client.post(reverse("set_language"), {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_a_users_preferred_language_applies_in_a_new_browser(login, employee):
    employee.user.language = "en"
    employee.user.save()
    assert '<html lang="en">' in login(employee).get("/acme/").content.decode()


def test_the_profile_page_changes_name_and_language_and_keeps_input_on_error(login, employee):
    client = login(employee)
    response = client.post(reverse("profile"), {"name": "", "language": "en"})
    assert response.status_code == 200 and "name" in response.context["form"].errors
    response = client.post(reverse("profile"), {"name": "新しい 名前", "language": "en"})
    assert response.status_code == 302
    employee.user.refresh_from_db()
    assert employee.user.name == "新しい 名前" and employee.user.language == "en"


def test_password_change_page_is_reachable_from_the_profile(login, employee):
    client = login(employee)
    assert reverse("account_change_password") in client.get(reverse("profile")).content.decode()
    assert client.get(reverse("account_change_password")).status_code == 200


def test_healthz_reports_the_database(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content)["checks"]["database"] == "ok"


def test_healthz_names_what_failed(client, db):
    with mock.patch("alliance.views.connection.cursor", side_effect=Exception("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["failed"] == ["database"]


def test_healthz_checks_the_broker_when_one_is_configured(client, db, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    with mock.patch("alliance.celery.app.connection_for_write") as conn:
        conn.return_value.__enter__.return_value.ensure_connection.side_effect = OSError("refused")
        response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["failed"] == ["broker"]


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs a real Redis (REDIS_URL); CI always sets it")
def test_healthz_reaches_the_real_broker(client, db, settings):
    settings.CELERY_BROKER_URL = os.environ["REDIS_URL"]
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content)["checks"] == {"database": "ok", "broker": "ok"}


def test_the_404_page_is_part_of_the_site_in_the_users_language(login, outsider):
    response = login(outsider).get("/acme/")
    body = response.content.decode()
    assert response.status_code == 404
    assert '<html lang="ja">' in body and '<main id="main"' in body
    assert "ページが見つかりません" in body


def test_password_reset_mails_a_link(client, employee):
    from django.core import mail

    response = client.post(reverse("account_reset_password"), {"email": employee.user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [employee.user.email]


def test_production_settings_require_verified_e_mail_and_secure_cookies():
    import subprocess
    import sys

    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='alliance.settings'; django.setup();"
        "from django.conf import settings as s;"
        "print(s.DEBUG, s.ACCOUNT_EMAIL_VERIFICATION, s.SESSION_COOKIE_SECURE, s.CELERY_TASK_ALWAYS_EAGER)"
    )
    env = {
        **os.environ,
        "DJANGO_SECRET_KEY": "a-production-secret-" + "x" * 40,
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/15",
    }
    env.pop("DJANGO_DEBUG", None)
    env.pop("ACCOUNT_EMAIL_VERIFICATION", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "mandatory", "True", "False"]


def test_the_embedded_default_runs_tasks_without_a_broker_warning_on_the_console():
    """With no broker (tasks run in-process), sending a task prints nothing: kombu used to warn "No hostname was
    supplied" on the console of `manage.py start` as soon as the demo data sent its first notice."""
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if k not in {"CELERY_BROKER_URL", "REDIS_URL"}}
    env["DJANGO_SETTINGS_MODULE"] = "alliance.settings"
    code = (
        "import django; django.setup()\n"
        "from celery import shared_task\n"
        "@shared_task\n"
        "def ping():\n"
        "    return 'pong'\n"
        "assert ping.delay().get() == 'pong'\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "hostname" not in done.stderr.lower(), done.stderr
