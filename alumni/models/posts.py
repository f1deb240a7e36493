"""The community's feed: posts by alumni and HR, comments under them, and each member's weekly-digest choice.

Nothing here is deleted: an author withdraws their post or comment (kept, marked), HR hides one with a reason
(the author still sees it, greyed, with that reason; HR sees it marked and may show it again).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance.models import Membership, Organization, TenantModel

POST_MAX = 4000
COMMENT_MAX = 2000
REASON_MAX = 500


class Post(TenantModel):
    """One post in an organization's community feed. Pinned ones (`pinned_at`) come first, newest pin first."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="alumni_posts", verbose_name=_("organization")
    )
    author = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="alumni_posts", verbose_name=_("author")
    )
    body = models.TextField(_("post"), max_length=POST_MAX)
    created_at = models.DateTimeField(_("posted"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    pinned_at = models.DateTimeField(_("pinned"), null=True, blank=True)
    pinned_by = models.ForeignKey(
        Membership, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("pinned by")
    )
    hidden_at = models.DateTimeField(_("hidden"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        Membership, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("hidden by")
    )
    hidden_reason = models.TextField(_("why it was hidden"), max_length=REASON_MAX, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("community post")
        verbose_name_plural = _("community posts")
        indexes = [models.Index(fields=["organization", "created_at"], name="alumnipost_org_created")]

    def __str__(self):
        return self.body[:60]


class Comment(TenantModel):
    """A comment under a post, oldest first. Hidden and withdrawn as a post is."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="alumni_comments", verbose_name=_("organization")
    )
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="comments", verbose_name=_("post"))
    author = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="alumni_comments", verbose_name=_("author")
    )
    body = models.TextField(_("comment"), max_length=COMMENT_MAX)
    created_at = models.DateTimeField(_("posted"), default=timezone.now)
    hidden_at = models.DateTimeField(_("hidden"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        Membership, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("hidden by")
    )
    hidden_reason = models.TextField(_("why it was hidden"), max_length=REASON_MAX, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        indexes = [models.Index(fields=["organization", "post", "created_at"], name="alumnicomment_org_post")]

    def __str__(self):
        return self.body[:60]


class DigestPreference(TenantModel):
    """A member's choice about the weekly digest of new posts; no row means they receive it."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("organization")
    )
    membership = models.OneToOneField(
        Membership, on_delete=models.PROTECT, related_name="alumni_digest", verbose_name=_("member")
    )
    weekly_digest = models.BooleanField(_("send me the weekly digest of new posts"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("digest preference")
        verbose_name_plural = _("digest preferences")

    def __str__(self):
        return str(self.membership)
