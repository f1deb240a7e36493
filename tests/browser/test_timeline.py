"""The KPI picture and the career timeline in a real browser, on a desktop and on a 390 px phone: the checkpoint
page with its chart, the tour page, the person's alliance page and the timeline pass axe, draw their charts, and
fit the phone's width (the figures' table scrolls in its own region). Every page goes through `ui.check()`."""

import pytest
from playwright.sync_api import expect

from agreements.models import Tour
from checkpoints.models import Checkpoint, CheckpointStatus
from tests.browser.test_agreements import member

pytestmark = pytest.mark.browser


def _pages(slug="acme"):
    employee = member(f"employee@{slug}.example", slug)
    tour = Tour.objects.get(employee=employee, status="active")
    held = Checkpoint.objects.filter(tour=tour, status__in=[CheckpointStatus.HELD, CheckpointStatus.CONFIRMED]).first()
    return [
        ("checkpoint", f"/{slug}/checkpoints/{held.pk}/"),
        ("tour", f"/{slug}/tours/{tour.pk}/"),
        ("alliance", f"/{slug}/alliance/"),
        ("timeline", f"/{slug}/people/{employee.pk}/timeline/"),
    ]


def _walk(ui, *, phone):
    ui.sign_in("employee@acme.example")
    for name, path in _pages():
        ui.goto(path, f"{name}-{'phone' if phone else 'desktop'}")
        page = ui.page
        charts = page.locator("main figure.chart svg[role=img]")
        expect(charts.first).to_be_visible()
        assert charts.count() >= 3, name  # two KPIs of the demo plan and the confidence trend
        expect(page.locator("main [data-chart=kpi] circle.chart-point").first).to_be_visible()
        if phone:
            ui.assert_fits_width()
            box = charts.first.bounding_box()
            # A chart spans most of the phone's width, so its 11-12 px labels stay legible once scaled.
            assert box["width"] >= 280, f"{name}: chart only {box['width']}px wide"
        if name == "alliance":
            page.locator("main [data-timeline-link]").click()
            page.wait_for_load_state("load")
            ui.check(f"alliance-to-timeline-{'phone' if phone else 'desktop'}")
            expect(page.locator("main [data-tour]").first).to_be_visible()


def test_the_picture_and_the_timeline_on_a_desktop(ui):
    _walk(ui, phone=False)


def test_the_picture_and_the_timeline_on_a_phone(phone_ui):
    _walk(phone_ui, phone=True)
