from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from alliance import services
from alliance.models import Invitation, Membership, MembershipStatus
from tests.factories import UserFactory


@pytest.fixture
def invite(acme, hr, manager):
    def make(email="new.person@example.com", **kwargs):
        kwargs.setdefault("role", "employee")
        kwargs.setdefault("manager", manager)
        return services.invitation_create(organization=acme, invited_by=hr.user, email=email, **kwargs)

    return make


def test_hr_invites_from_the_members_page_and_one_email_is_sent(
    acme, hr, manager, login, django_capture_on_commit_callbacks
):
    client = login(hr)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("member_invite", args=["acme"]),
            {"email": "Newcomer@Example.com", "role": "employee", "manager": manager.pk, "job_title": "エンジニア"},
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get(organization=acme, email="newcomer@example.com")
    assert invitation.manager == manager and invitation.email_sent_at is not None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["newcomer@example.com"]
    assert "/invitations/" in mail.outbox[0].body


def test_the_invitation_task_never_mails_twice(invite, django_capture_on_commit_callbacks):
    from alliance.tasks import send_invitation_email

    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = invite()
    assert len(mail.outbox) == 1
    assert send_invitation_email.apply(args=[invitation.pk, token]).get() is False
    assert len(mail.outbox) == 1


def test_the_invite_form_keeps_what_was_typed_and_names_the_problem(hr, login, employee):
    response = login(hr).post(
        reverse("member_invite", args=["acme"]),
        {"email": employee.user.email, "role": "employee", "job_title": "typed title"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "email" in form.errors
    assert 'value="typed title"' in response.content.decode()


def test_a_manager_of_another_organization_cannot_be_chosen(hr, login, outsider):
    response = login(hr).post(
        reverse("member_invite", args=["acme"]), {"email": "x@example.com", "role": "employee", "manager": outsider.pk}
    )
    assert response.status_code == 200
    assert "manager" in response.context["form"].errors


def test_a_new_user_signs_up_through_the_link_and_becomes_an_active_member(invite, acme, manager, client):
    invitation, token = invite()
    url = reverse("invitation_accept", args=[token])
    assert client.get(url).status_code == 200
    response = client.post(
        reverse("account_signup") + f"?next={url}",
        {
            "name": "新人 さん",
            "reading": "シンジン サン",
            "email": invitation.email,
            "password1": "a-Long-pass-123",
            "password2": "a-Long-pass-123",
        },
    )
    assert response.status_code == 302
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("dashboard", args=["acme"])
    membership = Membership.objects.get(organization=acme, user__email=invitation.email)
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.manager == manager and membership.joined_on == timezone.localdate()


def test_a_used_link_says_so(invite, login):
    client = login(language="en")
    invitation, token = invite()
    user = UserFactory(email=invitation.email)
    services.invitation_accept(token=token, user=user)
    response = client.get(reverse("invitation_accept", args=[token]))
    assert response.status_code == 410
    assert "already been used" in response.context["error"]


def test_an_expired_link_says_so(invite, login):
    client = login(language="en")
    invitation, token = invite()
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = client.get(reverse("invitation_accept", args=[token]))
    assert response.status_code == 410
    assert "expired" in response.context["error"]


def test_a_made_up_link_says_so(login, db):
    client = login(language="en")
    response = client.get(reverse("invitation_accept", args=["not-a-real-token"]))
    assert response.status_code == 410
    assert "not valid" in response.context["error"]


def test_a_link_cannot_be_used_by_another_account(invite, login, outsider):
    _invitation, token = invite()
    response = login(outsider, language="en").post(reverse("invitation_accept", args=[token]))
    assert response.status_code == 410
    assert "another e-mail address" in response.context["error"]
    assert not Membership.objects.filter(organization__slug="acme", user=outsider.user).exists()


def test_a_new_invitation_replaces_the_pending_one(invite):
    first, first_token = invite()
    invite()
    first.refresh_from_db()
    assert first.revoked_at is not None
    with pytest.raises(services.InvitationError):
        services.invitation_by_token(first_token)


def test_hr_withdraws_an_invitation_after_confirming(invite, hr, login):
    invitation, token = invite()
    client = login(hr)
    url = reverse("invitation_revoke", args=["acme", invitation.pk])
    assert client.get(url).status_code == 200
    invitation.refresh_from_db()
    assert invitation.revoked_at is None, "a GET must not withdraw anything"
    assert client.post(url).status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert Invitation.objects.filter(pk=invitation.pk).exists(), "the record is kept"


def test_an_alumnus_invited_back_becomes_active_again(acme, hr, alumni):
    invitation, token = services.invitation_create(
        organization=acme, invited_by=hr.user, email=alumni.user.email, role="manager"
    )
    membership = services.invitation_accept(token=token, user=alumni.user)
    assert membership.pk == alumni.pk
    assert membership.status == MembershipStatus.ACTIVE and membership.role == "manager"
    assert membership.left_on is None


def test_an_existing_account_is_not_linked_to_the_organization_until_it_accepts(acme, hr, outsider, login):
    # The old rule made an "invited" membership for the existing account at once, which showed the
    # organization that person's chosen name before they accepted (issue 7). Now only the invitation exists.
    invitation, token = services.invitation_create(organization=acme, invited_by=hr.user, email=outsider.user.email)
    assert not Membership.objects.filter(organization=acme, user=outsider.user).exists()
    assert login(outsider).get(reverse("dashboard", args=["acme"])).status_code == 404
    membership = services.invitation_accept(token=token, user=outsider.user)
    assert membership.status == MembershipStatus.ACTIVE


def test_send_again_opens_the_invite_form_filled_from_the_pending_invitation(invite, hr, login):
    invitation, _token = invite(email="again@example.com", job_title="デザイナー")
    client = login(hr)
    members = client.get(reverse("members", args=["acme"])).content.decode()
    assert "email=again%40example.com" in members
    form = client.get(reverse("member_invite", args=["acme"]), {"email": invitation.email, "job_title": "デザイナー"})
    assert form.context["form"]["email"].value() == "again@example.com"
    assert form.context["form"]["job_title"].value() == "デザイナー"


def test_a_broker_outage_keeps_the_invitation_and_shows_it_unsent(
    acme, hr, manager, login, django_capture_on_commit_callbacks
):
    from unittest import mock

    from alliance.celery import app
    from alliance.tasks import send_invitation_email

    app.conf.task_always_eager = False
    try:
        with (
            mock.patch.object(send_invitation_email, "delay", side_effect=ConnectionError("broker down")),
            django_capture_on_commit_callbacks(execute=True),
        ):
            response = login(hr).post(
                reverse("member_invite", args=["acme"]), {"email": "later@example.com", "role": "employee"}
            )
    finally:
        app.conf.task_always_eager = True
    assert response.status_code == 302
    invitation = Invitation.objects.get(organization=acme, email="later@example.com")
    assert invitation.email_sent_at is None
    assert "メール未送信" in login(hr).get(reverse("members", args=["acme"])).content.decode()
