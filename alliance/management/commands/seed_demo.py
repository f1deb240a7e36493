from django.core.management.base import BaseCommand

from alliance import demo


class Command(BaseCommand):
    help = "Create or refresh the demo organizations acme and globex (safe to run again: never duplicates)."

    # alliance.demo.seed creates each organization, then seeds it inside that organization's scope.

    def handle(self, *args, **options):
        from django.test.utils import override_settings

        self.stdout.write("Seeding demo data...")
        # The demo's own signature requests would otherwise print a dozen e-mails to the console.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            demo.seed(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
