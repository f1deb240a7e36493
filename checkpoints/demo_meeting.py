"""Demo data for the checkpoint 1on1 as a meeting (called by `seed_demo` through alliance.demo.DEMO_EXTENSIONS,
after checkpoints/demo.py): the demo employee's held first checkpoint has two next actions (one done, one still
open and carried over), their next checkpoint has agenda topics from both sides; member04's first checkpoint is
held with both sides saying "off track", confirmed, and corrected by a note of the manager. So the demo has one
drifting tour (the demo employee's: the manager says drifting) and one off track (member04's). Idempotent: each
step looks for its result first."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from agreements.models import Tour
from alliance.models import Organization
from checkpoints import selectors, services
from checkpoints.demo import active_demo_tour
from checkpoints.models import AgendaTopic, CheckpointStatus, MeetingSide, NextAction

ACTIONS = (
    # (text, owner, days after the 1on1, done at the demo)
    ("決済リトライの監視ダッシュボードを公開する", MeetingSide.EMPLOYEE, 14, True),
    ("障害対応の復旧手順書を作り、SREチームのレビューを受ける", MeetingSide.EMPLOYEE, 45, False),
)
TOPICS = (
    (MeetingSide.EMPLOYEE, "復旧手順書の進み具合と、SREチームに手伝ってもらえる範囲"),
    (MeetingSide.MANAGER, "来期の障害対応時間の目標をこのままにするか"),
)


def _meeting(tour: Tour) -> None:
    """Next actions on the held first checkpoint, agenda topics on the next one."""
    employee, manager = tour.employee, tour.employee.manager
    checkpoints = list(selectors.tour_checkpoints(tour)[:2])
    if len(checkpoints) < 2:
        return
    first, following = checkpoints
    if first.status == CheckpointStatus.HELD and not NextAction.objects.filter(checkpoint=first).exists():
        for text, owner, days, done in ACTIONS:
            action = services.next_action_add(
                checkpoint=first, actor=manager, text=text, owner=owner, due_on=first.held_on + timedelta(days=days)
            )
            if done:
                services.next_action_mark_done(action=action, at=first, actor=employee)
    if following.status == CheckpointStatus.SCHEDULED and not AgendaTopic.objects.filter(checkpoint=following).exists():
        for side, text in TOPICS:
            actor = employee if side == MeetingSide.EMPLOYEE else manager
            services.agenda_topic_add(checkpoint=following, actor=actor, text=text)


def _off_track(tour: Tour) -> None:
    """Hold the first checkpoint of `tour` today, both sides saying off track, and confirm it."""
    first = selectors.tour_checkpoints(tour).first()
    if first is None or first.status != CheckpointStatus.SCHEDULED:
        return
    measurements = {
        row.kpi.pk: {"value": row.kpi.baseline if row.kpi.baseline is not None else Decimal(0), "comment": "横ばい"}
        for row in selectors.kpi_rows(first, selectors.version_in_force(tour))
    }
    shared = {"held_on": timezone.localdate(), "confidence": 3}
    services.checkpoint_record(
        checkpoint=first,
        actor=tour.employee,
        data={
            **shared,
            "employee_alignment": "off_track",
            "employee_alignment_why": "担当顧客の入れ替えで、自動化に使える時間がほとんど取れなかった。",
            "reflection": "優先順位を上司と早めに相談するべきだった。",
        },
        measurements=measurements,
    )
    services.checkpoint_record(
        checkpoint=first,
        actor=tour.employee.manager,
        data={
            **shared,
            "manager_alignment": "off_track",
            "manager_alignment_why": "組織変更で目標の前提が変わった。期間か目標の見直し(修正合意)が必要。",
            "manager_notes": "次回までに、目標と期間をどう直すかの案をお互いに持ち寄ろう。",
        },
        measurements=measurements,
    )
    services.checkpoint_confirm(checkpoint=first, actor=tour.employee)
    services.checkpoint_confirm(checkpoint=first, actor=tour.employee.manager)
    services.correction_note_add(
        checkpoint=first,
        actor=tour.employee.manager,
        text="記録の補足: 組織変更の発表は1on1の翌週だったため、見直し案は来月の面談で扱う。",
    )


def seed(organization: Organization, *, today: date | None = None) -> None:
    """Add the meeting of the demo employee's checkpoints and hold member04's first checkpoint off track.
    `today` (the seeding day) is not read: this story goes through services that check the real clock (a 1on1 is
    not held after today, a signature is stamped now), so its dates count from the real local date."""
    tour = active_demo_tour(organization, "employee")
    if tour is not None:
        _meeting(tour)
    tour = active_demo_tour(organization, "member04")
    if tour is not None:
        _off_track(tour)
