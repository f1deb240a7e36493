"""STEP 2: the tour of duty (write, read, HR's concurrent switch, discard)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from agreements import access, rules, selectors, services
from agreements.capabilities import ALLOW_CONCURRENT_TOURS
from agreements.forms import TourForm
from agreements.models import TOUR_KIND_HELP, TourKind
from agreements.views.common import is_party
from alliance.permissions import READ_OWN_RECORDS, VIEW_OWN_RECORDS, membership_has
from alliance.sections import collect_sections
from alliance.tenancy import TenantView, apply_form_errors, url_object

# The tour `/tours/<pk>/` names, as the member may see it (404 otherwise).
visible_tour = url_object(access.access_tour, pk="pk")


def editable_tour(view):
    """The tour `pk` names, for editing (409 for a party once its state forbids it, else 403); None on the
    "new tour" URL."""
    if "pk" not in view.kwargs:
        return None
    tour = visible_tour(view)
    if not access.can_edit_tour(view.membership, tour):
        conflict = rules.tour_edit_conflict(tour)
        if conflict is not None and is_party(view.membership, tour.employee):
            raise conflict
        raise PermissionDenied
    return tour


def tour_alignment(view):
    """The alignment the tour grows from: the edited tour's, else the one `alignment_pk` names, which only its
    employee or their manager may start a tour from (403)."""
    if view.tour is not None:
        return view.tour.alignment
    alignment = url_object(access.access_alignment, pk="alignment_pk")(view)
    if not is_party(view.membership, alignment.employee):
        raise PermissionDenied
    return alignment


def discardable_tour(view):
    """The tour `pk` names, for discarding: a party only (403), and only while a draft (409)."""
    tour = visible_tour(view)
    if not is_party(view.membership, tour.employee):
        raise PermissionDenied
    conflict = rules.tour_edit_conflict(tour)
    if conflict is not None:
        raise conflict
    return tour


class TourFormView(TenantView, TemplateView):
    template_name = "agreements/tour_form.html"
    capabilities = {"GET": VIEW_OWN_RECORDS, "POST": VIEW_OWN_RECORDS}
    url_objects = {"tour": editable_tour, "alignment": tour_alignment}

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

    def create_tour(self, alignment, data):
        """Create the tour from the form's cleaned `data`, following the person's latest active or completed tour.
        A hook: a later app's "start the next tour" page (checkpoints) names the tour it follows instead."""
        previous = selectors.tour_history(member=alignment.employee).filter(status__in=["active", "completed"]).first()
        return services.tour_create(actor=self.membership, alignment=alignment, data=data, previous=previous)

    def get(self, request, *args, **kwargs):
        return self.respond(TourForm(initial=self.initial(self.tour)), self.tour, self.alignment)

    def post(self, request, *args, **kwargs):
        tour, alignment = self.tour, self.alignment
        form = TourForm(request.POST)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k in services.TOUR_FIELDS}
            try:
                if tour is None:
                    tour = self.create_tour(alignment, data)
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
    # Everyone who sees the tour reads it; only HR flips its "may run beside another tour" switch.
    capabilities = {"GET": READ_OWN_RECORDS, "POST": ALLOW_CONCURRENT_TOURS}
    url_objects = {"tour": visible_tour}

    def get_context_data(self, **kwargs):
        tour = self.tour
        alignment_visible = access.visible_alignments(membership=self.membership).filter(pk=tour.alignment_id).exists()
        return super().get_context_data(
            alignment_visible=alignment_visible,
            can_edit=access.can_edit_tour(self.membership, tour),
            overlaps=selectors.tour_overlaps(tour),
            can_allow_concurrent=membership_has(self.membership, ALLOW_CONCURRENT_TOURS),
            versions=tour.agreement.versions.order_by("-number"),
            sections=collect_sections("tour", membership=self.membership, tour=tour),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        """HR's switch: allow this tour to run beside another active one."""
        tour = self.tour
        services.tour_set_allow_concurrent(tour=tour, actor=self.membership, allow=request.POST.get("allow") == "1")
        messages.success(request, _("The setting was saved."))
        return redirect("agreements:tour", self.organization.slug, tour.pk)


class TourDiscardView(TenantView, TemplateView):
    """Give up a draft tour and its draft agreement (confirmation page, then POST): kept, marked discarded."""

    template_name = "agreements/discard.html"
    capabilities = {"GET": VIEW_OWN_RECORDS, "POST": VIEW_OWN_RECORDS}
    url_objects = {"tour": discardable_tour}

    def post(self, request, *args, **kwargs):
        tour = services.tour_discard(tour=self.tour, actor=self.membership)
        messages.success(
            request,
            _("The tour of duty “%(title)s” was discarded. It is kept for the record, out of the way.")
            % {"title": tour.title},
        )
        if tour.employee_id == self.membership.pk:
            return redirect("agreements:mine", self.organization.slug)
        return redirect("agreements:person", self.organization.slug, tour.employee_id)
