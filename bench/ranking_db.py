"""The officers' ranking of the scale round from the database: fetch every submitted score, aggregate, rank.

Run (after `manage.py seed_scale`):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yc_scale .venv/bin/python bench/ranking_db.py
Times what the ranking page does before rendering (reviewers.selectors.ranking_inputs, then
reviewers.ranking.build), best of 3; bench/assignment.py times the pure aggregation alone.
"""
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/yc_scale")
os.environ["DEBUG"] = "0"

import django  # noqa: E402

django.setup()


def main() -> None:
    from reviewers import ranking, selectors
    from tools import scale_data

    round = scale_data.existing_round()
    if round is None:
        raise SystemExit("No scale round: run `manage.py seed_scale` on this database first.")
    best_fetch = best_build = float("inf")
    for _ in range(3):
        round = type(round).objects.prefetch_related("budget_caps").get(pk=round.pk)  # as round_for_officer
        t = time.perf_counter()
        projects, submitted = selectors.ranking_inputs(round)
        fetched = time.perf_counter()
        ranked = ranking.build(round, projects, submitted)
        built = time.perf_counter()
        best_fetch, best_build = min(best_fetch, fetched - t), min(best_build, built - fetched)
    print(f"ranking of {len(ranked.rows)} projects from {len(submitted)} submitted scores: "
          f"fetch {best_fetch:.2f} s + aggregate/rank {best_build:.2f} s = {best_fetch + best_build:.2f} s (best of 3)")


if __name__ == "__main__":
    main()
