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
        # Opportunities and referrals.
        from alliance.audit import register_actions
        from alumni import demo_opportunities, notices_opportunities, records
        from alumni.selectors.opportunities import referrals_made_column
        from alumni.services import opportunities as opportunity_services

        register_actions(opportunity_services.AUDIT_ACTIONS)
        notices_opportunities.register()
        records.register_column("referrals_made", header=_("Referrals made"), values=referrals_made_column)
        DEMO_EXTENSIONS.append(demo_opportunities.seed)
