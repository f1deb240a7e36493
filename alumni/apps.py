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
        )

        DEMO_EXTENSIONS.append(demo.seed)

        # surveys
        from alliance.audit import ACTIONS
        from alumni import demo_surveys, notices_surveys, records
        from alumni.selectors.surveys import survey_status_column
        from alumni.services.surveys import AUDIT_ACTIONS as SURVEY_ACTIONS

        ACTIONS.update(SURVEY_ACTIONS)
        notices_surveys.register()
        records.register_column("survey_status", header=_("Survey status"), values=survey_status_column)
        DEMO_EXTENSIONS.append(demo_surveys.seed)
