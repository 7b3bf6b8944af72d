"""Turns a posted section of the application into service calls without ever refusing a draft.

Whatever is valid is saved; what is not (a half-typed date, a budget row without a price) is
reported back as a problem and stays in the browser (form and localStorage) until it is fixed.
"""
import functools
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.datastructures import MultiValueDict

from core import plain_rows
from core.errors import DomainError
from core.money import MAX_UPPER, money, parse_figure
from core.validation import SINGLE_LINE_MESSAGE, control_characters
from projects import edit_conflicts, services
from projects.edit_conflicts import BUDGET_COLUMNS, ROW_COLUMNS, ROW_PREFIX, Conflict
from projects.errors import EditConflict
from projects.models import CATEGORY_CODES, SOURCE_CODES, Project
from projects.sections import Section
from projects.services.drafting import MAX_BENEFICIARIES

TWO_PLACES = Decimal("0.01")
ROW_RELATION = {"budget": "budget_lines", "milestones": "milestones", "indicators": "indicators"}
# What the columns hold (max_digits 10 and 12, two decimals): larger input is refused, not a database error.
MAX_QUANTITY = Decimal("1E8")
MAX_TARGET = Decimal("1E10")


@dataclass
class SaveResult:
    problems: list[str] = field(default_factory=list)  # input that could not be saved yet
    form: forms.BaseForm | None = None
    # Row number (1-based, as posted) → column → why the server refused that cell, per row editor.
    cells: dict[str, dict[int, dict[str, str]]] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    version: int = 0
    saved: bool = True
    refresh: list[str] = field(default_factory=list)  # parts changed elsewhere that this page had not touched
    # The project as stored after the save (or, after a conflict, as stored now), its round and the
    # section's rows loaded once: the answer is built from it without fetching it again.
    project: Project | None = None

    @property
    def complete(self) -> bool:
        return not self.problems and not self.conflicts


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


@functools.cache
def _section_form(names: tuple[str, ...]) -> type[ProjectFieldsForm]:
    """ProjectFieldsForm limited to one section's fields (in the form's order), built once per section:
    an autosave builds the form up to three times, and copying all eleven fields to drop most of them
    each time was a measurable part of its cost."""
    meta = type("Meta", (ProjectFieldsForm.Meta,), {"fields": [n for n in ProjectFieldsForm.Meta.fields if n in names]})
    form_class: type[ProjectFieldsForm] = type(f"SectionFieldsForm_{'_'.join(names)}", (ProjectFieldsForm,), {"Meta": meta})
    for form_field in form_class.base_fields.values():
        form_field.required = False  # a draft may leave anything empty; completeness is checked at submission
    if "beneficiaries" in form_class.base_fields:
        form_class.base_fields["beneficiaries"].validators.append(MaxValueValidator(MAX_BENEFICIARIES))
        form_class.base_fields["beneficiaries"].widget.attrs["max"] = str(MAX_BENEFICIARIES)
    return form_class


def fields_form(section: Section, project: Project, data=None) -> ProjectFieldsForm | None:
    if not section.fields:
        return None
    form = _section_form(section.fields)(data, instance=project)
    if "domain" in form.fields:
        allowed = set(project.round.domains or [])
        form.fields["domain"].choices = [c for c in form.fields["domain"].choices if not c[0] or c[0] in allowed]
    return form


def _version(post) -> int | None:
    try:
        return int(post.get("_version", ""))
    except ValueError:
        return None


def _base_data(post) -> MultiValueDict | None:
    """What the page showed when it was loaded or last saved, as [name, value] pairs (autosave.js)."""
    try:
        entries = json.loads(post.get("_base") or "null")
    except ValueError:
        return None
    if not isinstance(entries, list):
        return None
    data: MultiValueDict = MultiValueDict()
    for entry in entries:
        if isinstance(entry, list) and len(entry) == 2 and all(isinstance(x, str) for x in entry):
            data.appendlist(entry[0], entry[1])
    return data


def _rows_of(section: Section, data) -> list[dict]:
    kind = section.rows
    return columns(data, ROW_PREFIX[kind], ROW_COLUMNS[kind])


def parts(section: Section, project: Project, data, form: forms.BaseForm | None = None) -> dict[str, object]:
    """Each part of the section in canonical form, from posted data; fields that do not clean are left out.
    `form`: the section's form already bound to `data` and validated (not built and cleaned again)."""
    result: dict[str, object] = {}
    if form is None:
        form = fields_form(section, project, data)
    if form is not None:
        form.is_valid()
        result.update({n: edit_conflicts.text(form.cleaned_data[n]) for n in section.fields if n in form.cleaned_data})
    if section.rows:
        result[section.rows] = edit_conflicts.canonical_rows(section.rows, _rows_of(section, data))
    return result


def stored_parts(section: Section, project: Project) -> dict[str, object]:
    result: dict[str, object] = {n: edit_conflicts.text(getattr(project, n)) for n in section.fields}
    if section.rows:
        result[section.rows] = edit_conflicts.canonical_rows(section.rows, services.stored_rows(project, section.rows))
    return result


def _shown_value(section: Section, project: Project, name: str) -> tuple[forms.Field, object]:
    """What the section's unbound form shows in the field `name` (`form[name].value()`: the stored
    value, from model_to_dict, through the form field's prepare_value) and that form field, without
    building the form: copying its fields for each answer cost more than reading the values."""
    form_field = _section_form(section.fields).base_fields[name]
    return form_field, form_field.prepare_value(Project._meta.get_field(name).value_from_object(project))


def entries(section: Section, project: Project, keys=None) -> list[list[str]]:
    """The stored section as the form's [name, value] pairs, as the browser's FormData lists them."""
    pairs: list[list[str]] = []
    if keys is not None and not keys:
        return pairs
    for name in section.fields:
        if keys is not None and name not in keys:
            continue
        form_field, value = _shown_value(section, project, name)
        if isinstance(form_field, forms.BooleanField):
            if value:
                pairs.append([name, "on"])
        else:
            pairs.append([name, "" if value is None else str(value)])
    if section.rows and (keys is None or section.rows in keys):
        prefix = ROW_PREFIX[section.rows]
        for row in services.stored_rows(project, section.rows):
            pairs += [[prefix + c, str(row.get(c) or "")] for c in ROW_COLUMNS[section.rows]]
    return pairs


def save_section(*, actor, project: Project, section: Section, post) -> SaveResult:
    """Checks what was posted, saves what passed in one service call (version-checked), and reports
    the rest: problems, the refused cells, or the conflicts with what someone else saved meanwhile."""
    result = SaveResult(version=project.edit_version)
    values: dict = {}
    form = fields_form(section, project, post)
    take_theirs = set(post.getlist("_take_theirs"))  # a form posted without the script resolved a conflict
    if form is not None:
        result.form = form
        form.is_valid()
        values = {name: form.cleaned_data[name] for name in section.fields if name in form.cleaned_data}
        if "beneficiaries" in values and values["beneficiaries"] is None:
            values.pop("beneficiaries")  # an emptied number stays as it was rather than failing the save
        if "title" in values and not values["title"]:
            values.pop("title")  # the name stays as it was: a draft without one is a link nobody can click
            result.problems.append(f"{form.fields['title'].label}：{services.TITLE_REQUIRED}")
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else name
            result.problems += [f"{label}：{e}" for e in errors]
    rows: dict[str, tuple[list, list]] = {}
    if section.rows:
        typed_rows = _rows_of(section, post)
        checks = ROW_CHECKS[section.rows](typed_rows)
        result.problems += [c.message for c in checks if c.cells]
        result.cells[section.rows] = {c.index: c.cells for c in checks if c.cells}
        ok = [c.value for c in checks if not c.cells and c.value is not None]
        if section.rows == "budget" and _total(ok) > MAX_UPPER:
            result.problems.append(f"预算合计不能超过 {MAX_UPPER:,} 元")
            ok = []
        rows[section.rows] = (typed_rows, ok)
    for key in take_theirs:
        values.pop(key, None)
        rows.pop(key, None)
    base_data = _base_data(post)
    base = parts(section, project, base_data) if base_data is not None else None
    typed = parts(section, project, post, form=form)  # the form above, cleaned once
    try:
        saved, written = services.save_draft(actor=actor, project_id=project.pk, version=_version(post),
                                             fields=values, rows=rows, base=base)
    except EditConflict as exc:
        result.saved, result.conflicts, result.version = False, exc.conflicts, exc.version
        saved = Project.objects.select_related("round").get(pk=project.pk)  # nothing was written: what is stored now
    except DomainError as exc:
        result.saved = False
        result.problems += exc.errors
        return result
    else:
        result.version = saved.edit_version
    if "round" in project._state.fields_cache and "round" not in saved._state.fields_cache:
        saved.round = project.round  # read with the project by the member check; the save does not read it again
    # One query for the section's stored rows, read below, by the answer's base and by the budget check.
    if section.rows:
        plain_rows.prefetch_children(saved, ROW_RELATION[section.rows])
    result.project = saved
    if base is not None:
        # Parts this page had not touched but someone else changed: the page shows the stored text, so
        # that after a conflict is resolved (or the next save) the old text is not sent as a change.
        now = stored_parts(section, saved)
        result.refresh = [k for k, v in typed.items() if k in base and v == base[k] and now.get(k) != v]
    return result


def _total(rows: list[dict]) -> Decimal:
    return sum((money(r["unit_price"]) * parse_figure(r["quantity"]) for r in rows), Decimal(0))


def columns(post, prefix: str, names: tuple[str, ...]) -> list[dict]:
    columns = {n: post.getlist(f"{prefix}{n}") for n in names}
    count = max((len(v) for v in columns.values()), default=0)
    rows = []
    for i in range(count):
        row = {n: (columns[n][i] if i < len(columns[n]) else "").strip() for n in names}
        rows.append(row)
    return rows


@dataclass
class RowCheck:
    index: int  # 1-based, as posted (blank rows count, so the browser finds the row)
    message: str = ""
    cells: dict[str, str] = field(default_factory=dict)  # column → why it was refused
    value: dict | None = None  # the row ready for the service, when nothing was refused


def _check(label: str, index: int, cells: dict[str, str], value: dict) -> RowCheck:
    if not cells:
        return RowCheck(index=index, value=value)
    return RowCheck(index=index, cells=cells, message=f"{label}第{index}行：{'；'.join(dict.fromkeys(cells.values()))}")


def _single_line(row: dict, names: tuple[str, ...]) -> dict[str, str]:
    """The cells holding a control character (a line break or an escape, only in a crafted post): the
    service refuses such a row, so the check refuses that cell and the rest of the save goes through,
    instead of the whole save failing on it."""
    return {name: SINGLE_LINE_MESSAGE for name in names if control_characters(row[name])}


def milestone_checks(rows: list[dict]) -> list[RowCheck]:
    checks = []
    for index, row in enumerate(rows, start=1):
        if edit_conflicts.is_blank("milestones", row):
            continue
        cells, due = {}, None
        if not row["title"]:
            cells["title"] = "请填写节点名称"
        cells.update(_single_line(row, ("title", "deliverable")))
        try:
            due = date.fromisoformat(row["due_date"])
        except ValueError:
            cells["due_date"] = "请填写完成日期（年-月-日）"
        checks.append(_check("项目节点", index, cells, {"title": row["title"][:200], "due_date": due,
                                                   "deliverable": row["deliverable"][:300]}))
    return checks


def indicator_checks(rows: list[dict]) -> list[RowCheck]:
    checks = []
    for index, row in enumerate(rows, start=1):
        if edit_conflicts.is_blank("indicators", row):
            continue
        cells: dict[str, str] = {}
        if not row["name"]:
            cells["name"] = "请填写指标名称"
        if not row["unit"]:
            cells["unit"] = "请填写单位"
        cells.update(_single_line(row, ("name", "unit")))
        target = None
        try:
            target = parse_figure(row["target"], what="目标值")
            if target <= 0 or target >= MAX_TARGET:
                raise ValueError
        except ValueError:
            cells["target"] = "目标值须为大于0的数字，最多两位小数"
        checks.append(_check("绩效指标", index, cells, {"name": row["name"][:100], "unit": row["unit"][:20],
                                                   "target": str(target)}))
    return checks


def budget_checks(rows: list[dict]) -> list[RowCheck]:
    """Every typed budget row checked by the rules the service applies, cell by cell."""
    checks = []
    for index, row in enumerate(rows, start=1):
        if edit_conflicts.is_blank("budget", row):
            continue
        cells: dict[str, str] = {}
        if row["category"] not in CATEGORY_CODES:
            cells["category"] = "请选择预算科目"
        if not row["item"]:
            cells["item"] = "请填写支出项目"
        cells.update(_single_line(row, ("item", "explanation")))
        price = quantity = None
        try:
            price = money(row["unit_price"])
            if price > MAX_UPPER:
                cells["unit_price"] = f"单价不能超过 {MAX_UPPER:,} 元"
        except ValueError as exc:
            cells["unit_price"] = f"单价：{exc}"
        try:
            quantity = parse_figure(row["quantity"], what="数量")
            if quantity <= 0:
                raise ValueError
            if quantity >= MAX_QUANTITY:
                cells["quantity"] = f"数量不能超过 {MAX_QUANTITY - TWO_PLACES:,}"
        except ValueError:
            cells["quantity"] = "数量须大于0，最多两位小数"
            quantity = None
        if price is not None and quantity is not None and price * quantity > MAX_UPPER:
            cells["unit_price"] = f"小计（单价×数量）不能超过 {MAX_UPPER:,} 元"
        if row["source"] not in SOURCE_CODES:
            cells["source"] = "请选择资金来源（资助资金或配套资金）"
        checks.append(_check("预算", index, cells, {**row, "item": row["item"][:200],
                                                "explanation": row["explanation"][:500]}))
    return checks


ROW_CHECKS = {"budget": budget_checks, "milestones": milestone_checks, "indicators": indicator_checks}


def budget_rows(post, prefix: str = "b_") -> tuple[list[dict], list[str]]:
    """Rows ready for the budget services, and a problem for each row that is not complete yet."""
    checks = budget_checks(columns(post, prefix, BUDGET_COLUMNS))
    ok = [c.value for c in checks if not c.cells and c.value is not None]
    problems = [c.message for c in checks if c.cells]
    if _total(ok) > MAX_UPPER:
        problems.append(f"预算合计不能超过 {MAX_UPPER:,} 元")
        ok = []
    return ok, problems
