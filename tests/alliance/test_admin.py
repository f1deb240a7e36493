import pytest
from django.urls import reverse

from alliance.models import Membership
from tests.factories import UserFactory


@pytest.fixture
def staff_hr(hr):
    hr.user.is_staff = True
    hr.user.save()
    return hr


def test_staff_hr_lists_only_their_organizations_members(staff_hr, login):
    response = login(staff_hr).get(reverse("admin:alliance_membership_changelist"))
    assert response.status_code == 200
    orgs = {m.organization.slug for m in response.context["cl"].result_list}
    assert orgs == {"acme"}


def test_staff_hr_cannot_open_a_row_of_another_organization(staff_hr, login, outsider):
    client = login(staff_hr)
    url = reverse("admin:alliance_membership_change", args=[outsider.pk])
    response = client.get(url)
    # Django's admin answers a row outside the queryset by redirecting to the index ("does not exist").
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    response = client.post(url, {"role": "hr"})
    outsider.refresh_from_db()
    assert outsider.role == "employee"


def test_staff_hr_sees_their_own_organization_only(staff_hr, login, globex):
    client = login(staff_hr)
    result = client.get(reverse("admin:alliance_organization_changelist")).context["cl"].result_list
    assert [o.slug for o in result] == ["acme"]
    assert client.get(reverse("admin:alliance_organization_change", args=[globex.pk])).status_code == 302


def test_staff_hr_can_edit_their_organizations_values(staff_hr, login, acme):
    response = login(staff_hr).get(reverse("admin:alliance_organization_change", args=[acme.pk]))
    assert response.status_code == 200
    assert "当事者であれ" in response.content.decode()


def test_manager_choices_in_the_admin_stay_inside_the_organization(staff_hr, login, employee):
    response = login(staff_hr).get(reverse("admin:alliance_membership_change", args=[employee.pk]))
    choices = response.context["adminform"].form.fields["manager"].queryset
    assert set(choices.values_list("organization__slug", flat=True)) == {"acme"}


def test_staff_without_an_hr_membership_sees_nothing(login, employee):
    employee.user.is_staff = True
    employee.user.save()
    assert login(employee).get(reverse("admin:alliance_membership_changelist")).status_code == 403


def test_hr_cannot_hard_delete_members(staff_hr, login, employee):
    url = reverse("admin:alliance_membership_delete", args=[employee.pk])
    assert login(staff_hr).post(url, {"post": "yes"}).status_code == 403
    assert Membership.objects.filter(pk=employee.pk).exists()


def test_superusers_see_everything(login, db):
    client = login(None)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    result = client.get(reverse("admin:alliance_membership_changelist")).context["cl"]
    assert {m.organization.slug for m in result.queryset} == {"acme", "globex"}


def test_staff_hr_reads_agreements_of_their_organization_only_and_cannot_change_them(staff_hr, login):
    from agreements.models import AgreementVersion

    client = login(staff_hr)
    result = client.get(reverse("admin:agreements_agreementversion_changelist")).context["cl"].result_list
    assert result and {v.organization.slug for v in result} == {"acme"}
    signed = AgreementVersion.objects.filter(organization__slug="acme", status="signed").first()
    page = client.get(reverse("admin:agreements_agreementversion_change", args=[signed.pk]))
    assert page.status_code == 200 and page.context["has_change_permission"] is False
    foreign = AgreementVersion.objects.filter(organization__slug="globex").first()
    assert client.get(reverse("admin:agreements_agreementversion_change", args=[foreign.pk])).status_code == 302


def test_career_alignments_are_not_in_the_admin(staff_hr, login):
    from django.urls import NoReverseMatch

    with pytest.raises(NoReverseMatch):
        reverse("admin:agreements_careeralignment_changelist")


def _membership_post(employee, **changes):
    """The admin change form of `employee` as posted unchanged, with `changes` applied."""
    data = {
        "role": employee.role,
        "status": employee.status,
        "job_title": employee.job_title,
        "manager": employee.manager_id or "",
        "department": employee.department_id or "",
        "joined_on": employee.joined_on.isoformat() if employee.joined_on else "",
        "left_on": "",
    }
    return {**data, **changes}


@pytest.mark.parametrize(
    "which, saved",
    [("own", True), ("archived", False), ("other organization", False), ("none", True)],
)
def test_the_admin_changes_a_members_department_under_the_services_rules(staff_hr, login, employee, which, saved):
    from django.utils import timezone

    from alliance.models import Department, Organization

    acme = employee.organization
    globex = Organization.objects.get(slug="globex")
    target = {
        "own": Department.objects.create(organization=acme, name="管理画面テスト部"),
        "archived": Department.objects.create(organization=acme, name="旧部署", archived_at=timezone.now()),
        "other organization": Department.objects.create(organization=globex, name="他社の部署"),
        "none": None,
    }[which]
    url = reverse("admin:alliance_membership_change", args=[employee.pk])
    response = login(staff_hr).post(url, _membership_post(employee, department=target.pk if target else ""))
    employee.refresh_from_db()
    if saved:
        assert response.status_code == 302, response.content.decode()[:2000]
        assert employee.department == target
    else:
        assert response.status_code == 200  # the form again, with the error
        assert employee.department != target


def test_every_model_hr_staff_may_see_in_the_admin_has_a_japanese_name(staff_hr, login):
    """The admin's index lists each model by its verbose name: none of those HR staff see is left in English."""
    import re

    html = login(staff_hr, language="ja").get(reverse("admin:index")).content.decode()
    names = re.findall(r'<th scope="row"[^>]*>\s*<a href="[^"]+"[^>]*>([^<]+)</a>', html)
    assert names, "the index lists models"
    english = [name for name in names if name.isascii() and name not in {"KPI"}]
    assert not english, english


def test_admin_pages_name_the_sites_icon(staff_hr, login):
    html = login(staff_hr).get(reverse("admin:index")).content.decode()
    assert 'rel="icon"' in html and "favicon.svg" in html
