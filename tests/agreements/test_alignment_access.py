"""Who reads a career alignment (issue 7): the employee, the manager who held that 1on1, and whoever the employee
shared it with. Changing the membership graph (a new manager, HR naming itself manager, a demotion) opens nothing.

One table: for each kind of viewer, what each place that shows alignment content answers: the detail page, the
report's alliance page (its list of 1on1s and its "at a glance" card), the team page, and the new-alignment form's
prefill. Tours and agreements are no private aspiration: the current manager keeps working on them.
"""

from dataclasses import dataclass

import pytest
from django.urls import reverse

from agreements import access, selectors, services
from alliance import services as member_services
from alliance.models import ManagerChange, Membership, Role
from tests.factories import MembershipFactory

SECRET = "いつか独立して起業する（まだ誰にも言っていない）"


@dataclass
class World:
    employee: object
    alignment: object
    viewer: object


def _move(employee, hr, manager):
    """HR assigns `manager` to `employee` through the members page's service (recorded, like any change)."""
    member_services.membership_update(
        membership=employee, actor=hr, role=employee.role, manager=manager, job_title=employee.job_title
    )
    employee.refresh_from_db()


def _colleague(acme):
    return MembershipFactory(organization=acme, role=Role.EMPLOYEE)


# Each builder starts from the demo graph (employee reports to manager), records a 1on1 held by that manager,
# then changes the graph or the sharing as the viewer kind needs; it returns who looks.
def _as_employee(ctx):
    return ctx["employee"]


def _as_holder(ctx):
    return ctx["manager"]


def _as_new_manager(ctx):
    _move(ctx["employee"], ctx["hr"], ctx["other_manager"])
    return ctx["other_manager"]


def _as_hr_who_named_itself_manager(ctx):
    _move(ctx["employee"], ctx["hr"], ctx["hr"])
    return ctx["hr"]


def _as_hr_unshared(ctx):
    return ctx["hr"]


def _as_hr_shared(ctx):
    services.alignment_share_with_hr(alignment=ctx["alignment"], actor=ctx["employee"], shared=True)
    return ctx["hr"]


def _as_colleague_granted(ctx):
    colleague = _colleague(ctx["acme"])
    services.alignment_share_with(alignment=ctx["alignment"], actor=ctx["employee"], colleague=colleague)
    return colleague


def _as_colleague_not_granted(ctx):
    return _colleague(ctx["acme"])


def _as_former_manager_after_a_move(ctx):
    _move(ctx["employee"], ctx["hr"], ctx["other_manager"])
    return ctx["manager"]


def _as_former_manager_after_a_role_change(ctx):
    manager = ctx["manager"]
    member_services.membership_update(
        membership=manager, actor=ctx["hr"], role=Role.EMPLOYEE, manager=None, job_title=manager.job_title
    )
    manager.refresh_from_db()
    ctx["employee"].refresh_from_db()
    return manager


# (viewer kind, builder, detail, report's page, page lists it, prefill status, prefill copies it)
# None: the page is not reachable, so there is nothing to list or copy.
CASES = [
    ("employee", _as_employee, 200, 200, True, 200, True),
    ("manager who held it", _as_holder, 200, 200, True, 200, True),
    ("current manager who did not hold it", _as_new_manager, 404, 200, False, 200, False),
    ("HR that named itself manager", _as_hr_who_named_itself_manager, 404, 200, False, 200, False),
    ("HR, not shared", _as_hr_unshared, 404, 200, False, 403, None),
    ("HR, shared with HR", _as_hr_shared, 200, 200, True, 403, None),
    ("colleague granted", _as_colleague_granted, 200, 404, None, 404, None),
    ("colleague not granted", _as_colleague_not_granted, 404, 404, None, 404, None),
    ("former manager after a move", _as_former_manager_after_a_move, 200, 404, None, 404, None),
    ("former manager after a role change", _as_former_manager_after_a_role_change, 200, 404, None, 404, None),
]


@pytest.fixture
def ctx(acme, hr, manager, other_manager, make_alignment):
    # A report without the demo's history, so that the 1on1 below is their only alignment.
    employee = MembershipFactory(organization=acme, manager=manager, role=Role.EMPLOYEE)
    alignment = make_alignment(actor=manager, member=employee, ideal_self=SECRET)
    assert alignment.manager_id == manager.pk
    return {
        "acme": acme,
        "hr": hr,
        "manager": manager,
        "employee": employee,
        "other_manager": other_manager,
        "alignment": alignment,
    }


@pytest.mark.parametrize(
    "builder, detail, page, listed, prefill, copies",
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_who_reads_an_alignment_in_every_place_that_shows_one(
    ctx, login, builder, detail, page, listed, prefill, copies
):
    viewer = builder(ctx)
    employee, alignment = ctx["employee"], ctx["alignment"]
    client = login(viewer)
    is_self = viewer.pk == employee.pk

    response = client.get(reverse("agreements:alignment", args=["acme", alignment.pk]))
    assert response.status_code == detail

    url = reverse(
        "agreements:mine" if is_self else "agreements:person", args=["acme", *([] if is_self else [employee.pk])]
    )
    response = client.get(url)
    assert response.status_code == page
    if listed is not None:
        body = response.content.decode()
        shown = alignment in list(response.context["alignments"]) or response.context["state"].alignment == alignment
        assert shown is listed
        assert (reverse("agreements:alignment", args=["acme", alignment.pk]) in body) is listed
        assert SECRET not in body  # the page lists 1on1s; the aspiration is only on the detail page

    params = {} if is_self else {"employee": employee.pk}
    response = client.get(reverse("agreements:alignment_new", args=["acme"]), params)
    assert response.status_code == prefill
    if copies is not None:
        assert (SECRET in response.content.decode()) is copies


@pytest.mark.parametrize(
    "builder, listed",
    [
        (_as_holder, True),
        (_as_new_manager, False),
        (_as_hr_who_named_itself_manager, False),
        (_as_hr_unshared, False),
        (_as_hr_shared, True),
    ],
    ids=["manager who held it", "new manager", "HR named itself manager", "HR unshared", "HR shared"],
)
def test_the_team_page_shows_an_alignment_only_to_its_readers(ctx, login, builder, listed):
    viewer = builder(ctx)
    response = login(viewer).get(reverse("agreements:team", args=["acme"]), {"q": ctx["employee"].user.email})
    row = next(r for r in response.context["rows"] if r.member.pk == ctx["employee"].pk)
    assert (row.alignment == ctx["alignment"]) is listed
    assert row.stage != "start"  # the step is known to everyone who sees the person; the content is not


def test_hr_naming_itself_manager_and_back_reveals_nothing_and_leaves_a_record(ctx, login):
    hr, employee, manager, alignment = ctx["hr"], ctx["employee"], ctx["manager"], ctx["alignment"]
    _move(employee, hr, hr)
    client = login(hr)
    assert client.get(reverse("agreements:alignment", args=["acme", alignment.pk])).status_code == 404
    form = client.get(reverse("agreements:alignment_new", args=["acme"]), {"employee": employee.pk})
    assert SECRET not in form.content.decode()
    assert not form.context["form"].initial.get("ideal_self")
    _move(employee, hr, manager)
    changes = list(ManagerChange.objects.filter(membership=employee).order_by("changed_at", "id"))
    assert [(c.previous_manager_id, c.new_manager_id, c.changed_by_id) for c in changes] == [
        (manager.pk, hr.pk, hr.user_id),
        (hr.pk, manager.pk, hr.user_id),
    ]


def test_a_draft_is_edited_only_by_its_sides_while_they_still_are(ctx, login, make_alignment):
    employee, manager, other_manager, hr = ctx["employee"], ctx["manager"], ctx["other_manager"], ctx["hr"]
    draft = ctx["alignment"]
    edit = reverse("agreements:alignment_edit", args=["acme", draft.pk])
    assert login(manager).get(edit).status_code == 200
    _move(employee, hr, other_manager)
    assert login(manager).get(edit).status_code == 403  # reads what they held, no longer drafts for them
    assert login(other_manager).get(edit).status_code == 404
    assert login(employee).get(edit).status_code == 200


def test_the_current_manager_keeps_working_on_tours_and_agreements(ctx, login, make_tour, draft_version):
    employee, manager, other_manager, hr = ctx["employee"], ctx["manager"], ctx["other_manager"], ctx["hr"]
    version = draft_version(make_tour(alignment=ctx["alignment"], actor=manager))
    tour = version.agreement.tour
    _move(employee, hr, other_manager)
    client = login(other_manager)
    tour_page = client.get(reverse("agreements:tour", args=["acme", tour.pk]))
    assert tour_page.status_code == 200 and not tour_page.context["alignment_visible"]
    assert SECRET not in tour_page.content.decode()
    edit = reverse("agreements:version_edit", args=["acme", version.agreement_id, version.number])
    assert client.get(edit).status_code == 200
    assert login(manager).get(reverse("agreements:tour", args=["acme", tour.pk])).status_code == 404


def test_a_demoted_manager_loses_manager_powers_even_before_the_graph_is_cleaned(ctx, login):
    from alliance.models import Membership

    manager, employee = ctx["manager"], ctx["employee"]
    # A change made outside the services (a raw update) leaves the report pointing at the demoted manager.
    Membership.objects.filter(pk=manager.pk).update(role=Role.EMPLOYEE)
    client = login(manager)
    assert client.get(reverse("agreements:person", args=["acme", employee.pk])).status_code == 404
    assert client.get(reverse("agreements:alignment_new", args=["acme"]), {"employee": employee.pk}).status_code == 404
    assert client.get(reverse("agreements:team", args=["acme"])).status_code == 403


# --- the offer to share earlier alignments with a new manager ----------------------------------------------


def _mine(client):
    return client.get(reverse("agreements:mine", args=["acme"]))


def test_the_employee_is_offered_to_share_earlier_alignments_with_a_new_manager(ctx, login):
    employee, other_manager, alignment = ctx["employee"], ctx["other_manager"], ctx["alignment"]
    client = login(employee)
    assert _mine(client).context["share_offer"] is None
    _move(employee, ctx["hr"], other_manager)
    page = _mine(client)
    assert page.context["share_offer"].new_manager == other_manager
    assert reverse("agreements:share_offer", args=["acme"]) in page.content.decode()
    response = client.post(reverse("agreements:share_offer", args=["acme"]), {"action": "share"})
    assert response.status_code == 302
    assert login(other_manager).get(reverse("agreements:alignment", args=["acme", alignment.pk])).status_code == 200
    assert _mine(client).context["share_offer"] is None
    # The grant is an ordinary one: the employee takes it back on the alignment's sharing page.
    services.alignment_unshare(alignment=alignment, actor=employee, colleague=other_manager)
    assert login(other_manager).get(reverse("agreements:alignment", args=["acme", alignment.pk])).status_code == 404


def test_dismissing_the_offer_keeps_the_alignments_private_and_hides_the_notice(ctx, login):
    employee, other_manager, alignment = ctx["employee"], ctx["other_manager"], ctx["alignment"]
    _move(employee, ctx["hr"], other_manager)
    client = login(employee)
    assert client.post(reverse("agreements:share_offer", args=["acme"]), {"action": "dismiss"}).status_code == 302
    assert _mine(client).context["share_offer"] is None
    assert login(other_manager).get(reverse("agreements:alignment", args=["acme", alignment.pk])).status_code == 404
    change = ManagerChange.objects.filter(membership=employee).latest("changed_at")
    assert change.share_offer_closed_at is not None and not change.share_offer_accepted


@pytest.mark.parametrize("who", ["manager", "other_manager", "hr"])
def test_nobody_but_the_employee_answers_the_offer_for_them(ctx, login, who):
    employee, other_manager, alignment = ctx["employee"], ctx["other_manager"], ctx["alignment"]
    _move(employee, ctx["hr"], other_manager)
    login(ctx[who]).post(reverse("agreements:share_offer", args=["acme"]), {"action": "share"})
    assert login(other_manager).get(reverse("agreements:alignment", args=["acme", alignment.pk])).status_code == 404
    assert _mine(login(employee)).context["share_offer"] is not None


def test_no_offer_when_the_new_manager_already_reads_everything(ctx, login):
    employee, other_manager = ctx["employee"], ctx["other_manager"]
    services.alignment_share_with(alignment=ctx["alignment"], actor=employee, colleague=other_manager)
    _move(employee, ctx["hr"], other_manager)
    assert _mine(login(employee)).context["share_offer"] is None


@pytest.mark.parametrize("change", ["move", "role change"])
def test_a_manager_who_no_longer_manages_cannot_sign_as_manager(ctx, make_tour, draft_version, change):
    from django.core.exceptions import PermissionDenied

    from tests.agreements.conftest import PASSWORD

    employee, manager, hr = ctx["employee"], ctx["manager"], ctx["hr"]
    version = draft_version(make_tour(alignment=ctx["alignment"], actor=manager))
    version = services.agreement_request_signatures(version=version, actor=manager)
    assert selectors.signer_role_for(version, manager) == "manager"
    if change == "move":
        _move(employee, hr, ctx["other_manager"])
    else:
        _as_former_manager_after_a_role_change(ctx)
    version.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.agreement_sign(version=version, actor=manager, password=PASSWORD, content_hash=version.content_hash)


@pytest.mark.parametrize("comes_back", [False, True], ids=["after leaving", "after coming back"])
def test_a_colleague_who_leaves_loses_the_alignments_shared_with_them(acme, hr, employee, make_alignment, comes_back):
    """A grant was given to the person the colleague was then; reactivating the same membership on a comeback
    must not reopen it (the employee may share again)."""
    from agreements.models import CareerAlignmentUserPermission
    from alliance.models import MembershipStatus

    own_before = access.visible_alignments(membership=employee).count()
    alignment = make_alignment()
    colleague = _colleague(acme)
    other = make_alignment()
    services.alignment_share_with(alignment=alignment, actor=employee, colleague=colleague)
    services.alignment_share_with(alignment=other, actor=employee, colleague=colleague)
    assert access.visible_alignments(membership=colleague).count() == 2

    member_services.membership_update(
        membership=colleague, actor=hr, role=colleague.role, manager=None, job_title="", status=MembershipStatus.ALUMNI
    )
    if comes_back:
        Membership.objects.filter(pk=colleague.pk).update(status=MembershipStatus.ACTIVE, left_on=None)
    colleague.refresh_from_db()
    assert access.visible_alignments(membership=colleague).count() == 0
    assert not CareerAlignmentUserPermission.objects.filter(user=colleague.user).exists()
    assert access.visible_alignments(membership=employee).count() == own_before + 2  # the employee's are untouched
