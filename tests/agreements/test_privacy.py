"""Career aspirations are private: the employee and their manager, then whoever the employee shares with."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from agreements import access, selectors, services


def _url(alignment):
    return reverse("agreements:alignment", args=["acme", alignment.pk])


def test_the_employee_and_their_manager_read_it_and_nobody_else(
    make_alignment, login, employee, manager, other_manager, hr, outsider
):
    alignment = make_alignment()
    assert login(employee).get(_url(alignment)).status_code == 200
    assert login(manager).get(_url(alignment)).status_code == 200
    for someone in (other_manager, hr, outsider):
        assert login(someone).get(_url(alignment)).status_code == 404


def test_sharing_with_hr_lets_hr_read_it_and_taking_it_back_stops_that(make_alignment, login, employee, hr):
    alignment = make_alignment()
    services.alignment_share_with_hr(alignment=alignment, actor=employee, shared=True)
    assert login(hr).get(_url(alignment)).status_code == 200
    services.alignment_share_with_hr(alignment=alignment, actor=employee, shared=False)
    assert login(hr).get(_url(alignment)).status_code == 404


def test_sharing_with_a_mentor_is_a_per_object_grant_that_can_be_revoked(
    make_alignment, login, employee, other_manager
):
    alignment = make_alignment()
    other = make_alignment()  # a second 1on1: sharing one does not share the other
    services.alignment_share_with(alignment=alignment, actor=employee, colleague=other_manager)
    assert other_manager.user.has_perm(access.READ_ALIGNMENT, alignment)  # through django-guardian
    assert login(other_manager).get(_url(alignment)).status_code == 200
    assert login(other_manager).get(_url(other)).status_code == 404
    services.alignment_unshare(alignment=alignment, actor=employee, colleague=other_manager)
    assert login(other_manager).get(_url(alignment)).status_code == 404


def test_only_the_employee_decides_who_sees_it(make_alignment, manager, hr, other_manager):
    alignment = make_alignment()
    with pytest.raises(PermissionDenied):
        services.alignment_share_with_hr(alignment=alignment, actor=manager, shared=True)
    with pytest.raises(PermissionDenied):
        services.alignment_share_with(alignment=alignment, actor=manager, colleague=other_manager)


def test_the_sharing_page_shares_and_unshares(make_alignment, login, employee, other_manager):
    alignment = make_alignment()
    client = login(employee)
    url = reverse("agreements:alignment_sharing", args=["acme", alignment.pk])
    assert client.post(url, {"colleague": other_manager.pk}).status_code == 302
    assert login(other_manager).get(_url(alignment)).status_code == 200
    assert client.post(url, {"action": "unshare", "colleague": other_manager.pk}).status_code == 302
    assert login(other_manager).get(_url(alignment)).status_code == 404
    assert client.post(url, {"action": "share_hr"}).status_code == 302
    alignment.refresh_from_db()
    assert alignment.shared_with_hr


def test_a_colleague_of_another_organization_cannot_be_granted(make_alignment, employee, outsider):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.alignment_share_with(alignment=make_alignment(), actor=employee, colleague=outsider)


def test_hr_pages_show_counts_not_content(make_alignment, login, hr):
    make_alignment(ideal_self="いつか独立して起業したい（秘密）")
    response = login(hr).get(reverse("agreements:team", args=["acme"]))
    body = response.content.decode()
    assert "秘密" not in body
    assert response.context["counts"]["aligned"] >= 1
    person = login(hr).get(reverse("agreements:person", args=["acme", response.context["rows"][0].member.pk]))
    assert "秘密" not in person.content.decode()


def test_the_list_of_visible_alignments_is_one_query(
    make_alignment, employee, other_manager, django_assert_num_queries
):
    for _ in range(5):
        services.alignment_share_with(alignment=make_alignment(), actor=employee, colleague=other_manager)
    with django_assert_num_queries(1):
        assert len(list(access.visible_alignments(membership=other_manager))) == 5


def test_later_alignments_do_not_overwrite_earlier_ones(make_alignment, employee):
    from datetime import date

    first = make_alignment(held_on=date(2030, 4, 1), ideal_self="エンジニアとして極める")
    make_alignment(held_on=date(2031, 4, 1), ideal_self="マネージャーとしてチームを育てる")
    history = list(selectors.alignment_history(viewer=employee, member=employee))
    assert [a.ideal_self for a in history][:2] == ["マネージャーとしてチームを育てる", "エンジニアとして極める"]
    first.refresh_from_db()
    assert first.ideal_self == "エンジニアとして極める"
