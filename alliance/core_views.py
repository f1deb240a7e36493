"""Pages of the shared machinery: a member's in-app notifications, and HR's audit trail."""

from datetime import datetime, time, timedelta

from django import forms
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from alliance import audit, exports, notices, selectors, services
from alliance.models import Membership, Notice, NoticeState
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


def _type_key(content_type) -> str:
    return f"{content_type.app_label}.{content_type.model}"


def _type_label(content_type) -> str:
    model = content_type.model_class()
    return str(model._meta.verbose_name).capitalize() if model is not None else _type_key(content_type)


class AuditFilterForm(forms.Form):
    person = forms.ModelChoiceField(
        label=_("Person"), queryset=Membership.objects.none(), required=False, empty_label=_("Everyone")
    )
    action = forms.ChoiceField(label=_("Action"), required=False)
    object_type = forms.ChoiceField(label=_("Kind of object"), required=False)
    object_id = forms.CharField(
        label=_("Object id"),
        required=False,
        max_length=64,
        help_text=_("With a kind of object: the number in its address, e.g. 12 for agreement version 12."),
    )
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
        # The kinds of object the trail names, and the one a link asks for even before any row names it (the
        # audit link of a version just created); never a private record's kind.
        self.types = {_type_key(ct): ct for ct in selectors.audit_object_types(organization=organization)}
        asked = (self.data.get("object_type") or "").strip() if self.is_bound else ""
        if asked and asked not in self.types and asked.count(".") == 1:
            app_label, model = asked.split(".")
            found = ContentType.objects.filter(app_label=app_label, model=model).first()
            if found is not None:
                self.types[asked] = found
        self.types = {key: ct for key, ct in self.types.items() if key not in audit.PRIVATE_MODELS}
        self.fields["object_type"].choices = [
            ("", _("All kinds")),
            *sorted(((key, _type_label(ct)) for key, ct in self.types.items()), key=lambda c: c[1]),
        ]

    def clean_object_id(self):
        return self.cleaned_data["object_id"].strip()

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("The end of the period must not come before its start."))
        if data.get("object_id") and not data.get("object_type"):
            self.add_error("object_type", _("Choose the kind of object this id belongs to."))
        return data

    def trail(self, organization):
        """The filtered trail (selectors.audit_trail) for this form's valid filters; the whole trail if invalid."""
        filters = self.cleaned_data if self.is_valid() else {}
        zone = timezone.get_current_timezone()
        since = until = None
        if filters.get("date_from"):
            since = datetime.combine(filters["date_from"], time.min, zone)
        if filters.get("date_to"):
            until = datetime.combine(filters["date_to"] + timedelta(days=1), time.min, zone)
        return selectors.audit_trail(
            organization=organization,
            person=filters.get("person"),
            action=filters.get("action", ""),
            content_type=self.types.get(filters.get("object_type") or ""),
            object_id=filters.get("object_id", ""),
            since=since,
            until=until,
        )

    @property
    def filtered(self) -> bool:
        return self.is_valid() and any(self.cleaned_data.values())


def _actor_name(entry) -> str:
    if entry.actor:
        return entry.actor.shown_name
    if entry.actor_user:
        return entry.actor_user.display_name
    return str(_("System"))


def _with_related_names(entries, size=1000):
    """`(entry, names)` for each of `entries`, the records named by id in their changes read a chunk at a time
    (`audit.related_names`)."""
    chunk = []
    for entry in entries:
        chunk.append(entry)
        if len(chunk) == size:
            names = audit.related_names(chunk)
            yield from ((e, names) for e in chunk)
            chunk = []
    if chunk:
        names = audit.related_names(chunk)
        yield from ((e, names) for e in chunk)


class AuditTrailView(TenantView, TemplateView):
    """`/<org>/audit/`: HR reads the audit trail, filtered by person, action, object and period; nobody edits it."""

    template_name = "alliance/audit.html"
    capabilities = {"GET": VIEW_AUDIT}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = AuditFilterForm(self.request.GET or None, organization=self.organization)
        page = Paginator(form.trail(self.organization), AUDIT_PER_PAGE).get_page(self.request.GET.get("page"))
        names = audit.related_names(page.object_list)
        for entry in page.object_list:
            entry.action_label = audit.action_label(entry.action)
            entry.change_rows = audit.change_rows(entry, names)
            if entry.content_type_id and entry.object_id:
                kind = _type_key(ContentType.objects.get_for_id(entry.content_type_id))
                entry.object_query = urlencode({"object_type": kind, "object_id": entry.object_id})
        object_type = form.cleaned_data.get("object_type") if form.is_valid() else ""
        ctx.update(
            filter_form=form,
            page=page,
            filtered=form.filtered,
            object_kind=_type_label(form.types[object_type]) if object_type else "",
            object_id=form.cleaned_data.get("object_id", "") if form.is_valid() else "",
            querystring=querystring_without_page(self.request),
        )
        return ctx


class AuditCsvView(TenantView):
    """`/<org>/audit/export.csv`: the whole filtered trail (the page's filters; every row, not one page) as CSV,
    UTF-8 with a BOM so that Excel reads Japanese, headers and action labels in the reader's language, the changes
    in words. A fixed number of queries whatever the number of rows. The export is itself audited."""

    capabilities = {"GET": VIEW_AUDIT}
    HEADERS = (
        _("When"),
        _("Who"),
        _("Action"),
        _("Kind of object"),
        _("Object id"),
        _("Object"),
        _("About whom"),
        _("Changes"),
        _("IP address"),
        _("User agent"),
    )

    def get(self, request, *args, **kwargs):
        form = AuditFilterForm(request.GET or None, organization=self.organization)
        if form.is_bound and not form.is_valid():
            return redirect(f"{reverse('audit', args=[self.organization.slug])}?{request.GET.urlencode()}")
        trail = form.trail(self.organization)
        # The file holds the trail as it is now: not the row this export writes, nor any written while it streams.
        last = selectors.audit_trail(organization=self.organization).order_by("-pk").values_list("pk", flat=True)
        trail = trail.filter(pk__lte=last.first() or 0)
        services.export_recorded(
            organization=self.organization,
            action="audit.export",
            rows=trail.count(),
            filters=request.GET.urlencode(),
        )
        stamp = timezone.localdate().isoformat()
        return exports.csv_download(
            filename=f"audit-{self.organization.slug}-{stamp}.csv",
            organization=self.organization,
            header=lambda: [str(h) for h in self.HEADERS],
            rows=lambda: self.rows(trail),
        )

    @staticmethod
    def rows(trail):
        """The cells of each entry of `trail`, read 1,000 at a time with the records their changes name."""
        for entry, names in _with_related_names(trail.iterator(chunk_size=1000)):
            changes = "\n".join(
                f"{label}: {'—' if before is None else before} → {'—' if after is None else after}"
                for label, before, after in audit.change_rows(entry, names)
            )
            kind = ContentType.objects.get_for_id(entry.content_type_id) if entry.content_type_id else None
            yield (
                timezone.localtime(entry.at).isoformat(timespec="seconds"),
                _actor_name(entry),
                audit.action_label(entry.action),
                _type_label(kind) if kind is not None else "",
                entry.object_id,
                entry.object_label,
                entry.subject.shown_name if entry.subject else "",
                changes,
                entry.ip_address or "",
                entry.user_agent,
            )
