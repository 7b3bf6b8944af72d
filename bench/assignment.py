"""Benchmark: automatic assignment at province scale, and aggregation + ranking of 100,000 scores.

Run: .venv/bin/python bench/assignment.py [projects] [experts] [per_project]
Targets (2-core machine): assignment of 20,000 projects × 600 experts × 5 well under 20 s;
aggregation + ranking of 100,000 scores under 2 s.
"""
import random
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reviewers.aggregation import RankEntry, aggregate, is_disputed, rank, zscores  # noqa: E402
from reviewers.assignment import ExpertIn, ProjectIn, assign, load_stats  # noqa: E402

DOMAINS = ["elderly", "disability", "youth", "hardship", "community", "other"]


def build(n_projects: int, n_experts: int, seed: int = 7):
    rng = random.Random(seed)
    n_orgs = max(1, n_projects * 3 // 4)
    projects = [ProjectIn(i, rng.randrange(n_orgs), rng.choice(DOMAINS)) for i in range(1, n_projects + 1)]
    experts = [
        ExpertIn(i, tuple(rng.sample(DOMAINS, rng.randint(1, 3))), i % 4 == 0, 0) for i in range(1, n_experts + 1)
    ]
    conflicts = {(rng.randint(1, n_experts), rng.randrange(n_orgs)) for _ in range(n_experts * 3)}
    return projects, experts, conflicts


def bench_assignment(n_projects: int, n_experts: int, per_project: int) -> None:
    projects, experts, conflicts = build(n_projects, n_experts)
    max_load = -(-n_projects * per_project // n_experts) + 5
    started = time.perf_counter()
    result = assign(projects, experts, conflicts, per_project=per_project, require_finance=True,
                    max_load=max_load, seed=42)
    elapsed = time.perf_counter() - started
    pairs = set(result.assignments)
    org_of = {p.id: p.organization_id for p in projects}
    violations = sum(1 for p, e in pairs if (e, org_of[p]) in conflicts)
    panel = Counter(p for p, _ in pairs)
    finance = {e.id for e in experts if e.is_finance}
    with_finance = Counter(p for p, e in pairs if e in finance)
    without_finance = sum(1 for p in panel if with_finance[p] == 0)
    stats = load_stats(result.loads)
    print(f"assignment: {n_projects} projects × {n_experts} experts × {per_project}: {elapsed:.2f} s")
    print(f"  assignments {len(pairs)}, unstaffed projects {len(result.unstaffed)}, conflict violations {violations},"
          f" panels without finance expert {without_finance}")
    print(f"  load min {stats['min']} max {stats['max']} mean {stats['mean']} (max load {max_load})")


def bench_aggregation(n_scores: int, per_project: int = 5) -> None:
    rng = random.Random(3)
    n_projects = n_scores // per_project
    scores = {p: [Decimal(rng.randint(80, 200)) / 2 for _ in range(per_project)] for p in range(n_projects)}
    by_expert: dict[int, dict[int, Decimal]] = {}
    for p, values in scores.items():
        for i, value in enumerate(values):
            by_expert.setdefault((p * per_project + i) % 600, {})[p] = value
    started = time.perf_counter()
    entries = []
    disputed = 0
    for p, values in scores.items():
        score = aggregate(values, "trimmed")
        disputed += is_disputed(values, Decimal("20"))
        entries.append(RankEntry(p, score, (), Decimal("50000.00"), p))
    ranked = rank(entries)
    after_rank = time.perf_counter()
    z = zscores(by_expert)
    finished = time.perf_counter()
    print(f"aggregation+ranking: {n_scores} scores / {n_projects} projects: {after_rank - started:.2f} s"
          f" (top {ranked[0].score}, disputed {disputed}); z-scores: {finished - after_rank:.2f} s for {len(z)}")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    n_projects, n_experts, per_project = (args + [20000, 600, 5][len(args):])[:3]
    bench_assignment(n_projects, n_experts, per_project)
    bench_aggregation(100_000)
