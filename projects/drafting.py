"""Turns a posted section of the application into service calls without ever refusing a draft.

Whatever is valid is saved; what is not (a half-typed date, a budget row without a price) is
reported back as a problem and stays in the browser (form and localStorage) until it is fixed.
"""
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.validators import MaxValueValidator

from core.errors import DomainError
from core.money import MAX_UPPER, money
from projects import services
from projects.models import Category, Project, Source
from projects.sections import Section
from projects.services.drafting import MAX_BENEFICIARIES

TWO_PLACES = Decimal("0.01")
# What the columns hold (max_digits 10 and 12, two decimals): larger input is refused, not a database error.
MAX_QUANTITY = Decimal("1E8")
MAX_TARGET = Decimal("1E10")


@dataclass
class SaveResult:
    problems: list[str] = field(default_factory=list)  # input that could not be saved yet
    form: forms.Form | None = None

    @property
    def complete(self) -> bool:
        return not self.problems


class ProjectFieldsForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = ["title", "domain", "summary", "government_funded", "need_analysis", "target_group",
                  "beneficiaries", "service_district", "service_street", "activity_plan", "team"]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 4}),
            "need_analysis": forms.Textarea(attrs={"rows": 8}),
            "activity_plan": forms.Textarea(attrs={"rows": 8}),
            "team": forms.Textarea(attrs={"rows": 6}),
            "beneficiaries": forms.NumberInput(attrs={"inputmode": "numeric", "min": "0"}),
            "service_district": forms.TextInput(attrs={"list": "districts"}),
        }


def fields_form(section: Section, project: Project, data=None) -> ProjectFieldsForm | None:
    if not section.fields:
        return None
    form = ProjectFieldsForm(data, instance=project)
    for name in list(form.fields):
        if name not in section.fields:
            del form.fields[name]
        else:
            # A draft may leave anything empty; completeness is checked at submission.
            form.fields[name].required = False
    if "beneficiaries" in form.fields:
        form.fields["beneficiaries"].validators.append(MaxValueValidator(MAX_BENEFICIARIES))
        form.fields["beneficiaries"].widget.attrs["max"] = str(MAX_BENEFICIARIES)
    if "domain" in form.fields:
        allowed = set(project.round.domains or [])
        form.fields["domain"].choices = [c for c in form.fields["domain"].choices if not c[0] or c[0] in allowed]
    return form


def save_section(*, actor, project: Project, section: Section, post) -> SaveResult:
    result = SaveResult()
    form = fields_form(section, project, post)
    if form is not None:
        result.form = form
        form.is_valid()
        values = {name: form.cleaned_data[name] for name in section.fields if name in form.cleaned_data}
        if "beneficiaries" in values and values["beneficiaries"] is None:
            values.pop("beneficiaries")  # an emptied number stays as it was rather than failing the save
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else name
            result.problems += [f"{label}：{e}" for e in errors]
        if values:
            _call(result, services.update_project, actor=actor, project_id=project.pk, **values)
    if section.rows == "milestones":
        rows, problems = milestone_rows(post)
        result.problems += problems
        _call(result, services.replace_milestones, actor=actor, project_id=project.pk, milestones=rows)
    elif section.rows == "indicators":
        rows, problems = indicator_rows(post)
        result.problems += problems
        _call(result, services.replace_indicators, actor=actor, project_id=project.pk, indicators=rows)
    elif section.rows == "budget":
        rows, problems = budget_rows(post)
        result.problems += problems
        _call(result, services.replace_budget, actor=actor, project_id=project.pk, lines=rows)
    return result


def _call(result: SaveResult, service, **kwargs) -> None:
    try:
        service(**kwargs)
    except DomainError as exc:
        result.problems += exc.errors


def columns(post, prefix: str, names: tuple[str, ...]) -> list[dict]:
    columns = {n: post.getlist(f"{prefix}{n}") for n in names}
    count = max((len(v) for v in columns.values()), default=0)
    rows = []
    for i in range(count):
        row = {n: (columns[n][i] if i < len(columns[n]) else "").strip() for n in names}
        rows.append(row)
    return rows


def milestone_rows(post) -> tuple[list[dict], list[str]]:
    ok, problems = [], []
    for index, row in enumerate(columns(post, "m_", ("title", "due_date", "deliverable")), start=1):
        if not any(row.values()):
            continue
        errors = []
        if not row["title"]:
            errors.append("请填写节点名称")
        try:
            due = date.fromisoformat(row["due_date"])
        except ValueError:
            errors.append("请填写完成日期（年-月-日）")
        if errors:
            problems.append(f"项目节点第{index}行：{'；'.join(errors)}")
        else:
            ok.append({"title": row["title"][:200], "due_date": due, "deliverable": row["deliverable"][:300]})
    return ok, problems


def indicator_rows(post) -> tuple[list[dict], list[str]]:
    ok, problems = [], []
    for index, row in enumerate(columns(post, "i_", ("name", "unit", "target")), start=1):
        if not any(row.values()):
            continue
        errors = []
        if not row["name"]:
            errors.append("请填写指标名称")
        if not row["unit"]:
            errors.append("请填写单位")
        try:
            target = Decimal(row["target"])
            if not target.is_finite() or target <= 0 or target != target.quantize(TWO_PLACES):
                raise InvalidOperation
            if target >= MAX_TARGET:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors.append("目标值须为大于0的数字，最多两位小数")
        if errors:
            problems.append(f"绩效指标第{index}行：{'；'.join(errors)}")
        else:
            ok.append({"name": row["name"][:100], "unit": row["unit"][:20], "target": str(target)})
    return ok, problems


BUDGET_COLUMNS = ("category", "item", "unit_price", "quantity", "source", "explanation")


def budget_rows(post, prefix: str = "b_") -> tuple[list[dict], list[str]]:
    """Rows ready for the budget services, and a problem for each row that is not complete yet."""
    ok, problems = [], []
    for index, row in enumerate(columns(post, prefix, BUDGET_COLUMNS), start=1):
        if not any(row[n] for n in ("item", "unit_price", "quantity", "explanation")):
            continue
        errors = []
        if row["category"] not in Category.values:
            errors.append("请选择预算科目")
        if not row["item"]:
            errors.append("请填写支出项目")
        price = quantity = None
        try:
            price = money(row["unit_price"])
            if price > MAX_UPPER:
                errors.append(f"单价不能超过 {MAX_UPPER:,} 元")
        except ValueError as exc:
            errors.append(f"单价：{exc}")
        try:
            parsed = Decimal(row["quantity"])
            if not parsed.is_finite() or parsed <= 0 or parsed != parsed.quantize(TWO_PLACES):
                raise InvalidOperation
            quantity = parsed
            if quantity >= MAX_QUANTITY:
                errors.append(f"数量不能超过 {MAX_QUANTITY - TWO_PLACES:,}")
        except (InvalidOperation, ValueError):
            errors.append("数量须大于0，最多两位小数")
        if price is not None and quantity is not None and price * quantity > MAX_UPPER:
            errors.append(f"小计（单价×数量）不能超过 {MAX_UPPER:,} 元")
        if row["source"] not in Source.values:
            errors.append("请选择资金来源（资助资金或配套资金）")
        if errors:
            problems.append(f"预算第{index}行：{'；'.join(errors)}")
        else:
            ok.append({**row, "item": row["item"][:200], "explanation": row["explanation"][:500]})
    if sum((money(r["unit_price"]) * Decimal(r["quantity"]) for r in ok), Decimal(0)) > MAX_UPPER:
        problems.append(f"预算合计不能超过 {MAX_UPPER:,} 元")
        ok = []
    return ok, problems
