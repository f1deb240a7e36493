"""STEP 3: the alliance agreement, its versions, editing, the signing actions, amending, the PDF, the template."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from django_ratelimit import ALL
from django_ratelimit.core import is_ratelimited

from agreements import access, documents, rules, selectors, services
from agreements.capabilities import EDIT_AGREEMENT_TEMPLATE
from agreements.forms import ClausesForm, DeclineForm, KpiFormSet, SignForm
from agreements.models import (
    CLAUSE_FIELDS,
    KPI_FIELDS,
    AgreementPdf,
    AgreementTemplate,
    AgreementVersion,
    VersionStatus,
)
from agreements.views.common import request_info
from alliance.conflicts import StateConflict
from alliance.permissions import READ_OWN_RECORDS, VIEW_OWN_RECORDS
from alliance.tenancy import TenantView, apply_form_errors, apply_formset_errors, url_object, without_keys

# The agreement `/agreements/<pk>/` names, as the member may see it (404 otherwise).
visible_agreement = url_object(access.access_agreement, pk="pk")
# The version `/agreements/<pk>/v<number>/` names, as the member may see it (404 otherwise).
visible_version = url_object(access.access_version, agreement_pk="pk", number="number")


def editable_version(view) -> AgreementVersion:
    """The named version, for editing its draft: a party only (403), and only while its state allows (409)."""
    version = visible_version(view)
    if not access.can_edit_agreement(view.membership, version.agreement):
        raise PermissionDenied
    conflict = rules.version_edit_conflict(version)
    if conflict is not None:
        raise conflict
    return version


def version_for_action(view) -> AgreementVersion:
    """The named version, for a VersionActionView: its `allowed()` is the role rule (403), its `conflict()` the
    state rule (409)."""
    version = visible_version(view)
    if not view.allowed(version):
        raise PermissionDenied
    conflict = view.conflict(version)
    if conflict is not None:
        raise conflict
    return version


def amendable_agreement(view):
    """The agreement `pk` names, for starting an amendment: a party only (403), from a signed version (409)."""
    agreement = visible_agreement(view)
    if not access.can_edit_agreement(view.membership, agreement):
        raise PermissionDenied
    conflict = rules.amend_conflict(selectors.current_version(agreement))
    if conflict is not None:
        raise conflict
    return agreement


def sealed_pdf(view) -> AgreementPdf:
    """The stored PDF of `view.version` (404 until it is signed and sealed)."""
    pdf = selectors.stored_pdf(view.version)
    if pdf is None:
        raise Http404
    return pdf


def organization_template(view) -> AgreementTemplate:
    """The organization's default clauses (unsaved and empty until HR first saves them)."""
    return AgreementTemplate.objects.filter(organization=view.organization).first() or AgreementTemplate(
        organization=view.organization
    )


class AgreementView(TenantView):
    capabilities = {"GET": READ_OWN_RECORDS}
    url_objects = {"agreement": visible_agreement}

    def get(self, request, *args, **kwargs):
        version = selectors.current_version(self.agreement)
        return redirect("agreements:version", self.organization.slug, self.agreement.pk, version.number)


class VersionDetailView(TenantView, TemplateView):
    template_name = "agreements/version_detail.html"
    capabilities = {"GET": READ_OWN_RECORDS}
    url_objects = {"version": visible_version}

    def get_context_data(self, **kwargs):
        version = self.version
        agreement = version.agreement
        signer_role = selectors.signer_role_for(version, self.membership)
        signatures = list(version.signatures.select_related("signer__user").order_by("signed_at"))
        live = [s for s in signatures if s.voided_at is None]
        versions = list(agreement.versions.order_by("-number").only("number", "status", "signed_at", "agreement_id"))
        can_edit = access.can_edit_agreement(self.membership, agreement)
        return super().get_context_data(
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
            pending_parties=selectors.pending_parties(version, viewer=self.membership)
            if version.status == VersionStatus.PENDING
            else [],
            can_discard=can_edit and version.status == VersionStatus.DRAFT and version.is_amendment,
            pdf=selectors.stored_pdf(version),
            sign_form=SignForm(initial={"content_hash": version.content_hash}),
            decline_form=DeclineForm(),
            snapshot=version.snapshot,
            frozen_period=documents.frozen_period(version.snapshot),
            # A draft amendment shows the tour it proposes; the signed tour changes only when it is signed.
            proposed=selectors.proposed_tour(version) if version.is_amendment and not version.snapshot else None,
            amendment=documents.amendment_diff(version),
            **kwargs,
        )


class VersionEditView(TenantView, TemplateView):
    template_name = "agreements/version_edit.html"
    capabilities = {"GET": VIEW_OWN_RECORDS, "POST": VIEW_OWN_RECORDS}
    url_objects = {"version": editable_version}

    def respond(self, version, clauses, kpis):
        # An amendment's KPIs fall within the period it proposes (its hint names those dates).
        tour = selectors.proposed_tour(version)
        return self.render_to_response(
            self.get_context_data(
                version=version,
                tour=tour,
                clauses=clauses,
                kpis=kpis,
            )
        )

    def get(self, request, *args, **kwargs):
        version = self.version
        clauses = ClausesForm(initial={f: getattr(version, f) for f in CLAUSE_FIELDS})
        initial = [{f: getattr(k, f) for f in KPI_FIELDS} for k in version.kpis.all()]
        kpis = KpiFormSet(initial=initial, prefix="kpi")
        return self.respond(version, clauses, kpis)

    def post(self, request, *args, **kwargs):
        version = self.version
        clauses = ClausesForm(request.POST)
        kpis = KpiFormSet(request.POST, prefix="kpi")
        if clauses.is_valid() and kpis.is_valid():
            # The rows given to the service, in order, and the form each came from (for its errors).
            row_forms = [f for f in kpis.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
            rows = [{k: v for k, v in f.cleaned_data.items() if k != "DELETE"} for f in row_forms]
            try:
                services.agreement_update_draft(
                    version=version, actor=self.membership, clauses=clauses.cleaned_data, kpis=rows
                )
            except ValidationError as error:
                apply_formset_errors(kpis, error, key=rules.KPIS, forms=row_forms)
                rest = without_keys(error, rules.KPIS)
                if rest is not None:
                    apply_form_errors(clauses, rest)
            else:
                messages.success(request, _("The draft was saved."))
                if "request" in request.POST:
                    return redirect("agreements:request", self.organization.slug, version.agreement_id, version.number)
                return redirect("agreements:version", self.organization.slug, version.agreement_id, version.number)
        return self.respond(version, clauses, kpis)


class VersionActionView(TenantView, TemplateView):
    """GET shows what the action will do and asks to confirm; POST does it. `allowed` is the role rule (403);
    `conflict` the state rule (409 page naming the state and the next step)."""

    capabilities = {"GET": VIEW_OWN_RECORDS, "POST": VIEW_OWN_RECORDS}
    url_objects = {"version": version_for_action}
    form_class = None

    def allowed(self, version) -> bool:
        return access.can_edit_agreement(self.membership, version.agreement)

    def conflict(self, version) -> StateConflict | None:
        return rules.version_edit_conflict(version)

    def back(self, version):
        return redirect("agreements:version", self.organization.slug, version.agreement_id, version.number)

    def get(self, request, *args, **kwargs):
        version = self.version
        form = self.form_class(initial={"content_hash": version.content_hash}) if self.form_class else None
        return self.render_to_response(self.get_context_data(version=version, tour=version.agreement.tour, form=form))

    def post(self, request, *args, **kwargs):
        version = self.version
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
        services.agreement_request_signatures(version=version, actor=self.membership, info=request_info(self.request))
        messages.success(self.request, _("Signatures were requested. Each signer got an e-mail."))


class WithdrawView(VersionActionView):
    template_name = "agreements/withdraw.html"

    def conflict(self, version):
        return rules.signing_conflict(version)

    def act(self, version, data):
        services.agreement_withdraw(version=version, actor=self.membership, info=request_info(self.request))
        messages.success(self.request, _("The request was withdrawn; the version is a draft again."))


class SignView(VersionActionView):
    template_name = "agreements/sign.html"
    form_class = SignForm

    def allowed(self, version) -> bool:
        return selectors.signing_party_role(version, self.membership) is not None

    def conflict(self, version):
        return rules.signing_conflict(version)

    def act(self, version, data):
        # The password check must not become a guessing oracle: a handful of tries an hour per person.
        if is_ratelimited(self.request, group="agreements.sign", key="user", rate="10/h", method=ALL, increment=True):
            raise ValidationError(_("Too many signing attempts. Wait an hour, then try again."))
        services.agreement_sign(
            version=version,
            actor=self.membership,
            password=data["password"],
            content_hash=data["content_hash"],
            info=request_info(self.request),
        )
        messages.success(self.request, _("You signed version %(n)s.") % {"n": version.number})


class DeclineView(VersionActionView):
    template_name = "agreements/decline.html"
    form_class = DeclineForm

    def allowed(self, version) -> bool:
        return selectors.signing_party_role(version, self.membership) is not None

    def conflict(self, version):
        return rules.signing_conflict(version)

    def act(self, version, data):
        services.agreement_decline(
            version=version, actor=self.membership, reason=data["reason"], info=request_info(self.request)
        )
        messages.success(self.request, _("You declined. The version is a draft again, with your reason shown."))


class VersionDiscardView(VersionActionView):
    """Give up a draft amendment (confirmation page, then POST); the signed version stays the current one."""

    template_name = "agreements/discard.html"

    def conflict(self, version):
        return rules.version_discard_conflict(version)

    def act(self, version, data):
        services.version_discard(version=version, actor=self.membership)
        messages.success(
            self.request,
            _("Version %(n)s was discarded. It is kept for the record; the signed version stays in force.")
            % {"n": version.number},
        )

    def back(self, version):
        return redirect("agreements:agreement", self.organization.slug, version.agreement_id)


class AmendView(TenantView, TemplateView):
    template_name = "agreements/amend.html"
    capabilities = {"GET": VIEW_OWN_RECORDS, "POST": VIEW_OWN_RECORDS}
    url_objects = {"agreement": amendable_agreement}

    def get_context_data(self, **kwargs):
        agreement = self.agreement
        return super().get_context_data(tour=agreement.tour, version=selectors.current_version(agreement), **kwargs)

    def post(self, request, *args, **kwargs):
        agreement = self.agreement
        try:
            draft = services.agreement_amend(agreement=agreement, actor=self.membership)
        except StateConflict:
            raise  # the 409 page (TenantView), not a message on this page
        except ValidationError as error:
            # The signed KPIs break a rule that came later: say which, rather than start a draft that cannot
            # be saved.
            for message in error.messages:
                messages.error(request, message)
            return self.render_to_response(self.get_context_data())
        messages.success(request, _("Version %(n)s was started as an amendment.") % {"n": draft.number})
        return redirect("agreements:version_edit", self.organization.slug, agreement.pk, draft.number)


class PdfView(TenantView):
    """The stored, sealed PDF as it was rendered at signing: the employee, their manager and HR only. A reading by
    anyone but the employee (services.agreement_pdf_read) is recorded in the audit trail.

    Streamed from the default storage (the file system or the private bucket) through this view, which checks
    access: the site never hands out a bucket URL, so a PDF reaches nobody this view would refuse. Personal data:
    neither shared caches nor the browser keep a copy (Cache-Control: private, no-store)."""

    capabilities = {"GET": READ_OWN_RECORDS}
    url_objects = {"version": visible_version, "pdf": sealed_pdf}

    def get(self, request, *args, **kwargs):
        version = self.version
        # Someone else's signed agreement (a manager's or HR's reading) is recorded; one's own is not.
        services.agreement_pdf_read(version=version, reader=self.membership)
        stored = self.pdf.file
        response = FileResponse(
            stored.storage.open(stored.name, "rb"),
            content_type="application/pdf",
            as_attachment=request.GET.get("download") == "1",
            filename=f"alliance-agreement-{version.agreement_id}-v{version.number}.pdf",
        )
        response["Cache-Control"] = "private, no-store"
        return response


class AgreementTemplateView(TenantView, TemplateView):
    template_name = "agreements/template_form.html"
    capabilities = {"GET": EDIT_AGREEMENT_TEMPLATE, "POST": EDIT_AGREEMENT_TEMPLATE}
    url_objects = {"clauses_template": organization_template}

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=ClausesForm(instance=self.clauses_template)))

    def post(self, request, *args, **kwargs):
        form = ClausesForm(request.POST, instance=self.clauses_template)
        if form.is_valid():
            services.agreement_template_update(actor=self.membership, clauses=form.cleaned_data)
            messages.success(request, _("The default clauses were saved. New agreements start from them."))
            return redirect("agreements:template", self.organization.slug)
        return self.render_to_response(self.get_context_data(form=form))
