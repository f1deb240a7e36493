"""Builders for STEP 1-3 records on top of the demo personas (tests/conftest.py)."""

from datetime import date
from decimal import Decimal

import pytest

from agreements import selectors, services

PASSWORD = "alliance-demo"


@pytest.fixture(autouse=True)
def _english_messages():
    """Service errors are translated into the active language; these tests read them in English."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def make_alignment(employee, manager):
    def make(actor=None, member=None, **data):
        member = member or employee
        fields = {
            "held_on": date(2026, 4, 1),
            "core_values": [{"value": "誠実さ", "why": "信頼の土台だから"}],
            "ideal_self": "プロダクトを通じて社会課題を解く起業家になる",
            "time_horizon": "5y",
            "outside_company": True,
        }
        fields.update(data)
        return services.alignment_create(actor=actor or member, employee=member, data=fields)

    return make


@pytest.fixture
def make_tour(make_alignment, manager):
    def make(alignment=None, actor=None, **data):
        alignment = alignment or make_alignment()
        fields = {
            "title": "決済基盤の刷新",
            "kind": "transformational",
            "goal": "決済基盤を刷新し障害をゼロにする",
            "toward_ideal_self": "事業をつくる経験を積む",
            "value_to_company": "売上の機会損失を減らす",
            "start_date": date(2031, 5, 1),
            "end_date": date(2032, 5, 1),
        }
        fields.update(data)
        return services.tour_create(actor=actor or manager, alignment=alignment, data=fields)

    return make


KPI = {
    "name": "決済成功率",
    "definition": "成功した決済 ÷ 全決済",
    "unit": "%",
    "baseline": Decimal("97.50"),
    "target": Decimal("99.90"),
    "direction": "higher",
    "due_date": date(2032, 4, 30),
    "weight": 100,
}


@pytest.fixture
def draft_version(make_tour, manager):
    """A tour whose first agreement version is a complete draft, ready for signatures."""

    def make(tour=None, kpis=None):
        tour = tour or make_tour()
        version = selectors.current_version(tour.agreement)
        services.agreement_update_draft(
            version=version,
            actor=manager,
            clauses={
                "company_offers": "新規事業の立ち上げ機会と外部研修への投資",
                "company_asks": "四半期ごとのKPI報告",
                "employee_offers": "決済基盤の刷新をやり切る",
                "employee_asks": "週1回の1on1",
                "alumni_clause": "退職後もアルムナイとして情報交換を続ける",
            },
            kpis=[KPI] if kpis is None else kpis,
        )
        version.refresh_from_db()
        return version

    return make


@pytest.fixture
def signed_version(draft_version, employee, manager, hr, django_capture_on_commit_callbacks):
    """A version signed by every required signer (acme asks HR to countersign)."""

    def make(version=None):
        version = version or draft_version()
        with django_capture_on_commit_callbacks(execute=True):
            version = services.agreement_request_signatures(version=version, actor=manager)
            for member in (employee, manager, *([hr] if version.requires_hr else [])):
                services.agreement_sign(
                    version=version, actor=member, password=PASSWORD, content_hash=version.content_hash
                )
        version.refresh_from_db()
        return version

    return make
