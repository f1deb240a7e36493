"""A two-factor method added, removed or renewed leaves a row in the audit trail of every organization the person
is an active member of: allauth deletes a removed method, so the trail is what an auditor has left of it."""

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from alliance.demo import DEMO_PASSWORD
from alliance.models import AuditEntry, Membership, MembershipStatus, Role
from tests.alliance.test_mfa import _activate_totp_through_the_pages, _sign_in


def _rows(membership, after: int) -> list[tuple[str, str]]:
    return list(
        AuditEntry.objects.filter(pk__gt=after, organization_id=membership.organization_id, subject=membership)
        .order_by("pk")
        .values_list("action", "changes__method__1")
    )


def _last_id() -> int:
    return AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _reauthenticated(client: Client, name: str):
    """GET allauth's page `name`, confirming the password first if it asks for it."""
    page = client.get(reverse(name))
    if page.status_code == 302 and page["Location"].startswith(reverse("account_reauthenticate")):
        client.post(page["Location"], {"password": DEMO_PASSWORD})
        page = client.get(reverse(name))
    assert page.status_code == 200
    return page


# what the person does on allauth's pages → the rows their organization's trail gains (action, method)
CHANGES = {
    "turn the authenticator app on": (
        [],
        [("account.mfa_add", "totp"), ("account.mfa_add", "recovery_codes")],
    ),
    "turn the authenticator app off": (
        ["totp"],
        # The last method gone, allauth removes the recovery codes too.
        [("account.mfa_remove", "totp"), ("account.mfa_remove", "recovery_codes")],
    ),
    "renew the recovery codes": (
        ["totp"],
        [("account.mfa_reset", "recovery_codes")],
    ),
}


def _do(client: Client, change: str) -> None:
    if change == "turn the authenticator app on":
        _activate_totp_through_the_pages(client)
    elif change == "turn the authenticator app off":
        _reauthenticated(client, "mfa_deactivate_totp")
        response = client.post(reverse("mfa_deactivate_totp"))
        assert response.status_code == 302
    else:
        _reauthenticated(client, "mfa_generate_recovery_codes")
        response = client.post(reverse("mfa_generate_recovery_codes"))
        assert response.status_code == 302


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_each_change_through_the_pages_is_audited(db, hr, change, django_capture_on_commit_callbacks):
    before_state, expected = CHANGES[change]
    client = Client()
    assert _sign_in(client, hr.user.email).status_code == 302
    if "totp" in before_state:
        with django_capture_on_commit_callbacks(execute=True):
            _activate_totp_through_the_pages(client)
    after = _last_id()
    with django_capture_on_commit_callbacks(execute=True):  # allauth sends its signals once the change commits
        _do(client, change)
    assert _rows(hr, after) == expected
    row = AuditEntry.objects.filter(pk__gt=after).order_by("pk").first()
    assert (row.actor_id, row.actor_user_id) == (hr.pk, hr.user_id)


def test_a_person_in_two_organizations_is_recorded_in_each_and_nowhere_else(
    db, hr, globex, django_capture_on_commit_callbacks
):
    globex_membership = Membership.objects.create(
        organization=globex, user=hr.user, role=Role.EMPLOYEE, status=MembershipStatus.ACTIVE
    )
    after = _last_id()
    client = Client()
    assert _sign_in(client, hr.user.email).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        _activate_totp_through_the_pages(client)
    assert [a for a, _ in _rows(hr, after)] == ["account.mfa_add", "account.mfa_add"]
    assert [a for a, _ in _rows(globex_membership, after)] == ["account.mfa_add", "account.mfa_add"]
    assert set(AuditEntry.objects.filter(pk__gt=after).values_list("organization_id", flat=True)) == {
        hr.organization_id,
        globex.pk,
    }
    # Nothing of the method's secret is kept, only its kind.
    for changes in AuditEntry.objects.filter(pk__gt=after).values_list("changes", flat=True):
        assert set(changes) == {"method"}


def test_an_alumnus_has_no_active_membership_and_no_row(db, alumni, django_capture_on_commit_callbacks):
    alumni.user.set_password(DEMO_PASSWORD)
    alumni.user.save()
    after = _last_id()
    client = Client()
    assert _sign_in(client, alumni.user.email).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        _activate_totp_through_the_pages(client)
    assert Authenticator.objects.filter(user=alumni.user).count() == 2
    assert not AuditEntry.objects.filter(pk__gt=after).exists()


@pytest.mark.parametrize(("language", "label"), [("en", "Two-factor method removed"), ("ja", "2段階認証の方法を削除")])
def test_hr_reads_the_removal_on_the_audit_page(db, hr, login, language, label, django_capture_on_commit_callbacks):
    client = Client()
    assert _sign_in(client, hr.user.email).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        _activate_totp_through_the_pages(client)
        _do(client, "turn the authenticator app off")
    page = login(hr, language=language).get(reverse("audit", args=["acme"]) + "?action=account.mfa_remove")
    assert page.status_code == 200
    assert label in page.content.decode()
