"""The KPI rules are the service's, whichever path writes KPIs: every rule × every path, through the service
directly and through the page (the message beside the input, what was typed kept)."""

import html
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from agreements import rules, selectors, services
from agreements.models import KPI_MAX_COUNT, AgreementVersion, Kpi
from tests.agreements.conftest import KPI


def _due(tour, days_from_start):
    return tour.start_date + timedelta(days=days_from_start)


# rule → (rows built from the tour, the error key it raises, a part of its English message)
RULES = {
    "weights add up to 100": (
        lambda t: [{**KPI, "weight": 40}, {**KPI, "name": "B", "weight": 40}],
        "kpis",
        "add up to 80%",
    ),
    "a weight is at most 100": (
        lambda t: [{**KPI, "weight": 150}],
        "kpis.0.weight",
        "percentage from 0 to 100",
    ),
    "due on or after the start": (
        lambda t: [{**KPI, "due_date": _due(t, -1)}],
        "kpis.0.due_date",
        "within the commitment period",
    ),
    "due on or before the end": (
        lambda t: [{**KPI, "due_date": t.end_date + timedelta(days=1)}],
        "kpis.0.due_date",
        "within the commitment period",
    ),
    "higher is better: target above the baseline": (
        lambda t: [{**KPI, "direction": "higher", "baseline": Decimal("10"), "target": Decimal("10")}],
        "kpis.0.target",
        "target must be above the baseline",
    ),
    "lower is better: target below the baseline": (
        lambda t: [{**KPI, "direction": "lower", "baseline": Decimal("3"), "target": Decimal("5")}],
        "kpis.0.target",
        "target must be below the baseline",
    ),
    "the second row is named by its index": (
        lambda t: [{**KPI, "weight": 50}, {**KPI, "name": "B", "weight": 50, "due_date": _due(t, -30)}],
        "kpis.1.due_date",
        "within the commitment period",
    ),
    "a name is required": (
        lambda t: [{**KPI, "name": ""}],
        "kpis.0.name",
        "cannot be blank",
    ),
    "at most KPI_MAX_COUNT KPIs": (
        lambda t: [{**KPI, "name": f"K{i}", "weight": 100 if i == 0 else 0} for i in range(KPI_MAX_COUNT + 1)],
        "kpis",
        f"at most {KPI_MAX_COUNT} KPIs",
    ),
}
# The page checks a missing name and the number of rows itself (format checks of the form, see
# tests/agreements/test_kpi_tampering.py), before the service is asked.
PAGE_RULES = {
    name: rule for name, rule in RULES.items() if name not in {"a name is required", "at most KPI_MAX_COUNT KPIs"}
}


@pytest.fixture
def signed_before_the_rule(signed_version, monkeypatch):
    """`signed_version` of a draft whose KPIs break a rule: signed as if the rule came later (requesting
    signatures checks the rules today, tests/agreements/test_kpi_tampering.py)."""

    def make(draft):
        with monkeypatch.context() as patch:
            patch.setattr(rules, "validate_kpis", lambda rows, tour: rows)
            return signed_version(draft)

    return make


@pytest.fixture
def paths(make_tour, draft_version, signed_version, signed_before_the_rule, manager):
    """Each path that writes KPIs: (the version whose KPIs the call replaces or None, a call writing `rows`)."""

    def create(rows):
        version = selectors.current_version(make_tour().agreement)
        return version, lambda: services.agreement_update_draft(
            version=version, actor=manager, clauses={}, kpis=rows(version.agreement.tour)
        )

    def update(rows):
        version = draft_version()
        return version, lambda: services.agreement_update_draft(
            version=version, actor=manager, clauses={}, kpis=rows(version.agreement.tour)
        )

    def amend(rows):
        signed = signed_version()
        return None, lambda: services.agreement_amend(
            agreement=signed.agreement, actor=manager, kpis=rows(signed.agreement.tour)
        )

    def amend_copy(rows):
        """The signed version's KPIs broke the rule (written around the service): the copy is refused."""
        draft = draft_version()
        Kpi.objects.filter(version=draft).delete()
        for position, row in enumerate(rows(draft.agreement.tour)):
            Kpi.objects.create(organization=draft.organization, version=draft, position=position, **row)
        signed = signed_before_the_rule(draft)
        return None, lambda: services.agreement_amend(agreement=signed.agreement, actor=manager)

    return {"create": create, "update": update, "amend": amend, "amend (copied KPIs)": amend_copy}


@pytest.mark.parametrize("path", ["create", "update", "amend", "amend (copied KPIs)"])
@pytest.mark.parametrize("rule", sorted(RULES))
def test_the_service_refuses_kpis_that_break_a_rule_on_every_path(paths, rule, path):
    rows, key, message = RULES[rule]
    version, call = paths[path](rows)
    before = list(Kpi.objects.filter(version=version).values_list("name", "weight")) if version else None
    versions = AgreementVersion.objects.count()
    with pytest.raises(ValidationError) as raised:
        call()
    errors = raised.value.message_dict
    assert key in errors, errors
    assert any(message in text for text in errors[key]), errors[key]
    # Nothing was written: the KPIs stay as they were and no amendment was started.
    if version is not None:
        assert list(Kpi.objects.filter(version=version).values_list("name", "weight")) == before
    assert AgreementVersion.objects.count() == versions


@pytest.mark.parametrize("path", ["create", "update", "amend"])
def test_the_service_accepts_kpis_that_keep_every_rule(paths, path):
    _version, call = paths[path](lambda t: [{**KPI, "weight": 60}, {**KPI, "name": "B", "weight": 40}])
    call()


def _post(tour, rows):
    data = {
        "company_offers": "研修投資",
        "company_asks": "",
        "employee_offers": "解約率の改善",
        "employee_asks": "",
        "alumni_clause": "",
        "kpi-TOTAL_FORMS": str(len(rows)),
        "kpi-INITIAL_FORMS": "0",
        "kpi-MIN_NUM_FORMS": "0",
        "kpi-MAX_NUM_FORMS": "20",
    }
    for index, row in enumerate(rows):
        for field, value in row.items():
            data[f"kpi-{index}-{field}"] = "" if value is None else str(value)
    return data


@pytest.fixture
def drafts(make_tour, draft_version, signed_version, manager):
    """The draft versions the editor page writes KPIs to: a first draft, one with KPIs, an amendment."""
    return {
        "first draft": lambda: selectors.current_version(make_tour().agreement),
        "draft with KPIs": lambda: draft_version(),
        "amendment": lambda: services.agreement_amend(agreement=signed_version().agreement, actor=manager),
    }


@pytest.mark.parametrize("draft", ["first draft", "draft with KPIs", "amendment"])
@pytest.mark.parametrize("rule", sorted(PAGE_RULES))
def test_the_editor_shows_the_services_kpi_error_beside_its_input_and_keeps_what_was_typed(
    drafts, login, manager, draft, rule
):
    rows, key, message = PAGE_RULES[rule]
    version = drafts[draft]()
    before = list(Kpi.objects.filter(version=version).values_list("name", "weight"))
    typed = rows(version.agreement.tour)
    url = reverse("agreements:version_edit", args=["acme", version.agreement_id, version.number])
    response = login(manager, language="en").post(url, _post(version.agreement.tour, typed))
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    if key == "kpis":
        box = re.search(r'<div class="error" id="kpi-errors">(.*?)</div>', page, re.S)
    else:
        _kpis, index, field = key.split(".")
        box = re.search(rf'<div class="error" id="id_kpi-{index}-{field}_error">(.*?)</div>', page, re.S)
    assert box and message in box.group(1), page[:500]
    for index, row in enumerate(typed):
        for field in ("name", "weight"):
            assert f'name="kpi-{index}-{field}" value="{row[field]}"' in page
    assert "研修投資" in page
    assert list(Kpi.objects.filter(version=version).values_list("name", "weight")) == before


@pytest.mark.parametrize("rule", sorted(PAGE_RULES))
def test_the_amend_page_says_which_rule_the_signed_kpis_break(
    draft_version, signed_before_the_rule, login, manager, rule
):
    rows, _key, message = PAGE_RULES[rule]
    draft = draft_version()
    Kpi.objects.filter(version=draft).delete()
    for position, row in enumerate(rows(draft.agreement.tour)):
        Kpi.objects.create(organization=draft.organization, version=draft, position=position, **row)
    signed = signed_before_the_rule(draft)
    response = login(manager, language="en").post(reverse("agreements:amend", args=["acme", signed.agreement_id]))
    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    assert selectors.current_version(signed.agreement) == signed


def test_error_keys_name_the_row_and_the_field():
    assert rules.kpi_error_key(2, "target") == "kpis.2.target"
