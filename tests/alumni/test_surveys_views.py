"""The survey pages: HR defines a survey (validated in both languages, frozen once answered), an alumnus answers
once from the personal link, and HR reads results that hide every group under 5 (alumni/demo_surveys.py gives
acme 10 answers: 5 career steps, 4 start-ups, 1 study; 7 at 3 months, 3 at 6 months)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from alumni.models import QuestionKind, Survey, SurveyAnswer, SurveyInvitation, SurveyQuestion
from alumni.selectors.surveys import survey_status_column
from tests.factories import MembershipFactory


@pytest.fixture
def survey(acme):
    return Survey.objects.get(organization=acme, is_active=True)


@pytest.fixture
def invitation(alumni):
    return SurveyInvitation.objects.get(membership=alumni)


def _url(name, *args, slug="acme"):
    return reverse(f"alumni:{name}", args=[slug, *args])


def _answers(survey, scale="4", choice="1", text="ありがとうございました", anonymous=False):
    q = {question.kind: question.pk for question in survey.questions.all()}
    data = {f"q{q['scale']}": scale, f"q{q['choice']}": choice, f"q{q['text']}": text}
    if anonymous:
        data["anonymous"] = "on"
    return data


# --- defining -----------------------------------------------------------------------------------------------

QUESTION = {
    "position": "1",
    "kind": "choice",
    "text_ja": "どう関わりたいですか",
    "text_en": "How would you like to stay in touch?",
    "required": "on",
    "options_ja": "復帰\n協業",
    "options_en": "Coming back\nPartnership",
}


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"text_en": ""}, "text_en", "This field is required."),
        ({"options_ja": "復帰", "options_en": "Coming back"}, "options_ja", "at least 2 options"),
        ({"options_en": "Coming back"}, "options_en", "2 Japanese lines but 1 English ones"),
        ({"kind": "scale", "low_label_ja": "低い"}, "low_label_en", "labels of 1 and 5 in Japanese and English"),
    ],
    ids=[
        "a question needs its English text",
        "a choice question needs two options",
        "each option needs its English text",
        "a scale question needs both labels in both languages",
    ],
)
def test_a_question_that_is_not_complete_is_refused_with_what_to_fix(db, login, hr, acme, change, field, message):
    draft = Survey.objects.create(organization=acme, title_ja="t", title_en="t", intro_ja="i", intro_en="i")
    response = login(hr, language="en").post(_url("survey_question_new", draft.pk), {**QUESTION, **change})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert response.context["form"]["text_ja"].value() == QUESTION["text_ja"]  # what was typed is kept
    assert not draft.questions.exists()


def test_hr_defines_a_survey_with_a_choice_question_and_puts_it_in_use(db, login, hr, acme, survey):
    client = login(hr, language="en")
    response = client.post(
        _url("survey_new"), {"title_ja": "調査", "title_en": "Survey", "intro_ja": "はじめに", "intro_en": "Intro"}
    )
    new = Survey.objects.get(organization=acme, title_ja="調査")
    assert response.status_code == 302
    assert client.post(_url("survey_question_new", new.pk), QUESTION).status_code == 302
    (question,) = new.questions.all()
    assert question.options == [{"ja": "復帰", "en": "Coming back"}, {"ja": "協業", "en": "Partnership"}]
    client.post(_url("survey_activate", new.pk))
    assert list(Survey.objects.filter(organization=acme, is_active=True)) == [new]


def test_an_answered_survey_cannot_change_its_questions_but_can_be_copied(db, login, hr, survey):
    client = login(hr, language="en")
    question = survey.questions.first()
    response = client.post(_url("survey_question_edit", survey.pk, question.pk), QUESTION)
    assert response.status_code == 409
    assert client.post(_url("survey_question_remove", survey.pk, question.pk)).status_code == 409
    assert SurveyQuestion.objects.get(pk=question.pk).text_ja == question.text_ja
    client.post(_url("survey_copy", survey.pk))
    copy = Survey.objects.get(copied_from=survey)
    assert copy.version == survey.version + 1 and not copy.is_active
    assert copy.questions.count() == survey.questions.count()
    copied = copy.questions.get(position=question.position)
    assert client.post(_url("survey_question_edit", copy.pk, copied.pk), QUESTION).status_code == 302


# --- answering ----------------------------------------------------------------------------------------------


def _public(invitation):
    return reverse("survey_public", args=[invitation.token()])


def test_the_alumnus_answers_once_from_the_link_and_a_second_answer_changes_nothing(db, login, invitation):
    client = login(None)
    page = client.get(_public(invitation))
    assert page.status_code == 200
    assert invitation.survey.questions.first().text_ja in page.content.decode()
    response = client.post(_public(invitation), _answers(invitation.survey, scale="5", anonymous=True))
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.answered_at is not None and invitation.anonymous
    again = client.post(_public(invitation), _answers(invitation.survey, scale="1"))
    assert again.status_code == 200 and b"data-survey-thanks" in again.content
    scale = SurveyAnswer.objects.get(invitation=invitation, question__kind=QuestionKind.SCALE)
    assert scale.scale == 5


def test_the_page_is_in_the_readers_language(db, login, invitation):
    english = login(None, language="en").get(_public(invitation)).content.decode()
    assert invitation.survey.questions.first().text_en in english
    assert invitation.survey.title_en in english


def test_a_required_question_left_empty_is_named_and_nothing_is_recorded(db, login, invitation):
    data = _answers(invitation.survey)
    scale = next(k for k in data if k.startswith("q") and data[k] == "4")
    del data[scale]
    response = login(None, language="en").post(_public(invitation), data)
    assert response.status_code == 200
    assert "Answer this question: it is required." in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.answered_at is None


@pytest.mark.parametrize(
    "who, status",
    [("nobody signed in", 200), ("the alumnus", 200), ("HR", 404), ("another alumnus", 404)],
)
def test_the_link_works_for_that_alumnus_only(db, login, invitation, hr, who, status, acme):
    member = {
        "nobody signed in": None,
        "the alumnus": invitation.membership,
        "HR": hr,
        "another alumnus": MembershipFactory(organization=acme, status="alumni"),
    }[who]
    assert login(member).get(_public(invitation)).status_code == status


@pytest.mark.parametrize(
    "case, status",
    [("an unknown token", 404), ("an expired link", 410), ("an alumnus who came back", 404)],
)
def test_a_link_that_no_longer_works_says_so(db, login, invitation, case, status):
    url = _public(invitation)
    if case == "an unknown token":
        url = reverse("survey_public", args=["0" * 64])
    elif case == "an expired link":
        SurveyInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    else:
        invitation.membership.status = "active"
        invitation.membership.save()
    assert login(None).get(url).status_code == status


def test_the_signed_in_alumnus_answers_from_the_notifications_link(db, login, alumni, invitation):
    client = login(alumni)
    home = client.get(_url("home")).content.decode()
    assert _url("survey_answer", invitation.pk) in home
    response = client.post(_url("survey_answer", invitation.pk), _answers(invitation.survey))
    assert response.status_code == 302
    assert SurveyInvitation.objects.get(pk=invitation.pk).answered_at is not None


# --- results ------------------------------------------------------------------------------------------------


def _results(client, survey, **filters):
    return client.get(_url("survey_results", survey.pk), filters).context["results"]


def test_hr_sees_the_whole_aggregate_and_the_breakdowns_under_five_are_hidden(db, login, hr, survey):
    results = _results(login(hr, language="en"), survey)
    assert results.shown and results.respondents == 10
    scale = results.questions[0]
    assert scale.answered == 10 and round(scale.mean, 1) == 3.9
    kinds = {cell.value: cell for cell in next(b for b in results.breakdowns if b.dimension == "kind").cells}
    assert kinds["career_step"].shown and kinds["career_step"].respondents == 5
    assert not kinds["startup"].shown and kinds["startup"].respondents is None
    assert not kinds["study"].shown
    months = {c.value: c for c in next(b for b in results.breakdowns if b.dimension == "milestone").cells}
    # 3 months (7) would give 6 months (3) by difference from the whole: both hidden.
    assert not months[3].shown and not months[6].shown


@pytest.mark.parametrize(
    "filters, shown",
    [
        ({"kind": "career_step"}, True),
        ({"kind": "startup"}, False),
        ({"milestone": "6"}, False),
        ({"milestone": "3"}, False),
        ({"milestone": "3", "kind": "career_step"}, True),
        ({"milestone": "3", "kind": "startup"}, False),
    ],
    ids=[
        "career steps (5): shown",
        "start-ups (4): hidden",
        "6 months (3): hidden",
        "3 months (7): hidden, it would give 6 months by difference",
        "3 months and career steps (5): shown",
        "3 months and start-ups (2): hidden",
    ],
)
def test_a_filter_combination_shows_nothing_when_it_could_single_someone_out(db, login, hr, survey, filters, shown):
    response = login(hr, language="en").get(_url("survey_results", survey.pk), filters)
    results = response.context["results"]
    assert results.shown is shown
    if not shown:
        assert results.questions == [] and results.respondents is None
        assert "hidden to protect who answered" in response.content.decode()


def test_anonymous_free_text_is_shown_without_a_name_nor_named_texts_that_would_narrow_it_down(db, login, hr, survey):
    # The demo's five career steps hold two named texts and an anonymous one: naming the two would leave three
    # people who may have written it (tests/alumni/test_attack_findings.py holds the rule's table).
    results = _results(login(hr, language="en"), survey)
    texts = dict(next(r for r in results.questions if r.question.kind == "text").texts)
    assert texts["1on1の文化は今の職場でも活きています。"] == ""
    assert texts["評価の基準をもっと早く知りたかった。"] == ""
    page = login(hr, language="en").get(_url("survey_results", survey.pk)).content.decode()
    assert "上田 楓" not in page  # answered anonymously


def test_the_results_page_draws_each_question_as_a_described_picture_with_its_table(db, login, hr, survey):
    page = login(hr, language="en").get(_url("survey_results", survey.pk)).content.decode()
    assert page.count('role="img"') == 2  # the scale and the choice question
    assert "<desc " in page and "chart-table" in page
    assert "style=" not in page


def test_the_results_page_costs_the_same_queries_however_many_answered(
    db, login, hr, survey, acme, django_assert_max_num_queries
):
    from alumni.models import Departure
    from alumni.services.surveys import invitation_answer, invitations_create

    client = login(hr, language="en")
    with django_assert_max_num_queries(30) as few:
        client.get(_url("survey_results", survey.pk))
    for n in range(15):
        member = MembershipFactory(organization=acme, status="alumni")
        departure = Departure.objects.create(
            organization=acme, membership=member, status="completed", last_day="2025-04-30", kind="family"
        )
        (made,) = invitations_create(survey=survey, keys=[(departure, 3)], now=timezone.now())
        invitation_answer(invitation=made, answers={}, anonymous=bool(n % 2))
    # As many queries as with 15 fewer respondents: a fixed bound of 30 would let a small N+1 through.
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(_url("survey_results", survey.pk)).context["results"].respondents == 25


def test_hr_records_show_each_alumnus_survey_status(db, acme, alumni, invitation):
    answered = SurveyInvitation.objects.filter(organization=acme, answered_at__isnull=False).first()
    with translation.override("en"):
        column = survey_status_column(organization=acme, memberships=[alumni, answered.membership])
        assert column == {alumni.pk: "3 months: Sent", answered.membership_id: f"{answered.milestone} months: Answered"}
        SurveyInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(days=1))
        column = survey_status_column(organization=acme, memberships=[alumni])
        assert column == {alumni.pk: "3 months: Expired"}
