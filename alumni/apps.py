from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlumniConfig(AppConfig):
    name = "alumni"
    verbose_name = _("Alumni")

    def ready(self):
        from alliance.audit import register_actions, register_change_keys
        from alliance.bench_seed import register_part
        from alliance.dashboard import DASHBOARD_CARDS
        from alliance.demo import DEMO_EXTENSIONS
        from alliance.sections import register_section
        from alliance.signals import member_returned
        from alumni import (
            capabilities,  # noqa: F401  (registers its capabilities with the core role map)
            dashboard_community,
            dashboard_departures,
            demo,
            demo_access,
            demo_community,
            demo_departures,
            demo_opportunities,
            demo_posts,
            demo_surveys,
            insights,
            notices_departures,
            notices_opportunities,
            notices_posts,
            notices_surveys,
            records,
            settings_parts,
            timeline,
        )
        from alumni.selectors.opportunities import referrals_made_column
        from alumni.selectors.surveys import survey_status_column
        from alumni.services import comebacks as comeback_services
        from alumni.services import community as community_services
        from alumni.services import departures as departure_services
        from alumni.services import opportunities as opportunity_services
        from alumni.services import posts as posts_services
        from alumni.services import records as records_services
        from alumni.services import surveys as survey_services
        from checkpoints.timeline import register_entry_builder

        # Every part's audit actions, each kept beside the services that write them.
        for part in (
            records_services,
            comeback_services,
            community_services,
            posts_services,
            opportunity_services,
            survey_services,
            departure_services,
        ):
            register_actions(part.AUDIT_ACTIONS)
        register_change_keys("alumni.records_export", records_services.CHANGE_KEYS)

        # Notices: the weekly digest, opportunities and referrals, surveys 3 and 6 months after the last day, and
        # the departures' steps (including the last day on the core scan).
        notices_posts.register()
        notices_opportunities.register()
        notices_surveys.register()
        notices_departures.register()

        # Comeback hires keep the alumni years on the career timeline.
        member_returned.connect(comeback_services.on_member_returned, dispatch_uid="alumni-comeback")
        register_entry_builder(timeline.alumni_entries)

        # The home page: the community's "join" card for alumni, the departure card and the alliance section.
        DASHBOARD_CARDS.append(dashboard_community.join_card)
        DASHBOARD_CARDS.append(dashboard_departures.departure_card)
        register_section("alliance", dashboard_departures.alliance_section)

        # HR's alumni records: columns the parts add (the departures' own columns are in alumni.selectors.records).
        records.register_column("referrals_made", header=_("Referrals made"), values=referrals_made_column)
        records.register_column("survey_status", header=_("Survey status"), values=survey_status_column)

        # The community's section of the organization settings page (alliance.org_settings) and HR's dashboard
        # (/<org>/hr/): departures, the community, comeback interest, referrals and surveys.
        settings_parts.register()
        insights.register()

        # Demo data, in this order: each part builds on the ones before it.
        DEMO_EXTENSIONS.extend(
            [
                demo.seed,
                demo_community.seed,
                demo_posts.seed,
                demo_opportunities.seed,
                demo_surveys.seed,
                demo_departures.seed,
                demo_access.seed,
            ]
        )
        register_part("alumni", "alumni.bench_seed.seed")
