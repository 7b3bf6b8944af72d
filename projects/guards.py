"""Guards of the project lifecycle: every reason a transition cannot happen now, as Problems placed
where they are fixed. The lifecycle table (projects.lifecycle) names the `may_*` guards, which take
(project, step); the helpers before them take plain arguments for the pages that show the same
reasons before anyone pulls a lever. Checks owned by other apps (every expert has scored, the first
tranche is paid) come through projects.signals.transition_checks."""
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from django.db import connection

from core import calendar
from core.calendar import local_date, within_days
from core.fsm import Step
from core.money import format_yuan
from core.problems import Problem, messages
from grants.defaults import ATTACHMENT_KINDS, DOMAINS
from grants.models import OrganizationVerification, QuestionAnswer, RoundQuestion
from grants.organization_services import verification_required
from grants.questions import missing_required, round_questions
from grants.vocabulary import round_districts
from projects import budget
from projects.eligibility import eligibility_issues_for
from projects.models import Attachment, Indicator, Milestone, Project, ReportKind, ReportReview
from projects.states import EvaluationKind

# The application's required text fields: the form section and input that fill each.
_REQUIRED_TEXT = [
    ("title", "项目名称", "basic"), ("summary", "项目简介", "basic"), ("need_analysis", "需求分析", "need"),
    ("target_group", "服务对象", "need"), ("activity_plan", "活动计划", "plan"), ("team", "团队介绍", "team"),
]


class _Stored(NamedTuple):
    """What the submission checks ask of the project's other rows, read in one query (_stored)."""
    has_milestones: bool
    has_indicators: bool
    verified: bool  # the organization's registration is verified
    attached: dict[str, bool]  # attachment kind → present, for the kinds the checks ask about


def _stored(project: Project, kinds: tuple[str, ...] = ()) -> _Stored:
    """Written out in SQL: the form runs these checks on every page, and the ORM spends more CPU
    building EXISTS subqueries than the four small queries they replace."""
    attachments = Attachment._meta.db_table
    sql = ", ".join([
        f"EXISTS(SELECT 1 FROM {Milestone._meta.db_table} WHERE project_id = %s)",
        f"EXISTS(SELECT 1 FROM {Indicator._meta.db_table} WHERE project_id = %s)",
        # grants.organization_services.is_verified: the organization has its verification row.
        f"EXISTS(SELECT 1 FROM {OrganizationVerification._meta.db_table} WHERE organization_id = %s)",
        *[f"EXISTS(SELECT 1 FROM {attachments} WHERE project_id = %s AND kind = %s)"] * len(kinds),
    ])
    params = [project.pk, project.pk, project.organization_id, *(v for kind in kinds for v in (project.pk, kind))]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql}", params)
        row = [bool(value) for value in cursor.fetchone()]
    return _Stored(has_milestones=row[0], has_indicators=row[1], verified=row[2],
                   attached=dict(zip(kinds, row[3:], strict=True)))


class RoundReads(NamedTuple):
    """What the checks read of the round, which the form's page shows too (read once, passed to both)."""
    questions: list[RoundQuestion]  # all the round's questions, in order
    districts: list[str]  # the districts the round serves; empty: it names none
    offered: list[str]  # the form's list (grants.vocabulary.round_districts): those, else every active one


def round_reads(round) -> RoundReads:
    return RoundReads(round_questions(round.pk), *round_districts(round))


def completeness(project: Project, stored: _Stored | None = None, reads: RoundReads | None = None) -> list[Problem]:
    stored = stored or _stored(project)
    reads = reads or round_reads(project.round)
    problems = []
    for field, label, section in _REQUIRED_TEXT:
        if not str(getattr(project, field) or "").strip():
            problems.append(Problem("complete.text", f"请填写「{label}」", section, f"id_{field}"))
    if not project.domain:
        problems.append(Problem("complete.domain", "请选择服务领域", "basic", "id_domain"))
    elif project.domain not in (project.round.domains or []):
        problems.append(Problem("complete.domain",
                                f"服务领域「{DOMAINS.get(project.domain, project.domain)}」不在本批次征集范围内",
                                "basic", "id_domain"))
    served = reads.districts
    if served and project.service_district and project.service_district not in served:
        problems.append(Problem("complete.district",
                                f"服务区县「{project.service_district}」不在本批次征集范围内（{'、'.join(served)}）",
                                "area", "id_service_district"))
    if not project.beneficiaries:
        problems.append(Problem("complete.beneficiaries", "请填写受益人数", "need", "id_beneficiaries"))
    if not stored.has_milestones:
        problems.append(Problem("complete.milestones", "请至少填写一个项目节点（里程碑）", "plan", "milestones"))
    if not stored.has_indicators:
        problems.append(Problem("complete.indicators", "请至少填写一个绩效指标", "indicators", "indicators"))
    questions = [q for q in reads.questions if q.required]
    if questions:
        answered = {a.question_id: a.file_name or a.value for a in QuestionAnswer.objects.filter(project=project)}
        for q in missing_required(questions, answered):
            problems.append(Problem("complete.question", f"请回答附加问题「{q.label}」", "questions", f"id_q_{q.pk}"))
    # Rows the checks refused are kept with the draft as typed; submitting would silently drop them.
    for kind, (label, section) in _REFUSED_ROWS.items():
        if project.refused_rows.get(kind):
            problems.append(Problem("complete.refused_rows", f"{label}中有未通过检查的行（已标出），请修改或删除后再提交",
                                    section, kind))
    return problems


_REFUSED_ROWS = {"budget": ("预算", "budget"), "milestones": ("项目节点", "plan"), "indicators": ("绩效指标", "indicators")}


def submission_problems(project: Project, now: datetime, reads: RoundReads | None = None) -> list[Problem]:
    """Everything that stops the application from being submitted at `now`, each placed on the form.
    `reads`: the round's questions and districts when the caller has read them (round_reads)."""
    round = project.round
    rated = bool(project.organization.rating)
    required = tuple(round.required_attachments or [])
    stored = _stored(project, tuple(dict.fromkeys((*required, *(["rating_certificate"] if rated else [])))))
    problems: list[Problem] = []
    if not within_days(round.apply_start, round.apply_end, now):
        problems.append(Problem(
            "submit.window",
            f"不在申报时间内（{round.apply_start:%Y年%m月%d日} 至 {round.apply_end:%Y年%m月%d日} 24:00，北京时间）",
            "general",
        ))
    problems += eligibility_issues_for(project.organization, round, today=local_date(now), project=project)
    if verification_required() and not stored.verified:
        problems.append(Problem("submit.unverified",
                                "机构注册信息尚待项目管理员核实（核对登记证书），核实后方可提交申报", "general"))
    amount = project.requested_amount or Decimal("0")
    if amount < round.min_amount or amount > round.max_amount:
        problems.append(Problem(
            "submit.amount",
            f"申请资助金额 {format_yuan(amount)} 元不在本批次范围内"
            f"（{format_yuan(round.min_amount)} 至 {format_yuan(round.max_amount)} 元）",
            "budget", "budget-totals",
        ))
    problems += completeness(project, stored, reads)
    problems += budget.issues(round, project.budget_lines.all(), amount, basis="申请")
    for kind in required:
        if not stored.attached[kind]:
            problems.append(Problem("submit.attachment", f"缺少必需附件：{ATTACHMENT_KINDS.get(kind, kind)}",
                                    "attachments"))
    if rated and not stored.attached["rating_certificate"]:
        problems.append(Problem("submit.rating_certificate", "机构填写了评估等级，请上传评估等级证书", "attachments"))
    return problems


def submission(project: Project, now: datetime) -> list[str]:
    """submission_problems() as plain messages."""
    return messages(submission_problems(project, now))


def submission_by_section(project: Project, now: datetime, reads: RoundReads | None = None) -> list[Problem]:
    """Every submission problem, in order; each carries the form section and field that fixes it."""
    return submission_problems(project, now, reads)


def decision(project: Project, amount: Decimal | None, comment: str = "") -> list[Problem]:
    round = project.round
    if amount is None:
        return [Problem("decision.amount", "请填写核定资助金额", field="amount")]
    if amount <= 0:
        return [Problem("decision.amount", "核定资助金额必须大于0", field="amount")]
    problems = []
    if amount > project.requested_amount:
        problems.append(Problem(
            "decision.above_request",
            f"核定资助金额 {format_yuan(amount)} 元不能高于申请金额 {format_yuan(project.requested_amount)} 元",
            field="amount",
        ))
    if amount < round.min_amount or amount > round.max_amount:
        problems.append(Problem(
            "decision.range",
            f"核定资助金额 {format_yuan(amount)} 元不在本批次范围内"
            f"（{format_yuan(round.min_amount)} 至 {format_yuan(round.max_amount)} 元）",
            field="amount",
        ))
    # The pot is checked by finance (finance.receivers), from the ledger every money page reads.
    problems += cut_reason(project, amount, comment)
    return problems


def cut_reason(project: Project, amount: Decimal, comment: str) -> list[Problem]:
    """A cut (核减) is explained to the applicant, so it needs a reason."""
    if amount < project.requested_amount and not (comment or "").strip():
        return [Problem(
            "decision.cut_reason",
            f"核定资助金额 {format_yuan(amount)} 元低于申请金额 {format_yuan(project.requested_amount)} 元"
            f"（核减 {format_yuan(project.requested_amount - amount)} 元），须填写核减理由",
            field="comment",
        )]
    return []


def budget_issues_against_approved(project: Project) -> list[Problem]:
    """Labor rule point 2: a cut amount may break the budget, which must be revised before signing."""
    if project.approved_amount is None:
        return [Problem("sign.no_amount", "尚未核定资助金额")]
    return budget.issues(project.round, project.budget_lines.all(), project.approved_amount, basis="核定")


def budget_fits_approved(project: Project) -> list[str]:
    """budget_issues_against_approved() as plain messages."""
    return messages(budget_issues_against_approved(project))


_BANK_FIELDS = (("bank_account_name", "户名"), ("bank_account_no", "账号"), ("bank_name", "开户行"),
                ("bank_code", "联行号"))


def payee_bank_problems(project: Project) -> list[Problem]:
    """The grant is paid to the payee (a 备案社区社会组织's host): its account must be complete before
    the agreement that names it is signed."""
    payee = project.organization.payee
    missing = [label for field, label in _BANK_FIELDS if not str(getattr(payee, field) or "").strip()]
    if not missing:
        return []
    whose = f"依托单位「{payee.name}」" if payee.pk != project.organization_id else "机构"
    return [Problem("sign.bank_details", f"{whose}的收款账户信息不完整（缺少{'、'.join(missing)}），请先补全后再签订协议",
                    "organization")]


def signing(project: Project, today: date) -> list[Problem]:
    problems = payee_bank_problems(project)
    if project.publicity_end and today <= project.publicity_end:
        problems.append(Problem("sign.publicity",
                                f"公示期至 {project.publicity_end:%Y年%m月%d日} 结束，公示期满后方可签订协议"))
    problems += budget_issues_against_approved(project)
    return problems


def latest_evaluation(project: Project, kind: str):
    return project.evaluations.filter(kind=kind).order_by("-submitted_at", "-id").first()


def evaluation_outcome(project: Project, kind: str, *, passed: bool) -> list[Problem]:
    ev = latest_evaluation(project, kind)
    name = EvaluationKind(kind).label
    if ev is None:
        return [Problem("evaluation.missing", f"尚未提交{name}评分")]
    if ev.passed != passed:
        return [Problem("evaluation.outcome", f"最近一次{name}得分 {ev.total} 分，结论为{'合格' if ev.passed else '不合格'}")]
    return []


def needs_midterm(project: Project) -> bool:
    """A round whose tranche template pays nothing on a passed mid-term goes straight to the final."""
    return any(t.get("trigger") == "midterm_passed" for t in project.round.tranche_template)


# ---------------------------------------------------------------- the guards the table names

def may_submit(project: Project, step: Step) -> list[Problem]:
    return submission_problems(project, step.now)


def may_accept(project: Project, step: Step) -> list[Problem]:
    return eligibility_issues_for(project.organization, project.round, today=calendar.today(step.now), project=project)


def may_approve(project: Project, step: Step) -> list[Problem]:
    return decision(project, step.get("amount"), step.comment)


def may_sign(project: Project, step: Step) -> list[Problem]:
    if not (step.get("signer_name") or "").strip():
        return [Problem("sign.name", "请输入签署人姓名以确认协议", field="signer_name")]
    return signing(project, calendar.today(step.now))


def may_begin_midterm(project: Project, step: Step) -> list[Problem]:
    return [Problem("midterm.passed", "中期评估已合格，不需要再次评估")] if project.midterm_passed else []


def may_begin_final(project: Project, step: Step) -> list[Problem]:
    problems = []
    if needs_midterm(project) and not project.midterm_passed:
        problems.append(Problem("final.needs_midterm", "中期评估合格后方可开始结项评估"))
    if not project.reports.filter(kind=ReportKind.FINAL).exclude(review_status=ReportReview.RETURNED).exists():
        problems.append(Problem("final.no_report", "机构尚未提交结项报告，不能开始结项评估"))
    return problems


def may_pass_midterm(project: Project, step: Step) -> list[Problem]:
    return evaluation_outcome(project, EvaluationKind.MIDTERM, passed=True)


def may_fail_midterm(project: Project, step: Step) -> list[Problem]:
    return evaluation_outcome(project, EvaluationKind.MIDTERM, passed=False)


def may_complete(project: Project, step: Step) -> list[Problem]:
    return evaluation_outcome(project, EvaluationKind.FINAL, passed=True)


def may_fail_final(project: Project, step: Step) -> list[Problem]:
    return evaluation_outcome(project, EvaluationKind.FINAL, passed=False)


def may_claw_back(project: Project, step: Step) -> list[Problem]:
    amount = step.get("amount")
    if amount is None or amount <= 0:
        return [Problem("clawback.amount", "请填写大于0的追回金额", field="amount")]
    return []
