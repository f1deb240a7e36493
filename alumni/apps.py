from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlumniConfig(AppConfig):
    name = "alumni"
    verbose_name = _("Alumni")

    def ready(self):
        from alliance.audit import ACTIONS
        from alliance.demo import DEMO_EXTENSIONS
        from alumni import (
            capabilities,  # noqa: F401  (registers its capabilities with the core role map)
            demo,
            demo_access,
        )
        from alumni.services import records as records_services

        ACTIONS.update(records_services.AUDIT_ACTIONS)
        DEMO_EXTENSIONS.append(demo.seed)
        DEMO_EXTENSIONS.append(demo_access.seed)
