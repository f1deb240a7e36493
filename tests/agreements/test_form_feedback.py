"""Every form page of the site opens with one error summary ("There is a problem") that links to each field in
error by its id; the manager's notes say plainly that the employee sees them."""

import re

import pytest
from django.urls import reverse

from agreements import services

SUMMARY = re.compile(r'<div class="error-summary"[^>]*data-error-summary>(.*?)</div>', re.S)


def _kpi(**row):
    data = {"kpi-TOTAL_FORMS": "1", "kpi-INITIAL_FORMS": "0", "kpi-MIN_NUM_FORMS": "0", "kpi-MAX_NUM_FORMS": "20"}
    data.update({f"kpi-0-{k}": v for k, v in row.items()})
    return data


@pytest.fixture
def pages(make_alignment, make_tour, draft_version, manager, employee):
    """Each form page: (who, URL, a POST that fails, the ids of the fields the summary must link to)."""

    def version_edit():
        tour = make_tour()
        url = reverse("agreements:version_edit", args=["acme", tour.agreement.pk, 1])
        post = _kpi(name="解約率", target="", due_date="2032-01-01", weight="100", direction="higher")
        return "manager", url, post, ["id_kpi-0-target"]

    def tour_new():
        alignment = make_alignment()
        url = reverse("agreements:tour_new", args=["acme", alignment.pk])
        return "manager", url, {"title": "", "kind": "rotational"}, ["id_title", "id_goal", "id_start_date"]

    def alignment_new():
        url = reverse("agreements:alignment_new", args=["acme"])
        post = {
            "held_on": "",
            "time_horizon": "5y",
            **{
                f"values-{k}": v
                for k, v in {"TOTAL_FORMS": 3, "INITIAL_FORMS": 0, "MIN_NUM_FORMS": 3, "MAX_NUM_FORMS": 10}.items()
            },
            **{
                f"drift-{k}": v
                for k, v in {"TOTAL_FORMS": 2, "INITIAL_FORMS": 0, "MIN_NUM_FORMS": 2, "MAX_NUM_FORMS": 6}.items()
            },
        }
        return "employee", url, post, ["id_held_on"]

    def decline():
        version = services.agreement_request_signatures(version=draft_version(), actor=manager)
        url = reverse("agreements:decline", args=["acme", version.agreement_id, version.number])
        return "employee", url, {"reason": ""}, ["id_reason"]

    def sign():
        version = services.agreement_request_signatures(version=draft_version(), actor=manager)
        url = reverse("agreements:sign", args=["acme", version.agreement_id, version.number])
        return (
            "employee",
            url,
            {"password": "wrong", "agree": "on", "content_hash": version.content_hash},
            ["id_password"],
        )

    def invite():
        return (
            "hr",
            reverse("member_invite", args=["acme"]),
            {"email": "not-an-address", "role": "employee"},
            ["id_email"],
        )

    def profile():
        return "employee", reverse("profile"), {"name": "  ", "language": "en"}, ["id_name"]

    return {
        "version_edit": version_edit,
        "tour_new": tour_new,
        "alignment_new": alignment_new,
        "decline": decline,
        "sign": sign,
        "invite": invite,
        "profile": profile,
    }


@pytest.mark.parametrize("page", ["version_edit", "tour_new", "alignment_new", "decline", "sign", "invite", "profile"])
def test_a_form_page_with_errors_opens_with_a_summary_linking_to_each_field(pages, login, request, page):
    who, url, post, ids = pages[page]()
    response = login(request.getfixturevalue(who), language="en").post(url, post)
    assert response.status_code in (200, 400), response.status_code
    html = response.content.decode()
    summaries = SUMMARY.findall(html)
    assert len(summaries) == 1, "one error summary per page"
    assert "There is a problem" in summaries[0]
    assert "js/error-summary.js" in html
    for field_id in ids:
        assert f'href="#{field_id}"' in summaries[0], field_id
        assert f'id="{field_id}"' in html, field_id
        # The field still says its own error beside it, linked for assistive technology.
        assert f'id="{field_id}_error"' in html


@pytest.mark.parametrize("page", ["version_edit", "tour_new", "invite"])
def test_a_page_without_errors_has_no_summary(pages, login, request, page):
    who, url, _post, _ids = pages[page]()
    html = login(request.getfixturevalue(who)).get(url).content.decode()
    assert "data-error-summary" not in html


@pytest.mark.parametrize(
    ("page", "who"), [("alignment_new", "manager"), ("alignment", "employee"), ("alignment", "manager")]
)
def test_the_managers_notes_say_that_the_employee_sees_them(
    login, request, make_alignment, manager, employee, page, who
):
    alignment = make_alignment(actor=manager)
    if page == "alignment_new":
        url = reverse("agreements:alignment_new", args=["acme"]) + f"?employee={employee.pk}"
    else:
        url = reverse("agreements:alignment", args=["acme", alignment.pk])
    html = login(request.getfixturevalue(who), language="en").get(url).content.decode()
    assert "the employee sees" in html.lower()


def test_the_ideal_self_is_shown_beside_the_tour_form_only_to_who_may_read_it(login, make_alignment, manager, hr):
    alignment = make_alignment(actor=manager)
    url = reverse("agreements:tour_new", args=["acme", alignment.pk])
    html = login(manager).get(url).content.decode()
    assert "data-ideal-self" in html and alignment.ideal_self in html
    # HR opens no tour form for someone else's alignment: the page itself stays closed.
    assert login(hr).get(url).status_code == 404


def _kpi_formset_data(rows):
    """Bound data for a two-field formset with deletion: each row (name, weight, removed)."""
    data = {"k-TOTAL_FORMS": str(len(rows)), "k-INITIAL_FORMS": "0", "k-MIN_NUM_FORMS": "0", "k-MAX_NUM_FORMS": "9"}
    for i, (name, weight, removed) in enumerate(rows):
        data[f"k-{i}-name"], data[f"k-{i}-weight"] = name, weight
        if removed:
            data[f"k-{i}-DELETE"] = "on"
    return data


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # A removed half-filled row is not validated: it must not be listed (its fields are hidden).
        ([("売上", "", False), ("", "30", True)], [("id_k-0-weight", 1)]),
        # Rows are numbered as the page numbers them: removed rows do not count.
        ([("", "30", True), ("売上", "", False)], [("id_k-1-weight", 1)]),
        ([("売上", "", False), ("", "30", True), ("", "20", False)], [("id_k-0-weight", 1), ("id_k-2-name", 2)]),
        ([("", "30", True)], []),
    ],
)
def test_the_error_summary_leaves_out_rows_the_person_removed(rows, expected):
    from django import forms

    from alliance.templatetags.form_errors import error_items

    class Row(forms.Form):
        name = forms.CharField(label="KPI")
        weight = forms.IntegerField(label="weight")

    formset = forms.formset_factory(Row, can_delete=True, extra=0)(_kpi_formset_data(rows), prefix="k")
    formset.is_valid()
    items = error_items(formset)
    assert [(item["id"], int(re.search(r"(\d+)\D*$", item["label"]).group(1))) for item in items] == expected
