from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AllianceConfig(AppConfig):
    name = "alliance"
    verbose_name = _("Alliance core")

    def ready(self):
        from alliance import checks  # noqa: F401  (registers the system checks)
