"""Issue 18's table: every heavy page of the scale round, single-user, on one or more databases side by side.

Run (after `manage.py seed_scale` on each database; they are measured one after the other):
    .venv/bin/python bench/pages.py --db postgres://postgres@127.0.0.1:5432/yc_scale20k \\
                                    --db postgres://postgres@127.0.0.1:5432/yc_scale100k

For each database a child process (this script with --one) does, on that database only:
1. finds the scale round and everything the URLs need (round id, the largest batch, an expert with
   the most assignments): nothing is hard-coded but the URL names;
2. creates logged-in sessions directly in the session store (as bench/load.py) for the round's
   officer, evaluator, finance and expert accounts (tools/scale_data.USER_PREFIX);
3. counts each page's queries in-process (django.test.Client with the same sessions, under
   CaptureQueriesContext; the second request when the first is quick, so per-process caches are warm);
4. starts gunicorn with 2 sync workers, DEBUG off, on bench/settings_floor.py: the project's URLs plus
   the floor, a bare Django view rendering a 200-row table from one query (bench/urls_floor.py), so
   the floor is served by the same server, middleware and database in the same run;
5. times each page one request at a time (a fresh connection per request): 2 warm-up requests,
   then the median of 10 (fewer, at least 3, for a page slower than --budget / 10 seconds), and the
   floor again right after it (median of 3): a page's ratio is to the floor of its own minute, since
   the load of a shared machine moves during a run;
   a page that does not answer 200 is reported with its status and the run goes on.
The parent prints a markdown table with one column group per database, the growth from the first to
the last database, each page's ratio to the floor of its own run, and flags rows over target
(0.5 s; the ranking 1 s).
"""
import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.processes import free_port, stop  # noqa: E402

TARGET, RANKING_TARGET = 0.5, 1.0
HEALTHZ, FLOOR = "/healthz", "floor: 200-row table, one query"


# ------------------------------------------------------------------ in the child (one database)

def discover() -> tuple[dict, list[dict]]:
    """The round's facts and the pages to measure, as (name, who, url); URLs come from reverse()."""
    from django.db.models import Count
    from django.urls import NoReverseMatch, reverse

    from accounts.models import User
    from finance.models import Batch
    from projects.models import Project
    from reviewers.models import Assignment, Expert
    from tools import scale_data

    round = scale_data.existing_round()
    if round is None:
        raise SystemExit("No scale round in this database: run `manage.py seed_scale` first.")
    batch = Batch.objects.filter(round=round).annotate(n=Count("tranches")).order_by("-n", "pk").first()
    expert = (Expert.objects.filter(email__startswith=scale_data.USER_PREFIX, user__isnull=False)
              .annotate(n=Count("assignments")).order_by("-n", "pk").first())
    prefix = scale_data.USER_PREFIX
    users = {
        "officer": User.objects.get(username=f"{prefix}officer"),
        "evaluator": User.objects.get(username=f"{prefix}evaluator"),
        "finance": User.objects.get(username=f"{prefix}finance-1"),
        "expert": expert.user if expert else None,
    }
    facts = {
        "round": round.pk,
        "projects": Project.objects.filter(round=round).count(),
        "scores": Assignment.objects.filter(project__round=round, state="submitted").count(),
        "largest_batch": batch.pk if batch else None,
        "largest_batch_rows": batch.n if batch else 0,
        "expert": expert.email if expert else None,
    }
    r = round.pk
    wanted = [
        # the table
        ("ranking / decision, first page", "officer", "reviewers:ranking", [r], ""),
        ("public 公示 list (anonymous)", "", "reviewers:publicity", [r], ""),
        ("evaluation work list (officer)", "officer", "monitoring:evaluations", [], ""),
        ("evaluation work list (evaluator)", "evaluator", "monitoring:evaluations", [], ""),
        ("finance releasable tranches", "finance", "finance:batch_new", [], f"?round={r}"),
        ("open data csv (round)", "", "public:open_data", ["csv"], f"?round={r}"),
        ("open data json (round)", "", "public:open_data", ["json"], f"?round={r}"),
        ("finance batch page (largest)", "finance", "finance:batch_detail", [batch.pk] if batch else None, ""),
        ("monitoring dashboard", "officer", "monitoring:dashboard", [r], ""),
        # a sample of the other list pages
        ("other: officer project list", "officer", "projects:officer_list", [], ""),
        ("other: project list, one state", "officer", "projects:officer_list", [], f"?round={r}&state=rejected"),
        ("other: review round (panels)", "officer", "reviewers:round", [r], ""),
        ("other: 公示 management", "officer", "reviewers:round_publicity", [r], ""),
        ("other: expert list", "officer", "reviewers:experts", [], ""),
        ("other: expert: my reviews", "expert", "reviewers:my_reviews", [], ""),
        ("other: finance batch list", "finance", "finance:batch_list", [], ""),
        ("other: finance ledger", "finance", "finance:ledger", [], f"?round={r}"),
        ("other: finance overview", "finance", "finance:home", [], f"?round={r}"),
        ("other: public home", "", "public:index", [], ""),
        ("other: public round page", "", "public:round", [r], ""),
        # officers' pages found whole-round by a crawl of every round page (issue 18, second pass)
        ("other: officer home (work queue)", "officer", "home", [], ""),
        ("other: review rounds list", "officer", "reviewers:rounds", [], ""),
        ("other: expert progress board", "officer", "reviewers:progress", [r], ""),
        ("other: defense shortlist", "officer", "reviewers:defense", [r], ""),
        ("other: fill-down proposal", "officer", "reviewers:filldown", [r], ""),
        ("other: review summary page", "officer", "reviewers:round_summary", [r], ""),
        ("other: expert detail", "officer", "reviewers:expert", [expert.pk] if expert else None, ""),
        ("other: round settings", "officer", "rounds:detail", [r], ""),
        ("other: overdue milestones", "officer", "monitoring:overdue", [r], ""),
        ("other: organization verification", "officer", "organizations:review", [], ""),
    ]
    pages = []
    for name, who, urlname, args, query in wanted:
        if args is None or (who and users.get(who) is None):
            pages.append({"name": name, "who": who, "url": None, "error": "nothing to show in this round"})
            continue
        try:
            pages.append({"name": name, "who": who, "url": reverse(urlname, args=args) + query})
        except NoReverseMatch:
            pages.append({"name": name, "who": who, "url": None, "error": f"no URL named {urlname}"})
    return facts | {"users": users}, pages


BENCH_DEVICE = "bench-pages"


def session_for(user) -> str:
    """A logged-in session, as django.contrib.auth.login would store it; for a role that must use a
    second factor (officer, finance, evaluator), verified with a TOTP device made for the benchmark
    (as django_otp.login would store it), so the pages answer instead of redirecting to the code page."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts import session_policy, two_factor

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    now = int(time.time())
    store[session_policy.LOGIN_AT] = store[session_policy.SEEN_AT] = now
    if two_factor.required_for(user) or two_factor.enrolled(user):
        device, _ = TOTPDevice.objects.get_or_create(user=user, name=BENCH_DEVICE, defaults={"confirmed": True})
        store[session_policy.OTP_NEEDED] = True
        store[DEVICE_ID_SESSION_KEY] = device.persistent_id
    store.create()
    return store.session_key


def count_queries(pages: list[dict], sessions: dict[str, str]) -> None:
    """Queries per page, in-process through the test client with the same sessions."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts import session_policy

    def get(url: str, who: str) -> tuple[int, int, float]:
        client = Client(SERVER_NAME="127.0.0.1")
        if who:
            client.cookies["sessionid"] = sessions[who]
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)
        return response.status_code, len(ctx), time.perf_counter() - started

    def fresh(who: str) -> None:
        """The session as just used: otherwise a request more than a minute after the last one also
        saves it (session_policy's idle clock, 3 queries), and a slow page's count would depend on timing."""
        if who:
            store = SessionStore(session_key=sessions[who])
            store[session_policy.SEEN_AT] = int(time.time())
            store.save()

    get("/healthz", "")
    for who in sessions:  # per-process caches for each account (the first request of a user costs more)
        get("/", who)
        get("/bench/floor", who)
    for page in pages:
        if page["url"] is None:
            continue
        fresh(page["who"])
        try:
            status, n, seconds = get(page["url"], page["who"])
            if status == 200 and seconds < 3:  # again with this page's per-process caches warm
                fresh(page["who"])
                status, n, _ = get(page["url"], page["who"])
        except Exception as exc:  # a broken page is a result, not the end of the run
            page["queries_error"] = f"{type(exc).__name__}: {exc}"[:200]
            continue
        page["queries"] = n
        page["queries_status"] = status



def fetch(port: int, path: str, session: str | None, timeout: float) -> tuple[int, float, int]:
    headers = {"Host": "127.0.0.1"}
    if session:
        headers["Cookie"] = f"sessionid={session}"
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        size = len(response.read())
        return response.status, time.perf_counter() - started, size
    finally:
        conn.close()


def start_gunicorn(port: int, env: dict, timeout: int) -> subprocess.Popen:
    log_path = ROOT / "var" / f"bench-pages-gunicorn-{port}.log"
    log_path.parent.mkdir(exist_ok=True)
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}",
             "--timeout", str(timeout)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if fetch(port, HEALTHZ, None, 5)[0] == 200:
                return proc
        except OSError:
            time.sleep(0.3)
    stop(proc, timeout=15)
    raise SystemExit(f"gunicorn did not answer {HEALTHZ} within 60 s; see {log_path}")



def time_page(port: int, url: str, session: str | None, *, repeat: int, budget: float, timeout: float) -> dict:
    try:
        status, first, size = fetch(port, url, session, timeout)
        if status != 200:
            return {"status": status}
        n = repeat if first * (repeat + 1) <= budget else max(3, min(repeat, int(budget / max(first, 1e-3))))
        if first * (repeat + 1) <= budget:
            fetch(port, url, session, timeout)  # the second warm-up: the other worker
        times = []
        for _ in range(n):
            status, seconds, size = fetch(port, url, session, timeout)
            if status != 200:
                return {"status": status}
            times.append(seconds)
    except (OSError, http.client.HTTPException) as exc:
        return {"status": f"{type(exc).__name__}: {exc}"[:120]}
    return {"status": 200, "median": statistics.median(times), "n": n, "bytes": size}


def one(db: str, out: str, repeat: int, budget: float, timeout: int, only: list[str] | None = None) -> None:
    import django

    django.setup()
    from django.contrib.sessions.models import Session
    from django_otp.plugins.otp_totp.models import TOTPDevice

    facts, pages = discover()
    if only:  # a subset of the pages (the floor and /healthz are always measured)
        pages = [p for p in pages if any(o.lower() in p["name"].lower() for o in only)]
    users = facts.pop("users")
    sessions = {who: session_for(u) for who, u in users.items() if u is not None}
    try:
        started = time.perf_counter()
        count_queries(pages, sessions)
        print(f"  queries counted in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        from django.db import connections

        connections.close_all()
        port = free_port()
        proc = start_gunicorn(port, dict(os.environ), timeout)
        try:
            for _ in range(4):  # both workers past their first request
                fetch(port, HEALTHZ, None, 30)
                fetch(port, "/bench/floor", sessions["officer"], 30)
            rows = [{"name": HEALTHZ, "who": "", "url": HEALTHZ}, {"name": FLOOR, "who": "officer", "url": "/bench/floor"}]
            for page in rows + pages:
                if page["url"] is None:
                    continue
                t = time.perf_counter()
                page.update(time_page(port, page["url"], sessions.get(page["who"]), repeat=repeat, budget=budget,
                                      timeout=timeout))
                # The floor again right after the page: on a shared machine the load moves during a run,
                # so each page is compared with the floor of its own minute.
                if page["name"] != FLOOR:
                    near = time_page(port, "/bench/floor", sessions["officer"], repeat=3, budget=budget,
                                     timeout=timeout)
                    page["floor_near"] = near.get("median")
                print(f"  {page['name']:<40} {page.get('median', float('nan')):8.3f} s  status {page['status']}  "
                      f"({time.perf_counter() - t:.0f} s)", file=sys.stderr)
        finally:
            stop(proc, timeout=15)
        load = os.getloadavg()[0]
    finally:
        Session.objects.filter(session_key__in=list(sessions.values())).delete()
        TOTPDevice.objects.filter(name=BENCH_DEVICE, user__in=[u for u in users.values() if u]).delete()
    Path(out).write_text(json.dumps({"db": db, "facts": facts, "load": load, "rows": rows + pages},
                                    ensure_ascii=False, indent=1))


# ------------------------------------------------------------------ in the parent (the table)

def label(result: dict) -> str:
    n = result["facts"]["projects"]
    return f"{n / 1000:.0f}k" if n >= 1000 else str(n)


def cell_time(row: dict | None) -> str:
    if row is None:
        return "–"
    if row.get("url") is None:
        return row.get("error", "–")
    if row.get("status") != 200:
        return f"HTTP {row.get('status')}" if isinstance(row.get("status"), int) else str(row.get("status"))
    t = row["median"]
    text = f"{t * 1000:.0f} ms" if t < 1 else f"{t:.2f} s"
    return text + (f" (n={row['n']})" if row["n"] < 10 else "")


def cell_queries(row: dict | None) -> str:
    if row is None or row.get("url") is None:
        return "–"
    if "queries_error" in row:
        return "error"
    if row.get("queries_status") not in (None, 200):
        return f"{row.get('queries', '?')} (HTTP {row['queries_status']})"
    return str(row.get("queries", "–"))


def target_for(name: str) -> float | None:
    if name in (HEALTHZ, FLOOR):
        return None
    return RANKING_TARGET if name.startswith("ranking") else TARGET


def table(results: list[dict]) -> str:
    labels = [label(r) for r in results]
    by_name = [{row["name"]: row for row in r["rows"]} for r in results]
    floors = [r.get(FLOOR, {}).get("median") for r in by_name]

    def ratio(t: float | None, row: dict | None, floor: float | None) -> str:
        floor = (row or {}).get("floor_near") or floor
        return f"{t / floor:.1f}×" if t and floor else "–"
    names = list(dict.fromkeys(name for r in results for name in (row["name"] for row in r["rows"])))
    head = ["page"]
    for lb in labels:
        head += [f"{lb} time", f"{lb} queries"]
    if len(results) > 1:
        head.append(f"growth ({labels[-1]}/{labels[0]})")
    head += ["ratio to floor (" + " / ".join(labels) + ")", "target"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    over = []
    for name in names:
        rows = [r.get(name) for r in by_name]
        cells = [name]
        for row in rows:
            cells += [cell_time(row), cell_queries(row)]
        ok = [row.get("median") if row and row.get("status") == 200 else None for row in rows]
        if len(results) > 1:
            cells.append(f"{ok[-1] / ok[0]:.1f}×" if ok[0] and ok[-1] else "–")
        cells.append(" / ".join(ratio(t, row, f) for t, row, f in zip(ok, rows, floors, strict=True)))
        limit = target_for(name)
        if limit is None:
            cells.append("floor")
        else:
            missed = [lb for lb, t, row in zip(labels, ok, rows, strict=True)
                      if (t is not None and t > limit) or (row and row.get("url") and row.get("status") != 200)]
            cells.append(f"**OVER {limit:g} s at {', '.join(missed)}**" if missed else f"≤ {limit:g} s")
            if missed:
                over.append(name)
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for r, lb in zip(results, labels, strict=True):
        f = r["facts"]
        lines.append(f"- {lb}: {r['db'].rsplit('/', 1)[-1]}, round {f['round']}: {f['projects']} projects, "
                     f"{f['scores']} submitted scores, largest batch {f['largest_batch']} ({f['largest_batch_rows']} "
                     f"tranches), expert {f['expert']}; load average at the end {r['load']:.1f} (2 cores)")
    lines.append(f"- over target: {', '.join(over) if over else 'none'}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", action="append", help="a DATABASE_URL with a scale round; repeat to compare")
    parser.add_argument("--repeat", type=int, default=10, help="timed requests per page (median)")
    parser.add_argument("--budget", type=float, default=60, help="seconds per page before fewer requests are taken")
    parser.add_argument("--timeout", type=int, default=300, help="seconds a request may take (gunicorn and client)")
    parser.add_argument("--json", help="also write the raw results to this file")
    parser.add_argument("--results", nargs="+", metavar="JSON",
                        help="print the table from earlier runs' files (--json, or var/bench-pages-*.json) instead")
    parser.add_argument("--only", action="append", metavar="SUBSTRING",
                        help="measure only the pages whose name contains this (repeatable), plus the floor")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # the child: measure --db into this file
    args = parser.parse_args()
    if args.results:
        loaded = [json.loads(Path(f).read_text()) for f in args.results]
        print(table([r for item in loaded for r in (item if isinstance(item, list) else [item])]))
        return
    dbs = args.db or [os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/yc_scale")]

    if args.one:
        one(dbs[0], args.one, args.repeat, args.budget, args.timeout, args.only)
        return
    results = []
    for i, db in enumerate(dbs):
        out = ROOT / "var" / f"bench-pages-{urlsplit(db).path.strip('/') or i}.json"
        out.parent.mkdir(exist_ok=True)
        out.unlink(missing_ok=True)
        env = dict(os.environ, DATABASE_URL=db, DEBUG="0", DJANGO_SETTINGS_MODULE="bench.settings_floor",
                   ALLOWED_HOSTS="127.0.0.1,localhost", PYTHONPATH=str(ROOT))
        print(f"{urlsplit(db).path.lstrip('/')} …", file=sys.stderr)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, __file__, "--one", str(out), "--db", db, "--repeat", str(args.repeat),
                                "--budget", str(args.budget), "--timeout", str(args.timeout)]
                               + [a for o in (args.only or []) for a in ("--only", o)], env=env, cwd=ROOT)
        if code != 0 or not out.exists():
            print(f"  {db}: the measurement failed (exit {code}); going on", file=sys.stderr)
            continue
        print(f"  done in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        results.append(json.loads(out.read_text()))
    if not results:
        raise SystemExit("nothing measured")
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1))
    print(table(results))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
