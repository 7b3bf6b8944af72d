"""结项评估报告: the final evaluation of one project as a printed document.

Like the agreement, its wording is Chinese administrative text, not translatable UI: the report an
organization files must read the same whatever language the officer's browser prefers.
"""
from core.money import format_yuan
from documents.pdf import render_pdf
from grants.vocabulary import document_domain_label
from projects.models import EvaluationKind, Project
from projects.selectors_monitoring import performance_of

TEMPLATE = "monitoring/evaluation_report.html"
TRANCHE_STATES = {"planned": "未到拨付条件", "releasable": "可拨付", "in_batch": "拨付中", "paid": "已拨付",
                  "withheld": "暂停拨付", "cancelled": "已取消"}


def filename(project: Project) -> str:
    return f"{project.code or project.pk}-结项评估报告.pdf"


def _pct(value) -> str:
    return "—" if value is None else f"{value}%"


def _scored(rubric: list[dict], evaluation) -> list[dict]:
    return [{"name": c["name"], "max": c["max"], "score": evaluation.scores.get(c["code"], "")} for c in rubric]


def report_context(project: Project) -> dict:
    evaluations = list(project.evaluations.select_related("evaluator").order_by("submitted_at", "id"))
    final = [e for e in evaluations if e.kind == EvaluationKind.FINAL][-1]
    midterms = [e for e in evaluations if e.kind == EvaluationKind.MIDTERM]
    perf = performance_of(project)
    return {
        "title": "结项评估报告",
        "round_name": project.round.name,
        "project_number": project.code or "",
        "project": {"title": project.title, "code": project.code or "", "organization": project.organization.name,
                    "domain": document_domain_label(project.domain), "district": project.service_district,
                    "approved": format_yuan(project.approved_amount or 0)},
        "final": {"total": final.total, "grade": final.grade or "", "passed": final.passed,
                  "comment": final.comment, "at": final.submitted_at, "evaluator": str(final.evaluator),
                  "rows": _scored(project.round.final_rubric, final)},
        "midterms": [{"total": m.total, "passed": m.passed, "at": m.submitted_at} for m in midterms],
        "indicators": [{"name": i.name, "unit": i.unit, "target": i.target, "achieved": i.achieved,
                        "ratio": _pct(i.ratio)} for i in perf.indicators],
        "figures": {
            "indicator_completion": _pct(perf.indicator_completion),
            "spent_total": format_yuan(perf.spent_total), "spent_grant": format_yuan(perf.spent_grant),
            "spent_cofund": format_yuan(perf.spent_cofund), "execution_rate": _pct(perf.execution_rate),
            "labor_grant": format_yuan(perf.labor_grant), "labor_share": _pct(perf.labor_share),
            "labor_of_approved": _pct(perf.labor_of_approved), "receipts": perf.receipts,
        },
        "tranches": [{"name": t.name, "amount": format_yuan(t.amount), "state": TRANCHE_STATES.get(t.state, t.state)}
                     for t in project.tranches.all()],
        "signatures": [{"role": "评估人", "name": str(final.evaluator), "signer": "评估人（签字）"},
                       {"role": "项目管理部门（盖章）", "name": "", "signer": "负责人（签字）"}],
    }


def render_evaluation_report(project: Project) -> bytes:
    return render_pdf(TEMPLATE, report_context(project))
