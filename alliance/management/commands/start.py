from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from alliance.demo import DEMO_PASSWORD


class Command(BaseCommand):
    help = "Migrate, load the demo data and serve the site: the embedded default's one command."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("seed_demo", stdout=self.stdout)
        host = addrport if ":" in addrport else f"127.0.0.1:{addrport}"
        lines = [
            "",
            f"Alliance is starting at http://{host}/",
            f"Demo logins (password: {DEMO_PASSWORD}):",
        ]
        for slug in ("acme", "globex"):
            lines.append("  " + ", ".join(f"{who}@{slug}.example" for who in ("hr", "manager", "employee", "alumni")))
        lines.append(f"Database: {settings.DATABASES['default']['NAME']}; e-mail is printed to this console.")
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))
        call_command("runserver", addrport, use_reloader=False)
