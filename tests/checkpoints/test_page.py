"""The checkpoint page: who reads it, who writes it, record → both confirm → read-only, and form feedback."""

from datetime import timedelta

import pytest
from django.urls import reverse

from alliance.models import AuditEntry
from checkpoints.models import Checkpoint, CheckpointStatus
from checkpoints.selectors import version_in_force


def _url(checkpoint, slug="acme"):
    return reverse("checkpoints:checkpoint", args=[slug, checkpoint.pk])


def _kpis(checkpoint):
    return list(version_in_force(checkpoint.tour).kpis.order_by("position", "id"))


def _post(checkpoint, side, today, **overrides):
    """A complete record of `side` ("employee" or "manager"), with `overrides` replacing fields."""
    data = {"action": "record", "held_on": today.isoformat(), "confidence": "7"}
    if side == "employee":
        data |= {"employee_alignment": "drifting", "employee_alignment_why": "優先度が変わった", "reflection": "学び"}
    else:
        data |= {"manager_alignment": "on_track", "manager_alignment_why": "", "manager_notes": "よく進んでいる"}
    for number, kpi in enumerate(_kpis(checkpoint)):
        data[f"kpi_{kpi.pk}_value"] = str(kpi.baseline + (kpi.target - kpi.baseline) / 2)
        data[f"kpi_{kpi.pk}_comment"] = f"コメント{number}"
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "role, status, shows, hides",
    [
        ("employee", 200, ['name="reflection"', 'name="employee_alignment"'], ['name="manager_notes"']),
        (
            "manager",
            200,
            ['name="manager_notes"', "The employee sees these notes."],
            ['name="reflection"', 'name="employee_alignment"'],
        ),
        ("hr", 200, ["決済成功率"], ['name="action"', 'name="manager_notes"', 'name="reflection"']),
        ("alumni", 404, [], []),
        ("outsider", 404, [], []),
    ],
)
def test_each_role_reads_the_page_and_only_the_parties_get_their_own_form(
    login, request, demo_checkpoint, role, status, shows, hides
):
    response = login(request.getfixturevalue(role), language="en").get(_url(demo_checkpoint))
    assert response.status_code == status
    page = response.content.decode()
    for text in shows:
        assert text in page, text
    for text in hides:
        assert text not in page, text
    if status == 200:
        assert reverse("agreements:tour", args=["acme", demo_checkpoint.tour_id]) in page


@pytest.mark.parametrize("role, status", [("hr", 403), ("alumni", 404), ("outsider", 404), ("other_manager", 404)])
def test_only_the_parties_may_write(login, request, demo_checkpoint, today, role, status):
    client = login(request.getfixturevalue(role))
    for action in ("record", "confirm"):
        response = client.post(_url(demo_checkpoint), _post(demo_checkpoint, "manager", today, action=action))
        assert response.status_code == status, action
    demo_checkpoint.refresh_from_db()
    assert demo_checkpoint.status == CheckpointStatus.SCHEDULED and demo_checkpoint.held_on is None


def test_a_checkpoint_of_another_organization_is_404_for_every_method(login, hr, outsider):
    foreign = Checkpoint.objects.filter(tour__employee=outsider).first()
    assert login(hr).get(_url(foreign)).status_code == 404
    assert login(hr).post(_url(foreign), {"action": "confirm"}).status_code == 404
    assert login(hr).get(_url(foreign, "globex")).status_code == 404


def test_record_then_both_confirm_then_it_is_read_only(login, employee, manager, demo_checkpoint, today):
    url = _url(demo_checkpoint)
    as_employee, as_manager = login(employee, language="en"), login(manager, language="en")
    assert as_employee.post(url, _post(demo_checkpoint, "employee", today)).status_code == 302
    assert as_manager.post(url, _post(demo_checkpoint, "manager", today, confidence="8")).status_code == 302
    checkpoint = Checkpoint.objects.get(pk=demo_checkpoint.pk)
    assert checkpoint.status == CheckpointStatus.HELD and checkpoint.held_on == today and checkpoint.confidence == 8
    assert (checkpoint.employee_alignment, checkpoint.manager_alignment) == ("drifting", "on_track")
    assert (checkpoint.reflection, checkpoint.manager_notes) == ("学び", "よく進んでいる")
    values = sorted(checkpoint.measurements.values_list("value", flat=True))
    # Half-way from each KPI's baseline to its target (the demo's amendment set the targets in force).
    assert values == sorted(k.baseline + (k.target - k.baseline) / 2 for k in _kpis(demo_checkpoint))
    page = as_employee.get(url).content.decode()
    assert "50.0%" in page and "よく進んでいる" in page  # progress of each KPI; the manager's notes are shown

    assert as_employee.post(url, {"action": "confirm"}).status_code == 302
    assert Checkpoint.objects.get(pk=checkpoint.pk).status == CheckpointStatus.HELD
    assert as_manager.post(url, {"action": "confirm"}).status_code == 302
    checkpoint.refresh_from_db()
    assert checkpoint.status == CheckpointStatus.CONFIRMED
    assert checkpoint.employee_confirmed_at and checkpoint.manager_confirmed_at
    assert checkpoint.manager_confirmed_by_id == manager.pk

    for client, side in ((as_employee, "employee"), (as_manager, "manager")):
        for action in ("record", "confirm"):
            response = client.post(url, _post(checkpoint, side, today, action=action, confidence="1"))
            assert response.status_code == 409, (side, action)
            assert "can no longer be changed" in response.content.decode()
    page = as_manager.get(url).content.decode()
    assert "data-read-only" in page and 'name="action"' not in page
    assert Checkpoint.objects.get(pk=checkpoint.pk).confidence == 8


def test_changing_a_confirmed_side_asks_both_to_confirm_again(login, employee, manager, demo_checkpoint, today):
    url = _url(demo_checkpoint)
    login(employee).post(url, _post(demo_checkpoint, "employee", today))
    login(manager).post(url, _post(demo_checkpoint, "manager", today))
    login(employee).post(url, {"action": "confirm"})
    assert Checkpoint.objects.get(pk=demo_checkpoint.pk).employee_confirmed_at is not None
    login(manager).post(url, _post(demo_checkpoint, "manager", today, confidence="3"))
    checkpoint = Checkpoint.objects.get(pk=demo_checkpoint.pk)
    assert checkpoint.employee_confirmed_at is None and checkpoint.status == CheckpointStatus.HELD
    # A changed KPI comment is a change as well.
    login(employee).post(url, {"action": "confirm"})
    kpi = _kpis(demo_checkpoint)[0]
    login(manager).post(
        url, _post(demo_checkpoint, "manager", today, confidence="3", **{f"kpi_{kpi.pk}_comment": "別"})
    )
    assert Checkpoint.objects.get(pk=demo_checkpoint.pk).employee_confirmed_at is None
    # Saving the same record again changes nothing, so a confirmation stands.
    login(employee).post(url, {"action": "confirm"})
    same = _post(demo_checkpoint, "manager", today, confidence="3", **{f"kpi_{kpi.pk}_comment": "別"})
    login(manager).post(url, same)
    assert Checkpoint.objects.get(pk=demo_checkpoint.pk).employee_confirmed_at is not None


def test_confirming_before_the_record_is_refused_with_a_message(login, employee, demo_checkpoint):
    response = login(employee, language="en").post(_url(demo_checkpoint), {"action": "confirm"}, follow=True)
    assert "Record the 1on1 before confirming it." in response.content.decode()
    assert Checkpoint.objects.get(pk=demo_checkpoint.pk).employee_confirmed_at is None


def _first_kpi(checkpoint):
    return _kpis(checkpoint)[0].pk


@pytest.mark.parametrize(
    "side, field, typed, message",
    [
        ("employee", "held_on", "", "Enter the date the 1on1 was held."),
        ("employee", "held_on", "tomorrow", "Choose a day within the tour&#x27;s period, and not after today."),
        ("employee", "held_on", "past", "Choose a day within the tour&#x27;s period, and not after today."),
        ("employee", "held_on", "2026-13-45", "Enter a valid date."),
        ("manager", "confidence", "11", "Ensure this value is less than or equal to 10."),
        ("manager", "confidence", "", "Give a confidence score from 1 to 10."),
        ("employee", "employee_alignment", "", "Say whether the tour is on track, drifting or off track."),
        ("employee", "employee_alignment_why", "", "Say why, so that the other side knows what to change."),
        ("manager", "manager_alignment", "", "Say whether the tour is on track, drifting or off track."),
        ("manager", "kpi", "", "Enter this KPI&#x27;s value as of the 1on1."),
        ("manager", "kpi", "たくさん", "Enter a number."),
    ],
)
def test_errors_are_shown_beside_their_field_with_what_was_typed(
    login, request, demo_checkpoint, today, side, field, typed, message
):
    if field == "kpi":
        field = f"kpi_{_first_kpi(demo_checkpoint)}_value"
    if typed == "tomorrow":
        typed = (today + timedelta(days=1)).isoformat()
    if typed == "past":
        typed = (demo_checkpoint.tour.start_date - timedelta(days=1)).isoformat()
    data = _post(demo_checkpoint, side, today, **{field: typed})
    marker = "私の振り返り(残る)"
    data["reflection" if side == "employee" else "manager_notes"] = marker
    response = login(request.getfixturevalue(side), language="en").post(_url(demo_checkpoint), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="id_{field}_error"' in page
    error = page.split(f'id="id_{field}_error"', 1)[1].split("</div>", 1)[0]
    assert message in error
    assert marker in page  # what was typed elsewhere is kept
    if typed:
        assert f'value="{typed}"' in page  # and what was typed in the field itself
    assert "error-summary" in page
    assert Checkpoint.objects.get(pk=demo_checkpoint.pk).status == CheckpointStatus.SCHEDULED
    assert not AuditEntry.objects.filter(action="checkpoint.record", object_id=str(demo_checkpoint.pk)).exists()


@pytest.mark.parametrize("role", ["employee", "manager", "hr"])
def test_the_page_stays_within_the_query_budget_for_each_reader(
    login, request, django_assert_max_num_queries, employee, role
):
    from tests.test_url_access import MAX_QUERIES_PER_PAGE

    held = Checkpoint.objects.filter(tour__employee=employee).order_by("sequence").first()  # measured, by the demo
    client = login(request.getfixturevalue(role))
    with django_assert_max_num_queries(MAX_QUERIES_PER_PAGE):
        assert client.get(_url(held)).status_code == 200


def test_the_page_speaks_japanese(login, manager, employee):
    held = Checkpoint.objects.filter(tour__employee=employee).order_by("sequence").first()
    page = login(manager, language="ja").get(_url(held)).content.decode()
    for text in (
        "チェックポイント",
        "このメモは本人も読みます。",
        "今も方向は合っていますか？",
        "1on1時点のKPI実績",
        "ずれ気味",
    ):
        assert text in page, text
