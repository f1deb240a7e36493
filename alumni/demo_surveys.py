"""The surveys part's demo (seed_demo, through DEMO_EXTENSIONS after alumni.demo): one survey in use (a scale, a
choice and a free-text question, in Japanese and English), ten answered invitations of demo alumni added here
(member21@..member30@<slug>.example, each with a completed departure within the last year), enough for the whole
result and the "by reason for leaving" cell of career steps (5) while the other cells stay hidden (startup 4,
study 1; and by months after leaving both, since 3 months would give 6 months by difference), and one invitation
waiting for alumni@<slug>.example whose link works (its notice is in alumni@'s notifications).

Dates, from the seeding day `today`: the 3-month respondents left at the end of the month four months ago, the
6-month ones seven months ago, so every survey went out on its milestone (alumni.notices_surveys.milestone_day:
the end of last month, within the last month) and was answered two days later (or by now), inside its link's
LINK_DAYS. alumni@ left four months ago too (alliance.demo), so their waiting link is as fresh. Idempotent: an
existing invitation or answer is left as it is.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from alliance import notices
from alliance.demo import april_first, moment, month_end
from alliance.models import Membership, MembershipStatus, Organization, Role
from alumni.models import Departure, DepartureKind, DepartureStatus
from alumni.models.surveys import QuestionKind, Survey, SurveyInvitation
from alumni.notices_surveys import KIND, invitation_path, milestone_day
from alumni.services import surveys as services

TITLE_JA = "退職後アンケート"

# (local part, name, departure kind, last day as months ago (alliance.demo.month_end), milestone, scale answer,
# choice index, text, anonymous)
# Their readings (フリガナ): every demo person has one, as a member of a real organization would.
READINGS = {
    "青木 恵": "アオキ メグミ",
    "石川 颯": "イシカワ ハヤテ",
    "上田 楓": "ウエダ カエデ",
    "岡田 湊": "オカダ ミナト",
    "遠藤 凛": "エンドウ リン",
    "藤田 樹": "フジタ イツキ",
    "前田 杏": "マエダ アン",
    "後藤 蒼": "ゴトウ アオイ",
    "村上 紬": "ムラカミ ツムギ",
    "近藤 律": "コンドウ リツ",
}

RESPONDENTS = [
    (
        "member21",
        "青木 恵",
        DepartureKind.CAREER_STEP,
        4,
        3,
        5,
        1,
        "1on1の文化は今の職場でも活きています。",
        False,
    ),
    ("member22", "石川 颯", DepartureKind.CAREER_STEP, 4, 3, 4, 0, "", False),
    (
        "member23",
        "上田 楓",
        DepartureKind.CAREER_STEP,
        4,
        3,
        4,
        2,
        "評価の基準をもっと早く知りたかった。",
        True,
    ),
    ("member24", "岡田 湊", DepartureKind.CAREER_STEP, 4, 3, 3, 1, "", True),
    (
        "member25",
        "遠藤 凛",
        DepartureKind.CAREER_STEP,
        4,
        3,
        5,
        0,
        "また一緒に働ける機会を楽しみにしています。",
        False,
    ),
    ("member26", "藤田 樹", DepartureKind.STARTUP, 4, 3, 4, 1, "", False),
    (
        "member27",
        "前田 杏",
        DepartureKind.STARTUP,
        4,
        3,
        2,
        3,
        "起業の相談に乗ってもらえる場があると嬉しい。",
        True,
    ),
    ("member28", "後藤 蒼", DepartureKind.STARTUP, 7, 6, 5, 1, "", False),
    ("member29", "村上 紬", DepartureKind.STARTUP, 7, 6, 4, 1, "", True),
    ("member30", "近藤 律", DepartureKind.STUDY, 7, 6, 3, 2, "", True),
]


def _survey(organization: Organization, hr) -> Survey:
    survey = Survey.objects.filter(organization=organization, title_ja=TITLE_JA).first()
    if survey is not None:
        return survey
    survey = services.survey_create(
        actor=hr,
        organization=organization,
        title_ja=TITLE_JA,
        title_en="After you left: a short survey",
        intro_ja="退職から少し経った今、在籍中の経験を振り返って教えてください。3分ほどで終わります。",
        intro_en="Now that some time has passed since you left, tell us how you look back on your time here. "
        "It takes about three minutes.",
    )
    services.question_save(
        survey=survey,
        actor=hr,
        position=1,
        kind=QuestionKind.SCALE,
        required=True,
        text_ja="在籍中の経験を、友人に勧めたいと思いますか。",
        text_en="Would you recommend working here to a friend?",
        low_label_ja="思わない",
        low_label_en="Not at all",
        high_label_ja="強く思う",
        high_label_en="Very much",
    )
    services.question_save(
        survey=survey,
        actor=hr,
        position=2,
        kind=QuestionKind.CHOICE,
        required=True,
        text_ja="これから当社とどのように関わりたいですか。",
        text_en="How would you like to stay connected with us?",
        options=[
            {"ja": "いつか戻りたい", "en": "Coming back one day"},
            {"ja": "プロジェクトや協業で", "en": "Projects or partnership"},
            {"ja": "情報交換だけ", "en": "Just keeping in touch"},
            {"ja": "今は特にない", "en": "Not now"},
        ],
    )
    services.question_save(
        survey=survey,
        actor=hr,
        position=3,
        kind=QuestionKind.TEXT,
        required=False,
        text_ja="会社に伝えたいことがあれば自由に書いてください。",
        text_en="Anything you would like to tell us?",
    )
    services.survey_activate(survey=survey, actor=hr)
    return survey


def _alumnus(organization: Organization, email: str, name: str, last_day: date, joined: date) -> Membership:
    reading = READINGS.get(name, "")
    user, created = get_user_model().objects.get_or_create(
        email=email, defaults={"name": name, "reading": reading, "language": "ja"}
    )
    if created:
        user.set_unusable_password()
        user.save()
    elif reading and not user.reading:
        # Demo data seeded before the readings were added gets them on the next seed_demo.
        user.reading = reading
        user.save(update_fields=["reading"])
    membership, _created = Membership.objects.get_or_create(
        organization=organization,
        user=user,
        defaults={
            "role": Role.EMPLOYEE,
            "status": MembershipStatus.ALUMNI,
            "job_title": "元 スタッフ",
            "joined_on": joined,
            "left_on": last_day,
        },
    )
    return membership


def _departure(organization, membership, kind, last_day) -> Departure:
    left_at = timezone.make_aware(datetime.combine(last_day, time(18, 0)))
    departure, _created = Departure.objects.get_or_create(
        organization=organization,
        membership=membership,
        status=DepartureStatus.COMPLETED,
        defaults={
            "last_day": last_day,
            "kind": kind,
            "started_at": left_at,
            "completed_at": left_at,
            # Invited to the community long ago: the last-day scan step owes them nothing (notices_departures).
            "community_invited_at": left_at,
        },
    )
    return departure


def _sent_at(last_day: date, milestone: int, today: date) -> datetime:
    """When the demo's invitation of `milestone` months was sent: 10:00 on its milestone day, or `today`'s demo
    moment if that is earlier (never in the demo's future)."""
    sent = timezone.make_aware(datetime.combine(milestone_day(last_day, milestone), time(10, 0)))
    return min(sent, moment(today))


def seed(organization: Organization, *, today: date | None = None) -> None:
    """Add the survey, its answered invitations and alumni@'s waiting one to `organization`'s demo, dated from
    `today` (default: the local date; see the module)."""
    today = today or timezone.localdate()
    slug = organization.slug
    hr = Membership.objects.filter(organization=organization, user__email=f"hr@{slug}.example").first()
    if hr is None:
        return
    survey = _survey(organization, hr)
    now = moment(today)
    joined = april_first(today, 5)
    for local, name, kind, months_ago, milestone, scale, choice, text, anonymous in RESPONDENTS:
        membership = _alumnus(organization, f"{local}@{slug}.example", name, month_end(today, months_ago), joined)
        # The departure follows the membership's last day: one seeded on an earlier day keeps its own.
        departure = _departure(organization, membership, kind, membership.left_on)
        invitation = SurveyInvitation.objects.filter(departure=departure, milestone=milestone).first()
        if invitation is None:
            sent = _sent_at(departure.last_day, milestone, today)
            (invitation,) = services.invitations_create(survey=survey, keys=[(departure, milestone)], now=sent)
        if invitation.answered_at is None:
            questions = list(survey.questions.all())
            services.invitation_answer(
                invitation=invitation,
                answers={questions[0].pk: scale, questions[1].pk: choice, questions[2].pk: text},
                anonymous=anonymous,
            )
            # Answered two days after it was sent (the service stamps the real now).
            answered = min(invitation.sent_at + timedelta(days=2), now)
            SurveyInvitation.objects.filter(pk=invitation.pk).update(answered_at=answered)
    alumnus = Membership.objects.filter(organization=organization, user__email=f"alumni@{slug}.example").first()
    departure = Departure.objects.filter(membership=alumnus, status=DepartureStatus.COMPLETED).first()
    if departure is None:
        return
    invitation = SurveyInvitation.objects.filter(departure=departure, milestone=3).first()
    if invitation is None:
        sent = _sent_at(departure.last_day, 3, today)
        (invitation,) = services.invitations_create(survey=survey, keys=[(departure, 3)], now=sent)
    # Recorded as sent (the demo sends no e-mail): it shows in alumni@'s notifications, linking to the answer page.
    notices.record(
        [
            notices.Due(
                organization_id=organization.pk,
                kind=KIND,
                obj=invitation,
                recipient_id=alumnus.pk,
                label=f"{survey.title_ja} / {survey.title_en}",
                url=invitation_path(invitation, slug),
            )
        ]
    )
    from alliance.models import Notice, NoticeState

    Notice.objects.filter(kind=KIND, object_id=invitation.pk, recipient=alumnus, state=NoticeState.QUEUED).update(
        state=NoticeState.SENT, sent_at=invitation.sent_at
    )
