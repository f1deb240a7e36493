from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlumniConfig(AppConfig):
    name = "alumni"
    verbose_name = _("Alumni")

    def ready(self):
        from alliance.audit import register_actions
        from alliance.dashboard import DASHBOARD_CARDS
        from alliance.demo import DEMO_EXTENSIONS
        from alliance.signals import member_returned
        from alumni import (
            capabilities,  # noqa: F401  (registers its capabilities with the core role map)
            dashboard_community,
            demo,
            demo_access,
            demo_community,
            demo_posts,
            notices_posts,
            timeline,
        )
        from alumni.services import comebacks as comeback_services
        from alumni.services import community as community_services
        from alumni.services import posts as posts_services
        from alumni.services import records as records_services
        from checkpoints.timeline import register_entry_builder

        # HR's alumni records and comeback hires (a comeback keeps the alumni years on the career timeline).
        register_actions(records_services.AUDIT_ACTIONS)
        register_actions(comeback_services.AUDIT_ACTIONS)
        member_returned.connect(comeback_services.on_member_returned, dispatch_uid="alumni-comeback")
        register_entry_builder(timeline.alumni_entries)
        DEMO_EXTENSIONS.append(demo.seed)
        # Profiles and directory: the demo's profiles, audit actions, and the home page's "join" card for alumni.
        DEMO_EXTENSIONS.append(demo_community.seed)
        register_actions(community_services.AUDIT_ACTIONS)
        DASHBOARD_CARDS.append(dashboard_community.join_card)
        # Posts: the community feed's audit actions, demo and weekly digest.
        register_actions(posts_services.AUDIT_ACTIONS)
        DEMO_EXTENSIONS.append(demo_posts.seed)
        notices_posts.register()
        # Opportunities and referrals.
        from alumni import demo_opportunities, notices_opportunities, records
        from alumni.selectors.opportunities import referrals_made_column
        from alumni.services import opportunities as opportunity_services

        register_actions(opportunity_services.AUDIT_ACTIONS)
        notices_opportunities.register()
        records.register_column("referrals_made", header=_("Referrals made"), values=referrals_made_column)
        DEMO_EXTENSIONS.append(demo_opportunities.seed)
        # Surveys 3 and 6 months after the last day.
        from alumni import demo_surveys, notices_surveys
        from alumni.selectors.surveys import survey_status_column
        from alumni.services.surveys import AUDIT_ACTIONS as SURVEY_ACTIONS

        register_actions(SURVEY_ACTIONS)
        notices_surveys.register()
        records.register_column("survey_status", header=_("Survey status"), values=survey_status_column)
        DEMO_EXTENSIONS.append(demo_surveys.seed)
        # Departures (leaving well): audit actions, notices and the last day on the core scan, the home card, demo.
        from alliance.sections import register_section
        from alumni import dashboard_departures, demo_departures, notices_departures
        from alumni.services import departures as departure_services

        register_actions(departure_services.AUDIT_ACTIONS)
        notices_departures.register()
        DASHBOARD_CARDS.append(dashboard_departures.departure_card)
        register_section("alliance", dashboard_departures.alliance_section)
        # HR's alumni records show the latest departure's last day, kind and (consented) comeback answer in their
        # own columns (alumni.selectors.records): the departures part registers none of its own.
        DEMO_EXTENSIONS.append(demo_departures.seed)
        DEMO_EXTENSIONS.append(demo_access.seed)
        # HR's dashboard (/<org>/hr/): departures, the community, comeback interest, referrals and surveys.
        from alumni import insights

        insights.register()
