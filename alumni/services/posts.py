"""Writes of the community feed: posts, comments, HR's pins and moderation, and the weekly-digest choice.

Each public function is one `@transaction.atomic` step that re-reads its row under a lock, checks who may act
(the author for edit and withdraw, HR for pin and hide), and writes one audit row; repeating a step that
already took effect (a double POST) changes nothing and writes no second row. Nothing is deleted.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliance.audit import audit_log
from alliance.models import Membership
from alumni.models import Comment, DigestPreference, Post
from alumni.models.posts import COMMENT_MAX, POST_MAX, REASON_MAX
from alumni.selectors.posts import is_moderator, may_take_part

AUDIT_ACTIONS = {
    "alumni_post.create": gettext_lazy("Community post written"),
    "alumni_post.edit": gettext_lazy("Community post edited"),
    "alumni_post.withdraw": gettext_lazy("Community post withdrawn by its author"),
    "alumni_post.pin": gettext_lazy("Community post pinned"),
    "alumni_post.unpin": gettext_lazy("Community post unpinned"),
    "alumni_post.hide": gettext_lazy("Community post hidden by HR"),
    "alumni_post.unhide": gettext_lazy("Community post shown again by HR"),
    "alumni_comment.create": gettext_lazy("Comment written on a community post"),
    "alumni_comment.withdraw": gettext_lazy("Comment withdrawn by its author"),
    "alumni_comment.hide": gettext_lazy("Comment hidden by HR"),
    "alumni_comment.unhide": gettext_lazy("Comment shown again by HR"),
    "alumni_digest.set": gettext_lazy("Weekly digest turned on or off"),
}

# A second identical post or comment by the same person within this time is taken for a double POST.
DOUBLE_POST_WINDOW = timedelta(minutes=2)


def clean_text(value, *, field: str, limit: int, empty: str) -> str:
    """`value` stripped; ValidationError keyed by `field` when empty (`empty` says what to write) or longer than
    `limit` characters (the message gives both counts)."""
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: [empty]})
    if len(text) > limit:
        raise ValidationError(
            {field: [_("Keep it to %(max)d characters (this one has %(n)d).") % {"max": limit, "n": len(text)}]}
        )
    return text


def _require_member(actor: Membership) -> None:
    if not may_take_part(actor):
        raise PermissionDenied


def _require_moderator(actor: Membership) -> None:
    if not is_moderator(actor):
        raise PermissionDenied


def _lock(model, obj):
    return model.objects.for_organization(obj.organization_id).select_for_update().get(pk=obj.pk)


def _label(obj) -> str:
    return obj.body[:80]


@transaction.atomic
def post_create(*, actor: Membership, body: str) -> Post:
    """Write a post in `actor`'s organization's feed. `actor` must take part in the community (USE_COMMUNITY and
    not left it: PermissionDenied otherwise). ValidationError keyed `body` when empty or over POST_MAX
    characters. The same text by the same author within DOUBLE_POST_WINDOW returns that post. Audited."""
    _require_member(actor)
    body = clean_text(body, field="body", limit=POST_MAX, empty=_("Write what you want to share."))
    recent = (
        Post.objects.for_organization(actor.organization_id)
        .filter(author=actor, body=body, withdrawn_at__isnull=True, created_at__gte=timezone.now() - DOUBLE_POST_WINDOW)
        .first()
    )
    if recent is not None:
        return recent
    post = Post.objects.create(organization_id=actor.organization_id, author=actor, body=body)
    audit_log("alumni_post.create", obj=post, actor=actor, label=_label(post), changes={"body": [None, body]})
    return post


@transaction.atomic
def post_edit(*, post: Post, actor: Membership, body: str) -> Post:
    """Its author changes the text of `post` (marked edited). PermissionDenied for anyone else or a withdrawn
    post; ValidationError keyed `body` as for `post_create`. The same text changes nothing. Audited."""
    post = _lock(Post, post)
    if post.author_id != actor.pk or post.withdrawn_at is not None:
        raise PermissionDenied
    _require_member(actor)
    body = clean_text(body, field="body", limit=POST_MAX, empty=_("Write what you want to share."))
    if body == post.body:
        return post
    before = post.body
    post.body, post.edited_at = body, timezone.now()
    post.save(update_fields=["body", "edited_at"])
    audit_log("alumni_post.edit", obj=post, actor=actor, label=_label(post), changes={"body": [before, body]})
    return post


@transaction.atomic
def post_withdraw(*, post: Post, actor: Membership) -> Post:
    """Its author withdraws `post` (kept, seen by nobody in the feed). PermissionDenied for anyone else;
    withdrawing again is a no-op. Audited."""
    post = _lock(Post, post)
    if post.author_id != actor.pk:
        raise PermissionDenied
    if post.withdrawn_at is not None:
        return post
    post.withdrawn_at = timezone.now()
    post.save(update_fields=["withdrawn_at"])
    audit_log(
        "alumni_post.withdraw",
        obj=post,
        actor=actor,
        label=_label(post),
        changes={"withdrawn_at": [None, post.withdrawn_at.isoformat()]},
    )
    return post


@transaction.atomic
def post_pin(*, post: Post, actor: Membership, pinned: bool) -> Post:
    """HR pins (`pinned` True: first in the feed) or unpins `post`. PermissionDenied for anyone but HR; no
    change when it already is so. Audited (`alumni_post.pin` / `.unpin`)."""
    _require_moderator(actor)
    post = _lock(Post, post)
    if (post.pinned_at is not None) == pinned or post.withdrawn_at is not None:
        return post
    before = post.pinned_at
    post.pinned_at, post.pinned_by = (timezone.now(), actor) if pinned else (None, None)
    post.save(update_fields=["pinned_at", "pinned_by"])
    audit_log(
        "alumni_post.pin" if pinned else "alumni_post.unpin",
        obj=post,
        actor=actor,
        label=_label(post),
        changes={"pinned_at": [before and before.isoformat(), post.pinned_at and post.pinned_at.isoformat()]},
    )
    return post


def _hide(model, obj, *, actor: Membership, reason: str, action: str):
    _require_moderator(actor)
    reason = clean_text(reason, field="reason", limit=REASON_MAX, empty=_("Say why it is hidden: the author reads it."))
    obj = _lock(model, obj)
    if obj.hidden_at is not None or obj.withdrawn_at is not None:
        return obj
    obj.hidden_at, obj.hidden_by, obj.hidden_reason = timezone.now(), actor, reason
    obj.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    audit_log(action, obj=obj, actor=actor, label=_label(obj), changes={"hidden_reason": [None, reason]})
    return obj


def _unhide(model, obj, *, actor: Membership, action: str):
    _require_moderator(actor)
    obj = _lock(model, obj)
    if obj.hidden_at is None:
        return obj
    before = obj.hidden_reason
    # The reason stays on the row for the record; `hidden_at` None is what shows it again.
    obj.hidden_at = None
    obj.save(update_fields=["hidden_at"])
    audit_log(action, obj=obj, actor=actor, label=_label(obj), changes={"hidden_reason": [before, None]})
    return obj


@transaction.atomic
def post_hide(*, post: Post, actor: Membership, reason: str) -> Post:
    """HR hides `post` with `reason` (the author reads it). PermissionDenied for anyone but HR; ValidationError
    keyed `reason` when it is empty or over REASON_MAX characters; no-op when already hidden. Audited."""
    return _hide(Post, post, actor=actor, reason=reason, action="alumni_post.hide")


@transaction.atomic
def post_unhide(*, post: Post, actor: Membership) -> Post:
    """HR shows a hidden `post` again. PermissionDenied for anyone but HR; no-op when not hidden. Audited."""
    return _unhide(Post, post, actor=actor, action="alumni_post.unhide")


@transaction.atomic
def comment_create(*, post: Post, actor: Membership, body: str) -> Comment:
    """Write a comment under `post` as `actor` (PermissionDenied as for `post_create`). ValidationError keyed
    `body` when empty, over COMMENT_MAX characters, or when the post is hidden or withdrawn. A double POST
    returns the first comment. Audited."""
    _require_member(actor)
    post = _lock(Post, post)
    if post.hidden_at is not None or post.withdrawn_at is not None:
        raise ValidationError({"body": [_("This post is hidden or withdrawn: it takes no new comments.")]})
    body = clean_text(body, field="body", limit=COMMENT_MAX, empty=_("Write your comment."))
    recent = post.comments.filter(
        author=actor, body=body, withdrawn_at__isnull=True, created_at__gte=timezone.now() - DOUBLE_POST_WINDOW
    ).first()
    if recent is not None:
        return recent
    comment = Comment.objects.create(organization_id=post.organization_id, post=post, author=actor, body=body)
    audit_log("alumni_comment.create", obj=comment, actor=actor, label=_label(comment), changes={"body": [None, body]})
    return comment


@transaction.atomic
def comment_withdraw(*, comment: Comment, actor: Membership) -> Comment:
    """Its author withdraws `comment` (kept, seen by nobody). PermissionDenied for anyone else; no-op the second
    time. Audited."""
    comment = _lock(Comment, comment)
    if comment.author_id != actor.pk:
        raise PermissionDenied
    if comment.withdrawn_at is not None:
        return comment
    comment.withdrawn_at = timezone.now()
    comment.save(update_fields=["withdrawn_at"])
    audit_log(
        "alumni_comment.withdraw",
        obj=comment,
        actor=actor,
        label=_label(comment),
        changes={"withdrawn_at": [None, comment.withdrawn_at.isoformat()]},
    )
    return comment


@transaction.atomic
def comment_hide(*, comment: Comment, actor: Membership, reason: str) -> Comment:
    """HR hides `comment` with `reason`, as `post_hide` does a post. Audited."""
    return _hide(Comment, comment, actor=actor, reason=reason, action="alumni_comment.hide")


@transaction.atomic
def comment_unhide(*, comment: Comment, actor: Membership) -> Comment:
    """HR shows a hidden `comment` again, as `post_unhide` does a post. Audited."""
    return _unhide(Comment, comment, actor=actor, action="alumni_comment.unhide")


@transaction.atomic
def digest_set(*, actor: Membership, weekly: bool) -> DigestPreference:
    """Turn `actor`'s weekly digest on (`weekly` True) or off. No change, no audit row. Audited."""
    preference, _created = (
        DigestPreference.objects.for_organization(actor.organization_id)
        .select_for_update()
        .get_or_create(organization_id=actor.organization_id, membership=actor)
    )
    if preference.weekly_digest == weekly:
        return preference
    preference.weekly_digest = weekly
    preference.save(update_fields=["weekly_digest", "updated_at"])
    audit_log(
        "alumni_digest.set", obj=preference, actor=actor, subject=actor, changes={"weekly_digest": [not weekly, weekly]}
    )
    return preference
