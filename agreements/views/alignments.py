"""STEP 1 and the overview pages: my alliance, a person's alliance, the team, the share offer, and the
career alignment itself (write, read, confirm, share)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import TemplateView

from agreements import access, rules, selectors, services
from agreements.forms import AlignmentForm, CoreValueFormSet, DriftFormSet, ShareForm
from agreements.models import AlignmentStatus
from agreements.views.common import int_or_404
from alliance.models import Membership
from alliance.permissions import (
    READ_OWN_RECORDS,
    VIEW_ORG_STATISTICS,
    VIEW_OWN_RECORDS,
    VIEW_REPORTS,
    access_membership,
    membership_has,
)
from alliance.sections import collect_sections
from alliance.tenancy import TenantView, apply_form_errors, querystring_without_page, reader_only, url_object

PEOPLE_PER_PAGE = 25

# --- overview pages ------------------------------------------------------------------------------------------


class MyAllianceView(TenantView, TemplateView):
    """The employee's own page: current alignment, tour, agreement and the next action, plus their history."""

    template_name = "agreements/my_alliance.html"
    capabilities = {"GET": READ_OWN_RECORDS}
    page_cache = True
    # The reader's own record: the page's topics are the reader's (alliance.page_cache).
    url_objects = {"member": reader_only(lambda view: view.membership)}

    def get_context_data(self, **kwargs):
        member = self.member
        state = selectors.person_alliance(viewer=self.membership, member=member)
        signer_role = already_signed = None
        if state.stage == "pending":
            signer_role = selectors.signer_role_for(state.version, self.membership)
            already_signed = selectors.live_signatures(state.version).filter(role=signer_role).exists()
        return super().get_context_data(
            state=state,
            signer_role=signer_role,
            already_signed=already_signed,
            alignments=selectors.alignment_history(viewer=self.membership, member=member)[:20],
            tours=selectors.tour_history(member=member)[:20],
            is_self=member.pk == self.membership.pk,
            share_offer=selectors.open_share_offer(membership=member) if member.pk == self.membership.pk else None,
            # Alumni read their own page and write nothing (READ_OWN_RECORDS without VIEW_OWN_RECORDS).
            can_draft=membership_has(self.membership, VIEW_OWN_RECORDS)
            and (member.pk == self.membership.pk or access.is_manager_of(self.membership, member)),
            sections=collect_sections("alliance", membership=self.membership, member=member, tour=state.tour),
            **kwargs,
        )


class ShareOfferView(TenantView):
    """The employee's answer to "your manager is now X; share your earlier alignments with them?"."""

    capabilities = {"GET": VIEW_OWN_RECORDS, "POST": VIEW_OWN_RECORDS}

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

    url_objects = {"member": url_object(access.access_person, pk="member_pk")}


class TeamView(TenantView, TemplateView):
    """A manager's reports (HR: everyone) with each one's step; searchable and paginated."""

    template_name = "agreements/team.html"
    capabilities = {"GET": VIEW_REPORTS}

    def get_context_data(self, **kwargs):
        query = self.request.GET.get("q", "").strip()[:100]
        members = selectors.team_members(viewer=self.membership, query=query)
        page = Paginator(members, PEOPLE_PER_PAGE).get_page(self.request.GET.get("page"))
        rows = selectors.people_alliance(viewer=self.membership, members=page.object_list)
        counts = None
        if membership_has(self.membership, VIEW_ORG_STATISTICS):
            counts = selectors.hr_stage_counts(organization=self.organization)
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


# The alignment `/alignments/<pk>/` names, as the member may read it (404 otherwise).
visible_alignment = url_object(access.access_alignment, pk="pk")


def editable_alignment(view):
    """The alignment `pk` names, for editing (403 for a reader who may not edit, 409 once confirmed); None on
    the "new" URL."""
    if "pk" not in view.kwargs:
        return None
    alignment = visible_alignment(view)
    if not access.can_edit_alignment(view.membership, alignment):
        if alignment.status != AlignmentStatus.DRAFT:
            raise rules.alignment_confirmed_conflict(alignment)
        raise PermissionDenied
    return alignment


def alignment_employee(view):
    """Whose alignment it is: the edited one's employee, else `?employee=` (a report of the viewer, 403 for
    anyone else), else the viewer."""
    if view.alignment is not None:
        return view.alignment.employee
    employee_pk = view.request.GET.get("employee") or view.request.POST.get("employee")
    if not employee_pk or str(employee_pk) == str(view.membership.pk):
        return view.membership
    employee = access_membership(membership=view.membership, pk=int_or_404(employee_pk))
    if not access.is_manager_of(view.membership, employee):
        raise PermissionDenied
    return employee


class AlignmentFormView(TenantView, TemplateView):
    template_name = "agreements/alignment_form.html"
    capabilities = {"GET": VIEW_OWN_RECORDS, "POST": VIEW_OWN_RECORDS}
    url_objects = {"alignment": editable_alignment, "employee": alignment_employee}

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
        ctx = self.get_context_data(form=form, values_formset=values, drift_formset=drift)
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
    capabilities = {"GET": READ_OWN_RECORDS}
    url_objects = {"alignment": visible_alignment}

    def get_context_data(self, **kwargs):
        alignment = self.alignment
        return super().get_context_data(
            resonant=list(alignment.resonant_values.all()),
            can_edit=access.can_edit_alignment(self.membership, alignment),
            # The owner's actions (confirm, share, start a tour) are an active member's; an alumnus reads only.
            is_owner=membership_has(self.membership, VIEW_OWN_RECORDS)
            and access.is_alignment_owner(self.membership, alignment),
            own_record=access.is_alignment_owner(self.membership, alignment),
            is_manager=access.is_manager_of(self.membership, alignment.employee),
            tours=alignment.tours.all(),
            shared=list(selectors.alignment_readers(alignment)),
            **kwargs,
        )


def own_alignment(view):
    """The alignment `pk` names, for what only its employee may do (confirm it, decide who else reads it)."""
    alignment = visible_alignment(view)
    if not access.is_alignment_owner(view.membership, alignment):
        raise PermissionDenied
    return alignment


class AlignmentConfirmView(TenantView, TemplateView):
    template_name = "agreements/alignment_confirm.html"
    capabilities = {"GET": VIEW_OWN_RECORDS, "POST": VIEW_OWN_RECORDS}
    url_objects = {"alignment": own_alignment}

    def post(self, request, *args, **kwargs):
        alignment = self.alignment
        try:
            services.alignment_confirm(alignment=alignment, actor=self.membership)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect("agreements:alignment_edit", self.organization.slug, alignment.pk)
        messages.success(request, _("You confirmed this career alignment. It is kept as it is now."))
        return redirect("agreements:alignment", self.organization.slug, alignment.pk)


class AlignmentSharingView(TenantView, TemplateView):
    """The employee decides who beyond their manager may read this alignment, and takes it back."""

    template_name = "agreements/alignment_sharing.html"
    capabilities = {"GET": VIEW_OWN_RECORDS, "POST": VIEW_OWN_RECORDS}
    url_objects = {"alignment": own_alignment}

    def context(self, alignment, form=None):
        shared = list(selectors.alignment_readers(alignment))
        exclude = [self.membership.pk, *(m.pk for m in shared)]
        # The manager who held the 1on1 always reads it; a later manager is offered like any colleague.
        if alignment.manager_id:
            exclude.append(alignment.manager_id)
        form = form or ShareForm(organization=self.organization, exclude_pks=exclude)
        return self.get_context_data(alignment=alignment, shared=shared, form=form)

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.context(self.alignment))

    def post(self, request, *args, **kwargs):
        alignment = self.alignment
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
                .filter(pk=int_or_404(request.POST.get("colleague")))
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
