"""Automatic panel assignment as a pure function (no database), fast enough for a province.

Rules, in order of strength:
1. a conflicted (expert, organization) pair is never assigned; an expert is never twice on a panel;
2. nobody goes above `max_load`, or their own lower cap (ExpertIn.max_load), existing load included;
3. with `require_finance`, every panel gets at least one finance expert when any is available;
4. loads stay balanced: every pick takes an expert from the lowest load level that has an eligible
   one, and a final pass moves new assignments from the most to the least loaded experts until loads
   differ by at most one or no move respects rules 1–3 (that is what "where the constraints
   allow" means here);
5. domain match is preferred only among experts of the same load, so it never costs balance.

Deterministic for a seed: inputs are sorted by id and then shuffled by `random.Random(seed)`;
nothing depends on set or hash order. Projects that cannot get a full panel keep the experts that
were found and are listed in `unstaffed` with every reason, in Chinese, for the officer.

Data structures: experts sit in insertion-ordered dicts per (load level, pool), where a pool is
"all", "finance" or a domain; taking the first eligible key of the lowest non-empty level is O(1) in
the usual case, so 20,000 projects × 5 slots take well under a second.
"""
from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

ALL = "\0all"
FINANCE = "\0finance"


class ProjectIn(NamedTuple):
    id: int
    organization_id: int
    domain: str
    # Experts already on the panel (kept, count towards the panel) and experts who must not join
    # it (recused earlier); both by id.
    assigned: tuple[int, ...] = ()
    excluded: tuple[int, ...] = ()


class ExpertIn(NamedTuple):
    id: int
    domains: tuple[str, ...]
    is_finance: bool
    load: int = 0
    # The officer's own cap for this expert in the round; the lower of it and the round's applies.
    max_load: int | None = None


class Unstaffed(NamedTuple):
    project_id: int
    found: int
    reasons: tuple[str, ...]


class Result(NamedTuple):
    assignments: list[tuple[int, int]]  # new (project id, expert id) pairs
    unstaffed: list[Unstaffed]
    loads: dict[int, int]  # every expert's load afterwards, existing load included
    # Projects whose added experts the final balancing pass changed (what `staffed` was told of them
    # is out of date).
    rebalanced: frozenset[int] = frozenset()


class _Pools:
    """Experts by load level and pool; `levels[level][pool]` is an ordered dict used as an ordered set."""

    def __init__(self, experts: Sequence[ExpertIn], max_load: int):
        self.max_load = max_load
        self.cap = {e.id: min(max_load, e.max_load) if e.max_load is not None else max_load for e in experts}
        self.load = {e.id: e.load for e in experts}
        self.keys = {e.id: self._pool_keys(e) for e in experts}
        self.is_finance = {e.id: e.is_finance for e in experts}
        self.levels: dict[int, dict[str, dict[int, None]]] = defaultdict(lambda: defaultdict(dict))
        for e in experts:
            if e.load < self.cap[e.id]:
                self._add(e.id, e.load)

    @staticmethod
    def _pool_keys(e: ExpertIn) -> tuple[str, ...]:
        return (ALL, *((FINANCE,) if e.is_finance else ()), *sorted(set(e.domains)))

    def _add(self, expert: int, level: int) -> None:
        pools = self.levels[level]
        for key in self.keys[expert]:
            pools[key][expert] = None

    def _remove(self, expert: int, level: int) -> None:
        pools = self.levels[level]
        for key in self.keys[expert]:
            del pools[key][expert]
        if not pools[ALL]:
            del self.levels[level]

    def move(self, expert: int, delta: int) -> None:
        old = self.load[expert]
        new = old + delta
        if old < self.cap[expert]:
            self._remove(expert, old)
        self.load[expert] = new
        if new < self.cap[expert]:
            self._add(expert, new)

    def lowest(self) -> int | None:
        return min(self.levels) if self.levels else None

    def pick(self, pool: str, domain: str, blocked, *, below: int | None = None) -> int | None:
        """First eligible expert of the lowest level; a domain match wins within a level."""
        for level in sorted(self.levels):
            if below is not None and level >= below:
                return None
            pools = self.levels[level]
            candidates = pools.get(pool)
            if not candidates:
                continue
            if domain and pool != domain:
                matching = pools.get(domain)
                if matching:
                    for expert in matching:
                        if expert not in blocked and (pool == ALL or pool in self.keys[expert]):
                            return expert
            for expert in candidates:
                if expert not in blocked:
                    return expert
        return None


def assign(
    projects: Iterable[ProjectIn],
    experts: Iterable[ExpertIn],
    conflicts: Iterable[tuple[int, int]],
    *,
    per_project: int = 5,
    require_finance: bool = False,
    max_load: int = 40,
    seed: int = 0,
    staffed: Callable[[list[tuple[int, tuple[int, ...]]]], None] | None = None,
    every: int = 2000,
) -> Result:
    """With `staffed`, the first pass hands it its panels as it goes: every `every` projects (in the
    order they are staffed, which is the seed's shuffle) the list of (project id, experts it added),
    empty additions included. These are provisional: the final pass may still move a few seats from a
    heavy to a light expert (Result holds the final pairs). A caller can start writing them while the
    rest is computed (reviewers.services: the automatic run) and correct the few moved seats after."""
    if per_project < 1:
        raise ValueError("每个项目的评审专家人数至少为1")
    if max_load < 1:
        raise ValueError("每位专家的评审上限至少为1")
    rng = random.Random(seed)
    project_list = sorted(projects, key=lambda p: p.id)
    expert_list = sorted(experts, key=lambda e: e.id)
    rng.shuffle(project_list)
    rng.shuffle(expert_list)
    pools = _Pools(expert_list, max_load)
    known = set(pools.load)
    blocked_by_org: dict[int, set[int]] = defaultdict(set)
    for expert_id, org_id in conflicts:
        blocked_by_org[org_id].add(expert_id)

    panels: dict[int, list[int]] = {}
    new_of_expert: dict[int, list[int]] = defaultdict(list)
    by_id = {p.id: p for p in project_list}
    unstaffed: list[Unstaffed] = []
    batch: list[ProjectIn] = []
    for project in project_list:
        if staffed is not None:
            if len(batch) >= every:
                _hand_over(staffed, batch, panels)
            batch.append(project)
        panel = list(project.assigned)
        panels[project.id] = panel
        need = per_project - len(panel)
        if need <= 0:
            continue
        blocked = blocked_by_org.get(project.organization_id, set()) | set(panel) | set(project.excluded)
        reasons: list[str] = []
        if require_finance and not any(pools.is_finance.get(e) for e in panel):
            expert = pools.pick(FINANCE, project.domain, blocked)
            if expert is None:
                reasons.append("没有可用的财务专家（财务专家均需回避、已在评审组中或已达评审上限）")
            else:
                _take(pools, panel, new_of_expert, blocked, project.id, expert)
        while len(panel) < per_project:
            expert = pools.pick(ALL, project.domain, blocked)
            if expert is None:
                break
            _take(pools, panel, new_of_expert, blocked, project.id, expert)
        if len(panel) < per_project:
            reasons.insert(0, _short_reason(pools, known, panel, per_project, blocked_by_org.get(project.organization_id, set()),
                                            set(project.excluded)))
        if reasons:
            unstaffed.append(Unstaffed(project.id, len(panel), tuple(reasons)))

    if staffed is not None and batch:
        _hand_over(staffed, batch, panels)
    rebalanced = _rebalance(pools, panels, new_of_expert, by_id, blocked_by_org, require_finance)
    pairs = sorted((p, e) for e, projects_ in new_of_expert.items() for p in projects_)
    loads = {e: pools.load[e] for e in sorted(known)}
    unstaffed.sort(key=lambda u: u.project_id)
    return Result(pairs, unstaffed, loads, frozenset(rebalanced))


def _hand_over(staffed, batch: list[ProjectIn], panels: dict[int, list[int]]) -> None:
    staffed([(p.id, tuple(panels[p.id][len(p.assigned):])) for p in batch])
    batch.clear()


def _short_reason(pools: _Pools, known: set[int], panel: list[int], per_project: int, conflicted: set[int],
                  excluded: set[int]) -> str:
    """Why a panel stayed short, counted over the pool: who had to recuse, who was taken off or
    recused this project, who had reached their cap."""
    others = known - set(panel)
    n_conflicted = len(others & conflicted)
    n_excluded = len((others & excluded) - conflicted)
    n_full = sum(1 for e in others - conflicted - excluded if pools.load[e] >= pools.cap[e])
    parts = [f"{n_conflicted} 位与申报机构存在利益冲突"] if n_conflicted else []
    if n_excluded:
        parts.append(f"{n_excluded} 位已回避或被移出本项目")
    if n_full:
        parts.append(f"{n_full} 位已达评审上限（每位最多 {pools.max_load} 件，或其个人上限）")
    detail = "，".join(parts) or "专家库中没有更多在册专家"
    return f"仅找到 {len(panel)} 位可用专家，需要 {per_project} 位（{detail}）"


def _take(pools: _Pools, panel: list[int], new_of_expert, blocked: set[int], project_id: int, expert: int) -> None:
    panel.append(expert)
    blocked.add(expert)
    new_of_expert[expert].append(project_id)
    pools.move(expert, +1)


def _rebalance(pools: _Pools, panels, new_of_expert, by_id, blocked_by_org, require_finance: bool) -> set[int]:
    """Moves new assignments from heavy to light experts while loads differ by more than one; returns
    the projects whose panels changed."""
    changed: set[int] = set()
    moved = True
    while moved:
        moved = False
        heavy_first = sorted(new_of_expert, key=lambda e: (-pools.load[e], e))
        for heavy in heavy_first:
            for project_id in list(new_of_expert[heavy]):
                lowest = pools.lowest()
                if lowest is None or pools.load[heavy] - lowest <= 1:
                    break
                project = by_id[project_id]
                panel = panels[project_id]
                sole_finance = require_finance and _sole_finance(pools, panel, heavy)
                blocked = blocked_by_org.get(project.organization_id, set()) | set(panel) | set(project.excluded)
                light = pools.pick(FINANCE if sole_finance else ALL, project.domain, blocked, below=pools.load[heavy] - 1)
                if light is not None:
                    _move(pools, panels, new_of_expert, project_id, heavy, light)
                    moved = True
                    changed.add(project_id)
                elif sole_finance and _via_finance_peer(
                        pools, panels, new_of_expert, by_id, blocked_by_org, project_id, heavy, blocked, changed):
                    moved = True
    return changed


def _move(pools: _Pools, panels, new_of_expert, project_id: int, giver: int, taker: int) -> None:
    panel = panels[project_id]
    panel[panel.index(giver)] = taker
    new_of_expert[giver].remove(project_id)
    new_of_expert[taker].append(project_id)
    pools.move(giver, -1)
    pools.move(taker, +1)


def _sole_finance(pools: _Pools, panel: list[int], expert: int) -> bool:
    return pools.is_finance[expert] and sum(1 for e in panel if pools.is_finance.get(e)) == 1


def _via_finance_peer(pools: _Pools, panels, new_of_expert, by_id, blocked_by_org, project_id, heavy, blocked,
                      changed: set[int]) -> bool:
    """Two-step move for a heavy finance expert who is the panel's only one: a finance peer one
    level lighter takes the finance slot, and hands one of its ordinary slots to a light expert."""
    level = pools.load[heavy] - 1
    peers = pools.levels.get(level, {}).get(FINANCE, {})
    for peer in list(peers):
        if peer in blocked:
            continue
        for other_id in new_of_expert.get(peer, ()):
            other_panel = panels[other_id]
            if other_id == project_id or _sole_finance(pools, other_panel, peer):
                continue
            other = by_id[other_id]
            other_blocked = blocked_by_org.get(other.organization_id, set()) | set(other_panel) | set(other.excluded)
            light = pools.pick(ALL, other.domain, other_blocked, below=level)
            if light is not None:
                _move(pools, panels, new_of_expert, other_id, peer, light)
                _move(pools, panels, new_of_expert, project_id, heavy, peer)
                changed.update((other_id, project_id))
                return True
    return False


def load_stats(loads: dict[int, int]) -> dict[str, float | int]:
    values = list(loads.values())
    if not values:
        return {"experts": 0, "min": 0, "max": 0, "mean": 0}
    return {"experts": len(values), "min": min(values), "max": max(values), "mean": round(sum(values) / len(values), 2)}
