from django.core.management.base import BaseCommand, CommandError
from django_scopes import scopes_disabled

from alliance import bench_seed


class Command(BaseCommand):
    help = (
        "Write a synthetic load for benchmarks: --orgs organizations sharing --members memberships (about ten "
        "checkpoints each) plus bench-large of --large-org-members. Refuses to run into a database that holds "
        "bench organizations already unless --reset, which removes every bench row (and only those) first."
    )

    def add_arguments(self, parser):
        defaults = bench_seed.BenchOptions()
        parser.add_argument("--orgs", type=int, default=defaults.orgs, help="organizations bench-0001 …")
        parser.add_argument("--members", type=int, default=defaults.members, help="memberships across --orgs")
        parser.add_argument(
            "--large-org-members",
            type=int,
            default=defaults.large_org_members,
            help="members of bench-large (0: no large organization)",
        )
        parser.add_argument("--seed", type=int, default=defaults.seed, help="random seed (same seed, same data)")
        parser.add_argument("--reset", action="store_true", help="remove the bench organizations first")
        parser.add_argument("--reset-only", action="store_true", help="remove the bench organizations and stop")

    def handle(self, *args, **options):
        # The bench crosses every bench organization on purpose: its parts enter an organization's scope where
        # they call the app's own code (the sealed PDF).
        with scopes_disabled():
            if options["reset_only"]:
                bench_seed.reset_bench(stream=self.stdout)
                return
            try:
                report = bench_seed.seed_bench(
                    bench_seed.BenchOptions(
                        orgs=options["orgs"],
                        members=options["members"],
                        large_org_members=options["large_org_members"],
                        seed=options["seed"],
                    ),
                    stream=getattr(self.stdout, "_out", self.stdout),
                    reset=options["reset"],
                )
            except (bench_seed.BenchExists, ValueError) as error:
                raise CommandError(str(error)) from error
        self.stdout.write("\ntable                                        rows   write s    rows/s")
        for table, rows, seconds in report.tables:
            rate = rows / seconds if seconds else 0
            self.stdout.write(f"{table:<40} {rows:>9} {seconds:>9.1f} {rate:>9.0f}")
        self.stdout.write("\nphase          seconds")
        for name, seconds in report.phases:
            self.stdout.write(f"{name:<14} {seconds:>7.1f}")
        self.stdout.write(
            self.style.SUCCESS(
                f"\n{report.organizations} organizations, {report.memberships} memberships, {report.rows} rows "
                f"in {report.seconds:.1f} s ({report.rows / report.seconds:.0f} rows/s)."
            )
        )
        self.stdout.write(
            f"Log in as hr@, manager@, employee@ or alumnus@<slug>.bench.example (bench-0001, bench-large, …) "
            f"with the password {bench_seed.PASSWORD}"
        )
