"""The community feed (/<org>/alumni/posts/): writing, commenting, the author's edit and withdrawal, HR's pins
and moderation, who sees what, how authors are named, and a bounded number of queries.

The demo (alumni/demo_posts.py) gives acme a pinned welcome post by hr@, alumni@'s event post with comments, and
a post HR hid with a reason.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from alliance.models import AuditEntry, Membership
from alumni.models import AlumniProfile, Comment, Post
from alumni.models.posts import COMMENT_MAX, POST_MAX
from alumni.services import posts as services


def _url(name, *args, slug="acme"):
    return reverse(f"alumni:{name}", args=[slug, *args])


@pytest.fixture
def other_alumnus(db):
    """Another acme alumnus (not alumni@)."""
    return (
        Membership.objects.filter(organization__slug="acme", status="alumni")
        .exclude(user__email="alumni@acme.example")
        .select_related("user")
        .order_by("user__email")
        .first()
    )


@pytest.fixture
def own_post(alumni):
    return services.post_create(actor=alumni, body="新しい仕事を始めました https://example.com/news")


def _feed(client, **params):
    return client.get(_url("posts"), params)


def test_an_alumnus_writes_a_post_and_finds_it_in_the_feed(login, alumni):
    client = login(alumni, language="en")
    response = client.post(_url("posts"), {"body": "近況です\nhttps://example.com/me。よろしく"})
    post = Post.objects.filter(author=alumni).latest("pk")
    assert response.status_code == 302 and response["Location"] == _url("post", post.pk)
    html = _feed(client).content.decode()
    assert 'href="https://example.com/me" rel="nofollow noopener noreferrer ugc"' in html
    assert "近況です<br>" in html
    assert AuditEntry.objects.filter(action="alumni_post.create", object_id=str(post.pk)).count() == 1


@pytest.mark.parametrize(
    "body, message",
    [("   ", "Write what you want to share."), ("あ" * (POST_MAX + 1), f"Keep it to {POST_MAX} characters")],
)
def test_a_post_that_is_empty_or_too_long_is_refused_with_what_was_typed_kept(login, alumni, body, message):
    response = login(alumni, language="en").post(_url("posts"), {"body": body})
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    if body.strip():
        assert body in html
    assert not Post.objects.filter(author=alumni, body=body.strip()).exists()


def test_a_double_post_is_recorded_once(alumni):
    first = services.post_create(actor=alumni, body="同じ投稿")
    assert services.post_create(actor=alumni, body="同じ投稿") == first


def test_pinned_posts_come_first_then_the_newest(login, alumni, hr, own_post):
    pinned = Post.objects.get(organization__slug="acme", pinned_at__isnull=False)
    posts = list(_feed(login(alumni)).context["page"])
    assert posts[0] == pinned
    assert posts[1] == own_post


def test_a_comment_goes_under_the_post_and_an_empty_one_names_the_field(login, alumni, own_post):
    client = login(alumni, language="en")
    response = client.post(_url("comment_add", own_post.pk), {"body": "追記です"})
    comment = Comment.objects.get(post=own_post)
    assert response["Location"] == _url("post", own_post.pk) + f"#comment-{comment.pk}"
    response = client.post(_url("comment_add", own_post.pk), {"body": " "})
    assert response.status_code == 200 and "Write your comment." in response.content.decode()
    too_long = client.post(_url("comment_add", own_post.pk), {"body": "x" * (COMMENT_MAX + 1)})
    assert f"Keep it to {COMMENT_MAX} characters" in too_long.content.decode()


def test_the_author_edits_their_post_and_it_shows_edited(login, alumni, own_post):
    client = login(alumni, language="en")
    assert client.post(_url("post_edit", own_post.pk), {"body": "書き直しました"}).status_code == 302
    own_post.refresh_from_db()
    assert own_post.body == "書き直しました" and own_post.edited_at is not None
    assert "data-edited" in client.get(_url("post", own_post.pk)).content.decode()
    entry = AuditEntry.objects.get(action="alumni_post.edit", object_id=str(own_post.pk))
    assert entry.changes["body"][1] == "書き直しました"


def test_nobody_else_may_edit_or_withdraw_a_post(login, hr, other_alumnus, own_post):
    for member in (hr, other_alumnus):
        client = login(member)
        assert client.get(_url("post_edit", own_post.pk)).status_code == 403
        assert client.post(_url("post_withdraw", own_post.pk)).status_code == 403
    with pytest.raises(PermissionDenied):
        services.post_edit(post=own_post, actor=hr, body="x")


def test_withdrawing_asks_first_then_the_post_vanishes_for_everyone_but_is_kept(login, alumni, hr, own_post):
    client = login(alumni, language="en")
    confirm = client.get(_url("post_withdraw", own_post.pk))
    assert "Withdraw your post" in confirm.content.decode()
    assert Post.objects.get(pk=own_post.pk).withdrawn_at is None
    client.post(_url("post_withdraw", own_post.pk))
    assert Post.objects.get(pk=own_post.pk).withdrawn_at is not None
    for member in (alumni, hr):
        assert own_post not in list(_feed(login(member)).context["page"])
        assert login(member).get(_url("post", own_post.pk)).status_code == 404


def test_hr_pins_and_unpins_a_post(login, hr, own_post):
    client = login(hr)
    client.post(_url("post_pin", own_post.pk), {"pinned": "1"})
    assert list(_feed(client).context["page"])[0] == own_post
    client.post(_url("post_pin", own_post.pk), {"pinned": "0"})
    assert Post.objects.get(pk=own_post.pk).pinned_at is None
    actions = list(AuditEntry.objects.filter(object_id=str(own_post.pk)).values_list("action", flat=True))
    assert "alumni_post.pin" in actions and "alumni_post.unpin" in actions


def test_an_alumnus_may_not_pin_hide_or_unhide(login, alumni, own_post):
    # 404, not 403: alliance.tenancy.TenantView answers 404 to an alumnus lacking a capability.
    client = login(alumni)
    assert client.post(_url("post_pin", own_post.pk), {"pinned": "1"}).status_code == 404
    assert client.get(_url("post_hide", own_post.pk)).status_code == 404
    assert client.post(_url("post_hide", own_post.pk), {"reason": "x"}).status_code == 404
    assert client.post(_url("post_unhide", own_post.pk)).status_code == 404
    own_post.refresh_from_db()
    assert own_post.pinned_at is None and own_post.hidden_at is None


def test_hiding_needs_a_reason(login, hr, own_post):
    response = login(hr, language="en").post(_url("post_hide", own_post.pk), {"reason": "  "})
    assert response.status_code == 200
    assert "Say why it is hidden" in response.content.decode()
    assert Post.objects.get(pk=own_post.pk).hidden_at is None


# Who sees a hidden post, and how: the author greyed with the reason, HR marked (and may show it again),
# everyone else not at all.
SEES_HIDDEN = [("author", True, "HR hid this post"), ("hr", True, "Hidden by HR"), ("other", False, None)]


@pytest.mark.parametrize("who, sees, note", SEES_HIDDEN)
def test_a_hidden_post_is_seen_only_by_its_author_and_hr(login, alumni, hr, other_alumnus, own_post, who, sees, note):
    login(hr).post(_url("post_hide", own_post.pk), {"reason": "個人情報が含まれています"})
    viewer = {"author": alumni, "hr": hr, "other": other_alumnus}[who]
    client = login(viewer, language="en")
    html = _feed(client).content.decode()
    assert (f'data-post="{own_post.pk}"' in html) is sees
    if sees:
        assert note in html and "個人情報が含まれています" in html
        assert (f'action="{_url("post_unhide", own_post.pk)}"' in html) is (who == "hr")
    else:
        assert client.get(_url("post", own_post.pk)).status_code == 404


def test_hr_shows_a_hidden_post_again_and_both_steps_are_audited(login, hr, other_alumnus, own_post):
    client = login(hr)
    client.post(_url("post_hide", own_post.pk), {"reason": "確認中"})
    client.post(_url("post_unhide", own_post.pk))
    assert own_post in list(_feed(login(other_alumnus)).context["page"])
    actions = set(AuditEntry.objects.filter(object_id=str(own_post.pk)).values_list("action", flat=True))
    assert {"alumni_post.hide", "alumni_post.unhide"} <= actions


def test_a_hidden_comment_is_seen_only_by_its_author_and_hr(login, alumni, hr, other_alumnus, own_post):
    comment = services.comment_create(post=own_post, actor=other_alumnus, body="失礼なコメント")
    login(hr).post(_url("comment_hide", comment.pk), {"reason": "言葉づかい"})
    assert "失礼なコメント" not in login(alumni).get(_url("post", own_post.pk)).content.decode()
    for member in (other_alumnus, hr):
        html = login(member).get(_url("post", own_post.pk)).content.decode()
        assert "失礼なコメント" in html and "言葉づかい" in html


def test_the_author_withdraws_their_comment_after_confirming(login, alumni, other_alumnus, own_post):
    comment = services.comment_create(post=own_post, actor=other_alumnus, body="取り消すコメント")
    client = login(other_alumnus)
    assert login(alumni).get(_url("comment_withdraw", comment.pk)).status_code == 403
    assert client.get(_url("comment_withdraw", comment.pk)).status_code == 200
    client.post(_url("comment_withdraw", comment.pk))
    assert Comment.objects.get(pk=comment.pk).withdrawn_at is not None
    assert "取り消すコメント" not in client.get(_url("post", own_post.pk)).content.decode()


def test_a_hidden_post_takes_no_new_comments(hr, alumni, own_post):
    services.post_hide(post=own_post, actor=hr, reason="確認中")
    with pytest.raises(ValidationError):
        services.comment_create(post=own_post, actor=alumni, body="コメント")


def test_an_author_who_left_the_community_shows_as_a_former_member(login, hr, alumni, own_post):
    AlumniProfile.objects.filter(membership=alumni).update(left_community_at=timezone.now())
    html = login(hr, language="en").get(_url("post", own_post.pk)).content.decode()
    assert "a former member" in html
    assert alumni.user.display_name not in html
    ja = login(hr, language="ja").get(_url("post", own_post.pk)).content.decode()
    assert "元メンバー" in ja
    # And they no longer write in the community they left.
    with pytest.raises(PermissionDenied):
        services.post_create(actor=Membership.objects.get(pk=alumni.pk), body="まだ書けますか")


def test_hr_authors_carry_the_hr_badge(login, alumni):
    html = _feed(login(alumni, language="en")).content.decode()
    welcome = Post.objects.get(organization__slug="acme", pinned_at__isnull=False)
    start = html.index(f'data-post="{welcome.pk}"')
    assert 'class="badge badge-hr"' in html[start : start + 800]


def test_current_employees_do_not_reach_the_feed(login, employee, manager):
    for member in (employee, manager):
        assert _feed(login(member)).status_code == 403


def test_the_feed_stays_within_a_fixed_number_of_queries_however_many_posts(
    login, alumni, hr, other_alumnus, django_assert_max_num_queries
):
    now = timezone.now()
    for n in range(35):
        author = (alumni, hr, other_alumnus)[n % 3]
        post = Post.objects.create(
            organization=alumni.organization, author=author, body=f"投稿 {n}", created_at=now - timedelta(minutes=n)
        )
        for m in range(3):
            Comment.objects.create(
                organization=alumni.organization, post=post, author=(hr, other_alumnus)[m % 2], body=f"コメント {m}"
            )
    client = login(alumni)
    with django_assert_max_num_queries(16):
        response = _feed(client)
    assert response.status_code == 200
    assert len(response.context["page"]) == 20
    with django_assert_max_num_queries(16):
        assert _feed(client, page=2).status_code == 200


def test_the_digest_setting_turns_off_and_on(login, alumni):
    client = login(alumni, language="en")
    assert client.get(_url("posts_digest")).context["form"].initial["weekly_digest"] is True
    client.post(_url("posts_digest"), {})
    assert client.get(_url("posts_digest")).context["form"].initial["weekly_digest"] is False
    client.post(_url("posts_digest"), {"weekly_digest": "on"})
    assert client.get(_url("posts_digest")).context["form"].initial["weekly_digest"] is True
    assert AuditEntry.objects.filter(action="alumni_digest.set", actor=alumni).count() == 2


def test_the_community_home_links_to_the_feed(login, alumni):
    assert _url("posts") in login(alumni).get(reverse("alumni:home", args=["acme"])).content.decode()


@pytest.mark.parametrize("slug", ["acme", "globex"])
def test_the_demo_gives_each_organization_a_lively_feed(db, slug):
    posts = Post.objects.filter(organization__slug=slug)
    assert posts.filter(pinned_at__isnull=False, author__user__email=f"hr@{slug}.example").count() == 1
    hidden = posts.get(hidden_at__isnull=False)
    assert hidden.hidden_reason and hidden.hidden_by.user.email == f"hr@{slug}.example"
    assert posts.filter(author__user__email=f"alumni@{slug}.example").exists()
    assert Comment.objects.filter(organization__slug=slug).count() >= 3
    # The demo alumnus who left the community (alumni/demo_community.py) has a post, shown as by "a former member".
    left = Membership.objects.filter(organization__slug=slug, alumni_profile__left_community_at__isnull=False)
    assert left.exists()
    assert set(left.values_list("pk", flat=True)) <= set(posts.values_list("author_id", flat=True))
