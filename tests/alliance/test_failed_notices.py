"""HR's page of the notices that could not be sent (`/<org>/notifications/failed/`): each with its error, only
this organization's, paginated, for HR only."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone, translation

from alliance import notices
from alliance.models import Membership, Notice, NoticeState


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _notice(recipient, *, state, error="", attempts=1, sequence=0, url=None):
    membership_type = ContentType.objects.get_for_model(Membership)
    return Notice.objects.create(
        organization_id=recipient.organization_id,
        kind="signature-reminder",
        content_type=membership_type,
        object_id=recipient.pk,
        recipient=recipient,
        sequence=sequence,
        state=state,
        error=error,
        attempts=attempts,
        label="決済基盤の刷新 v1",
        url=url if url is not None else f"/{recipient.organization.slug}/",
        next_attempt_at=timezone.now() + timedelta(minutes=4),
    )


def _url(slug="acme"):
    return reverse("notifications_failed", args=[slug])


def test_hr_sees_each_failed_notice_with_its_error_attempts_and_next_retry(login, hr, employee, outsider):
    failed = _notice(employee, state=NoticeState.FAILED, error="SMTPRecipientsRefused: 550 mailbox unavailable")
    unknown = _notice(employee, state=NoticeState.UNKNOWN, error="SMTPServerDisconnected: lost", sequence=1)
    sent = _notice(employee, state=NoticeState.SENT, sequence=2)
    foreign = _notice(outsider, state=NoticeState.FAILED, error="globex-only error")
    page = login(hr, language="en").get(_url()).content.decode()
    assert f'data-notice="{failed.pk}"' in page and f'data-notice="{unknown.pk}"' in page
    assert f'data-notice="{sent.pk}"' not in page, "sent notices are not listed"
    assert f'data-notice="{foreign.pk}"' not in page and "globex-only error" not in page
    assert "550 mailbox unavailable" in page and "SMTPServerDisconnected" in page
    assert "Reminder: your signature is still requested" in page, "the kind's label, not its code"
    assert employee.user.email in page and "1 / 5" in page
    assert failed.next_attempt_at.astimezone(timezone.get_current_timezone()).strftime("%Y-%m-%d %H:%M") in page
    assert "Not tried again" in page, "an unknown outcome is never retried"


def test_the_failed_notice_links_only_to_a_page_of_the_organization(login, hr, employee):
    _notice(employee, state=NoticeState.FAILED, error="x", url="https://evil.example/")
    page = login(hr, language="en").get(_url()).content.decode()
    assert 'href="https://evil.example/"' not in page


def test_the_page_says_what_to_expect_when_nothing_failed(login, hr):
    Notice.objects.filter(state__in=notices.UNDELIVERED_STATES).delete()
    page = login(hr, language="en").get(_url()).content.decode()
    assert "Every notice was sent." in page


@pytest.mark.parametrize("role, status", [("hr", 200), ("manager", 403), ("employee", 403), ("alumni", 404)])
def test_only_hr_reads_it(db, request, login, role, status):
    # `db` in the signature: pytest-django orders tests by the fixtures they name, and one that reaches the
    # database only through getfixturevalue would run after the transactional tests have flushed the demo data.
    assert login(request.getfixturevalue(role)).get(_url()).status_code == status


def test_it_is_linked_from_hr_pages_only(login, hr, manager):
    assert _url() in login(hr).get(reverse("notifications", args=["acme"])).content.decode()
    assert _url() in login(hr).get(reverse("dashboard", args=["acme"])).content.decode()
    assert _url() not in login(manager).get(reverse("notifications", args=["acme"])).content.decode()


def test_the_list_is_paginated_and_its_queries_do_not_grow(login, hr, employee, django_assert_max_num_queries):
    for n in range(60):
        _notice(employee, state=NoticeState.FAILED, error=f"error {n}", sequence=10 + n)
    client = login(hr, language="en")
    with django_assert_max_num_queries(15):
        response = client.get(_url())
    page = response.content.decode()
    assert page.count("data-notice=") == 25 and 'rel="next"' in page
    with django_assert_max_num_queries(15):
        assert client.get(_url() + "?page=3").status_code == 200
