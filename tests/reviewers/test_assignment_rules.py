"""The pure assignment function: constraints, balance, coverage, determinism (no database)."""
import random
from collections import Counter

import pytest

from reviewers.assignment import ExpertIn, ProjectIn, assign

DOMAINS = ["elderly", "disability", "youth", "hardship", "community"]


def pool(n_projects=200, n_experts=40, finance_every=4, seed=1, conflicts_per_expert=3):
    rng = random.Random(seed)
    projects = [ProjectIn(i, 1000 + i % (n_projects - 7), rng.choice(DOMAINS)) for i in range(1, n_projects + 1)]
    experts = [ExpertIn(i, tuple(rng.sample(DOMAINS, 2)), i % finance_every == 0) for i in range(1, n_experts + 1)]
    conflicts = {(rng.randint(1, n_experts), rng.choice(projects).organization_id)
                 for _ in range(n_experts * conflicts_per_expert)}
    return projects, experts, conflicts


def check(projects, experts, conflicts, result, per_project, max_load, require_finance):
    org = {p.id: p.organization_id for p in projects}
    pairs = result.assignments
    assert len(pairs) == len(set(pairs)), "an expert twice on one panel"
    assert not [(p, e) for p, e in pairs if (e, org[p]) in conflicts], "a conflict was assigned"
    assert max(result.loads.values()) <= max_load
    panels = Counter(p for p, _ in pairs)
    unstaffed = {u.project_id for u in result.unstaffed}
    assert all(panels[p.id] == per_project for p in projects if p.id not in unstaffed)
    if require_finance:
        finance = {e.id for e in experts if e.is_finance}
        with_finance = {p for p, e in pairs if e in finance}
        assert {p.id for p in projects} - unstaffed <= with_finance


def test_constraints_coverage_and_balance():
    projects, experts, conflicts = pool()
    result = assign(projects, experts, conflicts, per_project=5, require_finance=True, max_load=40, seed=3)
    check(projects, experts, conflicts, result, 5, 40, True)
    assert result.unstaffed == []
    assert len(result.assignments) == 1000
    assert max(result.loads.values()) - min(result.loads.values()) <= 1  # 1000 slots / 40 experts = 25 each
    assert set(result.loads.values()) == {25}


def test_deterministic_for_a_seed_whatever_the_input_order():
    projects, experts, conflicts = pool()
    first = assign(projects, experts, conflicts, per_project=5, require_finance=True, max_load=40, seed=9)
    again = assign(list(reversed(projects)), list(reversed(experts)), set(conflicts), per_project=5,
                   require_finance=True, max_load=40, seed=9)
    other = assign(projects, experts, conflicts, per_project=5, require_finance=True, max_load=40, seed=10)
    assert first == again
    assert first.assignments != other.assignments


def test_existing_load_is_balanced_out():
    projects, experts, _ = pool(n_projects=40, n_experts=10, finance_every=100)
    experts = [e._replace(load=10) if e.id <= 5 else e for e in experts]  # half already carry 10
    result = assign(projects, experts, set(), per_project=2, max_load=40, seed=1)
    # 80 new slots + 50 existing = 130 over 10 experts: 13 each
    assert set(result.loads.values()) == {13}


def test_max_load_leaves_projects_unstaffed_with_reason():
    projects, experts, _ = pool(n_projects=30, n_experts=6, finance_every=100)
    result = assign(projects, experts, set(), per_project=3, max_load=10, seed=1)
    assert max(result.loads.values()) == 10
    assert len(result.assignments) == 60
    assert len(result.unstaffed) == 10
    assert all("已达评审上限（每位最多 10 件" in u.reasons[0] for u in result.unstaffed)


def test_missing_finance_expert_is_a_reason():
    projects = [ProjectIn(1, 10, "youth")]
    experts = [ExpertIn(1, ("youth",), False), ExpertIn(2, ("elderly",), True)]
    result = assign(projects, experts, {(2, 10)}, per_project=1, require_finance=True, max_load=5)
    assert result.assignments == [(1, 1)]
    assert result.unstaffed[0].reasons == ("没有可用的财务专家（财务专家均需回避、已在评审组中或已达评审上限）",)


def test_conflicted_experts_never_fill_a_panel_even_if_short():
    projects = [ProjectIn(1, 10, "youth")]
    experts = [ExpertIn(i, ("youth",), False) for i in range(1, 4)]
    result = assign(projects, experts, {(1, 10), (2, 10)}, per_project=3, max_load=5)
    assert result.assignments == [(1, 3)]
    assert result.unstaffed[0].found == 1
    assert result.unstaffed[0].reasons[0].startswith("仅找到 1 位可用专家，需要 3 位")


def test_existing_panel_members_count_and_recused_are_excluded():
    projects = [ProjectIn(1, 10, "youth", assigned=(1,), excluded=(2,))]
    experts = [ExpertIn(i, ("youth",), False) for i in range(1, 5)]
    result = assign(projects, experts, set(), per_project=2, max_load=5, seed=4)
    assert len(result.assignments) == 1
    assert result.assignments[0][1] in (3, 4)


def test_domain_match_preferred_among_equal_loads():
    projects = [ProjectIn(1, 10, "youth")]
    experts = [ExpertIn(1, ("elderly",), False), ExpertIn(2, ("youth",), False), ExpertIn(3, ("elderly",), False)]
    for seed in range(10):
        assert assign(projects, experts, set(), per_project=1, max_load=5, seed=seed).assignments == [(1, 2)]


def test_balance_beats_domain_match():
    projects = [ProjectIn(1, 10, "youth")]
    experts = [ExpertIn(1, ("elderly",), False, 0), ExpertIn(2, ("youth",), False, 3)]
    assert assign(projects, experts, set(), per_project=1, max_load=5).assignments == [(1, 1)]


def test_sole_finance_heavy_load_rebalanced_through_a_peer():
    """Finance experts are scarce: balance must still hold when the finance slot is the constraint."""
    projects, experts, conflicts = pool(n_projects=300, n_experts=37, finance_every=3, seed=5)
    result = assign(projects, experts, conflicts, per_project=4, require_finance=True, max_load=60, seed=2)
    check(projects, experts, conflicts, result, 4, 60, True)
    assert max(result.loads.values()) - min(result.loads.values()) <= 1


@pytest.mark.parametrize("kwargs", [{"per_project": 0}, {"max_load": 0}])
def test_invalid_parameters(kwargs):
    with pytest.raises(ValueError):
        assign([], [], set(), **kwargs)


def _small(seed: int):
    """A small random round (pinned loads, conflicts, finance experts) where the final balancing pass
    sometimes has to move seats."""
    r = random.Random(seed)
    n_projects, n_experts = r.randint(3, 8), r.randint(4, 8)
    projects = [ProjectIn(i, 100 + r.randint(0, 3), r.choice(["a", "b", ""])) for i in range(1, n_projects + 1)]
    experts = [ExpertIn(j, (r.choice(["a", "b"]),), r.random() < 0.3, r.randint(0, 3)) for j in range(1, n_experts + 1)]
    conflicts = [(r.randint(1, n_experts), 100 + r.randint(0, 3)) for _ in range(r.randint(0, 6))]
    return projects, experts, conflicts, {"per_project": 2, "require_finance": r.random() < 0.3, "max_load": 6,
                                          "seed": seed}


@pytest.mark.parametrize("seed", range(60))
def test_panels_handed_over_while_computing_are_final_except_where_the_balancing_pass_says(seed):
    """What the automatic run writes while the assignment is still computed (`staffed`): every project
    once, in batches of `every`, and the same panels as the result except for the projects the result
    names as rebalanced. The result does not depend on being watched."""
    projects, experts, conflicts, options = _small(seed)
    batches: list = []
    result = assign(projects, experts, conflicts, staffed=batches.append, every=3, **options)
    assert result[:3] == assign(projects, experts, conflicts, **options)[:3]
    handed = [p for batch in batches for p in batch]
    assert sorted(p for p, _ in handed) == [p.id for p in projects] and all(len(b) <= 3 for b in batches)
    final: dict[int, set] = {}
    for p, e in result.assignments:
        final.setdefault(p, set()).add(e)
    differ = {p for p, added in handed if set(added) != final.get(p, set())}
    assert differ <= result.rebalanced
    if seed == 10:  # an instance where the balancing pass moves a seat already handed over
        assert differ == {7}
