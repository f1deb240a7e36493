import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance.scoping import (  # noqa: F401 - TenantQuerySet, ClosedQuerySet: re-exported for the apps
    ClosedQuerySet,
    ExplainedSaves,
    RemembersLoadedValues,
    TenantModel,
    TenantQuerySet,
    tenant_manager,
)


def validate_reading(value: str) -> None:
    """Model-level check of a reading (the admin's forms); our own forms also normalise it (alliance.text)."""
    from alliance.text import normalize_reading

    normalize_reading(value)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(ExplainedSaves, AbstractUser):
    """One login for one person, across every organization they belong to."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("e-mail address"), unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    reading = models.CharField(
        _("reading (furigana)"),
        max_length=150,
        blank=True,
        help_text=_("Your name in katakana or hiragana, for example ヤマダ タロウ. Lists are sorted by it."),
        validators=[validate_reading],
    )
    # Kept by save() from name, reading and e-mail (alliance.text): the member and team searches compare
    # against it, and the lists sort by reading_key (五十音順). Never edited by hand.
    search_text = models.CharField(max_length=500, blank=True, default="", editable=False)
    reading_key = models.CharField(max_length=150, blank=True, default="", editable=False)
    language = models.CharField(_("preferred language"), max_length=10, choices=settings.LANGUAGES, default="ja")

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.display_name

    def refresh_search_fields(self) -> None:
        """Recompute `search_text` and `reading_key` from name, reading and e-mail (see alliance.text); the
        reading itself is stored in full width with single spaces, whichever form (ours or the admin's) set it."""
        from alliance.text import reading_sort_key, search_document, tidy_reading

        self.reading = tidy_reading(self.reading)

        self.search_text = search_document(self.name or "", self.reading or "", self.email or "")
        self.reading_key = reading_sort_key(self.reading)

    def save(self, *args, **kwargs):
        self.refresh_search_fields()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"name", "reading", "email"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_text", "reading_key"}
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        return self.name or self.email

    def get_full_name(self):
        return self.display_name

    def get_short_name(self):
        return self.display_name


slug_validator = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$",
    _("Use 1 to 50 lowercase letters, digits and hyphens, starting and ending with a letter or digit."),
)

# Slugs that would shadow the project's own top-level URLs (alliance.urls).
RESERVED_SLUGS = frozenset(
    {
        "accounts",
        "admin",
        "static",
        "media",
        "healthz",
        "verify",
        "i18n",
        "orgs",
        "profile",
        "api",
        "calendar",
        "surveys",
    }
)


class Organization(ExplainedSaves, RemembersLoadedValues, models.Model):
    """A tenant: one company practising the alliance model."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("URL name"), max_length=50, unique=True, validators=[slug_validator])
    mission = models.TextField(_("mission"), blank=True)
    vision = models.TextField(_("vision"), blank=True)
    checkpoint_interval_months = models.PositiveSmallIntegerField(
        _("checkpoint interval (months)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    hr_countersign = models.BooleanField(
        _("HR countersigns agreements"),
        default=False,
        help_text=_("When on, an agreement is signed only after HR signs it too."),
    )
    hr_requires_mfa = models.BooleanField(
        _("HR must use two-factor authentication"),
        default=False,
        help_text=_(
            "When on, an HR member without two-factor authentication is asked to set it up before any HR "
            "page or the admin opens."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self):
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.slug in RESERVED_SLUGS:
            raise ValidationError({"slug": _("This URL name is reserved. Choose another.")})


class CompanyValue(TenantModel):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="values", verbose_name=_("organization")
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["organization", "position", "id"]
        verbose_name = _("company value")
        verbose_name_plural = _("company values")

    def __str__(self):
        return self.title


class Department(TenantModel):
    """A department (部署) of one organization: its own list, assigned to members, used by the HR filters.

    Never deleted: a department no longer in use is archived (`archived_at`), and the members still in it keep it.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="departments", verbose_name=_("organization")
    )
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(
        _("code"), max_length=50, blank=True, help_text=_("The department's code in your HR system, if any.")
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["organization", "position", "name", "id"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="department_name_unique_in_org"),
            models.UniqueConstraint(
                fields=["organization", "code"],
                condition=~models.Q(code=""),
                name="department_code_unique_in_org",
            ),
        ]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    EMPLOYEE = "employee", _("Employee")
    MANAGER = "manager", _("Manager")
    HR = "hr", _("HR")


# The roles that may have reports: a manager is a membership in one of these with reports of its own.


class MembershipStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    ACTIVE = "active", _("Active")
    ALUMNI = "alumni", _("Alumni")


class Membership(TenantModel):
    """A person's role and status in one organization."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("organization")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.EMPLOYEE)
    status = models.CharField(
        _("status"), max_length=16, choices=MembershipStatus.choices, default=MembershipStatus.ACTIVE
    )
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    manager = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("manager"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("department"),
    )
    joined_on = models.DateField(_("joined"), null=True, blank=True)
    left_on = models.DateField(_("left"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["organization", "user__name", "user__email"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_one_per_user_and_org"),
            models.CheckConstraint(
                condition=models.Q(left_on__isnull=True)
                | models.Q(joined_on__isnull=True)
                | models.Q(left_on__gte=models.F("joined_on")),
                name="membership_left_after_joined",
            ),
        ]
        indexes = [models.Index(fields=["organization", "status", "role"], name="membership_org_status_role")]

    def __str__(self):
        return f"{self.shown_name} @ {self.organization}"

    @property
    def is_active(self) -> bool:
        return self.status == MembershipStatus.ACTIVE

    @property
    def shown_name(self) -> str:
        """The name the organization may show: an invited person's account (name, anything they chose) stays
        private until they accept, so only the address the organization typed is shown for them."""
        if self.status == MembershipStatus.INVITED:
            return self.user.email
        return self.user.display_name

    @property
    def is_alumni(self) -> bool:
        return self.status == MembershipStatus.ALUMNI


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(TenantQuerySet):
    def pending(self):
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())


class Invitation(TenantModel):
    """An e-mailed link that turns its holder into an active member; only the token's hash is stored."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("organization")
    )
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.EMPLOYEE)
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    reading = models.CharField(
        _("reading (furigana)"),
        max_length=150,
        blank=True,
        help_text=_("The invitee's name in katakana or hiragana; they can correct it when they accept."),
        validators=[validate_reading],
    )
    manager = models.ForeignKey(
        Membership,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("manager"),
    )
    # What HR knows of the person beforehand (the invite form, a member import): given to the membership when
    # the invitation is accepted (alliance.services.invitation_accept); the name only if the account has none.
    name = models.CharField(_("name"), max_length=150, blank=True)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    joined_on = models.DateField(_("joined"), null=True, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True, editable=False)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)
    # Set by alliance.tasks.send_invitation_email under a row lock, so a retried task never mails twice.
    email_sent_at = models.DateTimeField(_("e-mail sent"), null=True, blank=True, editable=False)

    objects = tenant_manager(InvitationQuerySet)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        indexes = [models.Index(fields=["organization", "email"], name="invitation_org_email")]

    def __str__(self):
        return f"{self.email} → {self.organization}"

    @staticmethod
    def new_token() -> tuple[str, str]:
        token = secrets.token_urlsafe(32)
        return token, _hash_token(token)

    @staticmethod
    def hash_token(token: str) -> str:
        return _hash_token(token)

    @staticmethod
    def default_expiry(now=None):
        """When an invitation sent at `now` (default: now) expires: INVITATION_VALID_DAYS days later."""
        return (now or timezone.now()) + timedelta(days=settings.INVITATION_VALID_DAYS)

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def state(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.is_expired:
            return "expired"
        return "pending"

    def get_state_display(self) -> str:
        return {
            "accepted": _("Accepted"),
            "revoked": _("Revoked"),
            "expired": _("Expired"),
            "pending": _("Pending"),
        }[self.state]


class ManagerChangeReason(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned by HR")
    ROLE_CHANGED = "role_changed", _("The manager's role changed")
    STATUS_CHANGED = "status_changed", _("The manager left or became inactive")
    INVITATION = "invitation", _("Set by the accepted invitation")


class ManagerChange(TenantModel):
    """One change of a member's manager: who changed it, when, from whom, to whom. Kept for HR and auditors.

    A new manager never gains access to earlier career alignments through this change; the employee is offered
    to share them (agreements.services.alignment_share_earlier_with_manager) and the offer is closed here.
    """

    membership = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="manager_changes", verbose_name=_("member")
    )
    previous_manager = models.ForeignKey(
        Membership, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("from")
    )
    new_manager = models.ForeignKey(
        Membership, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("to")
    )
    reason = models.CharField(_("reason"), max_length=20, choices=ManagerChangeReason.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("changed by")
    )
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)
    # Set when the employee shared their earlier alignments with the new manager or dismissed the offer.
    share_offer_closed_at = models.DateTimeField(_("share offer answered"), null=True, blank=True)
    share_offer_accepted = models.BooleanField(_("earlier alignments shared"), default=False)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("manager change")
        verbose_name_plural = _("manager changes")
        indexes = [models.Index(fields=["organization", "membership", "-changed_at"], name="managerchange_org_member")]

    def __str__(self):
        return f"{self.membership} {self.changed_at:%Y-%m-%d}"


# The shared machinery's models (notices, audit trail) and the database history of sensitive tables.
from alliance.core_models import AuditEntry, Notice, NoticeState  # noqa: E402, F401
from alliance.history import track  # noqa: E402

track(Membership, "MembershipEvent")
