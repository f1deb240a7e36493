"""STEP 1 to 3: career alignments, tours of duty, agreements with their versions, KPIs and signatures."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from guardian.models import UserObjectPermissionBase

from alliance.history import track
from alliance.models import CompanyValue, Membership, TenantModel


class AlignmentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONFIRMED = "confirmed", _("Confirmed by the employee")


class TimeHorizon(models.TextChoices):
    ONE_YEAR = "1y", _("About a year")
    THREE_YEARS = "3y", _("Three years or so")
    FIVE_YEARS = "5y", _("Five years or so")
    TEN_YEARS = "10y", _("Ten years or more")
    OPEN = "open", _("Not decided (career drift)")


class CareerAlignment(TenantModel):
    """The record of one career-alignment 1on1 (STEP 1). Later 1on1s add records; none is overwritten.

    Aspirations are private: only the employee and their manager see one, unless the employee shares it
    with HR (`shared_with_hr`) or with named colleagues (guardian grants on `CareerAlignmentUserPermission`).
    """

    employee = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="alignments", verbose_name=_("employee")
    )
    manager = models.ForeignKey(
        Membership,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("manager at the time"),
    )
    held_on = models.DateField(_("date of the 1on1"), default=timezone.localdate)
    # [{"value": "...", "why": "..."}]: the employee's own words, in their order.
    core_values = models.JSONField(_("core values"), default=list, blank=True)
    ideal_self = models.TextField(_("ideal self"), blank=True)
    time_horizon = models.CharField(
        _("time horizon"), max_length=8, choices=TimeHorizon.choices, default=TimeHorizon.THREE_YEARS
    )
    outside_company = models.BooleanField(
        _("the ideal self may lie outside this company"),
        default=False,
        help_text=_("A move, a start-up, a different field: any aspiration is welcome and changes nothing here."),
    )
    uses_career_drift = models.BooleanField(_("use career drift"), default=False)
    # [{"direction": "...", "goals": "..."}]: directions with their short-term goals.
    drift_directions = models.JSONField(_("directions and short-term goals"), default=list, blank=True)
    resonant_values = models.ManyToManyField(
        CompanyValue, blank=True, related_name="+", verbose_name=_("company values that resonate")
    )
    resonance_notes = models.TextField(_("how the company's values resonate"), blank=True)
    manager_notes = models.TextField(_("manager's notes"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=AlignmentStatus.choices, default=AlignmentStatus.DRAFT
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    shared_with_hr = models.BooleanField(_("shared with HR"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("career alignment")
        verbose_name_plural = _("career alignments")
        permissions = [("read_careeralignment", "Can read a shared career alignment")]
        indexes = [models.Index(fields=["organization", "employee", "-held_on"], name="alignment_org_employee")]

    def __str__(self):
        return f"{self.employee.user.display_name} {self.held_on}"


class CareerAlignmentUserPermission(UserObjectPermissionBase):
    """Direct-foreign-key guardian grants: a named colleague (a mentor) may read one alignment."""

    content_object = models.ForeignKey(CareerAlignment, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("shared career alignment")


class TourKind(models.TextChoices):
    ROTATIONAL = "rotational", _("Rotational")
    TRANSFORMATIONAL = "transformational", _("Transformational")
    FOUNDATIONAL = "foundational", _("Foundational")


TOUR_KIND_HELP = {
    TourKind.ROTATIONAL: _("A fixed-length assignment, often for newcomers, that builds a base and a relationship."),
    TourKind.TRANSFORMATIONAL: _("A personalised mission that transforms both the person's career and the company."),
    TourKind.FOUNDATIONAL: _("A long-term commitment where the person's life mission and the company's align."),
}


class TourStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", pgettext_lazy("tour status", "Active")
    COMPLETED = "completed", _("Completed")
    ENDED_EARLY = "ended_early", _("Ended early")
    # A draft given up before it was signed: kept for the record, out of every list of current work.
    DISCARDED = "discarded", _("Discarded")


TOUR_LENGTHS_MONTHS = (6, 12, 18, 24)
TOUR_MIN_MONTHS = 3
TOUR_MAX_MONTHS = 60


class Tour(TenantModel):
    """A tour of duty (STEP 2): a commitment goal and period that serves the person and the company."""

    employee = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="tours", verbose_name=_("employee"))
    alignment = models.ForeignKey(
        CareerAlignment, on_delete=models.PROTECT, related_name="tours", verbose_name=_("career alignment")
    )
    previous = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next_tours", verbose_name=_("follows")
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=TourKind.choices, default=TourKind.TRANSFORMATIONAL)
    goal = models.TextField(_("commitment goal"))
    toward_ideal_self = models.TextField(_("how it moves you toward your ideal self"))
    value_to_company = models.TextField(_("how it creates value for the company"))
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"))
    status = models.CharField(_("status"), max_length=16, choices=TourStatus.choices, default=TourStatus.DRAFT)
    allow_concurrent = models.BooleanField(_("HR allows this tour to run beside another active tour"), default=False)
    discarded_at = models.DateTimeField(_("discarded"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date", "-id"]
        verbose_name = _("tour of duty")
        verbose_name_plural = _("tours of duty")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gt=models.F("start_date")), name="tour_ends_after_start"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "employee", "status"], name="tour_org_employee_status"),
            # The organization's tours of one status with their id and employee, read by an index-only scan on
            # PostgreSQL when checkpoints or figures are joined to their tours (HR dashboard, HR's home): the
            # organization_id index alone read every tour's row. `id` is a key column as INCLUDE would be on
            # PostgreSQL only (SQLite warns, models.W040).
            models.Index(fields=["organization", "status", "id", "employee"], name="tour_org_status_employee"),
        ]

    def __str__(self):
        return self.title

    @property
    def kind_help(self):
        return TOUR_KIND_HELP.get(self.kind, "")

    @property
    def months(self) -> int:
        """The period's length in months as the Civil Code counts it (rounded up for an end set by hand)."""
        from alliance.periods import period_months

        return period_months(self.start_date, self.end_date)


class AgreementClauses(models.Model):
    """What each side offers and asks, and the alumni clause: a template's defaults and each version's text."""

    company_offers = models.TextField(_("what the company offers"), blank=True)
    company_asks = models.TextField(_("what the company asks"), blank=True)
    employee_offers = models.TextField(_("what the person offers"), blank=True)
    employee_asks = models.TextField(_("what the person asks"), blank=True)
    alumni_clause = models.TextField(_("if the person leaves (alumni clause)"), blank=True)

    class Meta:
        abstract = True


CLAUSE_FIELDS = ("company_offers", "company_asks", "employee_offers", "employee_asks", "alumni_clause")


class AgreementTemplate(TenantModel, AgreementClauses):
    """The organization's default clauses, in its own words; new agreements start from them."""

    organization = models.OneToOneField(
        "alliance.Organization", on_delete=models.CASCADE, related_name="agreement_template"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("agreement template")
        verbose_name_plural = _("agreement templates")

    def __str__(self):
        return str(self.organization)


class Agreement(TenantModel):
    """The alliance agreement of one tour; its content lives in numbered versions."""

    tour = models.OneToOneField(Tour, on_delete=models.PROTECT, related_name="agreement", verbose_name=_("tour"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("alliance agreement")
        verbose_name_plural = _("alliance agreements")

    def __str__(self):
        return str(self.tour)


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Waiting for signatures")
    SIGNED = "signed", _("Signed")
    DISCARDED = "discarded", _("Discarded")


class AgreementVersion(TenantModel, AgreementClauses):
    """One version of an agreement. Once `signed`, the row, its KPIs and signatures never change:
    a database trigger (migration 0002) refuses the UPDATE or DELETE, whatever code issues it."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    is_amendment = models.BooleanField(_("amendment"), default=False)
    # Frozen by "request signatures": the canonical JSON of everything signed, and its SHA-256.
    snapshot = models.JSONField(null=True, blank=True, editable=False)
    content_hash = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True, editable=False)
    requested_at = models.DateTimeField(_("signatures requested"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    # Who must sign, fixed when signatures are requested (the manager may change later; the request does not).
    manager_signer = models.ForeignKey(
        Membership, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    requires_hr = models.BooleanField(default=False, editable=False)
    last_decline_reason = models.TextField(_("reason given for declining"), blank=True)
    discarded_at = models.DateTimeField(_("discarded"), null=True, blank=True, editable=False)
    # An amendment may change the tour's goal and end date (the start stays). The proposal lives here, on the
    # draft, is frozen into the snapshot as the tour signers agree to, and is applied to the Tour only when the
    # last signature completes the version (agreements.services.signing._complete). Empty / None: unchanged.
    # The texts are nullable only so that SQLite adds their columns in place: a NOT NULL column makes Django
    # rebuild the table, which the immutability triggers on KPIs and signatures (migration 0002) refuse.
    # The services write "" for "none"; read them with `or ""`.
    proposed_goal = models.TextField(_("proposed commitment goal"), null=True, blank=True)  # noqa: DJ001
    proposed_end_date = models.DateField(_("proposed end"), null=True, blank=True)
    amendment_reason = models.TextField(_("reason for the amendment"), null=True, blank=True)  # noqa: DJ001
    # The checkpoint (checkpoints.Checkpoint) the amendment was proposed from: an id rather than a foreign key
    # because agreements comes before checkpoints and never depends on it (tests/test_architecture.py).
    amendment_checkpoint_id = models.PositiveIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agreement", "-number"]
        verbose_name = _("agreement version")
        verbose_name_plural = _("agreement versions")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="version_number_unique"),
        ]
        # What waits for signatures (the home page's "waiting for you", the HR dashboard's signature waits) is
        # read by status: a few pending versions among every signed one of the organization.
        indexes = [models.Index(fields=["organization", "status"], name="version_org_status")]

    def __str__(self):
        return f"{self.agreement} v{self.number}"

    @property
    def is_editable(self) -> bool:
        return self.status == VersionStatus.DRAFT

    @property
    def proposes_tour_change(self) -> bool:
        return bool(self.proposed_goal) or self.proposed_end_date is not None


class KpiDirection(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class Kpi(TenantModel):
    version = models.ForeignKey(AgreementVersion, on_delete=models.CASCADE, related_name="kpis")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("KPI"), max_length=200)
    definition = models.TextField(_("definition"), blank=True)
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    baseline = models.DecimalField(_("baseline"), max_digits=14, decimal_places=2, null=True, blank=True)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=2)
    direction = models.CharField(
        _("direction"), max_length=8, choices=KpiDirection.choices, default=KpiDirection.HIGHER
    )
    due_date = models.DateField(_("due"))
    weight = models.PositiveSmallIntegerField(_("weight (%)"), default=100)

    class Meta:
        ordering = ["version", "position", "id"]
        verbose_name = _("KPI")
        verbose_name_plural = _("KPIs")

    def __str__(self):
        return self.name


# The KPI's content, in the order pages, the snapshot, the PDF and the admin show it: declared once here, as
# CLAUSE_FIELDS is for the clauses. Adding a field here adds it to each of them (and to what signers agree to).
KPI_FIELDS = ("name", "definition", "unit", "baseline", "target", "direction", "due_date", "weight")
# The most KPIs one version may hold: the editor offers this many rows, and the service refuses more
# (agreements.rules.validate_kpis), whatever a crafted form submits.
KPI_MAX_COUNT = 20
# The most rows an alignment's lists hold: the editor offers this many, and the service refuses more
# (agreements.rules.validate_alignment), whatever a crafted form submits.
CORE_VALUES_MAX_COUNT = 10
DRIFT_DIRECTIONS_MAX_COUNT = 6


class SignerRole(models.TextChoices):
    EMPLOYEE = "employee", _("Employee")
    MANAGER = "manager", _("Manager")
    HR = "hr", _("HR")


class Signature(TenantModel):
    """One signer's signature on one frozen version; voided (never deleted) when the request is withdrawn."""

    version = models.ForeignKey(AgreementVersion, on_delete=models.PROTECT, related_name="signatures")
    signer = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=16, choices=SignerRole.choices)
    signed_at = models.DateTimeField(_("signed"), default=timezone.now)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=500, blank=True)
    content_hash = models.CharField(_("SHA-256 signed"), max_length=64)
    voided_at = models.DateTimeField(_("voided"), null=True, blank=True)

    class Meta:
        ordering = ["signed_at"]
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "role"],
                condition=models.Q(voided_at__isnull=True),
                name="signature_one_live_per_role",
            )
        ]


class EventKind(models.TextChoices):
    REQUESTED = "requested", _("Signatures requested")
    SIGNED = "signed", _("Signed")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Request withdrawn")
    COMPLETED = "completed", _("Fully signed")


class SigningEvent(TenantModel):
    """The signing record: every request, signature, decline and withdrawal, as printed on the PDF's last page."""

    version = models.ForeignKey(AgreementVersion, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    actor = models.ForeignKey(Membership, on_delete=models.PROTECT, null=True, related_name="+")
    role = models.CharField(max_length=16, blank=True)
    at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("signing event")
        verbose_name_plural = _("signing events")


class AgreementPdf(TenantModel):
    """The sealed PDF of a signed version, rendered once and served from storage; insert-only."""

    version = models.OneToOneField(AgreementVersion, on_delete=models.PROTECT, related_name="pdf")
    file = models.FileField(upload_to="agreements/%Y/%m/")
    sha256 = models.CharField(max_length=64, unique=True)
    size = models.PositiveIntegerField()
    render_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("agreement PDF")
        verbose_name_plural = _("agreement PDFs")


# Trigger-kept history of versions, signatures, KPIs and tours (alliance.history): declared here, beside the
# models, so that the event models load with them and no module imports this one back.
track(AgreementVersion, "AgreementVersionEvent")
track(Signature, "SignatureEvent")
track(Kpi, "KpiEvent")
track(Tour, "TourEvent")
