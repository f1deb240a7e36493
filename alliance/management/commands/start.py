import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from alliance.demo import DEMO_PASSWORD


def _served_url(host: str) -> str:
    """The base URL people reach `runserver host:port` at; a wildcard bind address is reached as localhost."""
    name, _, port = host.rpartition(":")
    if name in {"0.0.0.0", "0", "[::]", "::"}:  # noqa: S104 (recognising a wildcard bind, not binding)
        name = "localhost"
    return f"http://{name}:{port}"


class Command(BaseCommand):
    help = "Migrate, load the demo data and serve the site: the embedded default's one command."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport, **options):
        call_command("migrate", interactive=False, verbosity=0)
        host = addrport if ":" in addrport else f"127.0.0.1:{addrport}"
        if not os.environ.get("SITE_URL"):
            # E-mails and PDFs (rendered in-process here) link to where this server really answers.
            settings.SITE_URL = _served_url(host)
        call_command("seed_demo", stdout=self.stdout)
        lines = [
            "",
            f"Alliance is starting at http://{host}/",
            f"Demo logins (password: {DEMO_PASSWORD}):",
        ]
        for slug in ("acme", "globex"):
            lines.append("  " + ", ".join(f"{who}@{slug}.example" for who in ("hr", "manager", "employee", "alumni")))
        lines.append(f"Database: {settings.DATABASES['default']['NAME']}; e-mail is printed to this console.")
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))
        # People try the site here: they get its own 404 and 500 pages, not Django's debug pages (which would
        # also show settings and code). Checks run first, as runserver would, with the settings as configured;
        # static files are still served by runserver (--insecure), as there is no web server in front.
        call_command("check")
        settings.DEBUG = False
        call_command("runserver", addrport, use_reloader=False, skip_checks=True, insecure_serving=True)
