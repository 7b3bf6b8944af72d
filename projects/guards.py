"""Guard conditions of each transition: each returns every reason it fails, in Chinese."""
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Sum

from core.money import format_yuan
from grants.defaults import ATTACHMENT_KINDS, DOMAINS
from core.calendar import local_date, within_days
from projects.eligibility import eligibility_reasons_for
from projects import budget
from projects.models import EvaluationKind, Project
from projects.states import FUNDED, State


def completeness(project: Project) -> list[str]:
    problems = []
    required = {
        "title": "项目名称", "summary": "项目简介", "need_analysis": "需求分析",
        "target_group": "服务对象", "activity_plan": "活动计划", "team": "团队介绍",
    }
    for field, label in required.items():
        if not str(getattr(project, field) or "").strip():
            problems.append(f"请填写「{label}」")
    if not project.domain:
        problems.append("请选择服务领域")
    elif project.domain not in (project.round.domains or []):
        problems.append(f"服务领域「{DOMAINS.get(project.domain, project.domain)}」不在本批次征集范围内")
    if not project.beneficiaries:
        problems.append("请填写受益人数")
    if not project.milestones.exists():
        problems.append("请至少填写一个项目节点（里程碑）")
    if not project.indicators.exists():
        problems.append("请至少填写一个绩效指标")
    return problems


def submission(project: Project, now: datetime) -> list[str]:
    round = project.round
    problems: list[str] = []
    if not within_days(round.apply_start, round.apply_end, now):
        problems.append(
            f"不在申报时间内（{round.apply_start:%Y年%m月%d日} 至 {round.apply_end:%Y年%m月%d日} 24:00，北京时间）"
        )
    problems += eligibility_reasons_for(project.organization, round, today=local_date(now), project=project)
    amount = project.requested_amount or Decimal("0")
    if amount < round.min_amount or amount > round.max_amount:
        problems.append(
            f"申请资助金额 {format_yuan(amount)} 元不在本批次范围内"
            f"（{format_yuan(round.min_amount)} 至 {format_yuan(round.max_amount)} 元）"
        )
    problems += completeness(project)
    problems += budget.problems(round, project.budget_lines.all(), amount, basis="申请")
    present = set(project.attachments.values_list("kind", flat=True))
    for kind in round.required_attachments or []:
        if kind not in present:
            problems.append(f"缺少必需附件：{ATTACHMENT_KINDS.get(kind, kind)}")
    if project.organization.rating and "rating_certificate" not in present:
        problems.append("机构填写了评估等级，请上传评估等级证书")
    return problems


def review_finished(project: Project) -> list[str]:
    from reviewers.models import AssignmentState

    assignments = list(project.assignments.exclude(state=AssignmentState.RECUSED).values_list("state", flat=True))
    if not assignments:
        return ["尚未分配评审专家"]
    pending = sum(1 for s in assignments if s != AssignmentState.SUBMITTED)
    if pending:
        return [f"还有 {pending} 位专家未提交评分"]
    return []


def approved_total(round_id: int, exclude_project_id: int | None = None) -> Decimal:
    qs = Project.objects.filter(round_id=round_id, state__in=FUNDED).exclude(state=State.TERMINATED)
    if exclude_project_id:
        qs = qs.exclude(pk=exclude_project_id)
    return qs.aggregate(s=Sum("approved_amount"))["s"] or Decimal("0.00")


def decision(project: Project, amount: Decimal) -> list[str]:
    round = project.round
    problems = []
    if amount <= 0:
        return ["核定资助金额必须大于0"]
    if amount > project.requested_amount:
        problems.append(
            f"核定资助金额 {format_yuan(amount)} 元不能高于申请金额 {format_yuan(project.requested_amount)} 元"
        )
    if amount < round.min_amount or amount > round.max_amount:
        problems.append(
            f"核定资助金额 {format_yuan(amount)} 元不在本批次范围内"
            f"（{format_yuan(round.min_amount)} 至 {format_yuan(round.max_amount)} 元）"
        )
    used = approved_total(round.pk, exclude_project_id=project.pk)
    if used + amount > round.pot:
        problems.append(
            f"资金池不足：已核定 {format_yuan(used)} 元，加上本项目 {format_yuan(amount)} 元"
            f"将超过资金总额 {format_yuan(round.pot)} 元（剩余 {format_yuan(round.pot - used)} 元）"
        )
    return problems


def budget_fits_approved(project: Project) -> list[str]:
    """Labor rule point 2: a cut amount may break the budget, which must be revised before signing."""
    if project.approved_amount is None:
        return ["尚未核定资助金额"]
    return budget.problems(project.round, project.budget_lines.all(), project.approved_amount, basis="核定")


def signing(project: Project, today: date) -> list[str]:
    problems = []
    if project.publicity_end and today <= project.publicity_end:
        problems.append(f"公示期至 {project.publicity_end:%Y年%m月%d日} 结束，公示期满后方可签订协议")
    problems += budget_fits_approved(project)
    return problems


def first_tranche_paid(project: Project) -> list[str]:
    first = project.tranches.order_by("seq").first()
    if first is None:
        return ["尚未生成拨款计划"]
    if first.state != "paid":
        return [f"{first.name}（{format_yuan(first.amount)} 元）尚未拨付到账"]
    return []


def latest_evaluation(project: Project, kind: str):
    return project.evaluations.filter(kind=kind).order_by("-submitted_at", "-id").first()


def evaluation_outcome(project: Project, kind: str, *, passed: bool) -> list[str]:
    ev = latest_evaluation(project, kind)
    name = EvaluationKind(kind).label
    if ev is None:
        return [f"尚未提交{name}评分"]
    if ev.passed != passed:
        return [f"最近一次{name}得分 {ev.total} 分，结论为{'合格' if ev.passed else '不合格'}"]
    return []


def final_may_begin(project: Project) -> list[str]:
    needs_midterm = any(t.get("trigger") == "midterm_passed" for t in project.round.tranche_template)
    if needs_midterm and not project.midterm_passed:
        return ["中期评估合格后方可开始结项评估"]
    return []


class SectionProblem(NamedTuple):
    section: str  # the application form section that fixes it ("eligibility": the organization itself)
    field: str  # element id on that section's page, "" for the section as a whole
    message: str


# Completeness messages name the field they are about; these tell which page and input that is.
_FIELD_WORDS = [
    ("「项目名称」", "basic", "id_title"), ("「项目简介」", "basic", "id_summary"), ("服务领域", "basic", "id_domain"),
    ("「需求分析」", "need", "id_need_analysis"), ("「服务对象」", "need", "id_target_group"),
    ("受益人数", "need", "id_beneficiaries"), ("「活动计划」", "plan", "id_activity_plan"),
    ("里程碑", "plan", "milestones"), ("绩效指标", "indicators", "indicators"), ("「团队介绍」", "team", "id_team"),
    ("附件", "attachments", ""), ("评估等级证书", "attachments", ""), ("申请资助金额", "budget", "budget-totals"),
]


def submission_by_section(project: Project, now: datetime) -> list[SectionProblem]:
    """submission()'s problems, in its order, each with the form section and field that fixes it."""
    eligibility = set(eligibility_reasons_for(project.organization, project.round, today=local_date(now),
                                              project=project))
    budget_msgs = set(budget.problems(project.round, project.budget_lines.all(),
                                      project.requested_amount or Decimal("0"), basis="申请"))
    out = []
    for message in submission(project, now):
        if message in budget_msgs:
            out.append(SectionProblem("budget", "budget-lines", message))
        elif message in eligibility:
            out.append(SectionProblem("eligibility", "", message))
        else:
            section, field = next(((s, f) for word, s, f in _FIELD_WORDS if word in message), ("general", ""))
            out.append(SectionProblem(section, field, message))
    return out
