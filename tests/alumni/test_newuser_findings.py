"""Rough edges found by walking issue 10's "Done when" as a new user would (README's `manage.py start`, then the
browser), each kept fixed by a test."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.urls import reverse

from alumni.models import ComebackInterest
from tests.alumni.test_records import _csv, make_alumnus

# --- HR's alumni records ------------------------------------------------------------------------------------------


def test_the_records_csv_names_each_column_once(db, login, hr, acme):
    make_alumnus(acme, name="Once Only")
    header = next(csv.reader(io.StringIO(_csv(login(hr, language="en"), q="Once Only").decode("utf-8-sig"))))
    assert len(header) == len(set(header)), header


def test_the_records_never_show_a_comeback_answer_the_person_did_not_let_hr_quote(db, login, hr, acme):
    make_alumnus(
        acme, name="Quiet Maybe", left=date(2025, 3, 31), comeback=ComebackInterest.MAYBE, comeback_note_quotable=False
    )
    client = login(hr, language="en")
    rows = list(csv.DictReader(io.StringIO(_csv(client, q="Quiet Maybe").decode("utf-8-sig"))))
    assert len(rows) == 1
    assert "Maybe, later" not in rows[0].values()
    response = client.get(reverse("alumni:records", kwargs={"org_slug": "acme"}), {"q": "Quiet Maybe"})
    (row,) = response.context["rows"]
    assert row.comeback is None
    assert "Maybe, later" not in [str(value) for value in row.extra.values()]


# --- labels in the language of the reader -------------------------------------------------------------------------


@pytest.mark.parametrize("language, label", [("en", "3 months"), ("ja", "3か月")])
def test_the_survey_results_filter_names_the_months_in_the_readers_language(language, label):
    from django.utils import translation

    from alumni.forms_surveys import ResultsFilterForm

    with translation.override(language):
        choices = dict(ResultsFilterForm(years=[]).fields["milestone"].choices)
    assert str(choices["3"]) == label


def test_the_directory_labels_start_with_a_capital_in_english(db, login, alumni, make_profile):
    make_profile(name="Cap Label", current_role="Lead", share_current_role=True, location="Osaka", share_location=True)
    html = login(alumni, language="en").get(reverse("alumni:directory", kwargs={"org_slug": "acme"})).content.decode()
    assert "<dt>Current role</dt>" in html and "<dt>Location</dt>" in html
    assert "<dt>current role</dt>" not in html


# --- the exit conversation's comeback choice ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "viewer, quotable, shown",
    [("hr", False, False), ("hr", True, True), ("manager", False, True), ("employee", False, True)],
    ids=["hr, not quotable: hidden", "hr, quotable: shown", "the manager reads it", "the person reads it"],
)
def test_hr_sees_the_comeback_choice_only_with_the_consent_the_form_promises(
    request, login, employee, viewer, quotable, shown
):
    from django.utils import timezone

    from alumni.services import departures as services

    departure = services.departure_start(
        actor=employee,
        membership=employee,
        data={"last_day": timezone.localdate() + timedelta(days=10), "kind": "career_step"},
        reports_to=None,
    )
    services.conversation_update(
        actor=employee, departure=departure, data={"comeback": "maybe", "comeback_note_quotable": quotable}
    )
    client = login(request.getfixturevalue(viewer), language="en")
    html = client.get(reverse("alumni:departure", args=["acme", departure.pk])).content.decode()
    assert ("Maybe, later" in html) is shown
    form = login(employee, language="en").get(reverse("alumni:departure_conversation", args=["acme", departure.pk]))
    assert "HR sees this choice only if you let HR quote your answer about coming back" in form.content.decode()
