from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CheckpointsConfig(AppConfig):
    name = "checkpoints"
    verbose_name = _("Checkpoints")

    def ready(self):
        from agreements.signals import version_signed
        from alliance.audit import ACTIONS
        from alliance.dashboard import DASHBOARD_CARDS, WAITING_BUILDERS
        from alliance.demo import DEMO_EXTENSIONS
        from alliance.sections import register_section
        from checkpoints import (
            capabilities,  # noqa: F401  (registers its capabilities with the core role map)
            dashboard,
            demo,
            demo_meeting,
            receivers,
            sections,
            services,
        )

        ACTIONS.update(services.AUDIT_ACTIONS)
        DEMO_EXTENSIONS.append(demo.seed)
        DEMO_EXTENSIONS.append(demo_meeting.seed)
        register_section("tour", sections.tour_section)
        register_section("alliance", sections.alliance_section)
        WAITING_BUILDERS.append(dashboard.waiting_section)
        DASHBOARD_CARDS.append(dashboard.overdue_card)
        version_signed.connect(receivers.schedule_on_signature, dispatch_uid="checkpoints-schedule-on-signature")
