"""Sessions end after a configurable idle time (alliance.account_security.IdleSessionMiddleware), a user sees the
browsers they are signed in on and signs the others out (allauth.usersessions), and passwords follow Django's
validators on allauth's forms."""

from datetime import timedelta

import pytest
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alliance.demo import DEMO_PASSWORD
from tests.alliance.test_account_html import structure_faults
from tests.factories import UserFactory


def _user():
    user = UserFactory()
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


def _signed_in_client(user, *, agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0", language="en") -> Client:
    client = Client(HTTP_USER_AGENT=agent)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.post(reverse("account_login"), {"login": user.email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    return client


def _session_row(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def test_the_idle_time_is_the_session_lifetime():
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_MINUTES * 60
    assert 0 < settings.SESSION_IDLE_REFRESH_SECONDS <= 60


def test_an_idle_session_ends(db):
    client = _signed_in_client(_user())
    assert client.get(reverse("profile")).status_code == 200
    # Idle past the limit: the session's expiry is behind us.
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    if settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db":
        # With Redis the session is read from the cache, whose entry lives as long as the session (its timeout is
        # the expiry age at each save): time passing would have dropped it with the row's expiry.
        from django.contrib.sessions.backends.cached_db import KEY_PREFIX

        caches[settings.SESSION_CACHE_ALIAS].delete(KEY_PREFIX + key)
    response = client.get(reverse("profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_activity_moves_the_expiry_forward(db):
    client = _signed_in_client(_user())
    key = client.session.session_key
    soon = timezone.now() + timedelta(minutes=1)
    Session.objects.filter(session_key=key).update(expire_date=soon)
    session = client.session
    session["alliance_activity"] = 0  # the last recorded activity is long past
    session.save()
    Session.objects.filter(session_key=key).update(expire_date=soon)

    assert client.get(reverse("profile")).status_code == 200
    expiry = Session.objects.get(session_key=key).expire_date
    assert expiry > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 120)


def test_a_request_soon_after_the_last_does_not_write_the_session(db):
    client = _signed_in_client(_user())
    client.get(reverse("profile"))
    before = _session_row(client).expire_date
    client.get(reverse("profile"))
    assert _session_row(client).expire_date == before


def test_the_sessions_page_lists_each_browser_and_signs_the_others_out(db):
    user = _user()
    here = _signed_in_client(user, agent="Mozilla/5.0 (Macintosh) Safari/605.1.15")
    there = _signed_in_client(user, agent="Mozilla/5.0 (Windows NT 10.0) Edge/140.0")
    assert UserSession.objects.filter(user=user).count() == 2

    page = here.get(reverse("usersessions_list"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Safari/605.1.15" in html and "Edge/140.0" in html
    assert html.count('<span class="badge badge-active">This browser</span>') == 1
    assert structure_faults(html) == []

    response = here.post(reverse("usersessions_list"))
    assert response.status_code == 302
    assert there.get(reverse("profile")).status_code == 302
    assert here.get(reverse("profile")).status_code == 200
    assert UserSession.objects.filter(user=user).count() == 1


@pytest.mark.parametrize(("language", "words"), [("ja", "サインイン中のブラウザー"), ("en", "Where you are signed in")])
def test_the_sessions_page_speaks_the_users_language(db, language, words):
    client = _signed_in_client(_user(), language=language)
    html = client.get(reverse("usersessions_list")).content.decode()
    assert words in html
    assert f'<html lang="{language}">' in html


def test_the_profile_links_to_two_factor_and_sessions(db):
    client = _signed_in_client(_user())
    html = client.get(reverse("profile")).content.decode()
    assert reverse("mfa_index") in html
    assert reverse("usersessions_list") in html


def test_other_users_sessions_are_not_listed(db):
    me, other = _user(), _user()
    client = _signed_in_client(me)
    _signed_in_client(other, agent="OtherPersonBrowser/1.0")
    assert "OtherPersonBrowser" not in client.get(reverse("usersessions_list")).content.decode()


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1", "This password is too short"),
        ("password123", "This password is too common"),
        ("83749261058", "This password is entirely numeric"),
    ],
)
def test_sign_up_refuses_passwords_that_djangos_validators_refuse(db, password, message):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        reverse("account_signup"),
        {"email": "new.person@example.com", "password1": password, "password2": password, "name": "New Person"},
    )
    assert response.status_code == 200
    assert message in response.content.decode()


def test_the_password_change_form_uses_the_same_validators(db):
    user = _user()
    client = _signed_in_client(user)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": DEMO_PASSWORD, "password1": "password123", "password2": "password123"},
    )
    assert response.status_code == 200
    assert "This password is too common" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(DEMO_PASSWORD)


@pytest.mark.parametrize(
    "engine, reads_row",
    [("django.contrib.sessions.backends.db", True), ("django.contrib.sessions.backends.cached_db", False)],
)
def test_with_the_cache_a_page_view_reads_no_session_row_and_the_session_still_ends_on_sign_out(db, engine, reads_row):
    from django.db import connection
    from django.test import override_settings
    from django.test.utils import CaptureQueriesContext

    with override_settings(SESSION_ENGINE=engine):
        client = _signed_in_client(_user())
        client.get(reverse("profile"))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("profile")).status_code == 200
        assert any("django_session" in q["sql"] for q in captured.captured_queries) is reads_row
        key = client.session.session_key
        assert Session.objects.filter(session_key=key).exists(), "the row stays the record usersessions lists"
        client.post(reverse("account_logout"))
        assert not Session.objects.filter(session_key=key).exists()
        response = client.get(reverse("profile"))
        assert response.status_code == 302


def test_redis_puts_the_sessions_in_the_cache():
    assert (settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db") is bool(settings.REDIS_URL)
