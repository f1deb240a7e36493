from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementsConfig(AppConfig):
    name = "agreements"
    verbose_name = _("Alliance agreements")

    def ready(self):
        from agreements import (  # noqa: F401  (capabilities, audit_actions: register with the core at import)
            audit_actions,
            capabilities,
            dashboard,
            demo,
            hr_insights,
            notices,
            receivers,
        )
        from alliance.bench_seed import register_part
        from alliance.dashboard import DASHBOARD_CARDS, WAITING_BUILDERS
        from alliance.demo import DEMO_EXTENSIONS
        from alliance.signals import member_left

        DASHBOARD_CARDS.append(dashboard.alliance_card)
        WAITING_BUILDERS.append(dashboard.waiting_section)
        DEMO_EXTENSIONS.append(demo.seed)
        register_part("agreements", "agreements.bench_seed.seed")
        notices.register()
        hr_insights.register()
        member_left.connect(receivers.withdraw_alignment_grants_of_leaver, dispatch_uid="agreements-grants-leaver")
