"""Benchmark: the 拨付清单 xlsx of a 20,000-tranche batch, against a floor, with peak memory.

Run: .venv/bin/python bench/export_disbursement.py [N]
Bulk-inserts N organizations, projects and batched tranches into a throwaway SQLite database, then
times finance.exports (query + import-export resource + streaming xlsxwriter) against the floor: the
same rows, already in memory as plain values, written by xlsxwriter in constant_memory mode with the
same cell formats. Target: export within 1.5× the floor. Peak memory (tracemalloc, in a separate run
so tracing does not distort the timing) is printed for a batch of N/4 and of N: bounded memory
means the two stay close.
"""
import os
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from decimal import Decimal
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="yc-bench-export-"))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
os.environ["DATABASE_URL"] = f"sqlite:///{WORK / 'bench.sqlite3'}"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402


def build(n: int):
    from accounts.models import Role, User
    from finance.models import Batch, Tranche, TrancheState
    from grants.models import GrantRound, Organization, OrgType
    from projects.models import Project
    from projects.states import State

    call_command("migrate", verbosity=0)
    user = User.objects.create(username="bench", role=Role.FINANCE)
    rnd = GrantRound.objects.create(name="压测公益创投", year=2026, code="B", pot=Decimal("9999999999.00"),
                                    apply_start=date(2026, 1, 1), apply_end=date(2026, 2, 1))
    orgs = Organization.objects.bulk_create(
        Organization(name=f"温州市压测社会工作服务中心{i}", credit_code=f"52330300MJ{i:07d}X"[:18],
                     org_type=OrgType.SOCIAL_SERVICE, district="鹿城区", bank_account_name=f"温州市压测社会工作服务中心{i}",
                     bank_name="中国工商银行温州分行", bank_account_no=f"1203{i:015d}", bank_code="102333000011")
        for i in range(n)
    )
    projects = Project.objects.bulk_create(
        Project(round=rnd, organization=o, code=f"B-{i:06d}", title=f"长者互助食堂{i}", domain="elderly",
                service_district="鹿城区", requested_amount=Decimal("86420.50"), approved_amount=Decimal("86420.50"),
                state=State.CONTRACTED)
        for i, o in enumerate(orgs)
    )
    small = Batch.objects.create(number="BF-SMALL", round=rnd, prepared_by=user)
    big = Batch.objects.create(number="BF-BIG", round=rnd, prepared_by=user)
    Tranche.objects.bulk_create(
        [Tranche(project=p, round_id=p.round_id, seq=1, name="首期", percent=Decimal("40"), trigger="signing", amount=Decimal("34568.20"),
                 state=TrancheState.IN_BATCH, batch=big) for p in projects]
        + [Tranche(project=p, round_id=p.round_id, seq=2, name="二期", percent=Decimal("40"), trigger="midterm_passed",
                   amount=Decimal("34568.20"), state=TrancheState.IN_BATCH, batch=small) for p in projects[: n // 4]],
        batch_size=2000,
    )
    return small, big


def export(batch, path):
    from finance.exports.resources import DisbursementListResource
    from finance.exports.writers import write_xlsx
    from finance.selectors import export_rows

    with open(path, "wb") as out:
        return write_xlsx(DisbursementListResource(batch_number=batch.number), export_rows(batch), out,
                          sheet="拨付清单")


def floor(rows, kinds, headers, path):
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    formats = {"text": workbook.add_format({"num_format": "@"}), "money": workbook.add_format({"num_format": "0.00"}),
               "int": workbook.add_format({"num_format": "0"})}
    ws = workbook.add_worksheet("拨付清单")
    ws.write_row(0, 0, headers)
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values):
            if kinds[c] == "text":
                ws.write_string(r, c, value, formats["text"])
            else:
                ws.write_number(r, c, value, formats[kinds[c]])
    workbook.close()


def best_of(times: int, fn):
    results = []
    for _ in range(times):
        t = time.perf_counter()
        fn()
        results.append(time.perf_counter() - t)
    return min(results)


def main(n: int) -> None:
    from finance.exports.resources import DisbursementListResource
    from finance.selectors import export_rows

    t = time.perf_counter()
    small, big = build(n)
    print(f"built {n} + {n // 4} batched tranches by bulk insert in {time.perf_counter() - t:.1f} s")

    resource = DisbursementListResource(batch_number=big.number)
    rows = [["" if v is None else v for v in resource.export_resource(obj)] for obj in export_rows(big)]
    kinds, headers = resource.column_kinds(), resource.get_export_headers()

    # partial, not a lambda: a lambda that reads `rows` is flagged as an undefined name (F821) because of the
    # `del rows` below, although best_of calls it before the del
    floor_s = best_of(2, partial(floor, rows, kinds, headers, WORK / "floor.xlsx"))
    export_s = best_of(2, partial(export, big, WORK / "export.xlsx"))
    print(f"floor  (xlsxwriter constant_memory, {n} rows already in memory): {floor_s:.2f} s")
    print(f"export (query + resource + streaming write, {n} rows):           {export_s:.2f} s "
          f"= {export_s / floor_s:.2f}× the floor (target ≤ 1.50×)")
    del rows

    for batch in (small, big):
        tracemalloc.start()
        summary = export(batch, WORK / f"mem-{batch.number}.xlsx")
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        size = (WORK / f"mem-{batch.number}.xlsx").stat().st_size
        print(f"peak traced memory exporting {summary.count:>6} rows: {peak / 1048576:.1f} MiB "
              f"(file {size / 1048576:.1f} MiB, total {summary.total})")
    import resource as rlimit

    print(f"process max RSS: {rlimit.getrusage(rlimit.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB (includes the floor's "
          f"in-memory rows); work files in {WORK}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20000)
