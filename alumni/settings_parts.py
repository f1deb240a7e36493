"""The alumni community's section of the organization settings page (alliance.org_settings): who may open the
directory, and where HR edits the post-exit survey questions."""

from django import forms
from django.utils.translation import gettext_lazy as _

from alliance.org_settings import SettingsPart, register_settings_part
from alumni import access
from alumni.models import CommunitySettings


class DirectoryVisibilityForm(forms.Form):
    employees_see_directory = forms.BooleanField(
        label=CommunitySettings._meta.get_field("employees_see_directory").verbose_name,
        help_text=CommunitySettings._meta.get_field("employees_see_directory").help_text,
        required=False,
    )


def _form(data, *, organization, prefix):
    initial = {"employees_see_directory": access.community_settings(organization).employees_see_directory}
    return DirectoryVisibilityForm(data, initial=initial, prefix=prefix)


def _save(*, form, organization, actor):
    from alumni.services.community import community_settings_update

    community_settings_update(
        organization=organization,
        employees_see_directory=form.cleaned_data["employees_see_directory"],
        actor=actor,
    )


def register():
    """Add the alumni section to the settings page (called from AlumniConfig.ready)."""
    register_settings_part(
        SettingsPart(
            key="alumni",
            title=_("Alumni community"),
            description=_("Who may open the alumni directory, and the surveys sent 3 and 6 months after leaving."),
            form=_form,
            save=_save,
            links=((_("Edit the survey questions"), "alumni:surveys"),),
            order=60,
        )
    )
