"""评审汇总表 (score sheet of one project) and the 公示 list as plain rows, shared by the HTML page,
the xlsx export and the PDF."""
from __future__ import annotations

from decimal import Decimal

from core.money import format_yuan
from grants.vocabulary import document_domain_label
from reviewers.aggregation import aggregate, is_disputed, spread
from reviewers.panel_rules import PanelFacts, adjust

METHOD_NAMES = {"mean": "算术平均", "trimmed": "去掉一个最高分和一个最低分后平均（不少于5人时）", "weighted": "按专家权重加权平均"}


def score_sheet(project, assignments) -> dict:
    round = project.round
    panel = sorted(assignments, key=lambda a: a.expert.name)
    totals = [a.total for a in panel]
    weights = [a.expert.weight for a in panel] if round.aggregation == "weighted" else None
    rows = [
        {"expert": a.expert.name, "scores": {c["code"]: a.scores.get(c["code"], "") for c in round.rubric},
         "total": a.total, "comment": a.comment}
        for a in panel
    ]
    criteria = [
        {**c, "aggregate": aggregate([Decimal(str(a.scores.get(c["code"], "0"))) for a in panel], round.aggregation, weights)}
        for c in round.rubric
    ] if panel else [{**c, "aggregate": None} for c in round.rubric]
    return {
        "project": project, "round": round, "rows": rows, "criteria": criteria,
        "aggregate": aggregate(totals, round.aggregation, weights), "method": METHOD_NAMES[round.aggregation],
        "spread": spread(totals), "disputed": is_disputed(totals, round.disagreement_threshold),
    }


def publicity_rows(projects, assignments_by_project: dict[int, list], method: str, today,
                   extras: PanelFacts | None = None, first: int = 1) -> list[dict]:
    """`extras`: the round's oral defense and preferences, so the notice publishes the score the
    ranking (and the decision) used, not the written score alone. `first`: the number of the first
    row, when `projects` is one page of the notice."""
    rows = []
    for position, p in enumerate(projects, start=first):
        panel = assignments_by_project.get(p.pk, [])
        weights = [a.expert.weight for a in panel] if method == "weighted" else None
        score = adjust(extras, p.pk, aggregate([a.total for a in panel], method, weights)).final
        rows.append({
            "position": position, "code": p.code, "title": p.title, "organization": p.organization.name,
            "domain": document_domain_label(p.domain),
            "score": "" if score is None else str(score),
            "amount": format_yuan(p.approved_amount) if p.approved_amount is not None else "",
            "period": f"{p.publicity_start:%Y-%m-%d} 至 {p.publicity_end:%Y-%m-%d}" if p.publicity_start else "",
            "status": _status(p, today),
        })
    return rows


def _status(project, today) -> str:
    if project.state == "objection":
        return "异议处理中"
    if project.state == "publicity" and project.publicity_end and today <= project.publicity_end:
        return "公示中"
    return "公示期满"
