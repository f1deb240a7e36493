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
            demo_posts,
            notices_posts,
        )
        from alumni.services import posts as posts_services

        DEMO_EXTENSIONS.append(demo.seed)
        # posts: the community feed's audit actions, demo and weekly digest.
        ACTIONS.update(posts_services.AUDIT_ACTIONS)
        DEMO_EXTENSIONS.append(demo_posts.seed)
        notices_posts.register()
