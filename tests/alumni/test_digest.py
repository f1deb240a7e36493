"""The weekly digest of community posts (alumni/notices_posts.py): once per ISO week per person, through the core
scan (`send_reminders --now`), only to community members who did not turn it off, never with hidden or
withdrawn posts, and not at all in a week without posts."""

from datetime import date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command

from alliance.models import Membership, Notice
from alumni import notices_posts
from alumni.models import AlumniProfile, Post
from alumni.services import posts as services

TOKYO = ZoneInfo("Asia/Tokyo")
# A Wednesday; the digest of its week lists the posts of the week before (Monday 2026-11-23 to Sunday 11-29).
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=TOKYO)
LAST_WEEK = datetime(2026, 11, 25, 12, 0, tzinfo=TOKYO)


@pytest.fixture
def quiet_feed(db):
    """No demo post falls in the week the tests look at: they are moved a year back."""
    for post in Post.objects.all():
        Post.objects.filter(pk=post.pk).update(created_at=post.created_at - timedelta(days=400))


def _post(author, body, when=LAST_WEEK, **extra):
    return Post.objects.create(organization=author.organization, author=author, body=body, created_at=when, **extra)


def _scan(now=NOW):
    out = StringIO()
    call_command("send_reminders", "--now", now.isoformat(), stdout=out)
    return out.getvalue()


def _digests(to=None):
    found = [m for m in mail.outbox if "alumni" in m.subject.lower() or "アルムナイ" in m.subject]
    return [m for m in found if to is None or to in m.to]


def _address(membership):
    from alliance.notices import address_of

    return address_of(membership)


@pytest.mark.parametrize(
    ("day", "sequence"),
    [
        (date(2024, 1, 1), 1),  # WEEK_ONE, a Monday
        (date(2024, 1, 7), 1),  # its Sunday
        (date(2024, 1, 8), 2),
        (date(2026, 11, 30), 153),  # ISO 2026-W49
        (date(2027, 1, 1), 157),  # a Friday of ISO 2026-W53: the week, not the calendar year, counts
        (date(2027, 1, 4), 158),
    ],
)
def test_week_numbers_follow_the_iso_calendar(day, sequence):
    assert notices_posts.week_sequence(day) == sequence


def test_the_week_number_fits_the_notices_small_integer_for_centuries():
    # Notice.sequence is a PositiveSmallIntegerField: PostgreSQL refuses anything above 32767.
    assert notices_posts.week_sequence(date(2600, 12, 31)) <= 32767


def test_a_weeks_digest_lists_the_previous_week():
    since, until = notices_posts.week_window(153)
    assert since == datetime(2026, 11, 23, tzinfo=TOKYO) and until == datetime(2026, 11, 30, tzinfo=TOKYO)


def test_two_scans_in_the_same_week_send_the_digest_once(quiet_feed, alumni, hr):
    _post(alumni, "先週の投稿です https://example.com/a")
    _scan()
    first = len(_digests())
    assert _digests(_address(alumni)) and _digests(_address(hr))
    _scan(NOW + timedelta(days=2))
    assert len(_digests()) == first
    notices = Notice.objects.filter(kind=notices_posts.KIND, recipient=alumni)
    assert notices.count() == 1 and notices.get().sequence == 153


def test_the_next_week_sends_a_new_digest_when_there_are_new_posts(quiet_feed, alumni):
    _post(alumni, "先週の投稿")
    _scan()
    _post(alumni, "今週の投稿", when=NOW)
    _scan(NOW + timedelta(days=7))
    assert Notice.objects.filter(kind=notices_posts.KIND, recipient=alumni).count() == 2


def test_a_week_without_posts_sends_nothing(quiet_feed, alumni):
    _post(alumni, "二週間前の投稿", when=LAST_WEEK - timedelta(days=7))
    _scan()
    assert not Notice.objects.filter(kind=notices_posts.KIND).exists()


def test_hidden_and_withdrawn_posts_are_never_in_it(quiet_feed, alumni, hr):
    _post(alumni, "みんなに見せる投稿")
    _post(alumni, "隠された投稿", hidden_at=LAST_WEEK, hidden_by=hr, hidden_reason="宣伝")
    _post(alumni, "取り下げた投稿", withdrawn_at=LAST_WEEK)
    _scan()
    (message,) = _digests(_address(alumni))
    text = message.body + message.alternatives[0][0]
    assert "みんなに見せる投稿" in text
    assert "隠された投稿" not in text and "取り下げた投稿" not in text


def test_a_week_whose_only_posts_are_hidden_sends_nothing(quiet_feed, alumni, hr):
    _post(alumni, "隠された投稿", hidden_at=LAST_WEEK, hidden_by=hr, hidden_reason="宣伝")
    _scan()
    assert not _digests()


def test_whoever_turned_it_off_gets_nothing(quiet_feed, alumni, hr):
    services.digest_set(actor=alumni, weekly=False)
    _post(hr, "人事からのお知らせ")
    _scan()
    assert not _digests(_address(alumni))
    assert _digests(_address(hr))


def test_turning_it_off_after_it_was_queued_still_skips_it(quiet_feed, alumni, hr):
    from alliance import notices

    _post(hr, "人事からのお知らせ")
    notices.scan(now=NOW)
    services.digest_set(actor=alumni, weekly=False)
    _scan()
    assert not _digests(_address(alumni))


@pytest.mark.parametrize(
    "who, receives",
    [
        ("alumni", True),  # an alumnus with a profile in the community
        ("hr", True),
        ("employee", False),
        ("manager", False),
        ("alumnus_without_profile", False),
        ("left_the_community", False),
    ],
)
def test_it_goes_to_community_members_only(request, quiet_feed, alumni, hr, who, receives):
    if who == "alumnus_without_profile":
        member = (
            Membership.objects.filter(organization=alumni.organization, status="alumni", alumni_profile__isnull=True)
            .order_by("pk")
            .first()
        )
    elif who == "left_the_community":
        member = alumni
        AlumniProfile.objects.filter(membership=alumni).update(left_community_at=LAST_WEEK)
    else:
        member = request.getfixturevalue(who)
    _post(hr, "人事からのお知らせ")
    _scan()
    assert bool(_digests(_address(member))) is receives


def test_the_digest_names_a_former_member_and_links_the_feed_and_the_setting(quiet_feed, alumni, hr):
    AlumniProfile.objects.filter(membership=alumni).update(left_community_at=NOW)
    _post(alumni, "退会前の投稿")
    hr.user.language = "en"
    hr.user.save(update_fields=["language"])
    _scan()
    (message,) = _digests(_address(hr))
    assert "1 new post this week" in message.subject
    assert "a former member" in message.body and alumni.user.display_name not in message.body
    assert "/acme/alumni/posts/" in message.body and "/acme/alumni/posts/digest/" in message.body
    html = message.alternatives[0][0]
    assert 'href="http' in html and "/acme/alumni/posts/digest/" in html


def test_the_digest_reads_in_japanese(quiet_feed, alumni, hr):
    hr.user.language = "ja"
    hr.user.save(update_fields=["language"])
    _post(alumni, "近況です")
    _scan()
    (message,) = _digests(_address(hr))
    assert "今週の新着投稿1件" in message.subject
    assert "週次ダイジェストを停止する" in message.alternatives[0][0]


def test_the_text_of_a_post_is_escaped_in_the_html_digest(quiet_feed, alumni, hr):
    _post(alumni, "<script>alert(1)</script> R&D")
    _scan()
    (message,) = _digests(_address(hr))
    assert "<script>" not in message.alternatives[0][0]
    assert "R&D" in message.body  # the text part reads as typed
