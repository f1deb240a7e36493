"""The community feed (`/<org>/alumni/posts/`): read and write posts and comments, the author's edit and
withdrawal, HR's pins and moderation, and one's weekly-digest setting.

Alumni and HR use it (USE_COMMUNITY); HR alone pins, hides and shows again (MANAGE_COMMUNITY). Objects are
fetched through `alumni.selectors.posts.access_*` (404 when unseen, 403 when not one's own); the rules are the
services'. The small POST-only actions answer a GET with a redirect to the post.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from alliance import page_cache as kept_pages
from alliance.tenancy import TenantView, apply_form_errors, querystring_without_page, url_object
from alumni.capabilities import MANAGE_COMMUNITY, USE_COMMUNITY
from alumni.forms_posts import CommentForm, DigestForm, HideForm, PostForm
from alumni.selectors import posts as selectors
from alumni.services import posts as services

POSTS_PER_PAGE = 20
# The feed shows the latest few comments of each post; the post's own page shows them all.
FEED_COMMENTS = 3


def _feed_url(view) -> str:
    return reverse("alumni:posts", args=[view.organization.slug])


def _post_url(view, post, anchor="") -> str:
    return reverse("alumni:post", args=[view.organization.slug, post.pk]) + anchor


def _decorate(items, viewer) -> None:
    """Set what the templates show of each post or comment's author: `shown_author`, `hr_author`, `mine`."""
    for item in items:
        item.shown_author = selectors.author_name(item.author)
        item.hr_author = selectors.author_is_hr(item.author)
        item.mine = item.author_id == viewer.pk


def _prepare(post, viewer, *, all_comments: bool, comment_form=None) -> None:
    comments = post.shown_comments
    _decorate([post, *comments], viewer)
    post.comment_total = len(comments)
    post.comments_shown = comments if all_comments else comments[-FEED_COMMENTS:]
    post.comment_form = comment_form or CommentForm(auto_id=f"id_comment_{post.pk}_%s")


class FeedContext:
    """Adds whether the viewer moderates (HR) and may write to a feed page's context."""

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["is_moderator"] = selectors.is_moderator(self.membership)
        ctx["may_write"] = selectors.may_take_part(self.membership)
        return ctx


class FeedView(FeedContext, TenantView, TemplateView):
    """GET: the feed, pinned first then newest, paginated, with the form to write a post. POST: write one."""

    template_name = "alumni/posts/feed.html"
    capabilities = {"GET": USE_COMMUNITY, "POST": USE_COMMUNITY}
    page_cache = True
    page_topic_kinds = (kept_pages.COMMUNITY,)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        rows = selectors.feed(organization=self.organization, viewer=self.membership)
        page = Paginator(rows, POSTS_PER_PAGE).get_page(self.request.GET.get("page"))
        for post in page:
            _prepare(post, self.membership, all_comments=False)
        ctx.update(page=page, querystring=querystring_without_page(self.request))
        ctx.setdefault("form", PostForm())
        return ctx

    def post(self, request, *args, **kwargs):
        form = PostForm(request.POST)
        if form.is_valid():
            try:
                post = services.post_create(actor=self.membership, body=form.cleaned_data["body"])
            except ValidationError as error:
                apply_form_errors(form, error)
            else:
                messages.success(request, _("Your post is in the feed."))
                return redirect(_post_url(self, post))
        return self.render_to_response(self.get_context_data(form=form))


class PostView(FeedContext, TenantView, TemplateView):
    """GET: one post with all its comments and the comment form."""

    template_name = "alumni/posts/post.html"
    capabilities = {"GET": USE_COMMUNITY}

    def get_context_data(self, comment_form=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        post = selectors.post_with_comments(
            organization=self.organization, viewer=self.membership, pk=self.kwargs["pk"]
        )
        _prepare(post, self.membership, all_comments=True, comment_form=comment_form)
        ctx["post"] = post
        return ctx


class CommentAddView(PostView):
    """POST: comment under the post, back to it; on a mistake the post's page with the form and its error."""

    capabilities = {"GET": USE_COMMUNITY, "POST": USE_COMMUNITY}
    url_objects = {"target": url_object(selectors.access_post, pk="pk")}

    def get(self, request, *args, **kwargs):
        return redirect(_post_url(self, self.target, "#comments"))

    def post(self, request, *args, **kwargs):
        form = CommentForm(request.POST, auto_id=f"id_comment_{self.target.pk}_%s")
        if form.is_valid():
            try:
                comment = services.comment_create(
                    post=self.target, actor=self.membership, body=form.cleaned_data["body"]
                )
            except ValidationError as error:
                apply_form_errors(form, error)
            else:
                messages.success(request, _("Your comment is under the post."))
                return redirect(_post_url(self, self.target, f"#comment-{comment.pk}"))
        return self.render_to_response(self.get_context_data(comment_form=form))


class PostEditView(FeedContext, TenantView, TemplateView):
    """GET/POST: its author changes the post's text (shown as edited)."""

    template_name = "alumni/posts/edit.html"
    capabilities = {"GET": USE_COMMUNITY, "POST": USE_COMMUNITY}
    url_objects = {"feed_post": url_object(selectors.access_own_post, pk="pk")}

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", PostForm(initial={"body": self.feed_post.body}))
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        form = PostForm(request.POST)
        if form.is_valid():
            try:
                services.post_edit(post=self.feed_post, actor=self.membership, body=form.cleaned_data["body"])
            except ValidationError as error:
                apply_form_errors(form, error)
            else:
                messages.success(request, _("Your post was changed."))
                return redirect(_post_url(self, self.feed_post))
        return self.render_to_response(self.get_context_data(form=form))


class ConfirmView(FeedContext, TenantView, TemplateView):
    """A confirmation page (GET) and its action (POST): `act(form)` calls one service; `form_class` None is a
    plain confirmation. Subclasses name the object (`item`), the texts and where to go after."""

    template_name = "alumni/posts/confirm.html"
    capabilities = {"GET": USE_COMMUNITY, "POST": USE_COMMUNITY}
    form_class = None
    danger = True

    def make_form(self, data=None):
        return self.form_class(data) if self.form_class else None

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", self.make_form())
        ctx = super().get_context_data(**kwargs)
        item = self.item()
        _decorate([item], self.membership)
        ctx.update(item=item, texts=self.texts(), back_url=self.back_url(), danger=self.danger)
        return ctx

    def post(self, request, *args, **kwargs):
        form = self.make_form(request.POST)
        if form is None or form.is_valid():
            try:
                self.act(form)
            except ValidationError as error:
                if form is None:
                    raise
                apply_form_errors(form, error)
            else:
                messages.success(request, self.texts()["done"])
                return redirect(self.done_url())
        return self.render_to_response(self.get_context_data(form=form))

    def back_url(self):
        return self.done_url()


class PostWithdrawView(ConfirmView):
    capabilities = {"GET": USE_COMMUNITY, "POST": USE_COMMUNITY}
    url_objects = {"feed_post": url_object(selectors.access_own_post, pk="pk")}

    def item(self):
        return self.feed_post

    def texts(self):
        return {
            "title": _("Withdraw your post"),
            "explain": _(
                "Nobody will see it in the feed any more, nor its comments. It is kept in the records "
                "with the time you withdrew it, and cannot be brought back."
            ),
            "submit": _("Withdraw the post"),
            "done": _("Your post was withdrawn."),
        }

    def back_url(self):
        return _post_url(self, self.feed_post)

    def done_url(self):
        return _feed_url(self)

    def act(self, form):
        services.post_withdraw(post=self.feed_post, actor=self.membership)


class PostHideView(ConfirmView):
    capabilities = {"GET": MANAGE_COMMUNITY, "POST": MANAGE_COMMUNITY}
    url_objects = {"feed_post": url_object(selectors.access_post, pk="pk")}
    form_class = HideForm

    def item(self):
        return self.feed_post

    def texts(self):
        return {
            "title": _("Hide this post"),
            "explain": _(
                "It disappears from the feed and from the digest for everyone but its author, who sees it "
                "greyed with your reason, and HR, who may show it again. Nothing is deleted."
            ),
            "submit": _("Hide the post"),
            "done": _("The post is hidden."),
        }

    def done_url(self):
        return _post_url(self, self.feed_post)

    def act(self, form):
        services.post_hide(post=self.feed_post, actor=self.membership, reason=form.cleaned_data["reason"])


class CommentWithdrawView(ConfirmView):
    capabilities = {"GET": USE_COMMUNITY, "POST": USE_COMMUNITY}
    url_objects = {"comment": url_object(selectors.access_own_comment, pk="pk")}

    def item(self):
        return self.comment

    def texts(self):
        return {
            "title": _("Withdraw your comment"),
            "explain": _("Nobody will see it any more. It is kept in the records with the time you withdrew it."),
            "submit": _("Withdraw the comment"),
            "done": _("Your comment was withdrawn."),
        }

    def done_url(self):
        return _post_url(self, self.comment.post, "#comments")

    def act(self, form):
        services.comment_withdraw(comment=self.comment, actor=self.membership)


class CommentHideView(ConfirmView):
    capabilities = {"GET": MANAGE_COMMUNITY, "POST": MANAGE_COMMUNITY}
    url_objects = {"comment": url_object(selectors.access_comment, pk="pk")}
    form_class = HideForm

    def item(self):
        return self.comment

    def texts(self):
        return {
            "title": _("Hide this comment"),
            "explain": _(
                "It disappears for everyone but its author, who sees it greyed with your reason, and HR, who "
                "may show it again. Nothing is deleted."
            ),
            "submit": _("Hide the comment"),
            "done": _("The comment is hidden."),
        }

    def done_url(self):
        return _post_url(self, self.comment.post, f"#comment-{self.comment.pk}")

    def act(self, form):
        services.comment_hide(comment=self.comment, actor=self.membership, reason=form.cleaned_data["reason"])


class ActionView(TenantView):
    """POST-only actions of HR (pin, show again): a GET leads back to the post."""

    capabilities = {"GET": USE_COMMUNITY, "POST": MANAGE_COMMUNITY}

    def target_post(self):  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        return redirect(_post_url(self, self.target_post()))

    def post(self, request, *args, **kwargs):
        message, anchor = self.act()
        messages.success(request, message)
        return redirect(_post_url(self, self.target_post(), anchor))


class PostPinView(ActionView):
    url_objects = {"target": url_object(selectors.access_post, pk="pk")}

    def target_post(self):
        return self.target

    def act(self):
        pinned = self.request.POST.get("pinned") == "1"
        services.post_pin(post=self.target, actor=self.membership, pinned=pinned)
        return (_("The post is pinned to the top of the feed.") if pinned else _("The post is no longer pinned.")), ""


class PostUnhideView(ActionView):
    url_objects = {"target": url_object(selectors.access_post, pk="pk")}

    def target_post(self):
        return self.target

    def act(self):
        services.post_unhide(post=self.target, actor=self.membership)
        return _("The post is shown again."), ""


class CommentUnhideView(ActionView):
    url_objects = {"target": url_object(selectors.access_comment, pk="pk")}

    def target_post(self):
        return self.target.post

    def act(self):
        services.comment_unhide(comment=self.target, actor=self.membership)
        return _("The comment is shown again."), f"#comment-{self.target.pk}"


class DigestView(FeedContext, TenantView, TemplateView):
    """GET/POST: turn one's weekly digest of new posts on or off."""

    template_name = "alumni/posts/digest.html"
    capabilities = {"GET": USE_COMMUNITY, "POST": USE_COMMUNITY}

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", DigestForm(initial={"weekly_digest": selectors.wants_digest(self.membership)}))
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        form = DigestForm(request.POST)
        form.is_valid()
        weekly = bool(form.cleaned_data.get("weekly_digest"))
        services.digest_set(actor=self.membership, weekly=weekly)
        if weekly:
            messages.success(request, _("You will receive the weekly digest of new posts."))
        else:
            messages.success(request, _("You will no longer receive the weekly digest."))
        return redirect(reverse("alumni:posts_digest", args=[self.organization.slug]))
