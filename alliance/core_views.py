"""Pages of the shared machinery: a member's in-app notifications, and HR's audit trail."""

from datetime import datetime, time, timedelta

from django import forms
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from alliance import audit, notices
from alliance.models import AuditEntry, Membership, Notice, NoticeState
from alliance.periods import validate_day
from alliance.permissions import VIEW_ALUMNI_PAGES, VIEW_AUDIT, VIEW_FAILED_NOTICES, access_own_notice
from alliance.tenancy import TenantView, querystring_without_page, url_object

NOTICES_PER_PAGE = 25
AUDIT_PER_PAGE = 50


class NotificationListView(TenantView, TemplateView):
    """`/<org>/notifications/`: the member's own notices in this organization, newest first."""

    template_name = "alliance/notifications.html"
    capabilities = {"GET": VIEW_ALUMNI_PAGES}  # every member, alumni included

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        page = Paginator(notices.inbox(membership=self.membership), NOTICES_PER_PAGE).get_page(
            self.request.GET.get("page")
        )
        for notice in page.object_list:
            notice.kind_label = notices.kind_label(notice.kind)
        ctx.update(page=page, querystring=querystring_without_page(self.request))
        return ctx


class FailedNoticeListView(TenantView, TemplateView):
    """`/<org>/notifications/failed/`: HR reads the organization's notices that could not be sent, each with its
    kind, recipient, object, attempts, last error and next retry (alliance.notices.undelivered)."""

    template_name = "alliance/notifications_failed.html"
    capabilities = {"GET": VIEW_FAILED_NOTICES}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        page = Paginator(notices.undelivered(organization_id=self.organization.pk), NOTICES_PER_PAGE).get_page(
            self.request.GET.get("page")
        )
        prefix = f"/{self.organization.slug}/"
        for notice in page.object_list:
            if notices.is_private(notice.kind):
                # About a record HR may not know of (an alignment not shared with them): who and why it failed only.
                notice.kind_label, notice.label, notice.link = _("A notice about a private record"), "", ""
            else:
                notice.kind_label = notices.kind_label(notice.kind)
                # Only a page of this organization is linked (as NotificationOpenView follows only those).
                notice.link = notice.url if notice.url.startswith(prefix) else ""
            notice.retries_left = notice.state == NoticeState.FAILED and notice.attempts < notices.MAX_ATTEMPTS
        ctx.update(page=page, querystring=querystring_without_page(self.request), max_attempts=notices.MAX_ATTEMPTS)
        return ctx


class NotificationOpenView(TenantView):
    """`/<org>/notifications/<pk>/`: go to what one's own notice is about (someone else's: 404).

    POST (the button on the notifications page, CSRF-protected) marks it read first; GET only follows it, so a
    link or an image on another site cannot change what the reader has read.
    """

    capabilities = {"GET": VIEW_ALUMNI_PAGES, "POST": VIEW_ALUMNI_PAGES}
    url_objects = {"notice": url_object(access_own_notice, pk="pk")}

    def follow(self, notice: Notice):
        # Only a page of this organization: a stored URL never sends the reader off-site.
        if notice.url.startswith(f"/{self.organization.slug}/"):
            return redirect(notice.url)
        return redirect("notifications", self.organization.slug)

    def get(self, request, *args, **kwargs):
        return self.follow(self.notice)

    def post(self, request, *args, **kwargs):
        notices.mark_read(notice=self.notice)
        return self.follow(self.notice)


class AuditFilterForm(forms.Form):
    person = forms.ModelChoiceField(
        label=_("Person"), queryset=Membership.objects.none(), required=False, empty_label=_("Everyone")
    )
    action = forms.ChoiceField(label=_("Action"), required=False)
    # validate_day: a far year would overflow turning the day into instants (a 500 before it was bounded).
    date_from = forms.DateField(
        label=_("Period from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_day],
    )
    date_to = forms.DateField(
        label=_("Period to"), required=False, widget=forms.DateInput(attrs={"type": "date"}), validators=[validate_day]
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = (
            Membership.objects.for_organization(organization).select_related("user").order_by("user__name", "pk")
        )
        # shown_name: an invited account's chosen name stays private until it accepts (issue 7).
        self.fields["person"].label_from_instance = lambda m: m.shown_name
        # Actions on private records are not listed for HR, so they are not offered as a filter either.
        public = sorted((name, label) for name, label in audit.ACTIONS.items() if name not in audit.PRIVATE_ACTIONS)
        self.fields["action"].choices = [("", _("All actions")), *public]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("The end of the period must not come before its start."))
        return data


class AuditTrailView(TenantView, TemplateView):
    """`/<org>/audit/`: HR reads the audit trail, filtered by person, action and period; nobody edits it."""

    template_name = "alliance/audit.html"
    capabilities = {"GET": VIEW_AUDIT}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = AuditFilterForm(self.request.GET or None, organization=self.organization)
        filters = form.cleaned_data if form.is_valid() else {}
        # Rows about private records (career alignments) are kept for auditors, not listed for HR.
        qs = AuditEntry.objects.filter(organization=self.organization, private=False).select_related(
            "actor__user", "actor_user", "subject__user"
        )
        if filters.get("person"):
            qs = qs.filter(Q(actor=filters["person"]) | Q(subject=filters["person"]))
        if filters.get("action"):
            qs = qs.filter(action=filters["action"])
        zone = timezone.get_current_timezone()
        if filters.get("date_from"):
            qs = qs.filter(at__gte=datetime.combine(filters["date_from"], time.min, zone))
        if filters.get("date_to"):
            qs = qs.filter(at__lt=datetime.combine(filters["date_to"] + timedelta(days=1), time.min, zone))
        page = Paginator(qs.order_by("-at", "-id"), AUDIT_PER_PAGE).get_page(self.request.GET.get("page"))
        for entry in page.object_list:
            entry.action_label = audit.action_label(entry.action)
            entry.change_rows = audit.change_rows(entry)
        ctx.update(
            filter_form=form,
            page=page,
            filtered=any(filters.values()),
            querystring=querystring_without_page(self.request),
        )
        return ctx
