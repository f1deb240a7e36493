"""Forms of the community feed. Lengths and emptiness are the services' rules (alumni.services.posts), which
name the field and the fix; the forms only carry what was typed."""

from django import forms
from django.utils.translation import gettext_lazy as _

from alumni.models.posts import COMMENT_MAX, POST_MAX, REASON_MAX


class PostForm(forms.Form):
    body = forms.CharField(
        label=_("Your post"),
        required=False,
        strip=False,
        help_text=_("Everyone in the community reads it. Web addresses (https://...) become links."),
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": POST_MAX}),
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": COMMENT_MAX}),
    )


class HideForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is hidden"),
        required=False,
        help_text=_("The author reads this reason beside their greyed post; nobody else sees it."),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": REASON_MAX}),
    )


class DigestForm(forms.Form):
    weekly_digest = forms.BooleanField(label=_("Send me the weekly digest of new posts by e-mail"), required=False)
