from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CheckpointsConfig(AppConfig):
    name = "checkpoints"
    verbose_name = _("Checkpoints")

    def ready(self):
        from agreements.signals import version_signed
        from alliance.audit import ACTIONS
        from alliance.demo import DEMO_EXTENSIONS
        from alliance.signals import checkpoint_interval_changed
        from checkpoints import (
            capabilities,  # noqa: F401  (registers its capabilities with the core role map)
            demo,
            demo_amend,
            receivers,
            services,
        )

        ACTIONS.update(services.AUDIT_ACTIONS)
        DEMO_EXTENSIONS.append(demo.seed)
        DEMO_EXTENSIONS.append(demo_amend.seed)
        version_signed.connect(receivers.schedule_on_signature, dispatch_uid="checkpoints-schedule-on-signature")
        checkpoint_interval_changed.connect(
            receivers.reschedule_on_interval_change, dispatch_uid="checkpoints-reschedule-on-interval-change"
        )
