"""Funding out of rank order needs a reason: approving a project while one ranked above it (by the
officers' ranking, reviewers.ranking) is not funded. Checked on every approval, from the officer's
project page and from the ranking page alike (reviewers.receivers)."""
from core.problems import Problem
from projects.states import State
from reviewers import ranking, stored_ranking
from reviewers.aggregate_models import ReviewAggregate
from reviewers.panel_selectors import panel_facts
from reviewers.selectors import ranking_inputs

# Decided or decidable, and not funded: passing over one of these needs a reason.
NOT_FUNDED = {State.REVIEWED, State.WAITLISTED, State.REJECTED}


def passed_over(ranked: ranking.Ranking, project_id: int) -> list[ranking.Row]:
    """The rows ranked above `project_id` that are not funded (no queries)."""
    above = []
    for row in ranked.rows:
        if row.project.pk == project_id:
            return above
        if row.project.state in NOT_FUNDED:
            above.append(row)
    return []


def problems(project, comment: str) -> list[Problem]:
    """Reads the stored ranking (reviewers.aggregates): a few indexed queries per decision, however
    large the round; a project without a stored row (aggregates never built) is checked on the full build."""
    if (comment or "").strip():
        return []
    key = ReviewAggregate.objects.filter(pk=project.pk).values_list("rank_key", flat=True).first()
    if key is None:
        return _problems_from_build(project)
    round = project.round
    above = stored_ranking.ranked(round).filter(rank_key__lt=key, state__in=list(NOT_FUNDED))
    first = list(above.values_list("rank_key", "project__code", "state")[:3])
    if not first:
        return []
    count = len(first) if len(first) < 3 else above.order_by().count()
    named = [(str(code), stored_ranking.position(round, k), str(State(state).label)) for k, code, state in first]
    return [_problem(stored_ranking.position(round, key), named, count)]


def _problem(position: int, named: list[tuple[str, int, str]], count: int) -> Problem:
    text = "、".join(f"{code}（第{n}名，{label}）" for code, n, label in named)
    more = f"等 {count} 个项目" if count > 3 else ""
    return Problem("decision.rank_order",
                   f"本项目排名第{position}名，排名在前的 {text}{more}未获资助：不按排名顺序资助须填写理由",
                   field="comment")


def _problems_from_build(project) -> list[Problem]:
    ranked = ranking.build(project.round, *ranking_inputs(project.round), extras=panel_facts(project.round))
    above = passed_over(ranked, project.pk)
    if not above:
        return []
    position = next(row.position for row in ranked.rows if row.project.pk == project.pk)
    return [_problem(position, [(row.project.code, row.position, row.project.state_label) for row in above[:3]],
                     len(above))]
