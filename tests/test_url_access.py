"""Every URL of the project, walked as an anonymous visitor, an outsider, each role and the allowed roles.

A new URL pattern that is not declared here fails `test_every_url_pattern_is_in_the_matrix`, so each later
route is covered the day it is added: declare it in ORG_ROUTES (or SITE_ROUTES) with the roles that may open it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from agreements.models import CareerAlignment, Tour
from alliance.models import Invitation, Membership

ROLES = ("hr", "manager", "employee", "alumni")


@dataclass
class Route:
    allowed: set[str]
    kwargs: Callable = lambda ctx: {}
    # kwargs naming an object of the other organization, opened by the most privileged role (expects 404).
    foreign: Callable | None = None
    # What a same-organization role that is not allowed gets: 403, or 404 where even existence is private.
    denied: int = 403
    # Per-role answers that differ from `denied` (e.g. 404 for a record the role may not know exists).
    expect: dict = field(default_factory=dict)
    ok: int = 200

    def expected(self, role: str) -> int:
        if role in self.expect:
            return self.expect[role]
        if role == "alumni" and role not in self.allowed:
            # An alumnus on the employee pages of the organization they left, or on someone else's record: 404
            # (alliance.tenancy.TenantView). Their own records are ALUMNI_OWN_ROUTES below.
            return 404
        return self.ok if role in self.allowed else self.denied


def _member(email):
    return Membership.objects.get(user__email=email)


class Context:
    """Arguments resolved from the demo data (tests/conftest.py seeds it; agreements/demo.py for STEP 1-3)."""

    def __init__(self):
        self.employee = _member("employee@acme.example")
        self.outsider = _member("employee@globex.example")

    def department(self, slug):
        """The pk of a demo department (alliance/demo.py DEPARTMENTS) of `slug`."""
        from alliance.models import Department

        return Department.objects.filter(organization__slug=slug).order_by("position").first().pk

    def pending_invitation(self, slug):
        return Invitation.objects.filter(organization__slug=slug).pending().first()

    def alignment(self, email):
        return CareerAlignment.objects.filter(employee__user__email=email).first()

    def tour(self, email):
        return Tour.objects.filter(employee__user__email=email).first()

    def notice(self, email, slug="acme"):
        from alliance.models import Notice

        return Notice.objects.filter(recipient__user__email=email, organization__slug=slug).first()

    def alumni_post(self, slug="acme", *, author="alumni", hidden=False):
        """A demo community post (alumni/demo_posts.py) by `author`@<slug>.example; `hidden`: the one HR hid."""
        from alumni.models import Post

        rows = Post.objects.filter(organization__slug=slug, hidden_at__isnull=not hidden, withdrawn_at__isnull=True)
        if not hidden:
            rows = rows.filter(author__user__email=f"{author}@{slug}.example")
        return rows.order_by("pk").first()

    def alumni_comment(self, slug="acme", *, author="alumni"):
        """A demo comment by `author`@<slug>.example under a shown post."""
        from alumni.models import Comment

        return (
            Comment.objects.filter(organization__slug=slug, author__user__email=f"{author}@{slug}.example")
            .order_by("pk")
            .first()
        )

    def checkpoint(self, email):
        from checkpoints.models import Checkpoint

        return Checkpoint.objects.filter(tour__employee__user__email=email).order_by("sequence").first()

    def ended_tour(self, email):
        """The tour checkpoints/demo_complete.py ended early (member07@: a move inside the company followed)."""
        return Tour.objects.filter(employee__user__email=email, status="ended_early").first()

    def ending(self, slug):
        """An open proposal, by manager@, to end employee@'s active tour early (made here when there is none)."""
        from checkpoints import services
        from checkpoints.models import TourEnding

        tour = Tour.objects.get(employee__user__email=f"employee@{slug}.example", status="active")
        open_one = TourEnding.objects.filter(tour=tour, status="proposed").first()
        return open_one or services.tour_ending_propose(
            tour=tour, actor=_member(f"manager@{slug}.example"), kind="ended_early", reason="異動のため"
        )

    def next_checkpoint(self, email):
        from checkpoints.models import Checkpoint

        return Checkpoint.objects.filter(tour__employee__user__email=email, status="scheduled").order_by("sequence")[0]

    def topic(self, email):
        from checkpoints.models import AgendaTopic

        topic = AgendaTopic.objects.filter(checkpoint__tour__employee__user__email=email).first()
        return {"pk": topic.checkpoint_id, "topic_pk": topic.pk}

    def action(self, email):
        from checkpoints.models import NextAction

        action = NextAction.objects.filter(checkpoint__tour__employee__user__email=email).first()
        return {"pk": action.checkpoint_id, "action_pk": action.pk}

    def alumni_profile(self, email):
        from alumni.models import AlumniProfile

        return AlumniProfile.objects.get(membership__user__email=email)

    def opportunity(self, slug):
        """The open comeback role HR posted (alumni/demo_opportunities.py)."""
        from alumni.demo_opportunities import COMEBACK_TITLE
        from alumni.models import Opportunity

        return Opportunity.objects.get(organization__slug=slug, title=COMEBACK_TITLE)

    def interest(self, slug):
        """Another alumnus's interest in the comeback role (not alumni@'s)."""
        from alumni.models import Interest

        return (
            Interest.objects.filter(opportunity=self.opportunity(slug))
            .exclude(membership__user__email=f"alumni@{slug}.example")
            .first()
        )

    def referral(self, slug):
        """alumni@'s referral to the comeback role."""
        from alumni.models import Referral

        return Referral.objects.get(opportunity=self.opportunity(slug), referrer__user__email=f"alumni@{slug}.example")

    def survey_invitation(self, slug):
        from alumni.models import SurveyInvitation

        return SurveyInvitation.objects.get(membership__user__email=f"alumni@{slug}.example")

    def version(self, email):
        tour = self.tour(email)
        return {"pk": tour.agreement.pk, "number": tour.agreement.versions.order_by("-number").first().number}


def _survey(slug):
    from alumni.models import Survey

    return lambda ctx: {"pk": Survey.objects.get(organization__slug=slug, is_active=True).pk}


def _survey_question(slug):
    from alumni.models import SurveyQuestion

    def kwargs(ctx):
        question = SurveyQuestion.objects.filter(survey__organization__slug=slug, survey__is_active=True).first()
        return {"pk": question.survey_id, "question_pk": question.pk}

    return kwargs


# Demo people in each organization: employee@ has a signed agreement (with its PDF), member01@ an alignment
# waiting for confirmation, member02@ a draft agreement, member03@ one waiting for signatures; all report to
# manager@. acme asks HR to countersign.
OWN = {"employee"}
PARTIES = {"employee", "manager"}
PEOPLE = {"employee", "manager", "hr"}


def _v(email):
    return lambda ctx: ctx.version(email)


ORG_ROUTES: dict[str, Route] = {
    "dashboard": Route(allowed={"hr", "manager", "employee", "alumni"}),
    "members": Route(allowed={"hr"}),
    "organization_settings": Route(allowed={"hr"}),
    "member_invite": Route(allowed={"hr"}),
    "member_import": Route(allowed={"hr"}),
    # Without an uploaded file in the session the preview sends HR to the upload form.
    "member_import_preview": Route(allowed={"hr"}, ok=302),
    "member_export": Route(allowed={"hr"}),
    "departments": Route(allowed={"hr"}),
    "department_edit": Route(
        allowed={"hr"},
        kwargs=lambda ctx: {"pk": ctx.department("acme")},
        foreign=lambda ctx: {"pk": ctx.department("globex")},
    ),
    "department_move": Route(
        allowed={"hr"},
        ok=302,
        kwargs=lambda ctx: {"pk": ctx.department("acme")},
        foreign=lambda ctx: {"pk": ctx.department("globex")},
    ),
    "department_archive": Route(
        allowed={"hr"},
        kwargs=lambda ctx: {"pk": ctx.department("acme")},
        foreign=lambda ctx: {"pk": ctx.department("globex")},
    ),
    "member_edit": Route(
        allowed={"hr"},
        kwargs=lambda ctx: {"pk": ctx.employee.pk},
        foreign=lambda ctx: {"pk": ctx.outsider.pk},
    ),
    "invitation_revoke": Route(
        allowed={"hr"},
        kwargs=lambda ctx: {"pk": ctx.pending_invitation("acme").pk},
        foreign=lambda ctx: {"pk": ctx.pending_invitation("globex").pk},
    ),
    # Alumni keep their own alliance page, read-only (tests/alumni/test_access.py).
    "agreements:mine": Route(allowed={*PEOPLE, "alumni"}),
    # POST answers the "share with your new manager?" offer; GET only leads back to the member's own page.
    "agreements:share_offer": Route(allowed=PEOPLE, ok=302),
    "agreements:team": Route(allowed={"manager", "hr"}),
    "agreements:person": Route(
        allowed=PEOPLE,
        kwargs=lambda ctx: {"member_pk": ctx.employee.pk},
        foreign=lambda ctx: {"member_pk": ctx.outsider.pk},
    ),
    "agreements:alignment_new": Route(allowed=PEOPLE),
    # A career aspiration is private: HR does not even learn that it exists unless it is shared.
    "agreements:alignment": Route(
        allowed=PARTIES,
        kwargs=lambda ctx: {"pk": ctx.alignment("employee@acme.example").pk},
        foreign=lambda ctx: {"pk": ctx.alignment("employee@globex.example").pk},
        expect={"hr": 404},
    ),
    "agreements:alignment_edit": Route(
        allowed={"manager"},
        kwargs=lambda ctx: {"pk": ctx.alignment("member01@acme.example").pk},
        foreign=lambda ctx: {"pk": ctx.alignment("member01@globex.example").pk},
        expect={"hr": 404, "employee": 404},
    ),
    "agreements:alignment_confirm": Route(
        allowed=set(),
        kwargs=lambda ctx: {"pk": ctx.alignment("member01@acme.example").pk},
        foreign=lambda ctx: {"pk": ctx.alignment("member01@globex.example").pk},
        expect={"hr": 404, "employee": 404},
    ),
    "agreements:alignment_sharing": Route(
        allowed=OWN,
        kwargs=lambda ctx: {"pk": ctx.alignment("employee@acme.example").pk},
        foreign=lambda ctx: {"pk": ctx.alignment("employee@globex.example").pk},
        expect={"hr": 404},
    ),
    "agreements:tour_new": Route(
        allowed=PARTIES,
        kwargs=lambda ctx: {"alignment_pk": ctx.alignment("employee@acme.example").pk},
        foreign=lambda ctx: {"alignment_pk": ctx.alignment("employee@globex.example").pk},
        expect={"hr": 404},
    ),
    "agreements:tour": Route(
        allowed=PEOPLE,
        kwargs=lambda ctx: {"pk": ctx.tour("employee@acme.example").pk},
        foreign=lambda ctx: {"pk": ctx.tour("employee@globex.example").pk},
    ),
    "agreements:tour_edit": Route(
        allowed={"manager"},
        kwargs=lambda ctx: {"pk": ctx.tour("member02@acme.example").pk},
        foreign=lambda ctx: {"pk": ctx.tour("member02@globex.example").pk},
        expect={"employee": 404},
    ),
    "agreements:tour_discard": Route(
        allowed={"manager"},
        kwargs=lambda ctx: {"pk": ctx.tour("member02@acme.example").pk},
        foreign=lambda ctx: {"pk": ctx.tour("member02@globex.example").pk},
        expect={"employee": 404},
    ),
    "agreements:agreement": Route(
        allowed=PEOPLE,
        ok=302,
        kwargs=lambda ctx: {"pk": ctx.version("employee@acme.example")["pk"]},
        foreign=lambda ctx: {"pk": ctx.version("employee@globex.example")["pk"]},
    ),
    "agreements:amend": Route(
        allowed=PARTIES,
        kwargs=lambda ctx: {"pk": ctx.version("employee@acme.example")["pk"]},
        foreign=lambda ctx: {"pk": ctx.version("employee@globex.example")["pk"]},
    ),
    "agreements:version": Route(
        allowed=PEOPLE, kwargs=_v("employee@acme.example"), foreign=_v("employee@globex.example")
    ),
    "agreements:pdf": Route(allowed=PEOPLE, kwargs=_v("employee@acme.example"), foreign=_v("employee@globex.example")),
    "agreements:version_edit": Route(
        allowed={"manager"},
        kwargs=_v("member02@acme.example"),
        foreign=_v("member02@globex.example"),
        expect={"employee": 404},
    ),
    "agreements:request": Route(
        allowed={"manager"},
        kwargs=_v("member02@acme.example"),
        foreign=_v("member02@globex.example"),
        expect={"employee": 404},
    ),
    "agreements:withdraw": Route(
        allowed={"manager"},
        kwargs=_v("member03@acme.example"),
        foreign=_v("member03@globex.example"),
        expect={"employee": 404},
    ),
    # acme asks HR to countersign, so HR is a signer of member03's pending agreement as well as the manager.
    "agreements:sign": Route(
        allowed={"manager", "hr"},
        kwargs=_v("member03@acme.example"),
        foreign=_v("member03@globex.example"),
        expect={"employee": 404},
    ),
    "agreements:decline": Route(
        allowed={"manager", "hr"},
        kwargs=_v("member03@acme.example"),
        foreign=_v("member03@globex.example"),
        expect={"employee": 404},
    ),
    # member02's draft is a first version, which is discarded with its tour: the manager may discard drafts,
    # so the page explains the state (409) instead of refusing the role; HR is not a party (403).
    "agreements:version_discard": Route(
        allowed={"manager"},
        ok=409,
        kwargs=_v("member02@acme.example"),
        foreign=_v("member02@globex.example"),
        expect={"employee": 404},
    ),
    "agreements:template": Route(allowed={"hr"}),
    # Scheduled when the demo employee's agreement was signed; HR reads it, only the parties write it.
    "checkpoints:checkpoint": Route(
        allowed=PEOPLE,
        kwargs=lambda ctx: {"pk": ctx.checkpoint("employee@acme.example").pk},
        foreign=lambda ctx: {"pk": ctx.checkpoint("employee@globex.example").pk},
    ),
    # A person's career timeline: theirs, their manager's, HR's (access_person); anyone else's is a 404.
    "checkpoints:timeline": Route(
        allowed=PEOPLE,
        kwargs=lambda ctx: {"member_pk": ctx.employee.pk},
        foreign=lambda ctx: {"member_pk": ctx.outsider.pk},
    ),
    # The end of employee@'s active tour: either side proposes (completion waits for the closing review: 409),
    # HR alone ends it at once; member07@'s tour ended early (demo_complete), so what followed is recorded
    # there and its next tour started (by the manager: employee@ does not see member07's tour).
    "checkpoints:tour_complete": Route(
        allowed=PARTIES,
        ok=409,
        kwargs=lambda ctx: {"pk": ctx.tour("employee@acme.example").pk},
        foreign=lambda ctx: {"pk": ctx.tour("employee@globex.example").pk},
    ),
    "checkpoints:tour_end_early": Route(
        allowed=PARTIES,
        kwargs=lambda ctx: {"pk": ctx.tour("employee@acme.example").pk},
        foreign=lambda ctx: {"pk": ctx.tour("employee@globex.example").pk},
    ),
    "checkpoints:tour_end_now": Route(
        allowed={"hr"},
        kwargs=lambda ctx: {"pk": ctx.tour("employee@acme.example").pk},
        foreign=lambda ctx: {"pk": ctx.tour("employee@globex.example").pk},
    ),
    "checkpoints:tour_outcome": Route(
        allowed={"manager", "hr"},
        kwargs=lambda ctx: {"pk": ctx.ended_tour("member07@acme.example").pk},
        foreign=lambda ctx: {"pk": ctx.ended_tour("member07@globex.example").pk},
        expect={"employee": 404},
    ),
    "checkpoints:tour_next": Route(
        allowed={"manager"},
        kwargs=lambda ctx: {"pk": ctx.ended_tour("member07@acme.example").pk},
        foreign=lambda ctx: {"pk": ctx.ended_tour("member07@globex.example").pk},
        expect={"employee": 404},
    ),
    # manager@'s proposal waits for employee@; its own side gets the 409 that points to withdrawing it.
    "checkpoints:ending_confirm": Route(
        allowed={"employee"},
        kwargs=lambda ctx: {"pk": ctx.ending("acme").pk},
        foreign=lambda ctx: {"pk": ctx.ending("globex").pk},
        expect={"manager": 409},
    ),
    "checkpoints:ending_decline": Route(
        allowed={"employee"},
        kwargs=lambda ctx: {"pk": ctx.ending("acme").pk},
        foreign=lambda ctx: {"pk": ctx.ending("globex").pk},
        expect={"manager": 409},
    ),
    "checkpoints:ending_withdraw": Route(
        allowed={"manager"},
        kwargs=lambda ctx: {"pk": ctx.ending("acme").pk},
        foreign=lambda ctx: {"pk": ctx.ending("globex").pk},
        expect={"employee": 409},
    ),
    # The meeting's forms POST to their own URL; a GET of one leads back to the checkpoint page (302). Writing
    # needs a party (tests/checkpoints/test_meeting.py); the demo employee's next checkpoint has agenda topics, the
    # held first one next actions (checkpoints/demo_meeting.py).
    **{
        name: Route(
            allowed=PEOPLE,
            ok=302,
            kwargs=lambda ctx: {"pk": ctx.checkpoint("employee@acme.example").pk},
            foreign=lambda ctx: {"pk": ctx.checkpoint("employee@globex.example").pk},
        )
        for name in ("checkpoints:agenda_add", "checkpoints:action_add", "checkpoints:correction_add")
    },
    "checkpoints:agenda_withdraw": Route(
        allowed=PEOPLE,
        ok=302,
        kwargs=lambda ctx: ctx.topic("employee@acme.example"),
        foreign=lambda ctx: ctx.topic("employee@globex.example"),
    ),
    "checkpoints:action_done": Route(
        allowed=PEOPLE,
        ok=302,
        kwargs=lambda ctx: ctx.action("employee@acme.example"),
        foreign=lambda ctx: ctx.action("employee@globex.example"),
    ),
    # The tour's manager or HR cancel a scheduled checkpoint; the employee asks their manager (403).
    "checkpoints:cancel": Route(
        allowed={"manager", "hr"},
        kwargs=lambda ctx: {"pk": ctx.next_checkpoint("employee@acme.example").pk},
        foreign=lambda ctx: {"pk": ctx.next_checkpoint("employee@globex.example").pk},
    ),
    "checkpoints:overdue": Route(allowed={"hr"}),
    # The checkpoint's invite: whoever may read the checkpoint.
    "checkpoints:checkpoint_ics": Route(
        allowed=PEOPLE,
        kwargs=lambda ctx: {"pk": ctx.checkpoint("employee@acme.example").pk},
        foreign=lambda ctx: {"pk": ctx.checkpoint("employee@globex.example").pk},
    ),
    # One's own private calendar feed (each member has their own); revoking asks first (the demo employee has a
    # feed, checkpoints/demo_reminders.py), and without a feed the confirmation leads back to the feed page.
    "checkpoints:calendar": Route(allowed=PEOPLE),
    "checkpoints:calendar_revoke": Route(allowed=PEOPLE, ok=302, expect={"employee": 200}),
    # Proposing an amendment from a checkpoint: the tour's parties only (HR reads the checkpoint, 403 here).
    "checkpoints:amend": Route(
        allowed=PARTIES,
        kwargs=lambda ctx: {"pk": ctx.checkpoint("employee@acme.example").pk},
        foreign=lambda ctx: {"pk": ctx.checkpoint("employee@globex.example").pk},
    ),
    "notifications": Route(allowed={"hr", "manager", "employee", "alumni"}),
    # A notice is its recipient's alone: anyone else, HR included, gets 404 (the demo mails manager@ of each
    # organization about the agreements they sign).
    "notification_open": Route(
        allowed={"manager"},
        ok=302,
        kwargs=lambda ctx: {"pk": ctx.notice("manager@acme.example").pk},
        foreign=lambda ctx: {"pk": ctx.notice("manager@globex.example", "globex").pk},
        denied=404,
    ),
    "audit": Route(allowed={"hr"}),
    # The filtered audit trail as CSV: HR only, like the page.
    "audit_export": Route(allowed={"hr"}),
    # The HR dashboard and the lists behind its figures (alliance/hr_views.py): HR only.
    "hr_dashboard": Route(allowed={"hr"}),
    "hr_list": Route(allowed={"hr"}, kwargs=lambda ctx: {"key": "members"}),
    # The organization's notices that could not be sent, with their errors: HR only.
    "notifications_failed": Route(allowed={"hr"}),
    # The alumni community (alumni/): alumni and HR; current employees only when HR opens the directory to them.
    "alumni:home": Route(allowed={"hr", "alumni"}),
    # Profiles and directory (alumni/views/community.py). One's own profile pages exist only for alumni (404 for
    # the others: nothing of theirs is there); alumni@ has joined, so the join page leads to the profile.
    "alumni:join": Route(allowed={"alumni"}, denied=404, ok=302),
    "alumni:profile": Route(allowed={"alumni"}, denied=404),
    "alumni:leave": Route(allowed={"alumni"}, denied=404),
    "alumni:directory": Route(allowed={"hr", "alumni"}),
    "alumni:directory_profile": Route(
        allowed={"hr", "alumni"},
        kwargs=lambda ctx: {"pk": ctx.alumni_profile("alumni@acme.example").pk},
        foreign=lambda ctx: {"pk": ctx.alumni_profile("alumni@globex.example").pk},
    ),
    "alumni:settings": Route(allowed={"hr"}),
    # posts: the community feed (alumni/views/posts.py); alumni@'s post and comment, HR's moderation. The small
    # POST-only actions lead a GET back to the post (302).
    "alumni:posts": Route(allowed={"hr", "alumni"}),
    "alumni:posts_digest": Route(allowed={"hr", "alumni"}),
    "alumni:post": Route(
        allowed={"hr", "alumni"},
        kwargs=lambda ctx: {"pk": ctx.alumni_post().pk},
        foreign=lambda ctx: {"pk": ctx.alumni_post("globex").pk},
    ),
    "alumni:post_edit": Route(
        allowed={"alumni"},
        kwargs=lambda ctx: {"pk": ctx.alumni_post().pk},
        foreign=lambda ctx: {"pk": ctx.alumni_post("globex").pk},
    ),
    "alumni:post_withdraw": Route(
        allowed={"alumni"},
        kwargs=lambda ctx: {"pk": ctx.alumni_post().pk},
        foreign=lambda ctx: {"pk": ctx.alumni_post("globex").pk},
    ),
    "alumni:post_hide": Route(
        allowed={"hr"},
        kwargs=lambda ctx: {"pk": ctx.alumni_post().pk},
        foreign=lambda ctx: {"pk": ctx.alumni_post("globex").pk},
    ),
    # The hidden demo post is not alumni@'s: they do not see it at all (404).
    "alumni:post_unhide": Route(
        allowed={"hr"},
        ok=302,
        kwargs=lambda ctx: {"pk": ctx.alumni_post(hidden=True).pk},
        foreign=lambda ctx: {"pk": ctx.alumni_post("globex", hidden=True).pk},
        expect={"alumni": 404},
    ),
    **{
        name: Route(
            allowed={"hr", "alumni"},
            ok=302,
            kwargs=lambda ctx: {"pk": ctx.alumni_post().pk},
            foreign=lambda ctx: {"pk": ctx.alumni_post("globex").pk},
        )
        for name in ("alumni:post_pin", "alumni:comment_add")
    },
    "alumni:comment_withdraw": Route(
        allowed={"alumni"},
        kwargs=lambda ctx: {"pk": ctx.alumni_comment().pk},
        foreign=lambda ctx: {"pk": ctx.alumni_comment("globex").pk},
    ),
    "alumni:comment_hide": Route(
        allowed={"hr"},
        kwargs=lambda ctx: {"pk": ctx.alumni_comment().pk},
        foreign=lambda ctx: {"pk": ctx.alumni_comment("globex").pk},
    ),
    "alumni:comment_unhide": Route(
        allowed={"hr", "alumni"},
        ok=302,
        kwargs=lambda ctx: {"pk": ctx.alumni_comment().pk},
        foreign=lambda ctx: {"pk": ctx.alumni_comment("globex").pk},
    ),
    # Opportunities and referrals (alumni/demo_opportunities.py): everyone reads the open comeback role (current
    # employees so that they can refer someone); HR posted it, so only HR edits and closes it. Interest is the
    # alumni's (alumni@ is interested in it; HR lacks the capability, so another organization's id is tested in
    # tests/alumni/test_opportunities.py); a referral is HR's and its referrer's (alumni@'s: 404 to others).
    "alumni:opportunities": Route(allowed={"hr", "manager", "employee", "alumni"}),
    "alumni:opportunity_new": Route(allowed={"hr", "alumni"}),
    "alumni:opportunity": Route(
        allowed={"hr", "manager", "employee", "alumni"},
        kwargs=lambda ctx: {"pk": ctx.opportunity("acme").pk},
        foreign=lambda ctx: {"pk": ctx.opportunity("globex").pk},
    ),
    **{
        name: Route(
            allowed={"hr"},
            kwargs=lambda ctx: {"pk": ctx.opportunity("acme").pk},
            foreign=lambda ctx: {"pk": ctx.opportunity("globex").pk},
            # alumni@ is a member of the community but not this opportunity's poster: 403, as for an employee.
            expect={"alumni": 403},
        )
        for name in ("alumni:opportunity_edit", "alumni:opportunity_close")
    },
    "alumni:opportunity_interest": Route(
        allowed={"alumni"},
        ok=302,
        kwargs=lambda ctx: {"pk": ctx.opportunity("acme").pk},
    ),
    "alumni:interest_withdraw": Route(
        allowed={"alumni"},
        kwargs=lambda ctx: {"pk": ctx.opportunity("acme").pk},
    ),
    "alumni:interest_status": Route(
        allowed={"hr"},
        ok=302,
        kwargs=lambda ctx: {"pk": ctx.interest("acme").pk},
        foreign=lambda ctx: {"pk": ctx.interest("globex").pk},
        expect={"alumni": 404},
    ),
    "alumni:opportunity_refer": Route(
        allowed={"hr", "manager", "employee", "alumni"},
        kwargs=lambda ctx: {"pk": ctx.opportunity("acme").pk},
        foreign=lambda ctx: {"pk": ctx.opportunity("globex").pk},
    ),
    "alumni:referrals_mine": Route(allowed={"hr", "manager", "employee", "alumni"}),
    "alumni:referrals": Route(allowed={"hr"}),
    "alumni:referral": Route(
        allowed={"hr", "alumni"},
        denied=404,
        kwargs=lambda ctx: {"pk": ctx.referral("acme").pk},
        foreign=lambda ctx: {"pk": ctx.referral("globex").pk},
    ),
    "alumni:referral_status": Route(
        allowed={"hr"},
        ok=302,
        kwargs=lambda ctx: {"pk": ctx.referral("acme").pk},
        foreign=lambda ctx: {"pk": ctx.referral("globex").pk},
    ),
    # Alumni surveys (alumni/demo_surveys.py): HR defines them and reads the results; the demo survey has answers,
    # so changing its questions is a 409 and the POST-only actions lead back to the survey (302). An alumnus
    # answers their own invitation only (anyone else, HR included: 404).
    "alumni:surveys": Route(allowed={"hr"}),
    "alumni:survey_new": Route(allowed={"hr"}),
    **{
        name: Route(allowed={"hr"}, kwargs=_survey("acme"), foreign=_survey("globex"), **extra)
        for name, extra in {
            "alumni:survey": {},
            "alumni:survey_edit": {},
            "alumni:survey_results": {},
            "alumni:survey_question_new": {"ok": 409},
            "alumni:survey_activate": {"ok": 302},
            "alumni:survey_deactivate": {"ok": 302},
            "alumni:survey_copy": {"ok": 302},
        }.items()
    },
    "alumni:survey_question_edit": Route(
        allowed={"hr"}, ok=409, kwargs=_survey_question("acme"), foreign=_survey_question("globex")
    ),
    "alumni:survey_question_remove": Route(
        allowed={"hr"}, kwargs=_survey_question("acme"), foreign=_survey_question("globex")
    ),
    "alumni:survey_answer": Route(
        allowed={"alumni"},
        kwargs=lambda ctx: {"pk": ctx.survey_invitation("acme").pk},
        foreign=lambda ctx: {"pk": ctx.survey_invitation("globex").pk},
        expect={"hr": 404},
    ),
    # Leaving well (alumni/views/departures.py): the demo's departure in progress is member05@'s, who reports to
    # manager@; the person, that manager and HR see it, anyone else gets 404; only the person fills the exit
    # conversation.
    "alumni:departures": Route(allowed={"hr", "manager"}),
    "alumni:departure_start": Route(allowed=PEOPLE),
    "alumni:departure": Route(
        allowed={"hr", "manager"},
        kwargs=lambda ctx: _departure("acme"),
        foreign=lambda ctx: _departure("globex"),
        denied=404,
    ),
    **{
        name: Route(
            allowed={"hr", "manager"},
            kwargs=lambda ctx: _departure("acme"),
            foreign=lambda ctx: _departure("globex"),
            # alumni@ lacks VIEW_OWN_RECORDS: 404 (alliance.tenancy.TenantView), the rule for every alumnus.
            denied=404,
        )
        for name in ("alumni:departure_edit", "alumni:departure_cancel")
    },
    "alumni:departure_conversation": Route(
        allowed=set(),
        kwargs=lambda ctx: _departure("acme"),
        foreign=lambda ctx: _departure("globex"),
        expect={"employee": 404},
    ),
    # HR's alumni records and their CSV export (alumni/views/records.py): HR only; an alumnus gets 404.
    "alumni:records": Route(allowed={"hr"}),
    "alumni:records_csv": Route(allowed={"hr"}),
}


def _departure(slug):
    """The demo's departure in progress in `slug` (alumni/demo_departures.py: member05@'s)."""
    from alumni.models import Departure

    return {"pk": Departure.objects.get(membership__user__email=f"member05@{slug}.example", status="planned").pk}


# Routes outside /<org_slug>/: "public" answer anyone; "login" send anonymous visitors to sign in.
SITE_ROUTES: dict[str, str] = {
    "landing": "public",
    "healthz": "public",
    "set_language": "public",
    "invitation_accept": "public",
    "verify": "public",
    # A calendar application polls it without a login: the token is the key (tests/checkpoints/test_calendar.py).
    "calendar_feed": "public",
    # The personal link of a survey e-mail: the token is the key (tests/alumni/test_surveys_views.py).
    "survey_public": "public",
    "organization_chooser": "login",
    "profile": "login",
    # Two-factor setup asked of HR where the organization requires it, and the way back to the page they wanted.
    "mfa_required": "login",
    "mfa_continue": "login",
}
# Whole namespaces owned by libraries, tested through their own flows (sign-in, admin scoping tests).
LIBRARY_PREFIXES = ("account_", "admin:")
LIBRARY_ROUTES_PREFIX = ("accounts/", "admin/")


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), (namespace + entry.name) if entry.name else None


def all_routes():
    return list(_walk(get_resolver().url_patterns))


def org_route_names():
    return sorted({name for route, name in all_routes() if route.startswith("<slug:org_slug>/")})


def test_every_url_pattern_is_in_the_matrix():
    missing = []
    for route, name in all_routes():
        if route.startswith(LIBRARY_ROUTES_PREFIX):
            continue
        if name is None:
            missing.append(route)
        elif route.startswith("<slug:org_slug>/"):
            if name not in ORG_ROUTES:
                missing.append(name)
        elif name not in SITE_ROUTES and not name.startswith(LIBRARY_PREFIXES):
            missing.append(name)
    assert not missing, f"URL patterns missing from tests/test_url_access.py: {missing}"


def _url(name, slug, kwargs):
    return reverse(name, kwargs={"org_slug": slug, **kwargs})


@pytest.mark.parametrize("name", sorted(ORG_ROUTES))
def test_anonymous_visitors_are_sent_to_sign_in(db, login, name):
    url = _url(name, "acme", ORG_ROUTES[name].kwargs(Context()))
    response = login(None).get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", sorted(ORG_ROUTES))
def test_members_of_another_organization_get_404(db, login, outsider, name):
    url = _url(name, "acme", ORG_ROUTES[name].kwargs(Context()))
    assert login(outsider).get(url).status_code == 404
    assert login(outsider).post(url, {}).status_code == 404


@pytest.mark.parametrize("name", sorted(ORG_ROUTES))
def test_an_unknown_organization_is_404_like_a_foreign_one(db, login, hr, name):
    url = _url(name, "no-such-company", ORG_ROUTES[name].kwargs(Context()))
    assert login(hr).get(url).status_code == 404


@pytest.mark.parametrize("name", sorted(n for n, r in ORG_ROUTES.items() if r.foreign))
def test_ids_of_another_organization_are_404_even_for_hr(db, login, hr, name):
    url = _url(name, "acme", ORG_ROUTES[name].foreign(Context()))
    assert login(hr).get(url).status_code == 404
    # A GET-only view answers any POST with 405 before it looks anything up, so 405 reveals nothing either.
    assert login(hr).post(url, {}).status_code in (404, 405)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(ORG_ROUTES))
def test_each_role_gets_exactly_what_the_matrix_allows(db, login, request, role, name):
    spec = ORG_ROUTES[name]
    membership = request.getfixturevalue(role)
    response = login(membership).get(_url(name, "acme", spec.kwargs(Context())))
    assert response.status_code == spec.expected(role), f"{role} on {name}"


def test_invited_members_who_have_not_accepted_get_404(db, login):
    invited = Membership.objects.filter(organization__slug="acme", status="invited").first()
    for name in ORG_ROUTES:
        url = _url(name, "acme", ORG_ROUTES[name].kwargs(Context()))
        assert login(invited).get(url).status_code == 404, name


@pytest.mark.parametrize("name", sorted(n for n, kind in SITE_ROUTES.items() if kind == "login"))
def test_signed_in_pages_outside_organizations_need_a_sign_in(db, login, name):
    response = login(None).get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# Upper bound of queries for any page of the matrix, opened by a role that may see it. Pages whose content
# grows with rows (lists, histories, KPI tables) also have growth tests beside their features.
MAX_QUERIES_PER_PAGE = 30
# The HR dashboard runs a fixed number of aggregate queries per section, whatever the organization's size
# (tests/alliance/test_hr_dashboard.py and tests/alumni/test_hr_insights.py compare the counts as rows grow).
QUERY_BUDGET_EXCEPTIONS = {"hr_dashboard": 40}


@pytest.mark.parametrize("name", sorted(n for n, r in ORG_ROUTES.items() if r.allowed))
def test_every_page_stays_within_a_query_budget(db, login, request, django_assert_max_num_queries, name):
    spec = ORG_ROUTES[name]
    role = next(r for r in ("hr", "manager", "employee", "alumni") if r in spec.allowed)
    client = login(request.getfixturevalue(role))
    url = _url(name, "acme", spec.kwargs(Context()))
    with django_assert_max_num_queries(QUERY_BUDGET_EXCEPTIONS.get(name, MAX_QUERIES_PER_PAGE)):
        assert client.get(url).status_code == spec.ok


def _argless(prefix):
    from django.urls import NoReverseMatch

    for route, name in all_routes():
        if not route.startswith(prefix) or name is None:
            continue
        try:
            yield name, reverse(name)
        except NoReverseMatch:
            continue  # needs arguments (an object id, a key): covered by the admin scoping tests


# The admin's own sign-in page, and its logout (POST only), are the two pages open to everyone.
ADMIN_OPEN = {"admin:login", "admin:logout"}


@pytest.mark.parametrize("name, url", [(n, u) for n, u in _argless("admin/") if n not in ADMIN_OPEN])
def test_every_admin_page_is_closed_to_anonymous_visitors_and_non_staff(db, login, employee, name, url):
    for client in (login(None), login(employee)):
        response = client.get(url)
        assert response.status_code in (302, 404), name
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("admin:login")), name


LOGIN_REQUIRED_ACCOUNT_PAGES = {
    "account_change_password",
    "account_email",
    "account_set_password",
    "account_logout",
    "account_reauthenticate",
}


@pytest.mark.parametrize("name, url", list(_argless("accounts/")))
def test_account_pages_answer_anonymous_visitors_without_errors(db, login, name, url):
    response = login(None).get(url)
    assert response.status_code in (200, 302, 404), name
    if name in LOGIN_REQUIRED_ACCOUNT_PAGES:
        assert response.status_code == 302, name


# Alumni's own records (alumni/demo_access.py gives alumni@ a tour completed before they left, its agreement signed
# with its PDF): the read pages answer them, HR reads them too, and a current employee gets 404 (not theirs). Every
# other page of the organization they left is a 404 for them (Route.expected; the full decision table, writes
# included, is tests/alumni/test_access.py).
def _alumni_version(ctx):
    return ctx.version("alumni@acme.example")


ALUMNI_OWN_ROUTES: dict[str, tuple[Callable, int]] = {
    "agreements:mine": (lambda ctx: {}, 200),
    "agreements:person": (lambda ctx: {"member_pk": _member("alumni@acme.example").pk}, 200),
    "agreements:alignment": (lambda ctx: {"pk": ctx.alignment("alumni@acme.example").pk}, 200),
    "agreements:tour": (lambda ctx: {"pk": ctx.tour("alumni@acme.example").pk}, 200),
    "agreements:agreement": (lambda ctx: {"pk": _alumni_version(ctx)["pk"]}, 302),
    "agreements:version": (_alumni_version, 200),
    "agreements:pdf": (_alumni_version, 200),
    "checkpoints:checkpoint": (lambda ctx: {"pk": ctx.checkpoint("alumni@acme.example").pk}, 200),
    "checkpoints:timeline": (lambda ctx: {"member_pk": _member("alumni@acme.example").pk}, 200),
}


@pytest.mark.parametrize("name", sorted(ALUMNI_OWN_ROUTES))
def test_alumni_read_their_own_records_and_hr_too(db, login, alumni, hr, name):
    kwargs, ok = ALUMNI_OWN_ROUTES[name]
    url = _url(name, "acme", kwargs(Context()))
    assert login(alumni).get(url).status_code == ok
    if name == "agreements:mine":
        return
    # HR reads an alignment only once its employee shared it (the demo alumnus did not): 404, as for employees.
    assert login(hr).get(url).status_code == (404 if name == "agreements:alignment" else ok)


@pytest.mark.parametrize("name", sorted(n for n in ALUMNI_OWN_ROUTES if n != "agreements:mine"))
def test_an_employee_gets_404_on_an_alumnus_records(db, login, employee, name):
    kwargs, _ok = ALUMNI_OWN_ROUTES[name]
    assert login(employee).get(_url(name, "acme", kwargs(Context()))).status_code == 404
