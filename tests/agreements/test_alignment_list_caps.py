"""An alignment's lists keep the editor's caps whatever is submitted (found by the security review of issue 8):
at most 10 core values and 6 career-drift directions, refused by the service (agreements.rules), so a crafted
form, an admin or a later app cannot store more; the page says so and keeps what was typed."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from agreements import services
from agreements.models import CORE_VALUES_MAX_COUNT, DRIFT_DIRECTIONS_MAX_COUNT, CareerAlignment
from tests.agreements.test_views import _alignment_post, _formset


def _values(n):
    return [{"value": f"価値観{i}", "why": f"理由{i}"} for i in range(n)]


def _drift(n):
    return [{"direction": f"方向{i}", "goals": f"目標{i}"} for i in range(n)]


CASES = [
    # (what, core values, drift directions, uses career drift, refused field or None)
    ("values at the cap", CORE_VALUES_MAX_COUNT, 0, False, None),
    ("one value too many", CORE_VALUES_MAX_COUNT + 1, 0, False, "core_values"),
    ("far too many values", 50, 0, False, "core_values"),
    ("directions at the cap", 1, DRIFT_DIRECTIONS_MAX_COUNT, True, None),
    ("one direction too many", 1, DRIFT_DIRECTIONS_MAX_COUNT + 1, True, "drift_directions"),
    ("too many directions, drift off", 1, DRIFT_DIRECTIONS_MAX_COUNT + 3, False, "drift_directions"),
]


@pytest.mark.parametrize("path", ["create", "update"])
@pytest.mark.parametrize("what, values, drift, uses_drift, refused", CASES, ids=[c[0] for c in CASES])
def test_the_service_refuses_lists_longer_than_the_editor_offers(
    make_alignment, employee, path, what, values, drift, uses_drift, refused
):
    data = {
        "core_values": _values(values),
        "drift_directions": _drift(drift),
        "uses_career_drift": uses_drift,
        "ideal_self": "" if uses_drift else "起業家になる",
    }
    before = CareerAlignment.objects.count()
    try:
        if path == "create":
            make_alignment(**data)
        else:
            services.alignment_update(alignment=make_alignment(), actor=employee, data=data)
    except ValidationError as error:
        assert refused is not None, f"{what}: refused {error.message_dict}"
        assert list(error.message_dict) == [refused]
        assert CareerAlignment.objects.count() == before + (1 if path == "update" else 0)
    else:
        assert refused is None, f"{what}: saved"


@pytest.mark.parametrize("prefix, rows, field", [("values", 12, "core_values"), ("drift", 9, "drift_directions")])
def test_a_crafted_page_post_is_refused_with_a_message_and_keeps_what_was_typed(login, employee, prefix, rows, field):
    extra = {"uses_career_drift": "on", "ideal_self": "", "time_horizon": "open"} if prefix == "drift" else {}
    data = _alignment_post(employee.pk, **extra)
    data.update(_formset(prefix, _values(rows) if prefix == "values" else _drift(rows)))
    before = CareerAlignment.objects.count()
    response = login(employee, language="en").post(reverse("agreements:alignment_new", args=["acme"]), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "at most: remove" in body
    assert ("価値観11" if prefix == "values" else "方向8") in body  # the last typed row is still on the page
    assert CareerAlignment.objects.count() == before
