"""A refusal says why: a state rule (confirmed, active, signed, pending, discarded) is a 409 page naming the
state and the next step, never the 403 meant for a role that may not act."""

import pytest
from django.urls import resolve, reverse

from agreements import services
from tests.agreements.conftest import PASSWORD


@pytest.fixture
def records(make_alignment, make_tour, draft_version, signed_version, employee, manager, hr):
    """Builders of one record in a given state, each returning (URL name, args after the slug)."""

    def confirmed_alignment():
        alignment = make_alignment()
        services.alignment_confirm(alignment=alignment, actor=employee)
        return alignment

    def active_tour():
        return signed_version().agreement.tour

    def pending_version():
        return services.agreement_request_signatures(version=draft_version(), actor=manager)

    def discarded_tour():
        tour = make_tour()
        services.tour_discard(tour=tour, actor=manager)
        return tour

    def discarded_amendment():
        version = signed_version()
        draft = services.agreement_amend(agreement=version.agreement, actor=manager)
        services.version_discard(version=draft, actor=manager)
        return draft

    return {
        "confirmed_alignment": confirmed_alignment,
        "active_tour": active_tour,
        "signed_version": lambda: signed_version(),
        "pending_version": pending_version,
        "draft_version": lambda: draft_version(),
        "first_draft_version": lambda: draft_version(),
        "discarded_tour": discarded_tour,
        "discarded_amendment": discarded_amendment,
    }


def _v(version):
    return (version.agreement_id, version.number)


# (record state, action URL, who acts) → the 409 page's message and the link it offers.
CASES = [
    (
        "confirmed_alignment",
        "alignment_edit",
        "manager",
        lambda a: (a.pk,),
        "was confirmed by the employee",
        "alignment_new",
    ),
    (
        "confirmed_alignment",
        "alignment_edit",
        "employee",
        lambda a: (a.pk,),
        "was confirmed by the employee",
        "alignment_new",
    ),
    ("active_tour", "tour_edit", "manager", lambda t: (t.pk,), "is Active and can no longer be edited", "amend"),
    ("active_tour", "tour_edit", "employee", lambda t: (t.pk,), "is Active and can no longer be edited", "amend"),
    ("active_tour", "tour_discard", "manager", lambda t: (t.pk,), "is Active and can no longer be edited", "amend"),
    (
        "pending_version",
        "tour_edit",
        "manager",
        lambda v: (v.agreement.tour_id,),
        "froze its goal and period",
        "withdraw",
    ),
    ("signed_version", "version_edit", "manager", _v, "is signed and can never change", "amend"),
    ("signed_version", "request", "manager", _v, "is signed and can never change", "amend"),
    ("signed_version", "withdraw", "manager", _v, "already signed by everyone", "version"),
    ("signed_version", "sign", "employee", _v, "already signed by everyone", "version"),
    ("signed_version", "decline", "employee", _v, "already signed by everyone", "version"),
    ("signed_version", "sign", "hr", _v, "already signed by everyone", "version"),
    ("pending_version", "version_edit", "manager", _v, "waiting for signatures and is frozen", "withdraw"),
    ("pending_version", "request", "manager", _v, "waiting for signatures and is frozen", "withdraw"),
    (
        "pending_version",
        "amend",
        "manager",
        lambda v: (v.agreement_id,),
        "amendment starts only from a signed",
        "version",
    ),
    ("draft_version", "sign", "employee", _v, "is a draft: signatures are not requested", "version"),
    ("draft_version", "decline", "manager", _v, "is a draft: signatures are not requested", "version"),
    ("draft_version", "withdraw", "manager", _v, "is a draft: signatures are not requested", "version"),
    ("draft_version", "amend", "employee", lambda v: (v.agreement_id,), "is still a draft", "version_edit"),
    ("first_draft_version", "version_discard", "manager", _v, "discarded together with its tour", "tour_discard"),
    ("discarded_tour", "tour_edit", "manager", lambda t: (t.pk,), "was discarded", "tour_new"),
    ("discarded_tour", "tour_discard", "employee", lambda t: (t.pk,), "was discarded", "tour_new"),
    # Every version was discarded with the tour: say so, never link to a draft that can no longer be edited.
    ("discarded_tour", "amend", "manager", lambda t: (t.agreement.pk,), "Every version of this agreement", "tour_new"),
    ("discarded_tour", "amend", "employee", lambda t: (t.agreement.pk,), "Every version of this agreement", "tour_new"),
    ("discarded_amendment", "version_edit", "manager", _v, "was discarded", "agreement"),
    ("discarded_amendment", "request", "manager", _v, "was discarded", "agreement"),
]


@pytest.mark.parametrize(("state", "action", "who", "args", "message", "next_name"), CASES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_state_rule_is_a_409_page_that_names_the_state_and_the_next_step(
    records, login, request, state, action, who, args, message, next_name, method
):
    record = records[state]()
    client = login(request.getfixturevalue(who), language="en")
    url = reverse(f"agreements:{action}", args=["acme", *args(record)])
    data = {"password": PASSWORD, "content_hash": "x", "reason": "r"} if method == "post" else None
    response = getattr(client, method)(url, data) if data else getattr(client, method)(url)
    assert response.status_code == 409, response.content.decode()[:300]
    html = response.content.decode()
    assert message in html
    assert "not a question of your role" in html
    link = response.context["next_url"]
    assert resolve(link).url_name == next_name
    assert f'href="{link}"' in html


@pytest.mark.parametrize(
    ("action", "who"),
    [("tour_edit", "hr"), ("tour_discard", "hr"), ("version_edit", "hr"), ("sign", "other_manager")],
)
def test_a_role_that_may_not_act_still_gets_403_or_404_whatever_the_state(records, login, request, action, who):
    version = records["signed_version"]()
    args = (version.agreement.tour_id,) if action.startswith("tour") else _v(version)
    response = login(request.getfixturevalue(who)).get(reverse(f"agreements:{action}", args=["acme", *args]))
    assert response.status_code in (403, 404)
