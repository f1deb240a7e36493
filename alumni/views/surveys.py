"""Surveys: HR defines them and reads their results (`/<org>/alumni/surveys/...`); an alumnus answers from the
in-app page of their invitation or from the personal link of the e-mail (`/surveys/<token>/`, no sign-in needed)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView
from django_scopes import scopes_disabled

from alliance.conflicts import StateConflict
from alliance.models import MembershipStatus
from alliance.tenancy import TenantView, apply_form_errors, organization_scope, url_object
from alumni.capabilities import MANAGE_COMMUNITY, USE_COMMUNITY
from alumni.forms_surveys import AnswerForm, QuestionForm, ResultsFilterForm, SurveyForm
from alumni.selectors import surveys as selectors
from alumni.services import surveys as services

SURVEY = {"survey": url_object(selectors.access_survey, pk="pk")}


class SurveyListView(TenantView, TemplateView):
    """`/<org>/alumni/surveys/`: HR's surveys, the one in use first."""

    template_name = "alumni/surveys/list.html"
    capabilities = {"GET": MANAGE_COMMUNITY}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["surveys"] = selectors.surveys(organization=self.organization).order_by("-is_active", "-created_at")
        return ctx


class SurveyCreateView(TenantView, TemplateView):
    template_name = "alumni/surveys/survey_form.html"
    capabilities = {"GET": MANAGE_COMMUNITY, "POST": MANAGE_COMMUNITY}

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=SurveyForm()))

    def post(self, request, *args, **kwargs):
        form = SurveyForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        survey = services.survey_create(actor=self.membership, organization=self.organization, **form.cleaned_data)
        messages.success(request, _("Survey created. Now add its questions."))
        return redirect("alumni:survey", self.organization.slug, survey.pk)


class SurveyDetailView(TenantView, TemplateView):
    """`/<org>/alumni/surveys/<pk>/`: the survey's texts and questions, and what HR may do with it."""

    template_name = "alumni/surveys/detail.html"
    capabilities = {"GET": MANAGE_COMMUNITY}
    url_objects = SURVEY

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["questions"] = list(self.survey.questions.all())
        ctx["frozen"] = services.has_answers(self.survey)
        ctx["sent"] = self.survey.invitations.count()
        return ctx


class SurveyEditView(TenantView, TemplateView):
    template_name = "alumni/surveys/survey_form.html"
    capabilities = {"GET": MANAGE_COMMUNITY, "POST": MANAGE_COMMUNITY}
    url_objects = SURVEY

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=SurveyForm(instance=self.survey)))

    def post(self, request, *args, **kwargs):
        form = SurveyForm(request.POST, instance=self.survey)
        if form.is_valid():
            services.survey_update(survey=self.survey, actor=self.membership, **form.cleaned_data)
            messages.success(request, _("Survey saved."))
            return redirect("alumni:survey", self.organization.slug, self.survey.pk)
        return self.render_to_response(self.get_context_data(form=form))


class _SurveyAction(TenantView):
    """A POST-only action from the survey page; a GET leads back to the survey page."""

    capabilities = {"GET": MANAGE_COMMUNITY, "POST": MANAGE_COMMUNITY}
    url_objects = SURVEY

    def get(self, request, *args, **kwargs):
        return redirect("alumni:survey", self.organization.slug, self.survey.pk)


class SurveyActivateView(_SurveyAction):
    def post(self, request, *args, **kwargs):
        services.survey_activate(survey=self.survey, actor=self.membership)
        messages.success(request, _("This survey is now in use: it is sent 3 and 6 months after each last day."))
        return redirect("alumni:survey", self.organization.slug, self.survey.pk)


class SurveyDeactivateView(_SurveyAction):
    def post(self, request, *args, **kwargs):
        services.survey_deactivate(survey=self.survey, actor=self.membership)
        messages.success(request, _("This survey is no longer in use: no survey is sent until you put one in use."))
        return redirect("alumni:survey", self.organization.slug, self.survey.pk)


class SurveyCopyView(_SurveyAction):
    def post(self, request, *args, **kwargs):
        copy = services.survey_copy(survey=self.survey, actor=self.membership)
        messages.success(request, _("Copied to a new version. Change it, then put it in use."))
        return redirect("alumni:survey", self.organization.slug, copy.pk)


class QuestionFormView(TenantView, TemplateView):
    """`/<org>/alumni/surveys/<pk>/questions/new/` and `.../questions/<question_pk>/`: add or change a question
    (409 once the survey has answers)."""

    template_name = "alumni/surveys/question_form.html"
    capabilities = {"GET": MANAGE_COMMUNITY, "POST": MANAGE_COMMUNITY}
    url_objects = SURVEY

    def question(self):
        if "question_pk" not in self.kwargs:
            return None
        return selectors.access_question(
            membership=self.membership, survey_pk=self.survey.pk, pk=self.kwargs["question_pk"]
        )

    def get(self, request, *args, **kwargs):
        question = self.question()
        if services.has_answers(self.survey):
            raise StateConflict(
                _("This survey has answers: its questions can no longer change."),
                next_step=_("Copy it to a new version, change the copy and put the copy in use."),
            )
        initial = {} if question else {"position": self.survey.questions.count() + 1, "required": True}
        form = QuestionForm(instance=question, initial=initial)
        return self.render_to_response(self.get_context_data(form=form, question=question))

    def post(self, request, *args, **kwargs):
        question = self.question()
        form = QuestionForm(request.POST, instance=question)
        if form.is_valid():
            services.question_save(
                survey=self.survey, actor=self.membership, question=question, **form.service_fields()
            )
            messages.success(request, _("Question saved."))
            return redirect("alumni:survey", self.organization.slug, self.survey.pk)
        return self.render_to_response(self.get_context_data(form=form, question=question))


class QuestionRemoveView(TenantView, TemplateView):
    """GET asks to confirm; POST removes the question of a survey nobody answered (409 otherwise)."""

    template_name = "alumni/surveys/question_remove.html"
    capabilities = {"GET": MANAGE_COMMUNITY, "POST": MANAGE_COMMUNITY}
    url_objects = {
        **SURVEY,
        "question": url_object(selectors.access_question, survey_pk="pk", pk="question_pk"),
    }

    def post(self, request, *args, **kwargs):
        services.question_remove(question=self.question, actor=self.membership)
        messages.success(request, _("Question removed."))
        return redirect("alumni:survey", self.organization.slug, self.survey.pk)


class SurveyResultsView(TenantView, TemplateView):
    """`/<org>/alumni/surveys/<pk>/results/`: the answers in aggregate and as pictures, filtered by months after
    leaving, reason and year; any group under 5 respondents, or one that could be combined to single someone out,
    shows nothing (alumni.aggregates)."""

    template_name = "alumni/surveys/results.html"
    capabilities = {"GET": MANAGE_COMMUNITY}
    url_objects = SURVEY

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        everything = selectors.results(survey=self.survey, filters={})
        form = ResultsFilterForm(self.request.GET or None, years=everything.years)
        filters = form.filters() if self.request.GET else {}
        ctx["form"] = form
        ctx["results"] = selectors.results(survey=self.survey, filters=filters) if filters else everything
        ctx["filtered"] = any(v is not None for v in filters.values())
        return ctx


def _answer_page(request, invitation, *, action_url, template_base):
    """The answer form of `invitation` (GET, POST), or its thank-you / expired page."""
    now = timezone.now()
    questions = list(invitation.survey.questions.all())
    context = {"invitation": invitation, "survey": invitation.survey, "base_template": template_base}
    if invitation.answered_at is not None:
        return render(request, "alumni/surveys/thanks.html", context)
    if now >= invitation.expires_at:
        return render(request, "alumni/surveys/expired.html", context, status=410)
    form = AnswerForm(request.POST or None, questions=questions)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_answer(
                invitation=invitation, answers=form.answers(), anonymous=form.cleaned_data["anonymous"]
            )
        except ValidationError as error:
            apply_form_errors(form, error)
        else:
            invitation.refresh_from_db()
            return redirect(action_url)
    return render(request, "alumni/surveys/answer.html", {**context, "form": form, "action_url": action_url})


class SurveyAnswerView(TenantView):
    """`/<org>/alumni/surveys/answer/<pk>/`: the signed-in alumnus's own invitation (anyone else: 404)."""

    capabilities = {"GET": USE_COMMUNITY, "POST": USE_COMMUNITY}
    url_objects = {"invitation": url_object(selectors.access_own_invitation, pk="pk")}

    def get(self, request, *args, **kwargs):
        return _answer_page(request, self.invitation, action_url=request.path, template_base="alumni/_base.html")

    post = get


class PublicSurveyView(View):
    """`/surveys/<token>/`: the personal link of the e-mail. The token alone opens it (an alumnus may have
    forgotten their password); someone signed in as another person gets 404, and so does an unknown token or an
    alumnus who came back (their membership is active again). Answered: the thank-you page; expired: 410."""

    def dispatch(self, request, token, *args, **kwargs):
        with scopes_disabled():
            invitation = selectors.invitation_by_token(token)
        if invitation is None or invitation.membership.status != MembershipStatus.ALUMNI:
            raise Http404
        if request.user.is_authenticated and request.user.pk != invitation.membership.user_id:
            raise Http404
        if request.method not in ("GET", "HEAD", "POST"):
            return self.http_method_not_allowed(request)
        # The page's language (LocaleMiddleware: the signed-in user's or the browser's) picks the question texts.
        with organization_scope(invitation.organization_id):
            response = _answer_page(request, invitation, action_url=request.path, template_base="base.html")
        response["Cache-Control"] = "no-store"
        # The token never leaves in a Referer to another site; same-origin keeps the Origin the CSRF check reads.
        response["Referrer-Policy"] = "same-origin"
        response["X-Robots-Tag"] = "noindex"
        return response
