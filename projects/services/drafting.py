"""The application while the organization edits it: starting it, fields, budget, milestones, indicators.

Input arrives from forms and JSON, so every value is checked here, whatever the caller did before:
a malformed value is a ProjectError with a Chinese message, never a database error.
"""
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import DatabaseError, models, transaction
from django.db.models.signals import post_save, pre_save
from django.utils import timezone
from django_fsm import ConcurrentTransition

from core import plain_rows
from core.calendar import local_date, within_days
from core.money import MAX_UPPER, MoneyError, format_yuan, money, parse_figure
from core.validation import SINGLE_LINE_MESSAGE, control_characters, validate_single_line
from grants.models import GrantRound, Organization, QuestionAnswer, QuestionKind, RoundQuestion
from grants.questions import answer_problem
from grants.rules.budget import line_amount
from projects import dashboard_cells, edit_conflicts
from projects.edit_conflicts import Conflict
from projects.eligibility import eligibility_reasons_for
from projects.errors import EditConflict, ProjectError
from projects.lifecycle import EDITABLE
from projects.models import CATEGORY_CODES, SOURCE_CODES, BudgetLine, Category, Indicator, Milestone, Project, Source
from projects.permissions import is_member
from projects.services.audit import log_event
from projects.services.files import check_file, kept_only_if_committed, store

EDITABLE_FIELDS = {
    "title", "domain", "summary", "need_analysis", "target_group", "beneficiaries", "service_district",
    "service_street", "activity_plan", "team", "requested_amount", "government_funded",
}
TWO_PLACES = Decimal("0.01")
# The columns hold max_digits 10 (quantity) and 12 (indicator values), two decimals: larger is refused here.
MAX_QUANTITY = Decimal("1E8")
MAX_NUMBER = Decimal("1E10")
# Far above any one project's reach, and inside every database's integer column.
MAX_BENEFICIARIES = 100_000_000
# Lists link a draft by its name: an empty one would be a link nobody can see or click.
TITLE_REQUIRED = "项目名称不能为空，请填写项目名称"


def _require_member(actor, organization_id: int) -> None:
    if not is_member(actor, organization_id):
        raise ProjectError("只有申报机构的成员可以编辑该项目")


def locked_project(project_id) -> Project:
    """The project row, locked for the rest of the transaction; a missing or malformed id is refused."""
    try:
        return Project.objects.select_for_update().select_related("round").get(pk=int(project_id))
    except (Project.DoesNotExist, TypeError, ValueError, OverflowError):
        raise ProjectError("项目不存在") from None


# What a draft save reads and writes of the locked row: the fields a person edits and the bookkeeping,
# not the other columns (selecting and loading each costs CPU, on 60-odd autosaves a second).
DRAFT_COLUMNS = ("organization", "round", "state", "edit_version", "refused_rows", "updated_at", *sorted(EDITABLE_FIELDS))


def _editable(project_id: int, actor, *, with_round: bool = True, columns: tuple[str, ...] = ()) -> Project:
    """The draft locked for an edit by its members. Only the project row is locked, not its round
    (locked_project locks both, for the transitions that spend the round's pot): on deadline day
    thousands of drafts of one round are saved at once, and a round lock would queue every save of
    the round behind every other one. with_round=False: the round is not read with it (a draft save
    does not need it; its caller has the round already). `columns`: only these are read (deferred others)."""
    project = _locked_row(project_id, with_round=with_round, columns=columns)
    _require_member(actor, project.organization_id)
    if project.state not in EDITABLE:
        raise ProjectError(f"项目当前状态为「{project.state_label}」，申报内容已冻结，不能修改")
    return project


def _locked_row(project_id, *, with_round: bool, columns: tuple[str, ...]) -> Project:
    """The project row locked (only it, not its round), "项目不存在" for a missing or malformed id.
    A draft save's few columns without its round (every autosave) are read by one plain query:
    building the ORM query cost about twice what running it did."""
    try:
        pk = int(project_id)
    except (TypeError, ValueError, OverflowError):
        raise ProjectError("项目不存在") from None
    if columns and not with_round:
        project = plain_rows.one(Project, pk, columns, lock=True)
        if project is None:
            raise ProjectError("项目不存在")
        return project
    projects = Project.objects.select_for_update(of=("self",))
    if with_round:
        projects = projects.select_related("round")
    if columns:
        projects = projects.only(*columns)
    try:
        return projects.get(pk=pk)
    except (Project.DoesNotExist, TypeError, ValueError, OverflowError):
        raise ProjectError("项目不存在") from None


def _clean(field, value):
    """The model field's own checks (type, length, choices, integer range) except "required": a draft
    may leave anything empty, completeness is checked at submission."""
    if isinstance(value, str):
        value = value.strip()
    value = field.to_python(value)
    if value in field.empty_values:
        if value is None and not field.null:
            if not isinstance(field, (models.CharField, models.TextField)):
                raise ValidationError("请填写")
            return ""
        return value
    if isinstance(field, models.CharField):  # single-line: ends up in mail subjects and file names
        validate_single_line(value)
    field.validate(value, None)
    field.run_validators(value)
    if field.name == "beneficiaries" and not 0 <= value <= MAX_BENEFICIARIES:
        raise ValidationError(f"须为0至{MAX_BENEFICIARIES:,}之间的整数")
    return value


def _field_values(fields: dict, verb: str) -> dict:
    """Every value cleaned by its model field; every problem at once."""
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ProjectError(f"不能{verb}这些字段：{', '.join(sorted(map(str, unknown)))}")
    values, problems = {}, []
    for key, value in fields.items():
        field = Project._meta.get_field(key)
        if key == "title" and not (value.strip() if isinstance(value, str) else value):
            problems.append(TITLE_REQUIRED)
            continue
        try:
            values[key] = _amount(fields, key) if key == "requested_amount" else _clean(field, value)
        except ValidationError as exc:
            problems.append(f"{field.verbose_name}：{'；'.join(str(m) for m in exc.messages)}")
        except ValueError as exc:
            problems.append(f"{field.verbose_name}：{exc}")
    if problems:
        raise ProjectError(problems)
    return values


def _window_problem(round: GrantRound, now: datetime) -> list[str]:
    if not round.is_published:
        return ["本批次的征集公告尚未发布，暂不能申报"]
    if within_days(round.apply_start, round.apply_end, now):
        return []
    return [f"不在申报时间内（{round.apply_start:%Y年%m月%d日} 至 {round.apply_end:%Y年%m月%d日} 24:00，北京时间）"]


def _rating_certificate(organization: Organization):
    """The certificate given at registration, checked like an upload; None when there is none to copy
    (the application's checklist then asks for it)."""
    if not (organization.rating and organization.rating_certificate):
        return None
    try:
        with organization.rating_certificate.open("rb") as f:
            upload = ContentFile(f.read(), name=organization.rating_certificate_name or "评估等级证书.pdf")
        return check_file(upload)
    except (OSError, ProjectError):
        return None


def create_project(*, actor, round: GrantRound, organization: Organization, title: str,
                   now: datetime | None = None, **fields) -> Project:
    """Starts an application: only inside the round's window (Shanghai days) and only for an eligible
    organization. Drafts do not count against the per-organization limit (submitted applications do,
    the submission guard checks again), so an organization may start over without withdrawing.
    The organization's rating certificate is copied in, so it is not uploaded twice."""
    _require_member(actor, organization.pk)
    values = _field_values({"title": title or "", **fields}, "设置")
    now = now or timezone.now()
    problems = _window_problem(round, now) + eligibility_reasons_for(organization, round, today=local_date(now))
    if problems:
        raise ProjectError(problems)
    certificate = _rating_certificate(organization)
    with kept_only_if_committed() as stored, transaction.atomic():
        project = Project(round=round, organization=organization, created_by=actor, **values)
        project.save()
        project.code = f"{round.code}-{project.pk:05d}"
        project.save(update_fields=["code"])
        log_event(project=project, actor=actor, action="create", to_state=project.state)
        if certificate is not None:
            store(certificate, stored=stored, project=project, kind="rating_certificate", actor=actor)
            log_event(project=project, actor=actor, action="attachment", comment=f"上传附件：{certificate.name}")
    return project


def update_project(*, actor, project_id: int, **fields) -> Project:
    values = _field_values(fields, "修改")
    with transaction.atomic():
        project = _editable(project_id, actor)
        for key, value in values.items():
            setattr(project, key, value)
        project.edit_version += 1
        project.save()
    return project


def _text(row: dict, key: str) -> str:
    value = row.get(key)
    return "" if value is None else str(value).strip()


def _amount(row: dict, key: str) -> Decimal:
    """Raises MoneyError (a ValueError) with the reason."""
    value = row.get(key)
    return money(value if isinstance(value, (Decimal, int)) and not isinstance(value, bool) else _text(row, key))


def _quantity(raw: str) -> Decimal:
    quantity = parse_figure(raw, what="数量")  # the rule amounts and the browser preview follow
    if not quantity.is_finite() or quantity <= 0 or quantity >= MAX_QUANTITY or quantity != quantity.quantize(TWO_PLACES):
        raise ValueError
    return quantity


def _budget_rows(project: Project, lines: Iterable[dict]) -> list[BudgetLine]:
    """Budget lines from dicts (a form's rows or a stored proposal), every row's problems at once."""
    if not isinstance(lines, (list, tuple)) or not all(isinstance(line, dict) for line in lines):
        raise ProjectError("预算格式不正确")
    rows, problems = [], []
    for position, line in enumerate(lines, start=1):
        errors = []
        category, source = _text(line, "category"), _text(line, "source") if "source" in line else Source.GRANT
        item, explanation = _text(line, "item"), _text(line, "explanation")
        if category not in CATEGORY_CODES:
            errors.append("请选择预算科目")
        if not item:
            errors.append("请填写支出项目")
        elif len(item) > 200:
            errors.append("支出项目最多200字")
        if len(explanation) > 500:
            errors.append("说明最多500字")
        if control_characters(item) or control_characters(explanation):
            errors.append(f"支出项目和说明{SINGLE_LINE_MESSAGE}")
        unit_price = quantity = None
        try:
            unit_price = _amount(line, "unit_price")
        except ValueError as exc:
            errors.append(f"单价：{exc}")
        try:
            quantity = _quantity(_text(line, "quantity"))
        except ValueError:
            errors.append(f"数量须大于0且小于{MAX_QUANTITY:,.0f}，最多两位小数")
        if unit_price is not None and quantity is not None and unit_price * quantity > MAX_UPPER:
            errors.append(f"小计（单价×数量）不能超过 {MAX_UPPER:,} 元")
        if source not in SOURCE_CODES:
            errors.append("请选择资金来源（资助资金或配套资金）")
        if errors or unit_price is None or quantity is None:
            problems.append(f"预算第{position}行：{'；'.join(errors)}")
            continue
        rows.append(BudgetLine(
            project=project, position=position, category=category, item=item, unit_price=unit_price,
            quantity=quantity, amount=line_amount(unit_price, quantity), source=source, explanation=explanation,
        ))
    if problems:
        raise ProjectError(problems)
    if sum((r.amount for r in rows), Decimal("0")) > MAX_UPPER:
        raise ProjectError(f"预算合计不能超过 {MAX_UPPER:,} 元")
    return rows


def replace_budget(*, actor, project_id: int, lines: list[dict], sync_requested: bool = True) -> Project:
    """Saves the draft budget as given. Caps are reported at submission, not here, so a half-done
    budget is never lost; the grant-paid total becomes the requested amount."""
    with transaction.atomic():
        project = _editable(project_id, actor)
        rows = _budget_rows(project, lines)
        _write_budget(project, rows, sync_requested=sync_requested)
        project.refused_rows.pop("budget", None)
        project.edit_version += 1
        project.save(update_fields=["refused_rows", "edit_version", "updated_at"])
    return project


ROW_RELATION = {"budget": "budget_lines", "milestones": "milestones", "indicators": "indicators"}
# The columns a row editor writes, for a row changed in place.
ROW_FIELDS = {"budget": ("position", "category", "item", "unit_price", "quantity", "amount", "source", "explanation"),
              "indicators": ("name", "unit", "target")}


def _replace_rows(project: Project, kind: str, rows: list) -> None:
    """The draft's rows of one editor become `rows` (unsaved, in order). The same number of rows as
    stored (the usual autosave: a cell edited) is written in place, one UPDATE of the rows that differ;
    otherwise the rows are deleted and inserted. In place only where the order is the row order
    (budget: position; indicators: id); milestones are ordered by date and are always replaced. Only
    drafts are edited here (EDITABLE): no payment or reminder refers to these rows yet."""
    relation = ROW_RELATION[kind]
    manager = getattr(project, relation)
    stored = list(manager.all())  # the rows read for the version check when prefetched (save_draft)
    fields = ROW_FIELDS.get(kind)
    if fields and len(stored) == len(rows):
        changed, columns = [], set()
        for old, new in zip(stored, rows, strict=True):
            differ = [f for f in fields if getattr(old, f) != getattr(new, f)]
            for f in differ:
                setattr(old, f, _as_stored(manager.model, f, getattr(new, f)))
            if differ:
                changed.append(old)
                columns.update(differ)
        if len(changed) == 1:
            # One row, the usual autosave (a cell edited): a plain UPDATE of the cells that differ.
            # bulk_update's CASE WHEN per column took most of the save's ORM time for that one row, and
            # building even the simple ORM UPDATE cost more than running it (core.plain_rows).
            plain_rows.update(manager.model, changed[0].pk, {f: getattr(changed[0], f) for f in fields if f in columns})
        elif changed:
            manager.model.objects.bulk_update(changed, [f for f in fields if f in columns])
        # The rows in memory now hold what the table holds (same rows, same order: the order is the row
        # order), so the answer is built from them without reading them again.
    else:
        manager.all().delete()
        manager.model.objects.bulk_create(rows)
        getattr(project, "_prefetched_objects_cache", {}).pop(relation, None)  # read again when next needed


def _as_stored(model, name: str, value):
    """A value as the column gives it back: a decimal at the column's places (Decimal("2") is read
    back as Decimal("2.00"))."""
    field = model._meta.get_field(name)
    if isinstance(field, models.DecimalField) and isinstance(value, Decimal):
        return value.quantize(Decimal(1).scaleb(-field.decimal_places))
    return value


def _write_budget(project: Project, rows: list[BudgetLine], *, sync_requested: bool = True, save: bool = True) -> None:
    """save=False: the caller saves the project itself (the requested amount is set on it)."""
    _replace_rows(project, "budget", rows)
    if sync_requested:
        project.requested_amount = sum((r.amount for r in rows if r.source == "grant"), Decimal("0.00"))
        if save:
            project.save(update_fields=["requested_amount", "updated_at"])


def _milestones(project: Project, milestones) -> list[Milestone]:
    if not isinstance(milestones, (list, tuple)) or not all(isinstance(m, dict) for m in milestones):
        raise ProjectError("项目节点格式不正确")
    rows, problems = [], []
    for position, m in enumerate(milestones, start=1):
        errors = []
        title, deliverable, due = _text(m, "title"), _text(m, "deliverable"), m.get("due_date")
        if not title:
            errors.append("请填写节点名称")
        elif len(title) > 200:
            errors.append("节点名称最多200字")
        if len(deliverable) > 300:
            errors.append("成果最多300字")
        if control_characters(title) or control_characters(deliverable):
            errors.append(f"节点名称和成果{SINGLE_LINE_MESSAGE}")
        if isinstance(due, str):
            try:
                due = date.fromisoformat(due.strip())
            except ValueError:
                due = None
        if not isinstance(due, date) or isinstance(due, datetime):
            errors.append("请填写完成日期（年-月-日）")
        if errors:
            problems.append(f"项目节点第{position}行：{'；'.join(errors)}")
        else:
            rows.append(Milestone(project=project, title=title, due_date=due, deliverable=deliverable))
    if problems:
        raise ProjectError(problems)
    return rows


def replace_milestones(*, actor, project_id: int, milestones: list[dict]) -> Project:
    with transaction.atomic():
        project = _editable(project_id, actor)
        rows = _milestones(project, milestones)
        project.milestones.all().delete()
        Milestone.objects.bulk_create(rows)
        project.refused_rows.pop("milestones", None)
        project.edit_version += 1
        project.save(update_fields=["refused_rows", "edit_version", "updated_at"])
    return project


def number(raw, *, what: str) -> Decimal:
    """A non-negative figure with at most two decimals that fits an indicator column."""
    try:
        value = raw if isinstance(raw, Decimal) else parse_figure(str(raw if raw is not None else ""), what=what)
    except MoneyError:
        raise ProjectError(f"{what}必须是数字") from None
    if not value.is_finite() or value < 0 or value >= MAX_NUMBER or value != value.quantize(TWO_PLACES):
        raise ProjectError(f"{what}须为0至{MAX_NUMBER:,.0f}之间的数字，最多两位小数")
    return value


def _indicators(project: Project, indicators) -> list[Indicator]:
    if not isinstance(indicators, (list, tuple)) or not all(isinstance(i, dict) for i in indicators):
        raise ProjectError("绩效指标格式不正确")
    rows, problems = [], []
    for position, i in enumerate(indicators, start=1):
        errors = []
        name, unit = _text(i, "name"), _text(i, "unit")
        if not name or len(name) > 100:
            errors.append("请填写指标名称（最多100字）")
        if not unit or len(unit) > 20:
            errors.append("请填写单位（最多20字）")
        if control_characters(name) or control_characters(unit):
            errors.append(f"指标名称和单位{SINGLE_LINE_MESSAGE}")
        target = None
        try:
            target = number(i.get("target"), what="目标值")
            if target <= 0:
                errors.append("目标值必须大于0")
        except ProjectError as exc:
            errors.append(exc.message)
        if errors or target is None:
            problems.append(f"绩效指标第{position}行：{'；'.join(errors)}")
        else:
            rows.append(Indicator(project=project, name=name, unit=unit, target=target))
    if problems:
        raise ProjectError(problems)
    return rows


def replace_indicators(*, actor, project_id: int, indicators: list[dict]) -> Project:
    with transaction.atomic():
        project = _editable(project_id, actor)
        rows = _indicators(project, indicators)
        counted = dashboard_cells.counted(project)  # nothing while editable; kept exact should that change
        project.indicators.all().delete()
        Indicator.objects.bulk_create(rows)
        dashboard_cells.indicators_moved(project.round_id, counted, dashboard_cells.counted(project))
        project.refused_rows.pop("indicators", None)
        project.edit_version += 1
        project.save(update_fields=["refused_rows", "edit_version", "updated_at"])
    return project


def snapshot(project: Project) -> dict:
    """What was submitted, kept in the audit row so revisions can be compared later."""
    fields: dict[str, object] = {f: str(getattr(project, f)) for f in sorted(EDITABLE_FIELDS)}
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
    # The round's extra questions as asked then, one entry each named by the question: the version
    # diff compares and labels them like any other field (a name that is no Project field is its label).
    answers = answers_of(project)
    for position, q in enumerate(RoundQuestion.objects.filter(round_id=project.round_id), start=1):
        key = f"附加问题{position}：{q.label}"
        fields[key] = answers.get(q.pk, "")
    return fields


def save_answers(*, actor, project_id: int, values: dict[int, str], files: dict | None = None) -> list[str]:
    """Saves the answers to the round's extra questions that are valid; returns the problems of the
    rest (kept on the page by the caller). Required answers are checked at submission (guards)."""
    files = files or {}
    problems: list[str] = []
    with transaction.atomic():
        project = _editable(project_id, actor)
        questions = {q.pk: q for q in RoundQuestion.objects.filter(round_id=project.round_id)}
        for qid, raw in values.items():
            question = questions.get(qid)
            if question is None or question.kind == QuestionKind.FILE:
                continue
            text = str(raw or "").strip()
            problem = answer_problem(question, text) if text else None
            if control_characters(text.replace("\n", "").replace("\r", "")):
                problem = f"「{question.label}」{SINGLE_LINE_MESSAGE}"
            if problem:
                problems.append(problem)
                continue
            QuestionAnswer.objects.update_or_create(question=question, project=project, defaults={"value": text})
        for qid, upload in files.items():
            question = questions.get(qid)
            if question is None or question.kind != QuestionKind.FILE or upload is None:
                continue
            try:
                checked = check_file(upload)
            except ProjectError as exc:
                problems.append(f"「{question.label}」：{exc.message}")
                continue
            answer, _created = QuestionAnswer.objects.get_or_create(question=question, project=project)
            answer.file.save(checked.name, ContentFile(checked.data), save=False)
            answer.file_name = checked.name
            answer.save()
    return problems


def answers_of(project: Project) -> dict[int, str]:
    """Question id → the answer as shown (a file answer by its name)."""
    return {a.question_id: (a.file_name if a.question.kind == QuestionKind.FILE else a.value)
            for a in QuestionAnswer.objects.filter(project=project).select_related("question")}


def stored_rows(project: Project, kind: str) -> list[dict]:
    """The rows of one row editor as the page shows them: the refused rows as typed when there are
    some (they are part of the draft until fixed), otherwise the saved ones."""
    if project.refused_rows.get(kind):
        return [dict(r) for r in project.refused_rows[kind]]
    if kind == "milestones":
        return [{"title": m.title, "due_date": m.due_date.isoformat(), "deliverable": m.deliverable}
                for m in project.milestones.all()]
    if kind == "indicators":
        return [{"name": i.name, "unit": i.unit, "target": f"{i.target.normalize():f}"} for i in project.indicators.all()]
    return [{"category": b.category, "item": b.item, "unit_price": str(b.unit_price),
             "quantity": f"{b.quantity.normalize():f}", "source": b.source, "explanation": b.explanation}
            for b in project.budget_lines.all()]


ROW_LABELS = {"budget": "预算", "milestones": "项目节点", "indicators": "绩效指标"}


def _is_money(text: str) -> bool:
    try:
        money(text)
    except MoneyError:
        return False
    return True


def _shown_row(kind: str, row: dict) -> str:
    cells = []
    for column in edit_conflicts.ROW_COLUMNS[kind]:
        value = str(row.get(column) or "").strip()
        if column == "category" and value in CATEGORY_CODES:
            value = str(Category(value).label)
        elif column == "source" and value in SOURCE_CODES:
            value = str(Source(value).label)
        elif column == "unit_price" and value and _is_money(value):
            value = f"{format_yuan(money(value))}元"
        if value:
            cells.append(value)
    return " · ".join(cells)


def shown_value(key: str, value) -> str:
    """A part of the draft as a person reads it, for the two sides of a conflict."""
    if key in edit_conflicts.ROW_COLUMNS:
        lines = [_shown_row(key, r) for r in value if not edit_conflicts.is_blank(key, r)]
        return "\n".join(lines) or "（无）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None or value == "":
        return "（空）"
    if key == "domain":
        return str(dict(Project._meta.get_field("domain").choices).get(value, value))
    return str(value)


def _label(key: str) -> str:
    return ROW_LABELS[key] if key in ROW_LABELS else str(Project._meta.get_field(key).verbose_name)


def save_draft(*, actor, project_id: int, version: int | None, fields: dict, rows: dict[str, tuple[list, list]],
               base: dict | None = None) -> tuple[Project, set[str]]:
    """One save of one section of the draft: `fields` are checked values of Project fields, `rows` maps
    a row editor to (every row as typed, the rows that passed the checks). Rows that did not pass are
    kept as typed in `refused_rows`, so the draft shows them again until they are fixed.

    `version` is the edit version the page started from (None: the caller does not know it and
    writes unconditionally); `base` what the page showed then, per part, in canonical form
    (edit_conflicts). A stale save writes only the parts the person changed that nobody else
    changed meanwhile, and raises EditConflict, writing nothing, when both changed the same part.
    Returns the project and the parts written."""
    values = _field_values(fields, "修改")
    with transaction.atomic():
        project = _editable(project_id, actor, with_round=False, columns=DRAFT_COLUMNS)
        # The section's stored rows, read once: for the version check and for the rows changed in place.
        for kind in rows:
            plain_rows.prefetch_children(project, ROW_RELATION[kind])
        stale = version is not None and version != project.edit_version
        typed: dict[str, object] = {k: edit_conflicts.text(v) for k, v in values.items()}
        stored: dict[str, object] = {k: edit_conflicts.text(getattr(project, k)) for k in values}
        for kind, (typed_rows, _ok) in rows.items():
            typed[kind] = edit_conflicts.canonical_rows(kind, typed_rows)
            stored[kind] = edit_conflicts.canonical_rows(kind, stored_rows(project, kind))
        decision = edit_conflicts.merge(stale=stale, typed=typed, stored=stored, base=base)
        if decision.conflicts:
            raise EditConflict([
                Conflict(key=k, label=_label(k),
                         theirs=shown_value(k, stored_rows(project, k) if k in rows else getattr(project, k)),
                         yours=shown_value(k, rows[k][0] if k in rows else values[k]))
                for k in decision.conflicts
            ], project.edit_version)
        for key in decision.write & set(values):
            setattr(project, key, values[key])
        for kind in decision.write & set(rows):
            typed_rows, ok = rows[kind]
            if kind == "budget":
                _write_budget(project, _budget_rows(project, ok), save=False)  # saved below: decision.write is set
            elif kind == "milestones":
                _replace_rows(project, kind, _milestones(project, ok))
            else:
                _replace_rows(project, kind, _indicators(project, ok))
            kept = [r for r in typed_rows if not edit_conflicts.is_blank(kind, r)]
            if len(ok) < len(kept):
                project.refused_rows[kind] = [{c: str(r.get(c) or "") for c in edit_conflicts.ROW_COLUMNS[kind]}
                                              for r in kept]
            else:
                project.refused_rows.pop(kind, None)
        if decision.write:
            project.edit_version += 1
            # Only the columns this save may change (not every text of the application again).
            written = decision.write & set(values) | {"edit_version", "updated_at"}
            if decision.write & set(rows):
                written.add("refused_rows")
            if "budget" in decision.write:
                written.add("requested_amount")  # follows the grant lines (_write_budget)
            _save_draft_row(project, sorted(written))
    return project, decision.write


def _save_draft_row(project: Project, names: list[str]) -> None:
    """project.save(update_fields=names) for the draft row save_draft locked, by one plain UPDATE
    (core.plain_rows): building the ORM's UPDATE cost about twice what running it did, on every autosave.
    What save() does around its UPDATE is done here as save() does it: the pre_save signal, the fields'
    pre_save (updated_at takes the time), the state condition django-fsm's ConcurrentTransitionMixin adds
    and its refusal, Django's refusal when no row matched, the post_save signal (the public pages' cache
    listens) and the mixin's new initial state. The state is the one read under the lock: a draft save
    never changes it. (tests/projects/test_plain_rows.py fails should Project get a save() of its own.)"""
    using = project._state.db
    update_fields = frozenset(names)
    pre_save.send(sender=Project, instance=project, raw=False, using=using, update_fields=update_fields)
    values = {name: Project._meta.get_field(name).pre_save(project, False) for name in names}
    if not plain_rows.update(Project, project.pk, values, where={"state": project.state}):
        if Project.objects.filter(pk=project.pk).exists():
            raise ConcurrentTransition("Cannot save object! The state has been changed since fetched from the database!")
        raise DatabaseError("Save with update_fields did not affect any rows.")
    post_save.send(sender=Project, instance=project, created=False, update_fields=update_fields, raw=False, using=using)
    project._update_initial_state()
