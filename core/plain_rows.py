"""Model rows read and updated by one plain query each, as the ORM reads and updates them.

For the few reads of the hottest request (the application form's autosave, 60-odd a second on deadline
day), where building the ORM query cost more CPU than running it (0.4–0.7 ms against 0.15–0.3 ms for
the same SQL through a cursor). The SQL is written once per process from the model's `_meta` (table,
columns, the ordering of its Meta), the parameters stay separate, each column goes through Django's own
converters for the database in use (decimals and booleans on SQLite, JSON on PostgreSQL…) and the
instances are made by `Model.from_db`, deferred columns included, exactly as a queryset makes them.
An UPDATE of one row takes each value through its field's get_db_prep_save, as the ORM's UPDATE does.
Anything else (joins beyond one foreign key, lookups, expressions, annotations) belongs to the ORM.
"""
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class _Columns:
    """The columns of one model read by a query, in the model's field order (Model.from_db's order)."""
    model: Any  # a Model class
    fields: tuple[Field, ...]
    attnames: frozenset[str]
    # Per column: (Django's converters for it, the column expression they are given); empty: none.
    converters: tuple[tuple[tuple, object], ...]

    def build(self, values: Sequence) -> Any:
        converted = list(values)
        for position, (functions, expression) in enumerate(self.converters):
            for convert in functions:
                converted[position] = convert(converted[position], expression, connection)
        return self.model.from_db(connection.alias, self.attnames, converted)


def _columns(model: type[Model], names: tuple[str, ...]) -> _Columns:
    """`names` (field names or attnames; empty: every column) and the primary key, which from_db needs."""
    wanted = set(names)
    fields = tuple(f for f in model._meta.concrete_fields
                   if not names or f.primary_key or f.name in wanted or f.attname in wanted)
    unknown = wanted - {f.name for f in fields} - {f.attname for f in fields}
    if unknown:
        raise ValueError(f"{model.__name__} has no columns {sorted(unknown)}")
    converters = []
    for f in fields:
        column = f.get_col(model._meta.db_table)
        converters.append((tuple(connection.ops.get_db_converters(column) + column.get_db_converters(connection)), column))
    return _Columns(model, fields, frozenset(f.attname for f in fields), tuple(converters))


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _field(model: type[Model], name: str) -> Any:
    """A concrete field of the model by name ("pk": the primary key); typed Any, as Django's stubs give
    a union with relations and generic keys that have no columns."""
    meta = model._meta
    return meta.pk if name == "pk" else meta.get_field(name)


def _select(columns: _Columns) -> str:
    table = _quote(columns.model._meta.db_table)
    return ", ".join(f"{table}.{_quote(f.column)}" for f in columns.fields)


def _order_by(model: type[Model]) -> str:
    """The Meta ordering, when it names plain fields (`-name` descending); anything else is refused."""
    meta, terms = model._meta, []
    for name in meta.ordering or ():
        if not isinstance(name, str):
            raise ValueError(f"{model.__name__}: ordering {name!r} is not a field name")
        descending, name = name.startswith("-"), name.lstrip("-")
        terms.append(f"{_quote(meta.db_table)}.{_quote(_field(model, name).column)}{' DESC' if descending else ' ASC'}")
    return f" ORDER BY {', '.join(terms)}" if terms else ""


@dataclass(frozen=True)
class _OneRow:
    sql: str
    main: _Columns
    related: _Columns | None
    via: Any  # the foreign key, or None


@functools.cache
def _one_row(vendor: str, model: type[Model], names: tuple[str, ...], lock: bool,
             related: str, related_names: tuple[str, ...]) -> _OneRow:
    meta = model._meta
    main = _columns(model, names)
    table = _quote(meta.db_table)
    select, joins, via, other = _select(main), "", None, None
    if related:
        via = _field(model, related)
        other = _columns(via.related_model, related_names)
        other_table = _quote(via.related_model._meta.db_table)
        select += ", " + _select(other)
        # An inner join, as select_related makes for a foreign key that cannot be NULL.
        if via.null:
            raise ValueError(f"{model.__name__}.{related} may be NULL: read it with the ORM")
        joins = (f" INNER JOIN {other_table} ON ({table}.{_quote(via.column)} = "
                 f"{other_table}.{_quote(via.target_field.column)})")
    sql = f"SELECT {select} FROM {table}{joins} WHERE {table}.{_quote(meta.pk.column)} = %s"
    if lock and connection.features.has_select_for_update:
        # Only this table's row, as select_for_update(of=("self",)): never the joined one.
        sql += f" FOR UPDATE OF {table}" if joins and connection.features.has_select_for_update_of else " FOR UPDATE"
    return _OneRow(sql, main, other, via)


def pk_in_range(model: type[Model], pk) -> bool:
    """Whether `pk` is an integer the primary key column can hold (the ORM finds nothing for others;
    a cursor would fail on them)."""
    if not isinstance(pk, int) or isinstance(pk, bool):
        return False
    low, high = connection.ops.integer_field_range(model._meta.pk.get_internal_type())
    return (low is None or pk >= low) and (high is None or pk <= high)


def one(model: type[M], pk: int, names: tuple[str, ...] = (), *, lock: bool = False,
        related: str = "", related_names: tuple[str, ...] = ()) -> M | None:
    """The row `pk` with the columns `names` (others deferred, as `only()`), None when there is none.
    `lock`: FOR UPDATE of this row only (inside a transaction; no-op where the database has no row
    locks, as select_for_update). `related`: a non-null foreign key read with it by a join, with the
    columns `related_names` of its row, set as select_related sets it."""
    if not pk_in_range(model, pk):
        return None
    plan = _one_row(connection.vendor, model, names, lock, related, related_names)
    with connection.cursor() as cursor:
        cursor.execute(plan.sql, [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    width = len(plan.main.fields)
    instance: M = plan.main.build(row[:width])
    if plan.related is not None and plan.via is not None:
        plan.via.set_cached_value(instance, plan.related.build(row[width:]))
    return instance


@dataclass(frozen=True)
class _Children:
    sql: str
    columns: _Columns
    cache_name: str


@functools.cache
def _children(vendor: str, model: type[Model], relation: str) -> _Children:
    rel = getattr(model, relation).rel  # the reverse side of a foreign key to `model`
    child = rel.related_model
    columns = _columns(child, ())
    table = _quote(child._meta.db_table)
    sql = f"SELECT {_select(columns)} FROM {table} WHERE {table}.{_quote(rel.field.column)} = %s{_order_by(child)}"
    return _Children(sql, columns, rel.field.remote_field.cache_name)


def children(model: type[Model], relation: str, pk) -> list[Any]:
    """`list(getattr(model(pk=pk), relation).all())` for a reverse foreign key of `model` (`relation` its
    accessor): every column of the rows, in the child's Meta ordering."""
    plan = _children(connection.vendor, model, relation)
    with connection.cursor() as cursor:
        cursor.execute(plan.sql, [pk])
        return [plan.columns.build(row) for row in cursor.fetchall()]


def prefetch_children(instance: Model, relation: str) -> None:
    """prefetch_related_objects([instance], relation) for a reverse foreign key (`relation` its accessor):
    the rows of `children`, each row's foreign key set to `instance`, kept in the prefetch cache where
    `getattr(instance, relation).all()` finds them."""
    cache = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    plan = _children(connection.vendor, type(instance), relation)
    if plan.cache_name in cache:
        return
    rows = children(type(instance), relation, instance.pk)
    field = getattr(type(instance), relation).rel.field
    for child in rows:
        field.set_cached_value(child, instance)
    queryset = getattr(instance, relation).get_queryset()  # the manager's filter, for what is chained on it
    queryset._result_cache = rows
    queryset._prefetch_done = True
    cache[plan.cache_name] = queryset


@functools.cache
def _update_sql(vendor: str, model: type[Model], names: tuple[str, ...], where: tuple[str, ...]) -> str:
    meta = model._meta
    fields = [_field(model, n) for n in names]
    if any(hasattr(f, "get_placeholder") or not f.concrete or f.primary_key for f in fields):
        raise ValueError(f"{model.__name__}: update {names} with the ORM")
    sets = ", ".join(f"{_quote(f.column)} = %s" for f in fields)
    conditions = " AND ".join(f"{_quote(_field(model, n).column)} = %s" for n in ("pk", *where))
    return f"UPDATE {_quote(meta.db_table)} SET {sets} WHERE {conditions}"


def update(model: type[Model], pk, values: dict[str, object], *, where: dict[str, object] | None = None) -> int:
    """`model.objects.filter(pk=pk, **where).update(**values)` (equality conditions only, plain values, no
    expressions): the same UPDATE, each value through its field's get_db_prep_save and each condition
    through get_db_prep_value; returns the number of rows matched. Like QuerySet.update, no signals and
    no auto_now: a caller replacing a save() does those itself."""
    if any(hasattr(v, "resolve_expression") or hasattr(v, "prepare_database_save") for v in values.values()):
        raise ValueError("expressions and model instances belong to the ORM")
    where = where or {}
    sql = _update_sql(connection.vendor, model, tuple(values), tuple(where))
    params = [_field(model, n).get_db_prep_save(v, connection) for n, v in values.items()]
    params += [_field(model, n).get_db_prep_value(v, connection) for n, v in (("pk", pk), *where.items())]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
