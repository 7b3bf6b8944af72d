"""The stored money summary of a round (finance.models.MoneyCell): the ledger's sums per domain, service
district and money case, so the finance overview and the monitoring dashboard read a few hundred
rows instead of aggregating every ledger entry of the round (300,000 at 100,000 projects).

The case is the rule of finance.commitments.committed_amount that the project's state selects
(unsigned, signed, terminated, or none for a project no longer funded). Each cell holds exactly what
finance.selectors.ledger_aggregates sums over the ledger entries of its projects, the tranche states
as their net (Σ in − Σ out).

Writers, always inside the caller's transaction:
- `append` is the only way a ledger entry is written (finance.services, finance.settling): it
  creates the entry and adds it to its cell (one read of the project, one UPDATE of the cell);
- `project_moved` (finance.receivers, first thing on every project transition): when a transition
  changes the project's case, the project's sums move from the old cell to the new one. It locks the
  project's tranches first, so a payment or batch change of that project running at the same time
  has committed (and is counted in the sums moved) or starts after this transition and reads the
  new state. Every ledger writer locks the tranche it moves (or is the transition itself, or a
  repayment, which exists only for a terminated project: no case changes after termination).
A project's domain and district can change only while it is a draft, before any ledger entry.
Anything else (the admin, a restore, the scale seed's bulk inserts) is repaired by
`manage.py rebuild_money_cells [--round ID]`; `--verify` recomputes from the ledger and exits 1 on drift.
"""
from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, CharField, Exists, F, OuterRef, Sum, Value, When

from core.money import quantize_fen
from finance.ledger import STATES, Totals, totals_from_sums
from finance.models import LedgerEntry, LedgerKind, MoneyCase, MoneyCell, Tranche
from finance.selectors import ledger_aggregates
from projects.lifecycle import PROJECT
from projects.models import Project
from projects.states import State

ZERO = Decimal("0.00")
SUMS = ("approved", "clawed_back", "repaid", *STATES)
FUNDED = PROJECT.group("funded")
AFTER_SIGNING = PROJECT.group("after_signing")


def case_of(state: str) -> str:
    """committed_amount's case for a project in `state` (finance.commitments._ledger_case)."""
    if state not in FUNDED:
        return MoneyCase.NOT_FUNDED
    if state == State.TERMINATED:
        return MoneyCase.TERMINATED
    return MoneyCase.SIGNED if state in AFTER_SIGNING else MoneyCase.UNSIGNED


def case_expression(prefix: str = "") -> Case:
    """case_of in SQL, on the project's state (`prefix`: the path to the project, e.g. "project__")."""
    state = f"{prefix}state"
    return Case(When(**{state: State.TERMINATED}, then=Value(MoneyCase.TERMINATED)),
                When(**{f"{state}__in": list(AFTER_SIGNING)}, then=Value(MoneyCase.SIGNED)),
                When(**{f"{state}__in": list(FUNDED)}, then=Value(MoneyCase.UNSIGNED)),
                default=Value(MoneyCase.NOT_FUNDED), output_field=CharField())


# ---------------------------------------------------------------- writing

def entry_sums(entry: LedgerEntry) -> dict[str, Decimal]:
    """What one entry adds to its cell, by ledger_aggregates' rules."""
    sums: dict[str, Decimal] = {}
    kinds: dict[str, str] = {LedgerKind.APPROVED: "approved", LedgerKind.CLAWED_BACK: "clawed_back",
                             LedgerKind.REPAID: "repaid"}
    if entry.kind in kinds:
        sums[kinds[entry.kind]] = entry.amount
    if entry.tranche_id is not None:
        if entry.to_state in STATES:
            sums[entry.to_state] = sums.get(entry.to_state, ZERO) + entry.amount
        if entry.from_state in STATES:
            sums[entry.from_state] = sums.get(entry.from_state, ZERO) - entry.amount
    return sums


def _bump(round_id: int, domain: str, district: str, case: str, sums: Mapping[str, Decimal], sign: int = 1) -> None:
    changes = {name: F(name) + sign * amount for name, amount in sums.items() if amount}
    if not changes:
        return
    key: dict[str, Any] = {"round_id": round_id, "domain": domain or "", "district": district or "", "case": case}
    if not MoneyCell.objects.filter(**key).update(**changes):
        MoneyCell.objects.get_or_create(**key)  # a concurrent first entry may create it first
        MoneyCell.objects.filter(**key).update(**changes)


def append(**fields) -> LedgerEntry:
    """Appends one ledger entry and adds it to its round's money cell, in the caller's transaction.
    The project's state is read now (not from the caller's copy), after the caller locked the tranche."""
    # The caller's transaction (every money service is one), not a savepoint per entry: a batch of
    # thousands of tranches would pay two more statements for each.
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("money_cells.append runs inside the caller's transaction")
    entry = LedgerEntry.objects.create(**fields)
    domain, district, state = (Project.objects.filter(pk=entry.project_id)
                               .values_list("domain", "service_district", "state").get())
    _bump(entry.round_id, domain, district, case_of(state), entry_sums(entry))
    return entry


def _project_sums(project_id: int) -> list[dict]:
    return list(LedgerEntry.objects.filter(project_id=project_id).values("round_id")
                .annotate(**ledger_aggregates()).order_by())


def cell_sums(row: Mapping) -> dict[str, Decimal]:
    """ledger_aggregates' row (in_/out_ per state) → a cell's columns."""
    totals = totals_from_sums(row)
    return {"approved": _fen(totals.approved), "clawed_back": _fen(totals.clawed_back), "repaid": _fen(totals.repaid),
            **{state: _fen(amount) for state, amount in totals.states.items()}}


def project_moved(project, from_state: str) -> None:
    """A transition took `project` from `from_state` to its state: when that changes its money case,
    its ledger sums move between the two cells (a few queries by project, however large the round)."""
    old, new = case_of(from_state), case_of(project.state)
    if old == new:
        return
    with transaction.atomic():
        # Every ledger writer of a tranche holds its lock: once we hold them all, none is half done.
        list(Tranche.objects.select_for_update(of=("self",)).filter(project_id=project.pk)
             .order_by("pk").values_list("pk", flat=True))
        for row in _project_sums(project.pk):
            sums = cell_sums(row)
            for case, sign in sorted([(old, -1), (new, 1)]):  # one order of cell locks for every mover
                _bump(row["round_id"], project.domain, project.service_district, case, sums, sign)


# ---------------------------------------------------------------- reading

def _cell_aggregates() -> dict:
    return {name: Sum(name) for name in SUMS}


def _fen(value) -> Decimal:
    # SQLite keeps decimals as floats: its sums come back with 1e-12 noise, which fen rounding removes.
    return quantize_fen(value or ZERO)


def _totals(row: Mapping, pot: Decimal | None = None) -> Totals:
    totals = Totals(pot=pot)
    for state in STATES:
        totals.states[state] = _fen(row.get(state))
    totals.approved = _fen(row.get("approved"))
    totals.clawed_back = _fen(row.get("clawed_back"))
    totals.repaid = _fen(row.get("repaid"))
    return totals


def round_totals(round) -> Totals:
    """finance.selectors.round_totals' figures from the round's cells (one query on a few hundred rows)."""
    return _totals(MoneyCell.objects.filter(round=round).aggregate(**_cell_aggregates()), pot=round.pot)


def totals_by(round, dimension: str) -> list[tuple[str, Totals]]:
    """Totals per domain or district, ordered by it, from the cells (one query)."""
    key = {"domain": "domain", "district": "district"}[dimension]
    rows = MoneyCell.objects.filter(round=round).values(key).annotate(**_cell_aggregates()).order_by(key)
    return [(row[key] or "", _totals(row)) for row in rows]


def _committed(row: Mapping, case: str) -> Decimal:
    t = _totals(row)
    amounts: dict[str, Decimal] = {MoneyCase.UNSIGNED: t.approved, MoneyCase.SIGNED: t.approved - t.cancelled - t.repaid,
                                   MoneyCase.TERMINATED: t.paid - t.repaid}
    return amounts.get(case, ZERO)


def _not_in_ledger(round):
    """Funded projects before signing whose money is not in the ledger yet: they hold their approved
    amount (committed_amount). Only the few awaiting signature, through the (round, state) index."""
    in_ledger = Exists(LedgerEntry.objects.filter(project=OuterRef("pk"), kind=LedgerKind.APPROVED))
    return Project.objects.filter(round=round, state__in=list(FUNDED - AFTER_SIGNING)).filter(~in_ledger)


Places = dict[tuple[str, str], Decimal]


def committed_by_place(round) -> Places:
    """What the projects of each (domain, service district) hold of the pot, Σ committed_amount, in
    two queries on a few hundred rows: the funded projects not in the ledger yet and the cells. The
    round's total and the sums per domain or per district follow from it (committed, committed_by)."""
    result: Places = {}
    for domain, district, amount in (_not_in_ledger(round).values_list("domain", "service_district")
                                     .annotate(s=Sum("approved_amount")).order_by()):
        key = (domain or "", district or "")
        result[key] = result.get(key, ZERO) + _fen(amount)
    for row in (MoneyCell.objects.filter(round=round).values("domain", "district", "case")
                .annotate(**_cell_aggregates()).order_by()):
        key = (row["domain"], row["district"])
        result[key] = result.get(key, ZERO) + _committed(row, row["case"])
    return result


def committed(round, places: Places | None = None) -> Decimal:
    """Σ committed_amount over the round (commitments.committed_split's figure), from the cells."""
    return sum((committed_by_place(round) if places is None else places).values(), ZERO)


def committed_by(round, field: str, places: Places | None = None) -> dict[str, Decimal]:
    """What the projects of each domain or service district hold of the pot (commitments.committed_by)."""
    position = {"domain": 0, "service_district": 1}[field]
    result: dict[str, Decimal] = {}
    for key, amount in (committed_by_place(round) if places is None else places).items():
        result[key[position]] = result.get(key[position], ZERO) + amount
    return result


# ---------------------------------------------------------------- whole rounds

def expected(round) -> dict[tuple[str, str, str], dict[str, Decimal]]:
    """Every cell of the round recomputed from its ledger (one grouped query, no writes)."""
    rows = (LedgerEntry.objects.filter(round=round)
            .values(domain=F("project__domain"), district=F("project__service_district"),
                    case=case_expression("project__"))
            .annotate(**ledger_aggregates()).order_by())
    return {(r["domain"] or "", r["district"] or "", r["case"]): cell_sums(r) for r in rows}


def _stored(round) -> dict[tuple[str, str, str], dict[str, Decimal]]:
    return {(c["domain"], c["district"], c["case"]): {n: _fen(c[n]) for n in SUMS}
            for c in MoneyCell.objects.filter(round=round).values("domain", "district", "case", *SUMS)}


def rebuild_round(round) -> int:
    """Replaces the round's cells by freshly computed ones; returns their number."""
    with transaction.atomic():
        if connection.vendor == "postgresql":  # lock out writers while the round is recounted
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {MoneyCell._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
        cells = expected(round)
        MoneyCell.objects.filter(round=round).delete()
        MoneyCell.objects.bulk_create(MoneyCell(round_id=round.pk, domain=d, district=s, case=c, **sums)
                                      for (d, s, c), sums in cells.items())
    return len(cells)


def _nonzero(cells: Mapping) -> dict:
    # A cell a project moved out of stays behind with zeros; the ledger has no group for it.
    return {key: sums for key, sums in cells.items() if any(sums.values())}


def drift(round, *, truth_committed: Decimal | None = None) -> list[str]:
    """Every way the stored cells differ from the ledger (empty when none), without writing.
    `truth_committed`: commitments.committed_split's figure, compared with the one the cells give."""
    want, have = _nonzero(expected(round)), _nonzero(_stored(round))
    problems = [f"{'/'.join(key)}: stored {have.get(key)} != ledger {want.get(key)}"
                for key in sorted(set(want) | set(have)) if want.get(key) != have.get(key)]
    if truth_committed is not None and committed(round) != truth_committed:
        problems.append(f"committed from the cells {committed(round)} != commitments {truth_committed}")
    return problems
