from django.core.management.base import BaseCommand

from alliance import demo


class Command(BaseCommand):
    help = "Create or refresh the demo organizations acme and globex (safe to run again: never duplicates)."

    def handle(self, *args, **options):
        self.stdout.write("Seeding demo data...")
        demo.seed(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
