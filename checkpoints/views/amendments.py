"""Propose an amendment from a checkpoint: the goal, the period's end and the KPIs as they should become, and why."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from agreements import rules as agreement_rules
from agreements import selectors as agreement_selectors
from agreements.forms import KpiFormSet
from agreements.models import KPI_FIELDS, Agreement
from alliance.conflicts import StateConflict
from alliance.permissions import VIEW_OWN_RECORDS
from alliance.tenancy import TenantView, apply_form_errors, apply_formset_errors, url_object, without_keys
from checkpoints import access, rules, services
from checkpoints.capabilities import HOLD_CHECKPOINTS
from checkpoints.forms import AmendmentProposalForm


def amendable_checkpoint(view):
    """The checkpoint `pk` names, as the member may see it (404); only its tour's employee or manager may
    propose (403), from a checkpoint not cancelled of an active tour whose agreement has no other amendment
    under way (409, with the way forward)."""
    checkpoint = url_object(access.access_checkpoint, pk="pk")(view)
    if access.side_of(view.membership, checkpoint) is None:
        raise PermissionDenied
    conflict = rules.amendment_conflict(checkpoint)
    if conflict is None:
        agreement = Agreement.objects.for_organization(view.organization).get(tour=checkpoint.tour)
        conflict = agreement_rules.amend_conflict(agreement_selectors.current_version(agreement))
    if conflict is not None:
        raise conflict
    return checkpoint


class ProposeAmendmentView(TenantView, TemplateView):
    """GET shows the proposal prefilled with the version in force; POST starts the amendment (a draft version)
    and goes to it, or straight to requesting signatures (`request` button)."""

    template_name = "checkpoints/amend.html"
    capabilities = {"GET": VIEW_OWN_RECORDS, "POST": HOLD_CHECKPOINTS}
    url_objects = {"checkpoint": amendable_checkpoint}

    def _in_force(self):
        agreement = Agreement.objects.for_organization(self.organization).get(tour=self.checkpoint.tour)
        return agreement_selectors.current_version(agreement)

    def _page(self, form, kpis, version):
        return self.render_to_response(
            self.get_context_data(tour=self.checkpoint.tour, version=version, form=form, kpis=kpis)
        )

    def get(self, request, *args, **kwargs):
        version, tour = self._in_force(), self.checkpoint.tour
        form = AmendmentProposalForm(initial={"goal": tour.goal, "end_date": tour.end_date, "base": version.number})
        initial = [{f: getattr(k, f) for f in KPI_FIELDS} for k in version.kpis.order_by("position", "id")]
        return self._page(form, KpiFormSet(initial=initial, prefix="kpi"), version)

    def post(self, request, *args, **kwargs):
        version = self._in_force()
        form = AmendmentProposalForm(request.POST)
        kpis = KpiFormSet(request.POST, prefix="kpi")
        # Both validated, so that the error summary lists the KPIs' errors beside the form's.
        form_valid, kpis_valid = form.is_valid(), kpis.is_valid()
        if form_valid and kpis_valid:
            row_forms = [f for f in kpis.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
            rows = [{k: v for k, v in f.cleaned_data.items() if k != "DELETE"} for f in row_forms]
            data = form.cleaned_data
            try:
                draft = services.checkpoint_propose_amendment(
                    checkpoint=self.checkpoint,
                    actor=self.membership,
                    goal=data["goal"],
                    end_date=data["end_date"],
                    reason=data["reason"],
                    kpis=rows,
                    base_number=data["base"],
                )
            except StateConflict:
                raise  # the 409 page (TenantView), not a message on this form
            except ValidationError as error:
                apply_formset_errors(kpis, error, key=agreement_rules.KPIS, forms=row_forms)
                rest = without_keys(error, agreement_rules.KPIS)
                if rest is not None:
                    apply_form_errors(form, rest)
            else:
                messages.success(request, _("Version %(n)s was started as an amendment.") % {"n": draft.number})
                target = "agreements:request" if "request" in request.POST else "agreements:version"
                return redirect(target, self.organization.slug, draft.agreement_id, draft.number)
        return self._page(form, kpis, version)
