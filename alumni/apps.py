from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlumniConfig(AppConfig):
    name = "alumni"
    verbose_name = _("Alumni")

    def ready(self):
        from alliance.audit import ACTIONS
        from alliance.demo import DEMO_EXTENSIONS
        from alliance.signals import member_returned
        from alumni import (
            capabilities,  # noqa: F401  (registers its capabilities with the core role map)
            demo,
            demo_access,
            timeline,
        )
        from alumni.services import comebacks as comeback_services
        from alumni.services import records as records_services
        from checkpoints.timeline import register_entry_builder

        ACTIONS.update(records_services.AUDIT_ACTIONS)
        ACTIONS.update(comeback_services.AUDIT_ACTIONS)
        # A comeback hire keeps the alumni years on the career timeline.
        member_returned.connect(comeback_services.on_member_returned, dispatch_uid="alumni-comeback")
        register_entry_builder(timeline.alumni_entries)
        DEMO_EXTENSIONS.append(demo.seed)
        DEMO_EXTENSIONS.append(demo_access.seed)
