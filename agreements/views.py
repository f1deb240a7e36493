"""STEP 1-3 pages. Thin: resolve through agreements.access, validate, call one service, redirect."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import TemplateView
from django_ratelimit import ALL
from django_ratelimit.core import is_ratelimited
from django_scopes import scopes_disabled

from agreements import access, selectors, services
from agreements.forms import (
    AlignmentForm,
    ClausesForm,
    CoreValueFormSet,
    DeclineForm,
    DriftFormSet,
    KpiFormSet,
    ShareForm,
    SignForm,
    TourForm,
    VerifyForm,
)
from agreements.models import (
    CLAUSE_FIELDS,
    TOUR_KIND_HELP,
    AgreementPdf,
    AgreementTemplate,
    AgreementVersion,
    AlignmentStatus,
    CareerAlignmentUserPermission,
    TourKind,
    VersionStatus,
)
from alliance.models import Membership
from alliance.permissions import MANAGE_ORGANIZATION, VIEW_OWN_RECORDS, VIEW_REPORTS, access_membership
from alliance.security import body_limit
from alliance.selectors import by_reading
from alliance.tenancy import TenantView, apply_form_errors, querystring_without_page

PEOPLE_PER_PAGE = 25


def _info(request) -> services.RequestInfo:
    return services.RequestInfo.from_request(request)


class StateConflictMixin:
    """Answer a state rule (confirmed, active, signed, discarded...) with a 409 page that names the state and
    the next step, never with the 403 meant for a role that may not act. Put it first in a view's bases so it
    also covers what `TenantView.resolve()` and `get_*()` raise."""

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except services.StateConflict as conflict:
            return state_conflict_response(request, conflict)


def state_conflict_response(request, conflict: services.StateConflict):
    next_url = None
    if conflict.next_url_name and all(arg is not None for arg in conflict.next_url_args):
        next_url = reverse(conflict.next_url_name, args=[request.organization.slug, *conflict.next_url_args])
    return render(
        request,
        "agreements/conflict.html",
        {"conflict": conflict, "next_url": next_url},
        status=409,
    )


# --- overview pages ------------------------------------------------------------------------------------------


class MyAllianceView(TenantView, TemplateView):
    """The employee's own page: current alignment, tour, agreement and the next action, plus their history."""

    template_name = "agreements/my_alliance.html"
    required_capability = VIEW_OWN_RECORDS

    def get_member(self):
        return self.membership

    def get_context_data(self, **kwargs):
        member = self.get_member()
        state = selectors.person_alliance(viewer=self.membership, member=member)
        signer_role = already_signed = None
        if state.stage == "pending":
            signer_role = services.signer_role_for(state.version, self.membership)
            already_signed = services.live_signatures(state.version).filter(role=signer_role).exists()
        return super().get_context_data(
            member=member,
            state=state,
            signer_role=signer_role,
            already_signed=already_signed,
            alignments=selectors.alignment_history(viewer=self.membership, member=member)[:20],
            tours=selectors.tour_history(member=member)[:20],
            is_self=member.pk == self.membership.pk,
            share_offer=selectors.open_share_offer(membership=member) if member.pk == self.membership.pk else None,
            can_draft=member.pk == self.membership.pk or access.is_manager_of(self.membership, member),
            **kwargs,
        )


class ShareOfferView(TenantView):
    """The employee's answer to "your manager is now X; share your earlier alignments with them?"."""

    required_capability = VIEW_OWN_RECORDS

    def get(self, request, *args, **kwargs):
        return redirect("agreements:mine", self.organization.slug)

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") == "share":
            try:
                count = services.alignment_share_earlier_with_manager(actor=self.membership)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(
                    request,
                    ngettext(
                        "Your manager can now read %(n)s earlier career alignment. You can take it back.",
                        "Your manager can now read %(n)s earlier career alignments. You can take each one back.",
                        count,
                    )
                    % {"n": count},
                )
        else:
            services.alignment_dismiss_share_offer(actor=self.membership)
            messages.success(request, _("Your earlier career alignments stay private. You can share one at any time."))
        return redirect("agreements:mine", self.organization.slug)


class PersonAllianceView(MyAllianceView):
    """The same page for a report (their manager) or anyone (HR, who sees alignments only when shared)."""

    def get_member(self):
        member = access_membership(
            membership=self.membership, pk=self.kwargs["member_pk"], capability=MANAGE_ORGANIZATION
        )
        if not access.can_see_person(self.membership, member):
            raise Http404
        return member


class TeamView(TenantView, TemplateView):
    """A manager's reports (HR: everyone) with each one's step; searchable and paginated."""

    template_name = "agreements/team.html"
    required_capability = VIEW_REPORTS

    def get_context_data(self, **kwargs):
        query = self.request.GET.get("q", "").strip()[:100]
        members = selectors.team_members(viewer=self.membership, query=query)
        page = Paginator(members, PEOPLE_PER_PAGE).get_page(self.request.GET.get("page"))
        rows = selectors.people_alliance(viewer=self.membership, members=page.object_list)
        counts = selectors.hr_stage_counts(organization=self.organization) if access.is_hr(self.membership) else None
        return super().get_context_data(
            page=page,
            rows=rows,
            query=query,
            counts=counts,
            querystring=querystring_without_page(self.request),
            **kwargs,
        )


# --- STEP 1 --------------------------------------------------------------------------------------------------


def _formset_rows(formset, keys):
    return [{k: f.cleaned_data.get(k, "") for k in keys} for f in formset.forms if f.cleaned_data]


class AlignmentFormView(StateConflictMixin, TenantView, TemplateView):
    template_name = "agreements/alignment_form.html"
    required_capability = VIEW_OWN_RECORDS
    alignment = None

    def resolve(self):
        if "pk" in self.kwargs:
            self.alignment = access.access_alignment(membership=self.membership, pk=self.kwargs["pk"])
            if not access.can_edit_alignment(self.membership, self.alignment):
                if self.alignment.status != AlignmentStatus.DRAFT:
                    raise services.alignment_confirmed_conflict(self.alignment)
                raise PermissionDenied
            self.employee = self.alignment.employee
        else:
            employee_pk = self.request.GET.get("employee") or self.request.POST.get("employee")
            if employee_pk and str(employee_pk) != str(self.membership.pk):
                try:
                    self.employee = access_membership(membership=self.membership, pk=int(employee_pk))
                except ValueError:
                    raise Http404 from None
                if not access.is_manager_of(self.membership, self.employee):
                    raise PermissionDenied
            else:
                self.employee = self.membership

    def _initial(self):
        source = self.alignment
        if source is None:
            # A new 1on1 starts from the last one, so the person sees how their words evolve.
            source = selectors.alignment_history(viewer=self.membership, member=self.employee).first()
        if source is None:
            return {}, [], []
        initial = {
            "ideal_self": source.ideal_self,
            "time_horizon": source.time_horizon,
            "outside_company": source.outside_company,
            "uses_career_drift": source.uses_career_drift,
            "resonance_notes": source.resonance_notes,
            "resonant_values": list(source.resonant_values.all()),
        }
        if self.alignment is not None:
            initial["held_on"] = source.held_on
            initial["manager_notes"] = source.manager_notes
        return initial, source.core_values, source.drift_directions

    def forms(self, data=None):
        initial, values, drift = self._initial()
        can_notes = access.is_manager_of(self.membership, self.employee)
        form = AlignmentForm(data, initial=initial, organization=self.organization, can_write_notes=can_notes)
        return (
            form,
            CoreValueFormSet(data, initial=values, prefix="values"),
            DriftFormSet(data, initial=drift, prefix="drift"),
        )

    def render_forms(self, form, values, drift, status=200):
        ctx = self.get_context_data(
            form=form, values_formset=values, drift_formset=drift, employee=self.employee, alignment=self.alignment
        )
        return self.render_to_response(ctx, status=status)

    def get(self, request, *args, **kwargs):
        return self.render_forms(*self.forms())

    def post(self, request, *args, **kwargs):
        form, values, drift = self.forms(request.POST)
        if form.is_valid() and values.is_valid() and drift.is_valid():
            data = {**form.cleaned_data}
            resonant = data.pop("resonant_values")
            notes = data.pop("manager_notes", None)
            data["core_values"] = _formset_rows(values, ("value", "why"))
            data["drift_directions"] = _formset_rows(drift, ("direction", "goals"))
            try:
                if self.alignment is None:
                    alignment = services.alignment_create(
                        actor=self.membership,
                        employee=self.employee,
                        data=data,
                        resonant_values=resonant,
                        manager_notes=notes or "",
                    )
                else:
                    alignment = services.alignment_update(
                        alignment=self.alignment,
                        actor=self.membership,
                        data=data,
                        resonant_values=resonant,
                        manager_notes=notes,
                    )
            except ValidationError as error:
                # The service validates the formsets' rows; their messages belong next to the switch that asks for them.
                apply_form_errors(form, error, rename={"drift_directions": "uses_career_drift"})
            else:
                messages.success(request, _("The career alignment was saved."))
                return redirect("agreements:alignment", self.organization.slug, alignment.pk)
        return self.render_forms(form, values, drift)


class AlignmentDetailView(TenantView, TemplateView):
    template_name = "agreements/alignment_detail.html"
    required_capability = VIEW_OWN_RECORDS

    def get_context_data(self, **kwargs):
        alignment = access.access_alignment(membership=self.membership, pk=self.kwargs["pk"])
        return super().get_context_data(
            alignment=alignment,
            resonant=list(alignment.resonant_values.all()),
            can_edit=access.can_edit_alignment(self.membership, alignment),
            is_owner=access.is_alignment_owner(self.membership, alignment),
            is_manager=access.is_manager_of(self.membership, alignment.employee),
            tours=alignment.tours.all(),
            shared=list(
                Membership.objects.for_organization(self.organization)
                .filter(
                    user_id__in=CareerAlignmentUserPermission.objects.filter(
                        content_object=alignment, permission__codename=access.READ_ALIGNMENT
                    ).values("user_id")
                )
                .select_related("user")
            ),
            **kwargs,
        )


class OwnAlignmentMixin:
    """Views that only the alignment's employee may use (confirming it, deciding who else reads it)."""

    def get_alignment(self):
        alignment = access.access_alignment(membership=self.membership, pk=self.kwargs["pk"])
        if not access.is_alignment_owner(self.membership, alignment):
            raise PermissionDenied
        return alignment


class AlignmentConfirmView(OwnAlignmentMixin, TenantView, TemplateView):
    template_name = "agreements/alignment_confirm.html"
    required_capability = VIEW_OWN_RECORDS

    def get_context_data(self, **kwargs):
        return super().get_context_data(alignment=self.get_alignment(), **kwargs)

    def post(self, request, *args, **kwargs):
        alignment = self.get_alignment()
        try:
            services.alignment_confirm(alignment=alignment, actor=self.membership)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect("agreements:alignment_edit", self.organization.slug, alignment.pk)
        messages.success(request, _("You confirmed this career alignment. It is kept as it is now."))
        return redirect("agreements:alignment", self.organization.slug, alignment.pk)


class AlignmentSharingView(OwnAlignmentMixin, TenantView, TemplateView):
    """The employee decides who beyond their manager may read this alignment, and takes it back."""

    template_name = "agreements/alignment_sharing.html"
    required_capability = VIEW_OWN_RECORDS

    def context(self, alignment, form=None):
        granted_users = CareerAlignmentUserPermission.objects.filter(
            content_object=alignment, permission__codename=access.READ_ALIGNMENT
        ).values("user_id")
        shared = list(
            by_reading(
                Membership.objects.for_organization(self.organization)
                .filter(user_id__in=granted_users)
                .select_related("user")
            )
        )
        exclude = [self.membership.pk, *(m.pk for m in shared)]
        # The manager who held the 1on1 always reads it; a later manager is offered like any colleague.
        if alignment.manager_id:
            exclude.append(alignment.manager_id)
        form = form or ShareForm(organization=self.organization, exclude_pks=exclude)
        return self.get_context_data(alignment=alignment, shared=shared, form=form)

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.context(self.get_alignment()))

    def post(self, request, *args, **kwargs):
        alignment = self.get_alignment()
        action = request.POST.get("action")
        if action in {"share_hr", "unshare_hr"}:
            services.alignment_share_with_hr(alignment=alignment, actor=self.membership, shared=action == "share_hr")
            messages.success(
                request,
                _("HR can now read this alignment.")
                if action == "share_hr"
                else _("HR can no longer read this alignment."),
            )
            return redirect("agreements:alignment_sharing", self.organization.slug, alignment.pk)
        if action == "unshare":
            colleague = (
                Membership.objects.for_organization(self.organization)
                .select_related("user")
                .filter(pk=_int(request.POST.get("colleague")))
                .first()
            )
            if colleague is None:
                raise Http404
            services.alignment_unshare(alignment=alignment, actor=self.membership, colleague=colleague)
            messages.success(
                request, _("%(name)s can no longer read this alignment.") % {"name": colleague.user.display_name}
            )
            return redirect("agreements:alignment_sharing", self.organization.slug, alignment.pk)
        ctx = self.context(alignment)
        form = ShareForm(
            request.POST,
            organization=self.organization,
            exclude_pks=[m.pk for m in ctx["shared"]] + [self.membership.pk],
        )
        if form.is_valid():
            try:
                services.alignment_share_with(
                    alignment=alignment, actor=self.membership, colleague=form.cleaned_data["colleague"]
                )
            except ValidationError as error:
                apply_form_errors(form, error)
            else:
                name = form.cleaned_data["colleague"].user.display_name
                messages.success(request, _("%(name)s can now read this alignment.") % {"name": name})
                return redirect("agreements:alignment_sharing", self.organization.slug, alignment.pk)
        return self.render_to_response(self.context(alignment, form=form))


def _is_party(membership: Membership, employee: Membership) -> bool:
    """The employee or their manager: the people whose role lets them write STEP 2-3 records."""
    return employee.pk == membership.pk or access.is_manager_of(membership, employee)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


# --- STEP 2 --------------------------------------------------------------------------------------------------


class TourFormView(StateConflictMixin, TenantView, TemplateView):
    template_name = "agreements/tour_form.html"
    required_capability = VIEW_OWN_RECORDS

    def get_objects(self):
        if "pk" in self.kwargs:
            tour = access.access_tour(membership=self.membership, pk=self.kwargs["pk"])
            if not access.can_edit_tour(self.membership, tour):
                conflict = services.tour_edit_conflict(tour)
                if conflict is not None and _is_party(self.membership, tour.employee):
                    raise conflict
                raise PermissionDenied
            return tour, tour.alignment
        alignment = access.access_alignment(membership=self.membership, pk=self.kwargs["alignment_pk"])
        employee = alignment.employee
        if not (employee.pk == self.membership.pk or access.is_manager_of(self.membership, employee)):
            raise PermissionDenied
        return None, alignment

    def initial(self, tour):
        if tour is None:
            return {"kind": TourKind.TRANSFORMATIONAL, "length": 12}
        return {f: getattr(tour, f) for f in services.TOUR_FIELDS}

    def respond(self, form, tour, alignment):
        # The ideal self beside the form, only when the viewer may read that alignment (access rules own it).
        readable = access.visible_alignments(membership=self.membership).filter(pk=alignment.pk).exists()
        return self.render_to_response(
            self.get_context_data(
                form=form,
                tour=tour,
                alignment=alignment,
                alignment_readable=readable,
                kind_help=TOUR_KIND_HELP,
            )
        )

    def get(self, request, *args, **kwargs):
        tour, alignment = self.get_objects()
        return self.respond(TourForm(initial=self.initial(tour)), tour, alignment)

    def post(self, request, *args, **kwargs):
        tour, alignment = self.get_objects()
        form = TourForm(request.POST)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k in services.TOUR_FIELDS}
            try:
                if tour is None:
                    previous = (
                        selectors.tour_history(member=alignment.employee)
                        .filter(status__in=["active", "completed"])
                        .first()
                    )
                    tour = services.tour_create(
                        actor=self.membership, alignment=alignment, data=data, previous=previous
                    )
                else:
                    tour = services.tour_update(tour=tour, actor=self.membership, data=data)
            except ValidationError as error:
                apply_form_errors(form, error)
            else:
                # An overlap with another tour is explained on the tour's page, where this redirects: said once.
                messages.success(request, _("The tour of duty was saved. Next, write the alliance agreement."))
                return redirect("agreements:tour", self.organization.slug, tour.pk)
        return self.respond(form, tour, alignment)


class TourDetailView(TenantView, TemplateView):
    template_name = "agreements/tour_detail.html"
    required_capability = VIEW_OWN_RECORDS

    def get_context_data(self, **kwargs):
        tour = access.access_tour(membership=self.membership, pk=self.kwargs["pk"])
        alignment_visible = access.visible_alignments(membership=self.membership).filter(pk=tour.alignment_id).exists()
        return super().get_context_data(
            tour=tour,
            alignment_visible=alignment_visible,
            can_edit=access.can_edit_tour(self.membership, tour),
            overlaps=services.tour_overlaps(tour),
            is_hr=access.is_hr(self.membership),
            versions=tour.agreement.versions.order_by("-number"),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        """HR's switch: allow this tour to run beside another active one."""
        tour = access.access_tour(membership=self.membership, pk=self.kwargs["pk"])
        services.tour_set_allow_concurrent(tour=tour, actor=self.membership, allow=request.POST.get("allow") == "1")
        messages.success(request, _("The setting was saved."))
        return redirect("agreements:tour", self.organization.slug, tour.pk)


# --- STEP 3 --------------------------------------------------------------------------------------------------


class AgreementView(TenantView):
    required_capability = VIEW_OWN_RECORDS

    def get(self, request, *args, **kwargs):
        agreement = access.access_agreement(membership=self.membership, pk=kwargs["pk"])
        version = services.current_version(agreement)
        return redirect("agreements:version", self.organization.slug, agreement.pk, version.number)


class VersionMixin:
    def get_version(self) -> AgreementVersion:
        return access.access_version(
            membership=self.membership, agreement_pk=self.kwargs["pk"], number=self.kwargs["number"]
        )


class VersionDetailView(VersionMixin, TenantView, TemplateView):
    template_name = "agreements/version_detail.html"
    required_capability = VIEW_OWN_RECORDS

    def get_context_data(self, **kwargs):
        version = self.get_version()
        agreement = version.agreement
        signer_role = services.signer_role_for(version, self.membership)
        signatures = list(version.signatures.select_related("signer__user").order_by("signed_at"))
        live = [s for s in signatures if s.voided_at is None]
        versions = list(agreement.versions.order_by("-number").only("number", "status", "signed_at", "agreement_id"))
        can_edit = access.can_edit_agreement(self.membership, agreement)
        return super().get_context_data(
            version=version,
            agreement=agreement,
            tour=agreement.tour,
            kpis=list(version.kpis.all()),
            signatures=live,
            events=list(version.events.select_related("actor__user")),
            versions=versions,
            # A discarded amendment is kept, out of the way: the version before it stays the one in force.
            latest_number=next((v.number for v in versions if v.status != VersionStatus.DISCARDED), versions[0].number),
            can_edit=can_edit,
            signer_role=signer_role,
            already_signed=signer_role is not None and any(s.role == signer_role for s in live),
            pending_parties=services.pending_parties(version, viewer=self.membership)
            if version.status == VersionStatus.PENDING
            else [],
            can_discard=can_edit and version.status == VersionStatus.DRAFT and version.is_amendment,
            pdf=AgreementPdf.objects.filter(version=version).first(),
            sign_form=SignForm(initial={"content_hash": version.content_hash}),
            decline_form=DeclineForm(),
            snapshot=version.snapshot,
            **kwargs,
        )


class VersionEditView(StateConflictMixin, VersionMixin, TenantView, TemplateView):
    template_name = "agreements/version_edit.html"
    required_capability = VIEW_OWN_RECORDS

    def get_checked_version(self):
        version = self.get_version()
        if not access.can_edit_agreement(self.membership, version.agreement):
            raise PermissionDenied
        conflict = services.version_edit_conflict(version)
        if conflict is not None:
            raise conflict
        return version

    def respond(self, version, clauses, kpis):
        tour = version.agreement.tour
        return self.render_to_response(
            self.get_context_data(
                version=version,
                tour=tour,
                clauses=clauses,
                kpis=kpis,
            )
        )

    def get(self, request, *args, **kwargs):
        version = self.get_checked_version()
        clauses = ClausesForm(initial={f: getattr(version, f) for f in CLAUSE_FIELDS})
        initial = [
            {
                f: getattr(k, f)
                for f in ("name", "definition", "unit", "baseline", "target", "direction", "due_date", "weight")
            }
            for k in version.kpis.all()
        ]
        kpis = KpiFormSet(initial=initial, prefix="kpi", tour=version.agreement.tour)
        return self.respond(version, clauses, kpis)

    def post(self, request, *args, **kwargs):
        version = self.get_checked_version()
        clauses = ClausesForm(request.POST)
        kpis = KpiFormSet(request.POST, prefix="kpi", tour=version.agreement.tour)
        if clauses.is_valid() and kpis.is_valid():
            rows = [
                {k: v for k, v in f.cleaned_data.items() if k != "DELETE"}
                for f in kpis.forms
                if f.cleaned_data and not f.cleaned_data.get("DELETE")
            ]
            try:
                services.agreement_update_draft(
                    version=version, actor=self.membership, clauses=clauses.cleaned_data, kpis=rows
                )
            except ValidationError as error:
                apply_form_errors(clauses, error)
            else:
                messages.success(request, _("The draft was saved."))
                if "request" in request.POST:
                    return redirect("agreements:request", self.organization.slug, version.agreement_id, version.number)
                return redirect("agreements:version", self.organization.slug, version.agreement_id, version.number)
        return self.respond(version, clauses, kpis)


class VersionActionView(StateConflictMixin, VersionMixin, TenantView, TemplateView):
    """GET shows what the action will do and asks to confirm; POST does it. `allowed` is the role rule (403);
    `conflict` the state rule (409 page naming the state and the next step)."""

    required_capability = VIEW_OWN_RECORDS
    form_class = None

    def allowed(self, version) -> bool:
        return access.can_edit_agreement(self.membership, version.agreement)

    def conflict(self, version) -> services.StateConflict | None:
        return services.version_edit_conflict(version)

    def get_version(self) -> AgreementVersion:
        version = super().get_version()
        if not self.allowed(version):
            raise PermissionDenied
        conflict = self.conflict(version)
        if conflict is not None:
            raise conflict
        return version

    def back(self, version):
        return redirect("agreements:version", self.organization.slug, version.agreement_id, version.number)

    def get(self, request, *args, **kwargs):
        version = self.get_version()
        form = self.form_class(initial={"content_hash": version.content_hash}) if self.form_class else None
        return self.render_to_response(self.get_context_data(version=version, tour=version.agreement.tour, form=form))

    def post(self, request, *args, **kwargs):
        version = self.get_version()
        form = self.form_class(request.POST) if self.form_class else None
        if form is None or form.is_valid():
            try:
                self.act(version, form.cleaned_data if form else {})
            except ValidationError as error:
                if form is None:
                    for message in error.messages:
                        messages.error(request, message)
                    return self.back(version)
                apply_form_errors(form, error)
            else:
                return self.back(version)
        return self.render_to_response(self.get_context_data(version=version, tour=version.agreement.tour, form=form))


class RequestSignaturesView(VersionActionView):
    template_name = "agreements/request_signatures.html"

    def act(self, version, data):
        services.agreement_request_signatures(version=version, actor=self.membership, info=_info(self.request))
        messages.success(self.request, _("Signatures were requested. Each signer got an e-mail."))


class WithdrawView(VersionActionView):
    template_name = "agreements/withdraw.html"

    def conflict(self, version):
        return None if version.status == VersionStatus.PENDING else services.not_pending_conflict(version)

    def act(self, version, data):
        services.agreement_withdraw(version=version, actor=self.membership, info=_info(self.request))
        messages.success(self.request, _("The request was withdrawn; the version is a draft again."))


class SignView(VersionActionView):
    template_name = "agreements/sign.html"
    form_class = SignForm

    def allowed(self, version) -> bool:
        return services.signing_party_role(version, self.membership) is not None

    def conflict(self, version):
        return None if version.status == VersionStatus.PENDING else services.not_pending_conflict(version)

    def act(self, version, data):
        # The password check must not become a guessing oracle: a handful of tries an hour per person.
        if is_ratelimited(self.request, group="agreements.sign", key="user", rate="10/h", method=ALL, increment=True):
            raise ValidationError(_("Too many signing attempts. Wait an hour, then try again."))
        services.agreement_sign(
            version=version,
            actor=self.membership,
            password=data["password"],
            content_hash=data["content_hash"],
            info=_info(self.request),
        )
        messages.success(self.request, _("You signed version %(n)s.") % {"n": version.number})


class DeclineView(VersionActionView):
    template_name = "agreements/decline.html"
    form_class = DeclineForm

    def allowed(self, version) -> bool:
        return services.signing_party_role(version, self.membership) is not None

    def conflict(self, version):
        return None if version.status == VersionStatus.PENDING else services.not_pending_conflict(version)

    def act(self, version, data):
        services.agreement_decline(
            version=version, actor=self.membership, reason=data["reason"], info=_info(self.request)
        )
        messages.success(self.request, _("You declined. The version is a draft again, with your reason shown."))


class VersionDiscardView(VersionActionView):
    """Give up a draft amendment (confirmation page, then POST); the signed version stays the current one."""

    template_name = "agreements/discard.html"

    def conflict(self, version):
        return services.version_discard_conflict(version)

    def act(self, version, data):
        services.version_discard(version=version, actor=self.membership)
        messages.success(
            self.request,
            _("Version %(n)s was discarded. It is kept for the record; the signed version stays in force.")
            % {"n": version.number},
        )

    def back(self, version):
        return redirect("agreements:agreement", self.organization.slug, version.agreement_id)


class TourDiscardView(StateConflictMixin, TenantView, TemplateView):
    """Give up a draft tour and its draft agreement (confirmation page, then POST): kept, marked discarded."""

    template_name = "agreements/discard.html"
    required_capability = VIEW_OWN_RECORDS

    def get_tour(self):
        tour = access.access_tour(membership=self.membership, pk=self.kwargs["pk"])
        if not _is_party(self.membership, tour.employee):
            raise PermissionDenied
        conflict = services.tour_edit_conflict(tour)
        if conflict is not None:
            raise conflict
        return tour

    def get_context_data(self, **kwargs):
        return super().get_context_data(tour=self.get_tour(), **kwargs)

    def post(self, request, *args, **kwargs):
        tour = services.tour_discard(tour=self.get_tour(), actor=self.membership)
        messages.success(
            request,
            _("The tour of duty “%(title)s” was discarded. It is kept for the record, out of the way.")
            % {"title": tour.title},
        )
        if tour.employee_id == self.membership.pk:
            return redirect("agreements:mine", self.organization.slug)
        return redirect("agreements:person", self.organization.slug, tour.employee_id)


class AmendView(StateConflictMixin, TenantView, TemplateView):
    template_name = "agreements/amend.html"
    required_capability = VIEW_OWN_RECORDS

    def get_agreement(self):
        agreement = access.access_agreement(membership=self.membership, pk=self.kwargs["pk"])
        if not access.can_edit_agreement(self.membership, agreement):
            raise PermissionDenied
        conflict = services.amend_conflict(services.current_version(agreement))
        if conflict is not None:
            raise conflict
        return agreement

    def get_context_data(self, **kwargs):
        agreement = self.get_agreement()
        return super().get_context_data(
            agreement=agreement, tour=agreement.tour, version=services.current_version(agreement), **kwargs
        )

    def post(self, request, *args, **kwargs):
        agreement = self.get_agreement()
        draft = services.agreement_amend(agreement=agreement, actor=self.membership)
        messages.success(request, _("Version %(n)s was started as an amendment.") % {"n": draft.number})
        return redirect("agreements:version_edit", self.organization.slug, agreement.pk, draft.number)


class PdfView(VersionMixin, TenantView):
    """The stored, sealed PDF as it was rendered at signing: the employee, their manager and HR only."""

    required_capability = VIEW_OWN_RECORDS

    def get(self, request, *args, **kwargs):
        version = self.get_version()
        pdf = AgreementPdf.objects.filter(version=version).first()
        if pdf is None:
            raise Http404
        return FileResponse(
            pdf.file.open("rb"),
            content_type="application/pdf",
            as_attachment=request.GET.get("download") == "1",
            filename=f"alliance-agreement-{version.agreement_id}-v{version.number}.pdf",
        )


class AgreementTemplateView(TenantView, TemplateView):
    template_name = "agreements/template_form.html"
    required_capability = MANAGE_ORGANIZATION

    def get_instance(self):
        return AgreementTemplate.objects.filter(organization=self.organization).first() or AgreementTemplate(
            organization=self.organization
        )

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=ClausesForm(instance=self.get_instance())))

    def post(self, request, *args, **kwargs):
        form = ClausesForm(request.POST, instance=self.get_instance())
        if form.is_valid():
            form.save()
            messages.success(request, _("The default clauses were saved. New agreements start from them."))
            return redirect("agreements:template", self.organization.slug)
        return self.render_to_response(self.get_context_data(form=form))


# --- public verification -------------------------------------------------------------------------------------


VERIFY_RATES = ("30/m", "300/h")


# A sealed agreement PDF is far below this; the form refuses files over 20 MB with a clear message, and a body
# over this bound is refused before it is read (alliance.security.RequestBodyLimitMiddleware).
VERIFY_MAX_BODY = 25 * 1024 * 1024


def _verify_checking(request) -> bool:
    return request.method == "POST" or "hash" in request.GET


def _verify_limited(request) -> bool:
    """Count one check against the caller's address (alliance.security.client_ip, through RATELIMIT_IP_META_KEY)
    once per request, however often it is asked; the plain form page costs nothing."""
    if not hasattr(request, "_verify_limited"):
        # Every window counts the check (a list, not a short-circuiting any()), so the hourly one is not skipped
        # while the per-minute one is exceeded.
        request._verify_limited = _verify_checking(request) and any(
            [
                is_ratelimited(request, group="agreements.verify", key="ip", rate=rate, method=ALL, increment=True)
                for rate in VERIFY_RATES
            ]
        )
    return request._verify_limited


def _verify_limit_response(request):
    """Run by the body-limit middleware before the upload is read: a limited caller's body is never parsed."""
    if _verify_limited(request):
        return render(request, "agreements/verify.html", {"form": VerifyForm(), "limited": True}, status=429)
    return None


@body_limit(VERIFY_MAX_BODY, before_body=_verify_limit_response)
def verify(request):
    """Anyone holding the printed hash or the PDF learns whether it is a signed agreement of this service,
    which version and when it was signed, and nothing else of its content. Checks are rate-limited by IP."""
    result = None
    if not _verify_checking(request):
        return render(request, "agreements/verify.html", {"form": VerifyForm(), "result": None})
    limited = _verify_limit_response(request)
    if limited is not None:
        return limited
    form = VerifyForm(request.POST, request.FILES) if request.method == "POST" else VerifyForm(request.GET)
    if form.is_valid():
        result = _verify(form.cleaned_data)
    return render(request, "agreements/verify.html", {"form": form, "result": result})


def _verify(data) -> dict:
    from agreements.sealing import verify_seal

    upload = data.get("file")
    if upload:
        content = upload.read()
        digest = hashlib.sha256(content).hexdigest()
        # Across organizations on purpose (/verify/ is outside any): the digest names at most one stored PDF, and
        # the page shows only its version's number and signing date.
        with scopes_disabled():
            pdf = AgreementPdf.objects.select_related("version").filter(sha256=digest).first()
        if pdf is None:
            return {"ok": False, "not_found": True, "kind": "file"}
        seal = verify_seal(content)
        if not seal.valid:
            return {"ok": False, "kind": "file", "seal_invalid": True}
        return {"ok": True, "kind": "file", "version": pdf.version, "seal": seal}
    # Across organizations on purpose, as above: the hash names at most one signed version.
    with scopes_disabled():
        version = AgreementVersion.objects.filter(content_hash=data["hash"], status=VersionStatus.SIGNED).first()
    if version is None:
        return {"ok": False, "not_found": True, "kind": "hash"}
    return {"ok": True, "kind": "hash", "version": version}
