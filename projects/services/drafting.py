"""The application while the organization edits it: fields, budget, milestones, indicators."""
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed, has_transition_perm
from core.money import money
from grants.models import GrantRound, Organization
from grants.rules.budget import line_amount
from core.calendar import SHANGHAI, add_working_days, today
from projects import budget as budget_rules
from projects import guards
from projects.errors import ProjectError
from projects.models import BudgetLine, Evaluation, EvaluationKind, Indicator, Milestone, Project, ProjectEvent
from projects.notifications import notify_transition
from projects.permissions import is_member
from projects.states import EDITABLE, TRANSITIONS, State
from projects.services.audit import log_event


EDITABLE_FIELDS = {
    "title", "domain", "summary", "need_analysis", "target_group", "beneficiaries", "service_district",
    "service_street", "activity_plan", "team", "requested_amount", "government_funded",
}


def _require_member(actor, organization_id: int) -> None:
    if not is_member(actor, organization_id):
        raise ProjectError("只有申报机构的成员可以编辑该项目")


def _editable(project_id: int, actor) -> Project:
    project = Project.objects.select_for_update().select_related("round").get(pk=project_id)
    _require_member(actor, project.organization_id)
    if project.state not in EDITABLE:
        raise ProjectError(f"项目当前状态为「{project.state_label}」，申报内容已冻结，不能修改")
    return project


def create_project(*, actor, round: GrantRound, organization: Organization, title: str, **fields) -> Project:
    _require_member(actor, organization.pk)
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ProjectError(f"不能设置这些字段：{', '.join(sorted(unknown))}")
    with transaction.atomic():
        project = Project(round=round, organization=organization, title=title.strip(), created_by=actor)
        for key, value in fields.items():
            setattr(project, key, money(value) if key == "requested_amount" else value)
        project.save()
        project.code = f"{round.code}-{project.pk:05d}"
        project.save(update_fields=["code"])
        log_event(project=project, actor=actor, action="create", to_state=project.state)
    return project


def update_project(*, actor, project_id: int, **fields) -> Project:
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ProjectError(f"不能修改这些字段：{', '.join(sorted(unknown))}")
    with transaction.atomic():
        project = _editable(project_id, actor)
        for key, value in fields.items():
            setattr(project, key, money(value) if key == "requested_amount" else value)
        project.save()
    return project


def _budget_rows(project: Project, lines: Iterable[dict]) -> list[BudgetLine]:
    rows = []
    for position, line in enumerate(lines, start=1):
        try:
            unit_price = money(line.get("unit_price", ""))
            quantity = Decimal(str(line.get("quantity", "")).strip() or "x")
        except (ValueError, ArithmeticError) as exc:
            raise ProjectError(f"预算第{position}行：{exc if isinstance(exc, ValueError) else '数量格式不正确'}") from None
        if quantity <= 0 or quantity != quantity.quantize(Decimal("0.01")):
            raise ProjectError(f"预算第{position}行：数量必须大于0，最多两位小数")
        item = str(line.get("item", "")).strip()
        if not item:
            raise ProjectError(f"预算第{position}行：请填写支出项目")
        rows.append(
            BudgetLine(
                project=project, position=position, category=line.get("category", ""), item=item,
                unit_price=unit_price, quantity=quantity, amount=line_amount(unit_price, quantity),
                source=line.get("source", "grant"), explanation=str(line.get("explanation", "")).strip(),
            )
        )
    from projects.models import Category, Source

    for position, row in enumerate(rows, start=1):
        if row.category not in Category.values:
            raise ProjectError(f"预算第{position}行：请选择预算科目")
        if row.source not in Source.values:
            raise ProjectError(f"预算第{position}行：请选择资金来源（资助资金或配套资金）")
    return rows


def replace_budget(*, actor, project_id: int, lines: list[dict], sync_requested: bool = True) -> Project:
    """Saves the draft budget as given. Caps are reported at submission, not here, so a half-done
    budget is never lost; the grant-paid total becomes the requested amount."""
    with transaction.atomic():
        project = _editable(project_id, actor)
        rows = _budget_rows(project, lines)
        project.budget_lines.all().delete()
        BudgetLine.objects.bulk_create(rows)
        if sync_requested:
            project.requested_amount = sum((r.amount for r in rows if r.source == "grant"), Decimal("0.00"))
            project.save(update_fields=["requested_amount", "updated_at"])
    return project


def replace_milestones(*, actor, project_id: int, milestones: list[dict]) -> Project:
    with transaction.atomic():
        project = _editable(project_id, actor)
        project.milestones.all().delete()
        Milestone.objects.bulk_create(
            Milestone(project=project, title=m["title"], due_date=m["due_date"], deliverable=m.get("deliverable", ""))
            for m in milestones
        )
    return project


def replace_indicators(*, actor, project_id: int, indicators: list[dict]) -> Project:
    with transaction.atomic():
        project = _editable(project_id, actor)
        project.indicators.all().delete()
        Indicator.objects.bulk_create(
            Indicator(project=project, name=i["name"], unit=i["unit"], target=Decimal(str(i["target"])))
            for i in indicators
        )
    return project


def snapshot(project: Project) -> dict:
    """What was submitted, kept in the audit row so revisions can be compared later."""
    fields = {f: str(getattr(project, f)) for f in sorted(EDITABLE_FIELDS)}
    fields["budget"] = [
        {"category": b.category, "item": b.item, "unit_price": str(b.unit_price), "quantity": str(b.quantity),
         "amount": str(b.amount), "source": b.source, "explanation": b.explanation}
        for b in project.budget_lines.all()
    ]
    fields["milestones"] = [
        {"title": m.title, "due_date": m.due_date.isoformat(), "deliverable": m.deliverable}
        for m in project.milestones.all()
    ]
    fields["indicators"] = [{"name": i.name, "unit": i.unit, "target": str(i.target)} for i in project.indicators.all()]
    return fields
