"""What changed between two submitted versions (the snapshots kept in the "submit" audit rows), in
the words staff read: field labels instead of field names, category and source labels instead of
codes, and rows matched by what they are, not where they stand.

A row is matched first by its identity: an explicit `key` (or `id`) when the snapshot carries one,
otherwise its natural key (budget: category, item and source; milestone: title; indicator: name).
Moving a row is therefore no change. Rows left over on both sides are then paired on a looser key
(a budget row whose item was renamed keeps its category and source), so editing one row shows that
row as changed rather than as one removed and one added.
"""
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _

from grants.defaults import DOMAINS
from projects.models import BudgetLine, Category, Indicator, Milestone, Project, Source

LISTS = ("budget", "milestones", "indicators")
EMPTY = "—"


@dataclass(frozen=True)
class FieldChange:
    name: str
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class Cell:
    label: str
    old: str
    new: str

    @property
    def changed(self) -> bool:
        return self.old != self.new


@dataclass(frozen=True)
class RowChange:
    kind: str  # "added" | "removed" | "changed"
    old_position: int | None
    new_position: int | None
    cells: tuple[Cell, ...]
    keys: tuple[str, ...] = ()  # the columns that differ, for "changed"

    @property
    def kind_label(self) -> str:
        return {"added": _("Added"), "removed": _("Removed"), "changed": _("Changed")}[self.kind]

    @property
    def position(self) -> int:
        return self.new_position or self.old_position or 0


@dataclass
class Section:
    name: str
    label: str
    columns: tuple[str, ...]  # labels, in the order of each row's cells
    changes: list[RowChange] = field(default_factory=list)


@dataclass
class SnapshotDiff:
    fields: list[FieldChange] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)

    @property
    def rows(self) -> dict[str, list[RowChange]]:
        return {s.name: s.changes for s in self.sections}

    @property
    def empty(self) -> bool:
        return not self.fields and not any(s.changes for s in self.sections)


def _label(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:  # a column this code no longer has: its name is better than nothing
        return name


def _choice(choices) -> Callable[[str], str]:
    labels = {str(k): str(v) for k, v in dict(choices).items()}
    return lambda value: labels.get(value, value)


def _yes_no(value: str) -> str:
    return {"True": str(_("Yes")), "False": str(_("No"))}.get(value, value)


def domain_label(value: str) -> str:
    choices = Project._meta.get_field("domain").flatchoices or list(DOMAINS.items())
    return _choice(choices)(value)


FIELD_VALUES: dict[str, Callable[[str], str]] = {"domain": domain_label, "government_funded": _yes_no}


@dataclass(frozen=True)
class ListSpec:
    model: type
    label: str
    columns: tuple[str, ...]
    identity: tuple[str, ...]
    loose: tuple[str, ...]
    values: dict[str, Callable[[str], str]] = field(default_factory=dict)
    numbers: frozenset[str] = frozenset()  # compared by value: "1" and "1.00" are the same quantity


def _specs() -> dict[str, ListSpec]:
    return {
        "budget": ListSpec(BudgetLine, _("Budget"),
                           ("category", "item", "unit_price", "quantity", "amount", "source", "explanation"),
                           identity=("category", "item", "source"), loose=("category", "source"),
                           values={"category": _choice(Category.choices), "source": _choice(Source.choices)},
                           numbers=frozenset({"unit_price", "quantity", "amount"})),
        "milestones": ListSpec(Milestone, _("Milestones"), ("title", "due_date", "deliverable"),
                               identity=("title",), loose=("due_date",)),
        "indicators": ListSpec(Indicator, _("Indicators"), ("name", "unit", "target"),
                               identity=("name",), loose=("unit",), numbers=frozenset({"target"})),
    }


def _text(value) -> str:
    return "" if value is None else str(value)


def _same(a, b, number: bool) -> bool:
    a, b = _text(a).strip(), _text(b).strip()
    if number:
        try:
            return Decimal(a) == Decimal(b)
        except (InvalidOperation, ValueError):
            pass
    return a == b


def _shown(value: str, convert: Callable[[str], str] | None) -> str:
    if value == "":
        return EMPTY
    return convert(value) if convert else value


def _key(row: dict, names: tuple[str, ...]) -> tuple:
    explicit = row.get("key") or row.get("id")
    if explicit not in (None, ""):
        return ("key", str(explicit))
    return tuple(_text(row.get(n)).strip() for n in names)


def _pair(old: list[dict], new: list[dict], key: Callable[[dict], tuple],
          left_old: list[int], left_new: list[int]) -> list[tuple[int, int]]:
    """Pairs the unpaired rows with equal keys, in order of appearance among rows sharing the key."""
    waiting: dict[tuple, list[int]] = {}
    for i in left_old:
        waiting.setdefault(key(old[i]), []).append(i)
    pairs = []
    for j in left_new:
        queue = waiting.get(key(new[j]))
        if queue:
            pairs.append((queue.pop(0), j))
    return pairs


def _rows_diff(spec: ListSpec, old: list[dict], new: list[dict]) -> tuple[tuple[str, ...], list[RowChange]]:
    left_old, left_new = list(range(len(old))), list(range(len(new)))
    pairs = []
    for names in (spec.identity, spec.loose):
        found = _pair(old, new, partial(_key, names=names), left_old, left_new)
        pairs += found
        left_old = [i for i in left_old if i not in {a for a, _b in found}]
        left_new = [j for j in left_new if j not in {b for _a, b in found}]
    # Extra columns a snapshot may carry (a later version's) still show, labelled by the model.
    columns = list(spec.columns) + sorted({k for row in old + new for k in row} - set(spec.columns) - {"key", "id"})

    def cells(a: dict | None, b: dict | None) -> tuple[Cell, ...]:
        result = []
        for c in columns:
            old = _shown(_text(a.get(c)), spec.values.get(c)) if a is not None else ""
            new = _shown(_text(b.get(c)), spec.values.get(c)) if b is not None else ""
            if a is not None and b is not None and _same(a.get(c), b.get(c), c in spec.numbers):
                new = old  # the same figure, written differently: not a change
            result.append(Cell(_label(spec.model, c), old, new))
        return tuple(result)

    changes = []
    for i, j in pairs:
        a, b = old[i], new[j]
        keys = tuple(c for c in columns if not _same(a.get(c), b.get(c), c in spec.numbers))
        if keys:
            changes.append(RowChange("changed", i + 1, j + 1, cells(a, b), keys))
    changes += [RowChange("removed", i + 1, None, cells(old[i], None)) for i in left_old]
    changes += [RowChange("added", None, j + 1, cells(None, new[j])) for j in left_new]
    labels = tuple(_label(spec.model, c) for c in columns)
    return labels, sorted(changes, key=lambda c: (c.new_position or c.old_position or 0, c.kind))


def diff_rows(name: str, old: list[dict], new: list[dict]) -> Section:
    """One list (budget, milestones, indicators) compared on its own: a budget adjustment's proposal
    against the current budget."""
    spec = _specs()[name]
    labels, changes = _rows_diff(spec, old, new)
    return Section(name, str(spec.label), labels, changes)


def labelled_rows(name: str, rows: list[dict]) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """Column labels and every row's values as staff read them (labels, not codes)."""
    spec = _specs()[name]
    return (tuple(_label(spec.model, c) for c in spec.columns),
            [tuple(_shown(_text(row.get(c)), spec.values.get(c)) for c in spec.columns) for row in rows])


def diff_snapshots(old: dict, new: dict) -> SnapshotDiff:
    """Fields compared by name and shown by label; list rows matched by identity (module docstring)."""
    result = SnapshotDiff()
    for name in sorted((set(old) | set(new)) - set(LISTS)):
        before, after = _text(old.get(name, "")), _text(new.get(name, ""))
        if before != after:
            convert = FIELD_VALUES.get(name)
            result.fields.append(FieldChange(name, _label(Project, name), _shown(before, convert),
                                             _shown(after, convert)))
    for name, spec in _specs().items():
        rows_before, rows_after = old.get(name) or [], new.get(name) or []
        labels, changes = _rows_diff(spec, [r for r in rows_before if isinstance(r, dict)],
                                     [r for r in rows_after if isinstance(r, dict)])
        result.sections.append(Section(name, str(spec.label), labels, changes))
    return result
