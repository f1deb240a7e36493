"""The community's profiles and directory: joining (or rejoining), one's own profile with per-field consent,
leaving the community, the directory with its search and filters, one profile in it, and HR's settings."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from alliance import page_cache as kept_pages
from alliance.permissions import VIEW_ALUMNI_PAGES, membership_has
from alliance.tenancy import TenantView, querystring_without_page, reader_only
from alumni import access
from alumni.capabilities import KEEP_ALUMNI_PROFILE, MANAGE_COMMUNITY
from alumni.forms_community import CommunitySettingsForm, DirectoryFilterForm, ProfileForm
from alumni.selectors import community as selectors
from alumni.services import community as services

PROFILES_PER_PAGE = 20


def own_profile(view):
    """The viewer's own profile (None before they join). The pages of one's own profile exist only for alumni:
    HR and current employees get 404, as there is nothing of theirs there."""
    if not membership_has(view.membership, KEEP_ALUMNI_PROFILE):
        raise Http404
    return selectors.profile_of(membership=view.membership)


def directory_viewer(view):
    """The directory is for alumni and HR, and for current employees when HR allows it (else 403)."""
    if not access.may_see_directory(view.membership):
        raise PermissionDenied
    return view.membership


class JoinView(TenantView, TemplateView):
    """GET: the welcome (what the closed community is, that nothing is shared until one chooses); POST joins, or
    rejoins after leaving, and leads to the profile. A member of the community is sent to their profile."""

    template_name = "alumni/community/join.html"
    capabilities = {"GET": VIEW_ALUMNI_PAGES, "POST": VIEW_ALUMNI_PAGES}
    url_objects = {"profile": own_profile}

    def get(self, request, *args, **kwargs):
        if self.profile is not None and self.profile.in_community:
            return redirect("alumni:profile", org_slug=self.organization.slug)
        return self.render_to_response(self.get_context_data())

    def post(self, request, *args, **kwargs):
        rejoining = self.profile is not None and not self.profile.in_community
        services.profile_join(membership=self.membership)
        if rejoining:
            messages.success(request, _("Welcome back to the alumni community. Your profile is as you left it."))
        else:
            messages.success(
                request, _("Welcome to the alumni community. Nothing is shared until you choose it below.")
            )
        return redirect("alumni:profile", org_slug=self.organization.slug)


class ProfileView(TenantView, TemplateView):
    """GET/POST: one's own profile, each field with its consent, and a preview of what others see. Someone who
    has not joined (or left) is sent to the join page."""

    template_name = "alumni/community/profile.html"
    capabilities = {"GET": VIEW_ALUMNI_PAGES, "POST": VIEW_ALUMNI_PAGES}
    url_objects = {"profile": own_profile}

    def dispatch_form(self, form):
        return self.render_to_response(self.get_context_data(form=form, shared=selectors.shared_fields(self.profile)))

    def get(self, request, *args, **kwargs):
        if self.profile is None or not self.profile.in_community:
            return redirect("alumni:join", org_slug=self.organization.slug)
        return self.dispatch_form(ProfileForm(instance=self.profile))

    def post(self, request, *args, **kwargs):
        if self.profile is None or not self.profile.in_community:
            return redirect("alumni:join", org_slug=self.organization.slug)
        form = ProfileForm(request.POST, instance=self.profile)
        if not form.is_valid():
            # The preview keeps showing what is saved, not what failed validation.
            self.profile.refresh_from_db()
            return self.dispatch_form(form)
        services.profile_update(profile=self.profile, form=form, actor=self.membership)
        messages.success(request, _("Your profile was saved. The preview shows what others see."))
        return redirect("alumni:profile", org_slug=self.organization.slug)


class LeaveView(TenantView, TemplateView):
    """GET: what leaving the community means (asks to confirm); POST leaves. Nothing is deleted."""

    template_name = "alumni/community/leave.html"
    capabilities = {"GET": VIEW_ALUMNI_PAGES, "POST": VIEW_ALUMNI_PAGES}
    url_objects = {"profile": own_profile}

    def get(self, request, *args, **kwargs):
        if self.profile is None or not self.profile.in_community:
            return redirect("alumni:join", org_slug=self.organization.slug)
        return self.render_to_response(self.get_context_data())

    def post(self, request, *args, **kwargs):
        if self.profile is None or not self.profile.in_community:
            return redirect("alumni:join", org_slug=self.organization.slug)
        services.profile_leave(profile=self.profile, actor=self.membership)
        messages.success(request, _("You left the alumni community. You can rejoin here at any time."))
        return redirect("alumni:join", org_slug=self.organization.slug)


class DirectoryView(TenantView, TemplateView):
    """GET: the alumni who share a profile, searched and filtered, 20 a page; only shared fields are shown."""

    template_name = "alumni/community/directory.html"
    capabilities = {"GET": VIEW_ALUMNI_PAGES}
    page_cache = True
    page_topic_kinds = (kept_pages.COMMUNITY,)
    url_objects = {"viewer": reader_only(directory_viewer)}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = DirectoryFilterForm(
            self.request.GET or None, choices=selectors.directory_choices(organization=self.organization)
        )
        criteria = {}
        if form.is_bound:
            form.is_valid()  # a stale choice (a skill nobody shares any more) is named; the others still apply
            criteria = {key: value for key, value in form.cleaned_data.items() if value not in (None, "")}
        qs = selectors.directory(
            organization=self.organization,
            query=criteria.get("q", ""),
            open_to=criteria.get("open_to", ""),
            skill=criteria.get("skill", ""),
            year=criteria.get("year"),
            team=criteria.get("team"),
        )
        page = Paginator(qs, PROFILES_PER_PAGE).get_page(self.request.GET.get("page"))
        for profile in page.object_list:
            profile.shared = selectors.shared_fields(profile)
        ctx.update(
            filter_form=form,
            page=page,
            filtered=bool(criteria),
            querystring=querystring_without_page(self.request),
            own_profile=selectors.profile_of(membership=self.membership)
            if membership_has(self.membership, KEEP_ALUMNI_PROFILE)
            else None,
        )
        return ctx


def directory_entry(view):
    directory_viewer(view)
    return selectors.directory_profile(organization=view.organization, pk=view.kwargs["pk"])


class DirectoryProfileView(TenantView, TemplateView):
    """GET: one alumnus's profile as the directory shows it (shared fields only); 404 when hidden, out of the
    community or of another organization."""

    template_name = "alumni/community/directory_profile.html"
    capabilities = {"GET": VIEW_ALUMNI_PAGES}
    url_objects = {"entry": directory_entry}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["shared"] = selectors.shared_fields(self.entry)
        return ctx


class CommunitySettingsView(TenantView, TemplateView):
    """HR: whether current employees may open the directory."""

    template_name = "alumni/community/settings.html"
    capabilities = {"GET": MANAGE_COMMUNITY, "POST": MANAGE_COMMUNITY}

    def get(self, request, *args, **kwargs):
        form = CommunitySettingsForm(instance=access.community_settings(self.organization))
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request, *args, **kwargs):
        form = CommunitySettingsForm(request.POST, instance=access.community_settings(self.organization))
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        services.community_settings_update(
            organization=self.organization,
            employees_see_directory=form.cleaned_data["employees_see_directory"],
            actor=self.membership,
        )
        messages.success(request, _("The alumni community's settings were saved."))
        return redirect("alumni:settings", org_slug=self.organization.slug)
