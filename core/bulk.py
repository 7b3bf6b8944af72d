"""Writing many rows of one model at once: PostgreSQL COPY, `bulk_create` elsewhere.

For services that write tens of thousands of rows in one step (an automatic assignment run writes
100,000 panel seats and 20,000 audit rows). Django's bulk_create builds a model instance and converts
every value of every field through the field API; at that size that is most of the run. Here the
caller names the fields it sets and hands plain Python values per row; every other field takes its
default once (auto_now/auto_now_add: one `now` for the whole call). On PostgreSQL the rows stream
through `COPY … FROM STDIN` (psycopg 3's `cursor.copy`), inside the caller's transaction; on any
other database they go through `bulk_create` in batches.

Like bulk_create: no signals, no `save()`, no primary keys returned. The caller checks what it writes
(unique constraints still hold: a duplicate aborts the caller's transaction).
"""
from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from itertools import chain

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, router
from django.db.models import NOT_PROVIDED, Field, JSONField, Model
from django.utils import timezone

BATCH = 5000


def _concrete(field) -> Field:
    if not isinstance(field, Field):  # a reverse relation or generic key has no column to fill
        raise TypeError(f"{field!r} is not a concrete field")
    return field


def _attname(field) -> str:
    return _concrete(field).attname


def _defaults(model: type[Model], given: Sequence[str]) -> tuple[list, list]:
    """(fields, values) for every concrete column the caller does not set, except an automatic key and
    the columns the database fills with the same value itself: a database default (db_default), or
    NULL for a nullable column whose default is None. Fewer columns are less text to build and for
    PostgreSQL to parse per row."""
    now = timezone.now()
    fields, values = [], []
    for field in model._meta.concrete_fields:
        if field.attname in given or (field.primary_key and field.get_internal_type() in (
                "AutoField", "BigAutoField", "SmallAutoField")):
            continue
        if field.db_default is not NOT_PROVIDED or (
                field.null and not field.has_default() and not getattr(field, "auto_now", False)
                and not getattr(field, "auto_now_add", False)):
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now
        else:
            value = field.get_default()
        fields.append(field)
        values.append(value)
    return fields, values


def _copy_statement(conn, model: type[Model], given: list, rest: list, rest_values: list) -> tuple[str, str]:
    """(COPY statement, the text of the defaulted columns that ends every row: "" or a tab and values)."""
    quote = conn.ops.quote_name
    columns = ", ".join(quote(f.column) for f in [*given, *rest])
    tail = "\t" + "\t".join(text(v, isinstance(f, JSONField)) for f, v in zip(rest, rest_values, strict=True)) if rest else ""
    return f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN", tail


def _log(conn, sql: str, rows: int, started: float) -> None:
    if conn.queries_logged:  # counted like any query (assertNumQueries, the debug toolbar)
        conn.queries_log.append({"sql": f"{sql} -- {rows} rows", "time": f"{time.monotonic() - started:.3f}"})


def insert_rows(model: type[Model], fields: Sequence[str], rows: Iterable[Sequence], *, batch_size: int = BATCH) -> int:
    """Inserts one row per item of `rows` (values in the order of `fields`, attnames such as
    "project_id"); returns how many. JSON fields take Python values (dicts, lists)."""
    rows = rows if isinstance(rows, list) else list(rows)
    if not rows:
        return 0
    meta = model._meta
    given = [meta.get_field(name) for name in fields]
    names = [_attname(f) for f in given]
    rest, rest_values = _defaults(model, names)
    alias = router.db_for_write(model)
    conn = connections[alias]
    if conn.vendor != "postgresql":
        objs = [model(**dict(zip(names, row, strict=True)), **{f.attname: v for f, v in zip(rest, rest_values, strict=True)})
                for row in rows]
        model._base_manager.using(alias).bulk_create(objs, batch_size=batch_size)
        return len(objs)
    json_fields = [isinstance(f, JSONField) for f in given]
    sql, tail = _copy_statement(conn, model, given, rest, rest_values)
    started = time.monotonic()
    # A batch of integers only (keys: an automatic run's seats are three per row) goes through one
    # format string, about five times faster than a value at a time.
    numbers = "\t".join(["%d"] * len(given)) + tail.replace("%", "%%")
    with conn.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for start in range(0, len(rows), batch_size):
            batch = rows[start:start + batch_size]
            if set(map(type, chain.from_iterable(batch))) <= {int}:
                lines = [numbers % tuple(row) for row in batch]
            else:
                # Integers (keys, most of what a bulk write carries) inline: a call per value was a
                # third of the Python side of an automatic run's 100,000 seats.
                lines = [
                    "\t".join([str(v) if type(v) is int else text(v, j) for v, j in zip(row, json_fields, strict=True)])
                    + tail
                    for row in batch
                ]
            copy.write("\n".join(lines) + "\n")
    _log(conn, sql, len(rows), started)
    return len(rows)


def copies(model: type[Model]) -> bool:
    """Whether `model`'s rows go through COPY (PostgreSQL), so that a caller may format them itself
    (`Lines`); elsewhere it hands values to insert_rows."""
    return connections[router.db_for_write(model)].vendor == "postgresql"


class Lines:
    """Rows the caller formats itself in COPY's text format, for the hottest bulk write of all (an
    automatic run's seats and audit rows, where building a tuple per row and converting each value
    was most of its Python time): per row, the values of `fields` separated by tabs (`text()` turns
    a value into its COPY text; integers are str()), then `tail` (the defaulted columns, as
    insert_rows fills them), then a line break. PostgreSQL only (`copies`)."""

    def __init__(self, model: type[Model], fields: Sequence[str]):
        given = [model._meta.get_field(name) for name in fields]
        rest, rest_values = _defaults(model, [_attname(f) for f in given])
        self.conn = connections[router.db_for_write(model)]
        self.sql, self.tail = _copy_statement(self.conn, model, given, rest, rest_values)

    def write(self, text: str, rows: int) -> int:
        """Sends `rows` rows formatted as above (one string); returns rows."""
        if rows:
            started = time.monotonic()
            with self.conn.cursor() as cursor, cursor.cursor.copy(self.sql) as copy:
                copy.write(text)
            _log(self.conn, self.sql, rows, started)
        return rows


# One encoder for every value (json.dumps with cls= builds a new one per call).
_JSON = DjangoJSONEncoder(ensure_ascii=False)
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_SPECIAL = re.compile(r"[\\\t\n\r]")


def _escaped(text: str) -> str:
    # translate() walks every character through a dict; most values have nothing to escape.
    return text.translate(_ESCAPES) if _SPECIAL.search(text) else text


def text(value, is_json: bool = False) -> str:
    """One value in COPY's text format: \\N for NULL, backslash, tab and line breaks escaped."""
    if value is None:
        return "\\N"
    if is_json:
        return _escaped(_JSON.encode(value))
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return _escaped(str(value))


def _column(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    if not isinstance(field, Field) or not field.column:
        raise TypeError(f"{field!r} is not a concrete field")
    return field.column


def refresh_statistics(model: type[Model], fields: Sequence[str] = ()) -> None:
    """After writing many rows at once, tells PostgreSQL's planner about them (ANALYZE samples the
    table; a fraction of a second). Without it the next queries on the table are planned for the
    old row count until autovacuum gets round to it, which turned a 0.25 s read of a fresh run's
    100,000 seats into a 30 s nested loop. With `fields`, only those columns' statistics are
    renewed (the row count always is): the ones queries filter, join and group on; the rest
    (JSON, text) cost half the ANALYZE and wait for autovacuum. Nothing to do on other databases."""
    conn = connections[router.db_for_write(model)]
    if conn.vendor == "postgresql":
        quote = conn.ops.quote_name
        columns = f" ({', '.join(quote(_column(model, name)) for name in fields)})" if fields else ""
        with conn.cursor() as cursor:
            cursor.execute(f"ANALYZE {quote(model._meta.db_table)}{columns}")


INCREMENT_ROWS = 500  # rows per statement: at most 3,000 parameters for six columns, under SQLite's limit


def increment(model: type[Model], keys: Sequence[str], values: Sequence[str], deltas: Mapping[tuple, tuple[int, ...]]) -> None:
    """Adds each delta (in the order of `values`) to the stored row of its key (in the order of `keys`,
    columns with a unique constraint together), creating the row when missing: INSERT … ON CONFLICT DO
    UPDATE SET v = v + delta. Two transactions touching one row serialize on its row lock and neither
    loses the other's change; rows are written in key order, so two writers never wait on each other in
    a cycle. Call inside the transaction of the write the counts follow; zero deltas are skipped."""
    rows = sorted((key, d) for key, d in deltas.items() if any(d))
    if not rows:
        return
    conn = connections[router.db_for_write(model)]
    table = conn.ops.quote_name(model._meta.db_table)
    columns = ", ".join([*keys, *values])
    sets = ", ".join(f"{v} = {table}.{v} + excluded.{v}" for v in values)
    if conn.vendor == "postgresql":
        # One array per column, whatever the number of rows: a VALUES list of 600 rows was 3,600
        # parameters that psycopg's client-side binding spliced into a new query text on every call, a
        # tenth of an automatic run's writer threads. WITH ORDINALITY keeps the key order for the locks.
        types = [_concrete(model._meta.get_field(name)).db_type(conn) for name in [*keys, *values]]
        arrays = ", ".join(f"%s::{t}[]" for t in types)
        names = ", ".join(f"c{i}" for i in range(len(types)))
        with conn.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {names} FROM unnest({arrays}) "
                           f"WITH ORDINALITY AS r({names}, n) ORDER BY n "
                           f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {sets}",
                           [list(column) for column in zip(*[(*key, *d) for key, d in rows], strict=True)])
        return
    marks = "(" + ", ".join(["%s"] * (len(keys) + len(values))) + ")"
    with conn.cursor() as cursor:
        for start in range(0, len(rows), INCREMENT_ROWS):
            part = rows[start:start + INCREMENT_ROWS]
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {', '.join([marks] * len(part))} "
                           f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {sets}",
                           [x for key, d in part for x in (*key, *d)])
