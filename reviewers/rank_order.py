"""Funding out of rank order needs a reason: approving a project while one ranked above it (by the
officers' ranking, reviewers.ranking) is not funded. Checked on every approval, from the officer's
project page and from the ranking page alike (reviewers.receivers)."""
from core.problems import Problem
from projects.states import State
from reviewers import ranking
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
    if (comment or "").strip():
        return []
    ranked = ranking.build(project.round, *ranking_inputs(project.round), extras=panel_facts(project.round))
    above = passed_over(ranked, project.pk)
    if not above:
        return []
    position = next(row.position for row in ranked.rows if row.project.pk == project.pk)
    named = "、".join(f"{row.project.code}（第{row.position}名，{row.project.state_label}）" for row in above[:3])
    more = f"等 {len(above)} 个项目" if len(above) > 3 else ""
    return [Problem("decision.rank_order",
                    f"本项目排名第{position}名，排名在前的 {named}{more}未获资助：不按排名顺序资助须填写理由",
                    field="comment")]
