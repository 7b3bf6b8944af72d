"""Which parts of a stale save may be written, and which are a conflict the person must decide.

A save names the edit version it started from and, from the browser, what the page showed then (the
"base"). A part (a field, or a whole row editor) the person did not change is never written from a
stale page; a part they changed is written when nobody else changed it meanwhile; otherwise it is a
conflict showing both texts. Everything is compared in one canonical form, so "60,000" typed and
60000.00 stored are the same figure and a textarea's CRLF equals the stored LF.
"""
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from core.money import MoneyError, money, parse_figure

BUDGET_COLUMNS = ("category", "item", "unit_price", "quantity", "source", "explanation")
ROW_COLUMNS: dict[str, tuple[str, ...]] = {
    "budget": BUDGET_COLUMNS,
    "milestones": ("title", "due_date", "deliverable"),
    "indicators": ("name", "unit", "target"),
}
ROW_PREFIX = {"budget": "b_", "milestones": "m_", "indicators": "i_"}
# A budget row is blank when nothing a person types is filled in (category and source are selects).
TYPED_COLUMNS = {"budget": ("item", "unit_price", "quantity", "explanation")}
NUMBERS: dict[str, dict[str, Callable[[str], Decimal]]] = {
    "budget": {"unit_price": money, "quantity": parse_figure},
    "indicators": {"target": parse_figure},
}


@dataclass(frozen=True)
class Conflict:
    key: str  # a field name, or a row editor ("budget", "milestones", "indicators")
    label: str
    theirs: str  # what is stored now (saved by another tab or colleague)
    yours: str  # what this page sent


@dataclass
class Merge:
    write: set[str] = field(default_factory=set)
    conflicts: list[str] = field(default_factory=list)


def text(value) -> object:
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n").strip()
    return value


def is_blank(kind: str, row: Mapping[str, str]) -> bool:
    return not any(str(row.get(c) or "").strip() for c in TYPED_COLUMNS.get(kind, ROW_COLUMNS[kind]))


def _cell(kind: str, column: str, value) -> str:
    if isinstance(value, str):
        return _text_cell(kind, column, value)
    return _canonical_cell(kind, column, value)


@functools.lru_cache(maxsize=4096)
def _text_cell(kind: str, column: str, value: str) -> str:
    """_canonical_cell of a typed or stored text, remembered: one save compares the same rows up to five
    times (typed, base and stored, before and after the write), each parsing every figure again."""
    return _canonical_cell(kind, column, value)


def _canonical_cell(kind: str, column: str, value) -> str:
    raw = str(value if value is not None else "").replace("\r\n", "\n").strip()
    parse = NUMBERS.get(kind, {}).get(column)
    if parse is not None and raw:
        try:
            return str(parse(raw).normalize())
        except (MoneyError, ValueError, ArithmeticError):
            return raw
    return raw


def canonical_rows(kind: str, rows: Sequence[Mapping[str, str]]) -> tuple:
    return tuple(tuple(_cell(kind, c, r.get(c)) for c in ROW_COLUMNS[kind]) for r in rows if not is_blank(kind, r))


def merge(*, stale: bool, typed: Mapping[str, object], stored: Mapping[str, object],
          base: Mapping[str, object] | None) -> Merge:
    """typed/stored/base map each part to its canonical value; base is None when the client sent none
    (a form posted without the script): then every stale part that differs from what is stored is a
    conflict, since nothing tells whether the person changed it."""
    result = Merge()
    for key, yours in typed.items():
        if not stale:
            if stored.get(key) != yours:  # a part that is already stored as typed is not written again
                result.write.add(key)
            continue
        known = base is not None and key in base
        if known and yours == base[key]:  # type: ignore[index]
            continue  # untouched on this page: the stored text stays (the two-tab case)
        if stored.get(key) == yours:
            continue
        if known and stored.get(key) == base[key]:  # type: ignore[index]
            result.write.add(key)
        else:
            result.conflicts.append(key)
    return result
