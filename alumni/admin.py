"""Admin views of the alumni app for HR staff of the organization (and superusers), read-only.

Alumni records (departures, comebacks, profiles, surveys and their answers, the community's posts, opportunities
and referrals) change only on the alumni pages, where the services keep their rules and the audit trail; here
HR reads their organizations' rows (scoped by TenantScopedAdmin) and nobody deletes one. What the person did not
let HR read stays out: the exit conversation's answers they did not let HR quote, the profile fields they did
not share, and who wrote an anonymous survey answer.
"""

from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from alliance.admin import ReadOnlyTenantAdmin
from alumni.models import (
    AlumniProfile,
    Comeback,
    Comment,
    CommunitySettings,
    Departure,
    DigestPreference,
    Interest,
    Opportunity,
    Post,
    Referral,
    ReferralStatusChange,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
)
from alumni.models.community import PROFILE_SHARED_FIELDS
from alumni.models.departures import EXIT_ANSWER_FIELDS

DEPARTURE_PAGES = _("Departures are started, changed, completed and cancelled on the departures pages (HR).")
COMMUNITY_PAGES = _("The alumni community is run on its own pages (HR): settings, moderation, opportunities.")
SURVEY_PAGES = _("Surveys are written and copied on the surveys page (HR); answered surveys never change.")


def _labelled(obj, names) -> str:
    """`names` of `obj` as "label: value" lines (HTML, escaped), empty values left out."""
    rows = [
        (obj._meta.get_field(name).verbose_name, getattr(obj, name))
        for name in names
        if getattr(obj, name) not in ("", None)
    ]
    return format_html_join("", "<p><strong>{}</strong>: {}</p>", rows) or "—"


@admin.register(Departure)
class DepartureAdmin(ReadOnlyTenantAdmin):
    service_note = DEPARTURE_PAGES
    list_display = ["membership", "last_day", "kind", "status", "comeback", "completed_at", "cancelled_at"]
    list_filter = ["organization", "status", "kind", "comeback", "tour_completed"]
    search_fields = ["membership__user__name", "membership__user__email"]
    list_select_related = ["membership__user", "membership__organization"]
    date_hierarchy = "last_day"
    # The exit conversation stays between the person and their manager unless they let HR quote an answer.
    exclude = [*EXIT_ANSWER_FIELDS, *(f"{name}_quotable" for name in EXIT_ANSWER_FIELDS)]
    readonly_fields = ["quotable_answers"]

    @admin.display(description=_("answers HR may quote"))
    def quotable_answers(self, obj):
        return _labelled(obj, [name for name in EXIT_ANSWER_FIELDS if getattr(obj, f"{name}_quotable")])


@admin.register(Comeback)
class ComebackAdmin(ReadOnlyTenantAdmin):
    service_note = DEPARTURE_PAGES
    list_display = ["membership", "left_on", "came_back_on"]
    list_filter = ["organization"]
    search_fields = ["membership__user__name", "membership__user__email"]
    list_select_related = ["membership__user", "membership__organization"]


@admin.register(CommunitySettings)
class CommunitySettingsAdmin(ReadOnlyTenantAdmin):
    service_note = COMMUNITY_PAGES
    list_display = ["organization", "employees_see_directory", "updated_at"]
    list_filter = ["organization", "employees_see_directory"]
    search_fields = ["organization__name"]


@admin.register(AlumniProfile)
class AlumniProfileAdmin(ReadOnlyTenantAdmin):
    service_note = _("An alumnus keeps their own profile and chooses, field by field, what the community sees.")
    list_display = ["membership", "joined_at", "hidden", "left_community_at"]
    list_filter = ["organization", "hidden", ("left_community_at", admin.EmptyFieldListFilter)]
    search_fields = ["membership__user__name", "membership__user__email"]
    list_select_related = ["membership__user", "membership__organization"]
    fields = ["membership", "joined_at", "hidden", "left_community_at", "shared_fields"]
    readonly_fields = ["shared_fields"]

    @admin.display(description=_("what they share"))
    def shared_fields(self, obj):
        shown = [name for name in PROFILE_SHARED_FIELDS if getattr(obj, f"share_{name}")]
        names = []
        for name in shown:
            if name == "open_to":
                names.extend(
                    n
                    for n in (
                        "open_to_comeback",
                        "open_to_projects",
                        "open_to_partnership",
                        "open_to_mentoring",
                        "open_to_speaking",
                    )
                    if getattr(obj, n)
                )
            else:
                names.append(name)
        return _labelled(obj, names)


@admin.register(Opportunity)
class OpportunityAdmin(ReadOnlyTenantAdmin):
    service_note = COMMUNITY_PAGES
    list_display = ["title", "kind", "status", "posted_by", "closes_on", "created_at"]
    list_filter = ["organization", "kind", "status", "remote"]
    search_fields = ["title", "description"]
    list_select_related = ["posted_by__user", "posted_by__organization"]


@admin.register(Interest)
class InterestAdmin(ReadOnlyTenantAdmin):
    service_note = COMMUNITY_PAGES
    list_display = ["membership", "opportunity", "status", "created_at", "withdrawn_at"]
    list_filter = ["organization", "status"]
    search_fields = ["membership__user__name", "opportunity__title"]
    list_select_related = ["membership__user", "membership__organization", "opportunity"]


@admin.register(Referral)
class ReferralAdmin(ReadOnlyTenantAdmin):
    service_note = COMMUNITY_PAGES
    list_display = ["candidate_name", "opportunity", "referrer", "status", "created_at"]
    list_filter = ["organization", "status"]
    search_fields = ["candidate_name", "candidate_email", "opportunity__title"]
    list_select_related = ["opportunity", "referrer__user", "referrer__organization"]


@admin.register(ReferralStatusChange)
class ReferralStatusChangeAdmin(ReadOnlyTenantAdmin):
    service_note = COMMUNITY_PAGES
    list_display = ["referral", "from_status", "to_status", "changed_by", "changed_at"]
    list_filter = ["organization", "to_status"]
    search_fields = ["referral__candidate_name", "note"]
    list_select_related = ["referral__opportunity", "changed_by__user", "changed_by__organization"]


@admin.register(Post)
class PostAdmin(ReadOnlyTenantAdmin):
    service_note = COMMUNITY_PAGES
    list_display = ["__str__", "author", "created_at", "pinned_at", "hidden_at", "withdrawn_at"]
    list_filter = ["organization", ("hidden_at", admin.EmptyFieldListFilter)]
    search_fields = ["body", "author__user__name"]
    list_select_related = ["author__user", "author__organization"]


@admin.register(Comment)
class CommentAdmin(ReadOnlyTenantAdmin):
    service_note = COMMUNITY_PAGES
    list_display = ["__str__", "post", "author", "created_at", "hidden_at", "withdrawn_at"]
    list_filter = ["organization", ("hidden_at", admin.EmptyFieldListFilter)]
    search_fields = ["body", "author__user__name"]
    list_select_related = ["post", "author__user", "author__organization"]


@admin.register(DigestPreference)
class DigestPreferenceAdmin(ReadOnlyTenantAdmin):
    service_note = _("Each member chooses the weekly digest on the community's digest page.")
    list_display = ["membership", "weekly_digest", "updated_at"]
    list_filter = ["organization", "weekly_digest"]
    search_fields = ["membership__user__name", "membership__user__email"]
    list_select_related = ["membership__user", "membership__organization"]


class SurveyQuestionInline(admin.TabularInline):
    model = SurveyQuestion
    extra = 0
    fields = ["position", "kind", "text_ja", "text_en", "required"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_staff


@admin.register(Survey)
class SurveyAdmin(ReadOnlyTenantAdmin):
    service_note = SURVEY_PAGES
    list_display = ["title_ja", "title_en", "version", "is_active", "created_at"]
    list_filter = ["organization", "is_active"]
    search_fields = ["title_ja", "title_en"]
    inlines = [SurveyQuestionInline]


@admin.register(SurveyQuestion)
class SurveyQuestionAdmin(ReadOnlyTenantAdmin):
    service_note = SURVEY_PAGES
    list_display = ["text_ja", "survey", "position", "kind", "required"]
    list_filter = ["organization", "kind", "survey"]
    search_fields = ["text_ja", "text_en"]
    list_select_related = ["survey"]


@admin.register(SurveyInvitation)
class SurveyInvitationAdmin(ReadOnlyTenantAdmin):
    service_note = SURVEY_PAGES
    list_display = ["membership", "survey", "milestone", "sent_at", "expires_at", "answered_at"]
    list_filter = ["organization", "milestone", ("answered_at", admin.EmptyFieldListFilter)]
    search_fields = ["membership__user__name", "membership__user__email"]
    list_select_related = ["membership__user", "membership__organization", "survey"]
    # The link's secret is never shown.
    exclude = ["nonce", "token_hash"]


@admin.register(SurveyAnswer)
class SurveyAnswerAdmin(ReadOnlyTenantAdmin):
    """The answers, by question; who answered is named only when they did not answer anonymously. No search or
    filter by person: it would tell who wrote an anonymous answer."""

    service_note = SURVEY_PAGES
    list_display = ["question", "scale", "choice", "text", "respondent"]
    list_filter = ["organization", "question__survey"]
    search_fields = ["text"]
    list_select_related = ["question", "invitation__membership__user"]
    fields = ["question", "scale", "choice", "text", "respondent"]
    readonly_fields = ["respondent"]

    @admin.display(description=_("respondent"))
    def respondent(self, obj):
        if obj.invitation.anonymous:
            return _("anonymous")
        return obj.invitation.membership.shown_name
