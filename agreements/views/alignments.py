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
from agreements.models import AlignmentStatus, CareerAlignmentUserPermission
from agreements.views.common import StateConflictMixin, int_or_404
from alliance.models import Membership
from alliance.permissions import MANAGE_ORGANIZATION, VIEW_OWN_RECORDS, VIEW_REPORTS, access_membership
from alliance.selectors import by_reading
from alliance.tenancy import TenantView, apply_form_errors, querystring_without_page

PEOPLE_PER_PAGE = 25

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
            signer_role = selectors.signer_role_for(state.version, self.membership)
            already_signed = selectors.live_signatures(state.version).filter(role=signer_role).exists()
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
                    raise rules.alignment_confirmed_conflict(self.alignment)
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
