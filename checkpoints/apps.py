from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CheckpointsConfig(AppConfig):
    name = "checkpoints"
    verbose_name = _("Checkpoints")

    def ready(self):
        from agreements.signals import version_signed
        from alliance.audit import ACTIONS, register_change_keys
        from alliance.bench_seed import register_part
        from alliance.dashboard import DASHBOARD_CARDS, WAITING_BUILDERS
        from alliance.demo import DEMO_EXTENSIONS
        from alliance.sections import register_section
        from alliance.signals import checkpoint_interval_changed, member_left
        from checkpoints import (
            calendar,
            capabilities,  # noqa: F401  (registers its capabilities with the core role map)
            dashboard,
            demo,
            demo_amend,
            demo_complete,
            demo_meeting,
            demo_reminders,
            ending_notices,
            hr_insights,
            notices,
            receivers,
            sections,
            services,
        )

        ACTIONS.update(services.AUDIT_ACTIONS)
        # Keys the audit rows record that are not fields of their object: named in the reader's language.
        ending_keys = {"tour_status": _("Tour status"), "cancelled_checkpoints": _("Checkpoints cancelled")}
        for action in ("tour_ending.confirm", "tour_ending.end_by_hr", "tour_ending.left"):
            register_change_keys(action, ending_keys)
        for action in ("calendar_feed.create", "calendar_feed.revoke"):
            register_change_keys(action, {"revoked": _("Earlier feed links revoked")})
        register_change_keys(
            "checkpoint.propose_amendment",
            {"amendment": _("Amendment (version number)"), "reason": _("Reason for the amendment")},
        )
        DEMO_EXTENSIONS.append(demo.seed)
        register_part("checkpoints", "checkpoints.bench_seed.seed")
        DEMO_EXTENSIONS.append(demo_amend.seed)
        DEMO_EXTENSIONS.append(demo_meeting.seed)
        DEMO_EXTENSIONS.append(demo_complete.seed)
        DEMO_EXTENSIONS.append(demo_reminders.seed)
        # Checkpoint reminders through the core notice scan.
        notices.register()
        version_signed.connect(receivers.schedule_on_signature, dispatch_uid="checkpoints-schedule-on-signature")
        checkpoint_interval_changed.connect(
            receivers.reschedule_on_interval_change, dispatch_uid="checkpoints-reschedule-on-interval-change"
        )
        # The tour page: its checkpoints, its KPI picture, then how it ends; a person's alliance page: the next
        # checkpoint, then the current tour's picture.
        register_section("tour", sections.tour_checkpoints_section)
        register_section("tour", sections.tour_picture_section)
        register_section("tour", sections.tour_ending_section)
        register_section("alliance", sections.alliance_next_checkpoint_section)
        register_section("alliance", sections.alliance_picture_section)
        register_section("alliance", calendar.feed_section)
        # Home page: checkpoints and tour endings waiting for the viewer; HR's overdue card.
        WAITING_BUILDERS.append(dashboard.waiting_section)
        WAITING_BUILDERS.append(dashboard.waiting_endings_section)
        DASHBOARD_CARDS.append(dashboard.overdue_card)
        # The end of a tour and what followed it (services.endings).
        member_left.connect(receivers.end_tours_of_leaver, dispatch_uid="checkpoints-end-tours-of-leaver")
        ending_notices.register()
        hr_insights.register()
