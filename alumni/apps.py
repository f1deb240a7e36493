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
        # departures (leaving well): audit actions, notices and the last day on the core scan, the home card, demo.
        from alliance.audit import register_actions
        from alliance.dashboard import DASHBOARD_CARDS
        from alliance.sections import register_section
        from alumni import dashboard_departures, demo_departures, notices_departures
        from alumni.services import departures as departure_services

        register_actions(departure_services.AUDIT_ACTIONS)
        notices_departures.register()
        DASHBOARD_CARDS.append(dashboard_departures.departure_card)
        register_section("alliance", dashboard_departures.alliance_section)
        from alumni.records import register_column
        from alumni.selectors.departures import RECORD_COLUMNS

        for key, (header, values) in RECORD_COLUMNS.items():
            register_column(key, header=header, values=values)
        DEMO_EXTENSIONS.append(demo_departures.seed)
