from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CheckpointsConfig(AppConfig):
    name = "checkpoints"
    verbose_name = _("Checkpoints")

    def ready(self):
        from agreements.signals import version_signed
        from alliance.audit import ACTIONS
        from alliance.dashboard import WAITING_BUILDERS
        from alliance.demo import DEMO_EXTENSIONS
        from alliance.sections import register_section
        from alliance.signals import member_left
        from checkpoints import (
            capabilities,  # noqa: F401  (registers its capabilities with the core role map)
            demo,
            demo_complete,
            ending_notices,
            ending_sections,
            receivers,
            sections,
            services,
        )

        ACTIONS.update(services.AUDIT_ACTIONS)
        DEMO_EXTENSIONS.append(demo.seed)
        DEMO_EXTENSIONS.append(demo_complete.seed)
        version_signed.connect(receivers.schedule_on_signature, dispatch_uid="checkpoints-schedule-on-signature")
        register_section("tour", sections.tour_section)
        register_section("alliance", sections.alliance_section)
        # The end of a tour and what followed it (services.endings).
        member_left.connect(receivers.end_tours_of_leaver, dispatch_uid="checkpoints-end-tours-of-leaver")
        register_section("tour", ending_sections.tour_section)
        WAITING_BUILDERS.append(ending_sections.waiting_section)
        ending_notices.register()
