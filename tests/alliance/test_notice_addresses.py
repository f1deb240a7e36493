"""Where a notice is mailed and to whom: a kind reaches alumni only when it says so, and an address resolver (an
alumnus's personal address, registered by the alumni app) answers before the login's e-mail."""

from dataclasses import replace

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail

from alliance import notices
from alliance.models import Notice, NoticeState

KIND = "signature-completed"


@pytest.fixture
def signed_version(acme):
    """The demo employee's signed agreement version (agreements/demo.py)."""
    from agreements.models import AgreementVersion

    version = AgreementVersion.objects.filter(
        organization=acme, agreement__tour__employee__user__email="employee@acme.example", status="signed"
    ).first()
    assert version is not None
    mail.outbox.clear()
    return version


def _notice_to(member, version):
    return Notice.objects.create(
        organization=member.organization,
        kind=KIND,
        content_type=ContentType.objects.get_for_model(version),
        object_id=version.pk,
        recipient=member,
        sequence=99,
    )


@pytest.mark.parametrize(
    ("reaches_alumni", "recipient", "resolved", "state", "address"),
    [
        (False, "alumni", None, NoticeState.SKIPPED, None),
        (True, "alumni", None, NoticeState.SENT, "alumni@acme.example"),
        (True, "alumni", "me@home.example", NoticeState.SENT, "me@home.example"),
        (False, "employee", "me@home.example", NoticeState.SENT, "me@home.example"),
        (False, "employee", None, NoticeState.SENT, "employee@acme.example"),
    ],
)
def test_a_kind_reaches_alumni_only_when_it_says_so_at_the_resolved_address(
    request, monkeypatch, signed_version, reaches_alumni, recipient, resolved, state, address
):
    member = request.getfixturevalue(recipient)
    monkeypatch.setitem(notices.KINDS, KIND, replace(notices.KINDS[KIND], reaches_alumni=reaches_alumni))
    monkeypatch.setattr(notices, "ADDRESS_RESOLVERS", [lambda m: resolved if m.pk == member.pk else None])
    notice = _notice_to(member, signed_version)
    assert notices.deliver(notice.pk, organization_id=member.organization_id) == state
    sent_to = [message.to for message in mail.outbox]
    assert sent_to == ([[address]] if address else [])
