"""Backup and restore round trip: identical row counts per table and identical money totals.

Run:
    .venv/bin/python bench/backup_roundtrip.py                      # PostgreSQL, the scale data in yc_scale
    .venv/bin/python bench/backup_roundtrip.py --sqlite 2000        # SQLite: builds N scale projects first

PostgreSQL: `manage.py backup` on the source database (default DATABASE_URL, else yc_scale), a
new empty database <source>_restore is created, `manage.py restore` fills it, both are compared,
and the restore database is dropped again. SQLite: a throwaway database gets `seed_scale`, then
the same backup → restore (into another new file) → compare. Exit status 1 if anything differs.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = str(ROOT / ".venv" / "bin" / "python")

# Money columns whose sums must survive the round trip (table, column).
MONEY = [
    ("projects_project", "requested_amount"), ("projects_project", "approved_amount"),
    ("finance_tranche", "amount"), ("finance_payment", "amount"), ("finance_ledgerentry", "amount"),
    ("projects_budgetline", "amount"),
]


def manage(url: str, *args: str) -> str:
    env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="config.settings.local")
    result = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout.strip()


def figures(url: str) -> tuple[dict[str, int], dict[str, str]]:
    """Row count of every table and the money sums, read with the database's own client library."""
    if url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(url.split("sqlite:///", 1)[1])
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        # SQLite sums decimals as floats; summing integer fen is exact.
        money_sql = "SELECT COALESCE(SUM(CAST(ROUND({c} * 100) AS INTEGER)), 0) FROM {t}"
    else:
        import psycopg

        conn = psycopg.connect(url)
        tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname='public'")]
        money_sql = "SELECT COALESCE(SUM(ROUND({c} * 100)), 0)::bigint FROM {t}"
    counts = {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in sorted(tables)}
    money = {}
    for table, column in MONEY:
        fen = int(conn.execute(money_sql.format(t=table, c=column)).fetchone()[0])
        money[f"{table}.{column}"] = f"{fen // 100}.{fen % 100:02d}"
    conn.close()
    return counts, money


def compare(source: str, target: str) -> bool:
    before_counts, before_money = figures(source)
    after_counts, after_money = figures(target)
    same = True
    print(f"\n{'table':<36} {'source':>10} {'restored':>10}")
    for table in sorted(before_counts.keys() | after_counts.keys()):
        a, b = before_counts.get(table), after_counts.get(table)
        flag = "" if a == b else "   <-- DIFFERENT"
        same &= a == b
        if a or b or flag:
            print(f"{table:<36} {a!s:>10} {b!s:>10}{flag}")
    print(f"\n{'money total (yuan)':<36} {'source':>20} {'restored':>20}")
    for key in before_money:
        flag = "" if before_money[key] == after_money[key] else "   <-- DIFFERENT"
        same &= before_money[key] == after_money[key]
        print(f"{key:<36} {before_money[key]:>20} {after_money[key]:>20}{flag}")
    rows = sum(before_counts.values())
    print(f"\n{len(before_counts)} tables, {rows} rows: " + ("IDENTICAL" if same else "DIFFERENT"))
    return same


def postgres(source: str) -> bool:
    import psycopg

    base, _, name = source.rpartition("/")
    target = f"{base}/{name}_restore"
    admin = f"{base}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}_restore"')
        conn.execute(f'CREATE DATABASE "{name}_restore"')
    dump = Path(tempfile.mkdtemp(prefix="yc-backup-")) / "scale.dump"
    try:
        t = time.perf_counter()
        print(manage(source, "backup", "--output", str(dump)))
        backup_s = time.perf_counter() - t
        t = time.perf_counter()
        print(manage(target, "restore", str(dump)))
        restore_s = time.perf_counter() - t
        print(f"backup {backup_s:.1f} s, restore {restore_s:.1f} s (wall, including process start), "
              f"file {dump.stat().st_size / 1048576:.1f} MiB")
        return compare(source, target)
    finally:
        dump.unlink(missing_ok=True)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}_restore"')


def sqlite(projects: int) -> bool:
    work = Path(tempfile.mkdtemp(prefix="yc-backup-sqlite-"))
    source, target = f"sqlite:///{work / 'source.sqlite3'}", f"sqlite:///{work / 'restored.sqlite3'}"
    manage(source, "migrate", "-v", "0")
    t = time.perf_counter()
    manage(source, "seed_scale", "--projects", str(projects), "--experts", str(max(20, projects // 33)))
    print(f"seed_scale --projects {projects} on SQLite: {time.perf_counter() - t:.1f} s")
    fixture = work / "backup.jsonl.gz"
    t = time.perf_counter()
    print(manage(source, "backup", "--output", str(fixture)))
    backup_s = time.perf_counter() - t
    t = time.perf_counter()
    print(manage(target, "restore", str(fixture)))
    restore_s = time.perf_counter() - t
    print(f"backup {backup_s:.1f} s, restore {restore_s:.1f} s (wall, including process start), "
          f"file {fixture.stat().st_size / 1048576:.1f} MiB; work files in {work}")
    return compare(source, target)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sqlite", type=int, metavar="PROJECTS", help="round-trip a SQLite scale round of N projects")
    args = parser.parse_args()
    if args.sqlite:
        ok = sqlite(args.sqlite)
    else:
        ok = postgres(os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/yc_scale")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
