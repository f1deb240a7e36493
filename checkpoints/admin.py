"""Admin views of the checkpoints app for HR staff of the organization (and superusers), read-only.

HR reads every checkpoint of the organization on the site (agreements.read_all_records); every change of a
checkpoint, its meeting notes, a tour's ending or outcome goes through the pages of the tour's parties and HR,
where checkpoints.rules and the services decide, so the admin only shows them (scoped by TenantScopedAdmin).
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from alliance.admin import ReadOnlyTenantAdmin
from checkpoints.models import (
    AgendaTopic,
    CalendarFeed,
    Checkpoint,
    CheckpointCancellation,
    CorrectionNote,
    KpiMeasurement,
    NextAction,
    TourEnding,
    TourOutcome,
)

CHECKPOINT_PAGES = _(
    "Checkpoints, their meeting notes and next actions change on the checkpoint's page, where its rules apply; "
    "a held checkpoint is corrected with a correction note."
)
ENDING_PAGES = _("A tour's ending and what followed it are recorded on the tour's page, where their rules apply.")


@admin.register(Checkpoint)
class CheckpointAdmin(ReadOnlyTenantAdmin):
    service_note = CHECKPOINT_PAGES
    list_display = ["__str__", "due_date", "kind", "status", "held_on", "employee_alignment", "manager_alignment"]
    list_filter = ["organization", "status", "kind", "employee_alignment", "manager_alignment"]
    search_fields = ["tour__title", "tour__employee__user__name", "tour__employee__user__email"]
    list_select_related = ["tour"]
    date_hierarchy = "due_date"


@admin.register(KpiMeasurement)
class KpiMeasurementAdmin(ReadOnlyTenantAdmin):
    service_note = CHECKPOINT_PAGES
    list_display = ["kpi", "checkpoint", "value"]
    list_filter = ["organization"]
    search_fields = ["kpi__name", "checkpoint__tour__title"]
    list_select_related = ["kpi", "checkpoint__tour"]


@admin.register(AgendaTopic)
class AgendaTopicAdmin(ReadOnlyTenantAdmin):
    service_note = CHECKPOINT_PAGES
    list_display = ["text", "checkpoint", "side", "added_by", "added_at", "withdrawn_at"]
    list_filter = ["organization", "side"]
    search_fields = ["text", "checkpoint__tour__title"]
    list_select_related = ["checkpoint__tour", "added_by__user", "added_by__organization"]


@admin.register(NextAction)
class NextActionAdmin(ReadOnlyTenantAdmin):
    service_note = CHECKPOINT_PAGES
    list_display = ["text", "checkpoint", "owner", "due_on", "done_at"]
    list_filter = ["organization", "owner", ("done_at", admin.EmptyFieldListFilter)]
    search_fields = ["text", "checkpoint__tour__title"]
    list_select_related = ["checkpoint__tour"]


@admin.register(CorrectionNote)
class CorrectionNoteAdmin(ReadOnlyTenantAdmin):
    service_note = CHECKPOINT_PAGES
    list_display = ["text", "checkpoint", "side", "added_by", "added_at"]
    list_filter = ["organization", "side"]
    search_fields = ["text", "checkpoint__tour__title"]
    list_select_related = ["checkpoint__tour", "added_by__user", "added_by__organization"]


@admin.register(CheckpointCancellation)
class CheckpointCancellationAdmin(ReadOnlyTenantAdmin):
    service_note = CHECKPOINT_PAGES
    list_display = ["checkpoint", "cancelled_by", "cancelled_at", "reason"]
    list_filter = ["organization"]
    search_fields = ["reason", "checkpoint__tour__title"]
    list_select_related = ["checkpoint__tour", "cancelled_by__user", "cancelled_by__organization"]


@admin.register(TourEnding)
class TourEndingAdmin(ReadOnlyTenantAdmin):
    service_note = ENDING_PAGES
    list_display = ["tour", "kind", "status", "proposed_side", "proposed_at", "confirmed_at"]
    list_filter = ["organization", "kind", "status", "proposed_side"]
    search_fields = ["tour__title", "tour__employee__user__name", "reason"]
    list_select_related = ["tour"]


@admin.register(TourOutcome)
class TourOutcomeAdmin(ReadOnlyTenantAdmin):
    service_note = ENDING_PAGES
    list_display = ["tour", "kind", "next_tour", "destination", "recorded_at"]
    list_filter = ["organization", "kind"]
    search_fields = ["tour__title", "tour__employee__user__name", "destination"]
    list_select_related = ["tour", "next_tour"]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyTenantAdmin):
    """Whether a member keeps a calendar feed, never its secret; the member revokes it on their calendar page."""

    service_note = _("A member creates and revokes their calendar feed on their calendar page.")
    list_display = ["membership", "created_at", "revoked_at"]
    list_filter = ["organization", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["membership__user__name", "membership__user__email"]
    list_select_related = ["membership__user", "membership__organization"]
    exclude = ["token_hash"]
