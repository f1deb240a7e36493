from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CheckpointsConfig(AppConfig):
    name = "checkpoints"
    verbose_name = _("Checkpoints")

    def ready(self):
        from agreements.signals import version_signed
        from alliance.audit import ACTIONS
        from alliance.demo import DEMO_EXTENSIONS
        from alliance.sections import register_section
        from checkpoints import (
            calendar,
            capabilities,  # noqa: F401  (registers its capabilities with the core role map)
            demo,
            demo_reminders,
            notices,
            receivers,
            services,
        )

        ACTIONS.update(services.AUDIT_ACTIONS)
        DEMO_EXTENSIONS.append(demo.seed)
        DEMO_EXTENSIONS.append(demo_reminders.seed)
        notices.register()
        register_section("alliance", calendar.feed_section)
        version_signed.connect(receivers.schedule_on_signature, dispatch_uid="checkpoints-schedule-on-signature")
