from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlumniConfig(AppConfig):
    name = "alumni"
    verbose_name = _("Alumni")

    def ready(self):
        from alliance.demo import DEMO_EXTENSIONS
        from alumni import (
            capabilities,  # noqa: F401  (registers its capabilities with the core role map)
            demo,
            demo_access,
        )

        DEMO_EXTENSIONS.append(demo.seed)
        DEMO_EXTENSIONS.append(demo_access.seed)
