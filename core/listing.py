"""Sortable staff lists: the same order on SQLite and PostgreSQL, and the header links that change it.

`?sort=key` sorts ascending, `?sort=-key` descending. Every order ends in a unique tie-breaker (the
primary key) and puts empty values last in both directions: without that, PostgreSQL puts NULLs
first when sorting descending and SQLite last, and rows with equal keys come out in whatever order
each engine likes (so a page boundary could repeat or skip a row). States sort by a declared rank
(`rank`), never by their stored strings.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Case, Expression, F, IntegerField, QuerySet, Value, When
from django.http import QueryDict
from django.utils.functional import Promise


def rank(field: str, values: Sequence[str]) -> Case:
    """An integer expression: the position of `field`'s value in `values` (unknown values last)."""
    return Case(*(When(**{field: v}, then=Value(i)) for i, v in enumerate(values)),
                default=Value(len(values)), output_field=IntegerField())


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise
    # What the column sorts by: field names or expressions, most significant first.
    by: tuple[str | Expression, ...] = ()
    css: str = ""  # e.g. "num" for right-aligned amounts

    @property
    def sortable(self) -> bool:
        return bool(self.by)


class Sorting:
    def __init__(self, columns: Sequence[Column], *, default: str, tiebreak: str = "pk"):
        self.columns = list(columns)
        self.by_key = {c.key: c for c in self.columns if c.sortable}
        self.default = default
        self.tiebreak = tiebreak

    def parse(self, raw: str | None) -> tuple[str, bool]:
        """(column key, descending) from the ?sort= value; anything unknown is the default."""
        raw = (raw or "").strip()
        descending = raw.startswith("-")
        key = raw.lstrip("-")
        if key not in self.by_key:
            key, descending = self.default.lstrip("-"), self.default.startswith("-")
        return key, descending

    def order(self, qs: QuerySet, raw: str | None) -> QuerySet:
        key, descending = self.parse(raw)
        terms = []
        for term in self.by_key[key].by:
            expression = F(term) if isinstance(term, str) else term
            terms.append(expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True))
        tie = F(self.tiebreak)
        return qs.order_by(*terms, tie.desc() if descending else tie.asc())

    def headers(self, query: QueryDict) -> list[dict]:
        """For the template: each column's label, its link (flipping the direction when it is the
        current sort) and whether it is the current sort and which way."""
        key, descending = self.parse(query.get("sort"))
        out = []
        for column in self.columns:
            item = {"label": column.label, "css": column.css, "url": "", "active": False, "descending": False}
            if column.sortable:
                params = query.copy()
                params.pop("page", None)
                params.pop("export", None)
                active = column.key == key
                params["sort"] = f"-{column.key}" if active and not descending else column.key
                item.update(url="?" + params.urlencode(), active=active, descending=active and descending)
            out.append(item)
        return out


def query_without(query: QueryDict, *names: str) -> str:
    """The current filters and sort as a query string, less `names` (the page, the export flag)."""
    params = query.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()
