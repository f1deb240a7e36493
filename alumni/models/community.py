"""The closed alumni community of one organization: its settings and each alumnus's profile."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance.models import Membership, Organization, TenantModel


class CommunitySettings(TenantModel):
    """One organization's community settings (created on first use, HR edits them)."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="alumni_settings", verbose_name=_("organization")
    )
    employees_see_directory = models.BooleanField(
        _("current employees may open the alumni directory"),
        default=False,
        help_text=_("Alumni and HR always may. Only fields each alumnus chose to share are shown."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("alumni community settings")
        verbose_name_plural = _("alumni community settings")

    def __str__(self):
        return str(self.organization)


# The profile fields an alumnus may share, each with its own consent flag `share_<name>`.
# The shared fields the directory's search reads, besides the person's name and reading.
SEARCHED_FIELDS = ("current_organization", "current_role", "skills")
PROFILE_SHARED_FIELDS = ("current_organization", "current_role", "location", "skills", "note", "links", "open_to")


class AlumniProfile(TenantModel):
    """An alumnus's profile in the community of the organization they left. Only fields whose `share_*` flag is on
    are ever shown, and only inside that organization's community; `hidden` takes it out of the directory, and
    `left_community_at` marks someone who left the community (their posts then show as "a former member").
    Never deleted."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="alumni_profiles", verbose_name=_("organization")
    )
    membership = models.OneToOneField(
        Membership, on_delete=models.PROTECT, related_name="alumni_profile", verbose_name=_("member")
    )
    joined_at = models.DateTimeField(_("joined the community"), default=timezone.now)
    hidden = models.BooleanField(_("hidden from the directory"), default=False)
    left_community_at = models.DateTimeField(_("left the community"), null=True, blank=True)

    current_organization = models.CharField(_("current organization"), max_length=200, blank=True)
    share_current_organization = models.BooleanField(_("share"), default=False)
    current_role = models.CharField(_("current role"), max_length=200, blank=True)
    share_current_role = models.BooleanField(_("share"), default=False)
    location = models.CharField(_("location"), max_length=200, blank=True)
    share_location = models.BooleanField(_("share"), default=False)
    skills = models.CharField(
        _("skills"), max_length=500, blank=True, help_text=_("Separate skills with commas, e.g. Python, 採用, UX")
    )
    share_skills = models.BooleanField(_("share"), default=False)
    note = models.TextField(_("a short note"), max_length=1000, blank=True)
    share_note = models.BooleanField(_("share"), default=False)
    links = models.TextField(_("links"), blank=True, help_text=_("One web address (https://...) a line."))
    share_links = models.BooleanField(_("share"), default=False)
    open_to_comeback = models.BooleanField(_("coming back"), default=False)
    open_to_projects = models.BooleanField(_("projects"), default=False)
    open_to_partnership = models.BooleanField(_("partnership"), default=False)
    open_to_mentoring = models.BooleanField(_("mentoring"), default=False)
    open_to_speaking = models.BooleanField(_("speaking"), default=False)
    share_open_to = models.BooleanField(_("share"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Kept by save() from the SHARED current organization, role and skills only (alliance.text.search_document),
    # so the directory's search (alumni.selectors.community.directory) never matches a field its owner did not
    # share. Never edited by hand.
    search_text = models.CharField(max_length=1000, blank=True, default="", editable=False)

    class Meta:
        ordering = ["-joined_at", "-id"]
        verbose_name = _("alumni profile")
        verbose_name_plural = _("alumni profiles")
        indexes = [models.Index(fields=["organization", "hidden"], name="alumniprofile_org_hidden")]

    def __str__(self):
        return str(self.membership)

    def refresh_search_text(self) -> None:
        """Recompute `search_text` from the fields that are shared now (an unshared field is never searched)."""
        from alliance.text import search_document

        parts = [getattr(self, name) for name in SEARCHED_FIELDS if getattr(self, f"share_{name}")]
        self.search_text = search_document(*parts)

    def save(self, *args, **kwargs):
        self.refresh_search_text()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    @property
    def in_community(self) -> bool:
        return self.left_community_at is None


# What a profile may say its owner is open to, as (key, field name), in the profile's order: each key has its own
# `open_to_<key>` field, whose verbose name is the label everyone sees (`open_to_labels`).
OPEN_TO = tuple((key, f"open_to_{key}") for key in ("comeback", "projects", "partnership", "mentoring", "speaking"))


def open_to_labels() -> list[tuple[str, str]]:
    """(key, label) of each thing an alumnus may be open to, in the profile's order; labels are lazy translations."""
    return [(key, AlumniProfile._meta.get_field(name).verbose_name) for key, name in OPEN_TO]
