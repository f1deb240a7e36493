from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AllianceConfig(AppConfig):
    name = "alliance"
    verbose_name = _("Alliance core")

    def ready(self):
        from alliance import (
            account_security,  # noqa: F401  (connects the sign-in activity receiver)
            checks,  # noqa: F401  (registers the system checks)
            core_admin,  # noqa: F401 - registers the read-only audit trail admin
            notices,
            tasks,
        )
        from alliance.history import install_sqlite_triggers
        from alliance.hr_sections import register as register_hr_sections

        notices.set_dispatcher(tasks.dispatch_notices)
        from alliance import page_cache

        page_cache.connect()
        register_hr_sections()

        # After every app's migrations, so that every tracked table exists (pgtrigger does this on PostgreSQL).
        post_migrate.connect(install_sqlite_triggers, sender=self, dispatch_uid="alliance-sqlite-history")
