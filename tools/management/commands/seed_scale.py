"""A province-sized round for load tests and benchmarks: `manage.py seed_scale --projects 20000 --experts 600`.

National size: `manage.py seed_scale --projects 100000 --experts 2000 --reviews-per-project 5` (PostgreSQL;
rows are written with COPY, chunk by chunk, so memory stays flat).

Bulk inserts through tools.scale_data (which explains why it bypasses the per-row services and
how its rows match theirs). Refuses to run twice unless --replace, which removes the previous
scale round, its organizations and its `scale-*` accounts first.
"""
import time

from django.core.management.base import BaseCommand, CommandError

from projects import open_data_files
from tools import scale_data


class Command(BaseCommand):
    help = "Builds a province-sized grant round (bulk inserts) for load tests and benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--projects", type=int, default=20000)
        parser.add_argument("--experts", type=int, default=600)
        parser.add_argument("--reviews-per-project", type=int, default=5,
                            help="Experts on each project's panel (the round's experts_per_project).")
        parser.add_argument("--chunk", type=int, default=scale_data.CHUNK,
                            help="Projects generated and written at a time (memory is proportional to it).")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--replace", action="store_true", help="Remove an existing scale round first.")
        parser.add_argument("--no-assignments", action="store_true",
                            help="Every project under review with no panel yet (input for an automatic assignment run).")

    def handle(self, *args, projects: int, experts: int, seed: int, replace: bool, reviews_per_project: int,
               chunk: int, no_assignments: bool, **options):
        if projects < 1 or chunk < 1 or reviews_per_project < 1 or experts < reviews_per_project:
            raise CommandError("--projects and --chunk must be at least 1, and --experts at least "
                               "--reviews-per-project (the experts on one panel).")
        started = time.perf_counter()
        if scale_data.existing_round() is not None:
            if not replace:
                raise CommandError(
                    f"A scale round (code {scale_data.ROUND_CODE}) already exists. "
                    "Run with --replace to remove it and build a new one.")
            self.stdout.write("Removing the existing scale round …")
            scale_data.remove_scale_round()
            self.stdout.write(f"  removed in {time.perf_counter() - started:.1f} s")
        build_started = time.perf_counter()
        rows_before = scale_data.written.total()
        builder, summary = scale_data.build_scale_round(projects=projects, experts=experts, seed=seed,
                                                  reviews_per_project=reviews_per_project, chunk=chunk,
                                                  log=self.stdout.write, no_assignments=no_assignments)
        elapsed = time.perf_counter() - build_started
        rows = scale_data.written.total() - rows_before
        self.stdout.write(f"Wrote {rows} rows in {elapsed:.1f} s ({rows / elapsed:.0f} rows/s, committed); "
                          f"peak RSS {scale_data.peak_rss_mib():.0f} MiB.")
        files_started = time.perf_counter()
        for round_id in (builder.round.pk, None):  # what the open-data job does after a publication
            open_data_files.build(round_id)
        self.stdout.write(f"Open-data files in {time.perf_counter() - files_started:.1f} s.")
        vacuum_started = time.perf_counter()
        scale_data.analyze()
        self.stdout.write(f"VACUUM (ANALYZE) in {time.perf_counter() - vacuum_started:.1f} s.")
        self.stdout.write(self.style.SUCCESS(
            f"Built {summary['projects']} projects, {summary['assignments']} assignments "
            f"({summary['scores']} submitted scores), {summary['events']} audit rows, {summary['tranches']} tranches, "
            f"{summary['payments']} payments, {summary['ledger']} ledger entries in {elapsed:.1f} s."))
        self.stdout.write("States: " + ", ".join(f"{k} {v}" for k, v in sorted(summary["states"].items())))
        self.stdout.write(f"Requested {summary['requested']}, approved {summary['approved']}, pot {summary['pot']}.")
        self.stdout.write(f"Accounts: {scale_data.USER_PREFIX}officer, {scale_data.USER_PREFIX}finance-1..3, "
                          f"{scale_data.USER_PREFIX}evaluator, {scale_data.USER_PREFIX}expert-0001@example.org …, "
                          f"{scale_data.USER_PREFIX}org-000001 …; password {scale_data.PASSWORD}")
        self.stdout.write(f"Total time {time.perf_counter() - started:.1f} s.")
