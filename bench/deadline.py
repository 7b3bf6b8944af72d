"""Deadline day: 2,000 applicants autosaving every 30 s plus the normal mix, open loop, on gunicorn.

Run (after `manage.py seed_deadline --drafts 2000`, and optionally `manage.py seed_scale --projects 2000
--experts 100` for the officers' and experts' pages, on the same PostgreSQL database):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/deadline_load .venv/bin/python bench/deadline.py \
        [--applicants 2000] [--period 30] [--mix-rate 15] [--seconds 180] [--warmup 30] \
        [--workers 3] [--threads 4] [--worker-class gthread]

What it does (gunicorn is always stopped, the bench's sessions are always removed):
1. starts `gunicorn -c config/gunicorn.conf.py config.wsgi` (the shipped configuration; --workers,
   --threads and --worker-class are passed as WEB_CONCURRENCY, GUNICORN_THREADS and
   GUNICORN_WORKER_CLASS, the overrides the configuration reads) on a free loopback port, DEBUG off,
   the access log (with the request time) to var/bench-deadline-access.log;
2. writes one logged-in session per person directly in the session store (as a login would, with the
   idle clock started and the second factor settled: a login through the form would spend minutes
   hashing passwords, which is not what is measured), and a CSRF cookie whose secret the form sends;
3. runs an open-loop load from one asyncio event loop over raw HTTP/1.1 with keep-alive (a connection
   is reused while the server keeps it open; the sync worker closes it after each response):
   - every applicant autosaves one section of the draft every `--period` s, the first at a random
     phase: the real endpoint (`/apply/p/<pk>/edit/<section>/`, header X-Autosave: 1, the form URL-encoded
     with the CSRF token, `_version` and `_base` from the previous answer, as static/js/autosave.js
     sends it), each save a small edit to one field or budget row; like the script,
     an applicant does not send a second save while one is in flight;
   - the normal mix, Poisson arrivals at `--mix-rate` per second: applicants opening a section of
     their application (the whole form rendered), their dashboard and status page, officers' project
     list pages, experts' scoring forms and "my reviews" (the last two from the scale round, if any);
   - the floor: `/healthz` (a trivial view through the whole middleware stack) at 2 per second;
4. measures latency from the moment a request was due (not when it was sent: a generator or server
   that falls behind shows as latency, not as fewer requests), and separately how late requests were
   sent (the generator's own lag); prints p50/p95/p99 and errors per kind, overall and for the floor,
   achieved vs intended rates, the generator's CPU, gunicorn's and PostgreSQL's CPU and the load
   average, and whether the target (p95 < 300 ms, no errors) holds.

Errors: connection failures, timeouts (30 s), any status other than 200, and autosave answers that
did not save everything (`saved` and `complete` in the JSON).
"""
import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.processes import free_port, stop  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/deadline_load")
os.environ["DEBUG"] = "0"

import django  # noqa: E402

django.setup()

from datetime import timedelta  # noqa: E402

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.contrib.sessions.models import Session  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.crypto import get_random_string  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.session_policy import LOGIN_AT, OTP_NEEDED, SEEN_AT  # noqa: E402
from projects import drafting  # noqa: E402
from projects.models import Project  # noqa: E402
from projects.sections import BY_CODE  # noqa: E402
from reviewers.models import Assignment, AssignmentState  # noqa: E402
from tools import deadline_data, scale_data  # noqa: E402

TIMEOUT = 30.0
TARGET_MS = 300
# Which section an applicant is working on (the budget, the longest texts and the plan most often).
SECTION_WEIGHTS = {"budget": 30, "need": 20, "plan": 15, "basic": 10, "team": 10, "indicators": 10, "area": 5}
# The field each autosave edits a little: (field name, row index when it repeats).
EDITED = {"budget": ("b_explanation", 0), "need": ("need_analysis", 0), "plan": ("activity_plan", 0),
          "basic": ("summary", 0), "team": ("team", 0), "indicators": ("i_target", 1), "area": ("service_street", 0)}
MIX = [  # kind, weight
    ("applicant: open section (GET)", 35), ("applicant: dashboard", 15), ("applicant: project status", 15),
    ("officer: project list", 15), ("expert: scoring form", 15), ("expert: my reviews", 5),
]
FLOOR_RATE = 2.0


# ---------------------------------------------------------------- server



def start_gunicorn(port: int, args) -> subprocess.Popen:
    env = dict(os.environ, DEBUG="0", GUNICORN_ACCESS_LOG=str(ROOT / "var" / "bench-deadline-access.log"))
    for name, value in (("WEB_CONCURRENCY", args.workers), ("GUNICORN_THREADS", args.threads),
                        ("GUNICORN_WORKER_CLASS", args.worker_class)):
        if value is not None:
            env[name] = str(value)
    (ROOT / "var").mkdir(exist_ok=True)
    with open(ROOT / "var" / "bench-deadline-gunicorn.log", "w") as log:
        proc = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", str(ROOT / "config" / "gunicorn.conf.py"),
             "-b", f"127.0.0.1:{port}", "config.wsgi"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return proc
        except OSError:
            time.sleep(0.3)
    stop(proc)
    raise SystemExit("gunicorn did not answer /healthz within 60 s; see var/bench-deadline-gunicorn.log")



def cpu_seconds(pids, *, reaped: int | None = None) -> float:
    """utime + stime of the processes (clock ticks → seconds); gone processes count 0. For `reaped`
    (gunicorn's master) the CPU of its children that already ended (recycled workers) is added."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
            if pid == reaped:
                total += int(fields[13]) + int(fields[14])
        except (OSError, IndexError, ValueError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                pass
    return found


def postgres_cpu() -> float:
    """CPU of the whole PostgreSQL server (every database: other users of the machine included): the
    postmaster, its live children, and the children it already reaped (backends closed meanwhile)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    try:
        postmaster = int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return float("nan")  # another machine or container
    return cpu_seconds([postmaster, *children(postmaster)], reaped=postmaster)


def access_lines() -> int:
    try:
        with open(ROOT / "var" / "bench-deadline-access.log", "rb") as f:
            return sum(1 for _ in f)
    except OSError:
        return 0


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


# ---------------------------------------------------------------- people


def session_for(user, now: int) -> str:
    """A logged-in session as django.contrib.auth.login plus accounts.session_policy.start would store it
    (second factor settled), written in bulk by the caller."""
    store = SessionStore()
    data = {SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
            HASH_SESSION_KEY: user.get_session_auth_hash(), LOGIN_AT: now, SEEN_AT: now, OTP_NEEDED: False}
    return store.encode(data)


class People:
    def __init__(self, applicants: int, rng: random.Random):
        round = deadline_data.existing_round()
        if round is None:
            raise SystemExit("No deadline round in this database: run `manage.py seed_deadline --drafts 2000`.")
        projects = list(Project.objects.filter(round=round, state="draft").select_related("round", "created_by")
                        .prefetch_related("budget_lines", "milestones", "indicators").order_by("pk")[:applicants])
        if len(projects) < applicants:
            raise SystemExit(f"Only {len(projects)} drafts in the deadline round; run seed_deadline --drafts {applicants}.")
        now = int(time.time())
        sessions: list[Session] = []
        expire = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)

        def session(user) -> str:
            key = "dl" + uuid.uuid4().hex + get_random_string(6)
            sessions.append(Session(session_key=key, session_data=session_for(user, now), expire_date=expire))
            return key

        names, weights = zip(*SECTION_WEIGHTS.items(), strict=True)
        self.applicants = []
        for project in projects:
            section = rng.choices(names, weights)[0]
            entries = drafting.entries(BY_CODE[section], project)
            self.applicants.append({
                "pk": project.pk, "section": section, "session": session(project.created_by),
                "csrf": get_random_string(32), "version": project.edit_version, "base": entries,
                "typed": [list(e) for e in entries], "saves": 0,
            })
        self.experts, self.officer = [], None
        scale = scale_data.existing_round()  # officers and experts come from the scale round, when there is one
        if scale is not None:
            self.officer = {"session": session(User.objects.get(username=scale_data.USER_PREFIX + "officer"))}
            by_expert = defaultdict(list)
            for a in (Assignment.objects.filter(project__round=scale, state=AssignmentState.ACCEPTED)
                      .select_related("expert__user").order_by("pk")[:2000]):
                by_expert[a.expert.user].append(a.pk)
            self.experts = [{"session": session(user), "assignments": ids} for user, ids in by_expert.items()][:100]
        Session.objects.bulk_create(sessions, batch_size=1000)
        self.session_keys = [s.session_key for s in sessions]
        self.officer_pages = max(1, -(-Project.objects.count() // 25))

    def remove_sessions(self) -> None:
        Session.objects.filter(session_key__in=self.session_keys).delete()


def vacuum() -> None:
    """Each run updates the drafts about 6,000 times and writes and deletes some 2,000 sessions. In
    production autovacuum (on by default) keeps those tables compact between runs of the day; where it is
    off, as on some test machines, a second run would measure the first run's dead rows (the drafts'
    table grew to six dead rows per live one after ten runs, and gunicorn and PostgreSQL spent a third
    more CPU per request). So every run starts from vacuumed tables, and says whether autovacuum is on."""
    if connection.vendor != "postgresql":
        return
    t = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        autovacuum = cursor.fetchone()[0]
        tables = [Session._meta.db_table, Project._meta.db_table, *(Project._meta.get_field(name).related_model._meta.db_table
                  for name in ("budget_lines", "milestones", "indicators"))]
        for table in tables:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table)}")
    print(f"VACUUM (ANALYZE) of {', '.join(tables)} in {time.perf_counter() - t:.1f} s; PostgreSQL's autovacuum is {autovacuum}"
          + ("" if autovacuum == "on" else " (production runs with it on: the run's own dead rows are not cleared meanwhile)"))


# ---------------------------------------------------------------- HTTP/1.1 client


class Pool:
    """Keep-alive connections to one server; a connection idle longer than the server's keepalive is
    dropped rather than reused (it may be closing)."""

    def __init__(self, port: int, idle_limit: float = 3.0):
        self.port, self.idle_limit = port, idle_limit
        self.idle: list[tuple[float, asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.opened = 0

    async def get(self):
        now = time.monotonic()
        while self.idle:
            at, reader, writer = self.idle.pop()
            if now - at < self.idle_limit and not reader.at_eof():
                return reader, writer, True
            writer.close()
        self.opened += 1
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port, limit=1 << 22)
        return reader, writer, False

    def put(self, reader, writer) -> None:
        self.idle.append((time.monotonic(), reader, writer))


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, dict, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        body = b"".join(parts)
    else:
        body = await reader.read()
    return status, headers, body


async def http(pool: Pool, method: str, path: str, cookies: str, body: bytes = b"",
               content_type: str = "", extra: str = "") -> tuple[int, bytes]:
    request = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookies}\r\n"
               f"Accept-Language: zh-hans\r\n{extra}")
    if method == "POST":
        request += f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
    data = request.encode() + b"\r\n" + body
    for attempt in (1, 2):
        reader, writer, reused = await pool.get()
        try:
            writer.write(data)
            status, headers, payload = await _read_response(reader)
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            writer.close()
            if reused and attempt == 1:
                continue  # the server closed the kept-alive connection as we sent: a browser retries too
            raise ConnectionError(f"{type(exc).__name__}: {exc}") from None
        except BaseException:
            writer.close()
            raise
        if headers.get("connection", "").lower() == "close":
            writer.close()
        else:
            pool.put(reader, writer)
        return status, payload
    raise ConnectionError("unreachable")


def form_body(pairs: list[list[str]]) -> tuple[bytes, str]:
    """As autosave.js sends a save (URLSearchParams of the form's FormData)."""
    return urlencode([tuple(p) for p in pairs]).encode(), "application/x-www-form-urlencoded;charset=UTF-8"


# ---------------------------------------------------------------- load


class Recorder:
    def __init__(self):
        self.recording = False
        self.times: dict[str, list[float]] = defaultdict(list)
        self.lags: list[float] = []
        self.errors: dict[str, int] = defaultdict(int)
        self.samples: dict[str, str] = {}
        self.intended: dict[str, int] = defaultdict(int)

    def due(self, kind: str) -> None:
        if self.recording:
            self.intended[kind] += 1

    def add(self, kind: str, due: float, sent: float, error: str | None) -> None:
        if not self.recording:
            return
        self.lags.append(sent - due)
        if error:
            self.errors[kind] += 1
            self.samples.setdefault(kind, error)
        else:
            self.times[kind].append(time.monotonic() - due)


def edit(applicant: dict, rng: random.Random) -> None:
    """A small change, as a person typing: one field or budget cell a little different each save."""
    name, index = EDITED[applicant["section"]]
    applicant["saves"] += 1
    n = applicant["saves"]
    seen = -1
    for entry in applicant["typed"]:
        if entry[0] == name:
            seen += 1
            if seen == index:
                if name == "i_target":
                    entry[1] = str(20 + n % 17)
                else:
                    base = entry[1].split("（修改", 1)[0]
                    entry[1] = f"{base}（修改{n}：{rng.choice('补充说明服务对象需求与活动安排')}）"
                return


async def autosave(pool: Pool, a: dict, recorder: Recorder, due: float, rng: random.Random) -> None:
    kind = f"autosave: {a['section']}"
    recorder.due("autosave (all sections)")
    edit(a, rng)
    pairs = [["csrfmiddlewaretoken", a["csrf"]], *a["typed"], ["_version", str(a["version"])],
             ["_base", json.dumps(a["base"], ensure_ascii=False)]]
    body, content_type = form_body(pairs)
    path = f"/apply/p/{a['pk']}/edit/{a['section']}/"
    sent = time.monotonic()
    error = None
    try:
        status, payload = await asyncio.wait_for(
            http(pool, "POST", path, f"sessionid={a['session']}; csrftoken={a['csrf']}", body, content_type,
                 f"X-Autosave: 1\r\nOrigin: http://127.0.0.1\r\nReferer: http://127.0.0.1{path}\r\n"), TIMEOUT)
        if status != 200:
            error = f"HTTP {status}: {payload[:200]!r}"
        else:
            data = json.loads(payload)
            if not (data.get("saved") and data.get("complete")):
                error = f"not saved completely: {str(data)[:300]}"
            else:
                a["version"], a["base"] = data["version"], data["base"]
    except TimeoutError:
        error = "timeout"
    except (OSError, ConnectionError, ValueError, asyncio.IncompleteReadError) as exc:
        error = f"{type(exc).__name__}: {exc}"
    recorder.add(kind, due, sent, error)


async def get(pool: Pool, kind: str, path: str, session: str, recorder: Recorder, due: float) -> None:
    recorder.due(kind)
    sent = time.monotonic()
    error = None
    try:
        status, payload = await asyncio.wait_for(http(pool, "GET", path, f"sessionid={session}" if session else ""),
                                                 TIMEOUT)
        if status != 200:
            error = f"HTTP {status} for {path}"
    except TimeoutError:
        error = f"timeout for {path}"
    except (OSError, ConnectionError, ValueError, asyncio.IncompleteReadError) as exc:
        error = f"{type(exc).__name__}: {exc}"
    recorder.add(kind, due, sent, error)


async def applicant_loop(pool, a, recorder, start, stop_at, period, rng):
    due = start + rng.uniform(0, period)
    while due < stop_at:
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        await autosave(pool, a, recorder, due, rng)
        due += period  # a save in flight is awaited first, as the script does; a late one is measured late


async def poisson(rate: float, start: float, stop_at: float, rng: random.Random, fire) -> None:
    tasks = set()
    due = start
    while True:
        due += rng.expovariate(rate)
        if due >= stop_at:
            break
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        task = asyncio.ensure_future(fire(due))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.gather(*tasks)


def mix_request(people: People, rng: random.Random):
    kinds = [k for k, _w in MIX if not (k.startswith("expert") and not people.experts)
             and not (k.startswith("officer") and not people.officer)]
    weights = [w for k, w in MIX if k in kinds]

    def choose():
        kind = rng.choices(kinds, weights)[0]
        if kind.startswith("applicant"):
            a = rng.choice(people.applicants)
            path = {"applicant: open section (GET)": f"/apply/p/{a['pk']}/edit/{a['section']}/",
                    "applicant: dashboard": "/apply/", "applicant: project status": f"/apply/p/{a['pk']}/"}[kind]
            return kind, path, a["session"]
        if kind.startswith("officer"):
            return kind, f"/projects/?page={rng.randint(1, people.officer_pages)}", people.officer["session"]
        e = rng.choice(people.experts)
        path = f"/review/mine/{rng.choice(e['assignments'])}/" if kind == "expert: scoring form" else "/review/mine/"
        return kind, path, e["session"]
    return choose


async def run_load(port: int, people: People, args, recorder: Recorder) -> dict:
    pool = Pool(port)
    rng = random.Random(args.seed)
    loop_start = time.monotonic()
    start = loop_start + 0.5
    stop_at = start + args.warmup + args.seconds
    choose = mix_request(people, rng)

    async def mix(due):
        kind, path, session = choose()
        await get(pool, kind, path, session, recorder, due)

    async def floor(due):
        await get(pool, "floor: /healthz", "/healthz", "", recorder, due)

    async def window():
        await asyncio.sleep(start + args.warmup - time.monotonic())
        recorder.recording = True
        marks = {"t": time.monotonic(), "cpu": time.process_time(), "busy": machine_busy(),
                 "load": os.getloadavg()}
        print(f"warm-up {args.warmup} s done; measuring {args.seconds} s …", flush=True)
        return marks

    window_task = asyncio.ensure_future(window())
    coroutines = [applicant_loop(pool, a, recorder, start, stop_at, args.period, random.Random(i))
                  for i, a in enumerate(people.applicants)]
    coroutines.append(poisson(args.mix_rate, start, stop_at, random.Random(args.seed + 1), mix))
    coroutines.append(poisson(FLOOR_RATE, start, stop_at, random.Random(args.seed + 2), floor))
    await asyncio.gather(*coroutines)
    recorder.recording = False
    marks = await window_task
    marks |= {"end": time.monotonic(), "cpu_end": time.process_time(), "busy_end": machine_busy(),
              "connections": pool.opened}
    return marks


# ---------------------------------------------------------------- report


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000


def line(name: str, values: list[float], errors: int, seconds: float, intended: float | None = None) -> str:
    rate = (len(values) + errors) / seconds
    wanted = f" (intended {intended:5.1f}/s)" if intended is not None else ""
    return (f"{name:<34} {len(values):>6} {rate:>6.1f}/s{wanted}  p50 {pct(values, 50):>6.0f} ms  "
            f"p95 {pct(values, 95):>6.0f} ms  p99 {pct(values, 99):>6.0f} ms  errors {errors}")


def report(args, recorder: Recorder, marks: dict, server_cpu: float, pg_cpu: float) -> bool:
    elapsed = marks["end"] - marks["t"]
    busy = (marks["busy_end"][0] - marks["busy"][0]) / max(1, marks["busy_end"][1] - marks["busy"][1])
    gen_cpu = marks["cpu_end"] - marks["cpu"]
    load_end = os.getloadavg()
    print(f"\nmeasured {elapsed:.0f} s; load average {marks['load'][0]:.1f} at the start, {load_end[0]:.1f} at the end "
          f"(2 cores); whole machine {busy * 100:.0f} % busy")
    served = max(1, marks["served"])
    print(f"CPU in the window: generator {gen_cpu:.1f} s ({gen_cpu / elapsed * 100:.0f} % of a core), gunicorn "
          f"{server_cpu:.1f} s ({server_cpu / elapsed * 100:.0f} %), PostgreSQL (all databases) {pg_cpu:.1f} s "
          f"({pg_cpu / elapsed * 100:.0f} %); connections opened by the generator {marks['connections']}")
    print(f"gunicorn answered {marks['served']} requests in the window ({marks['served'] / elapsed:.1f}/s): "
          f"{server_cpu / served * 1000:.1f} ms of gunicorn CPU per request; at the intended rate that is "
          f"{server_cpu / served * (args.applicants / args.period + args.mix_rate + FLOOR_RATE):.2f} cores")
    autosave_rate = args.applicants / args.period
    ours, our_errors = [], 0
    for kind in sorted(recorder.times.keys() | recorder.errors.keys()):
        print(line(kind, recorder.times.get(kind, []), recorder.errors.get(kind, 0), elapsed))
        if not kind.startswith("floor"):
            ours += recorder.times.get(kind, [])
            our_errors += recorder.errors.get(kind, 0)
    saves = [v for k, vs in recorder.times.items() if k.startswith("autosave") for v in vs]
    save_errors = sum(n for k, n in recorder.errors.items() if k.startswith("autosave"))
    mix = [v for k, vs in recorder.times.items() if not k.startswith(("autosave", "floor")) for v in vs]
    mix_errors = sum(n for k, n in recorder.errors.items() if not k.startswith(("autosave", "floor")))
    floor = recorder.times.get("floor: /healthz", [])
    print(line("AUTOSAVE (all sections)", saves, save_errors, elapsed, autosave_rate))
    print(line("NORMAL MIX (all pages)", mix, mix_errors, elapsed, args.mix_rate))
    print(line("FLOOR /healthz", floor, recorder.errors.get("floor: /healthz", 0), elapsed, FLOOR_RATE))
    print(line("ALL OUR REQUESTS", ours, our_errors, elapsed, autosave_rate + args.mix_rate))
    lag99 = pct(recorder.lags, 99)
    achieved = (len(ours) + our_errors) / elapsed
    intended = autosave_rate + args.mix_rate
    behind = achieved < 0.97 * intended or lag99 > 100
    print(f"generator lag (sent after due): p50 {pct(recorder.lags, 50):.1f} ms, p99 {lag99:.1f} ms, "
          f"max {max(recorder.lags, default=0) * 1000:.0f} ms; achieved {achieved:.1f}/s of {intended:.1f}/s intended"
          + (" — THE GENERATOR OR THE SERVER FELL BEHIND the open-loop schedule" if behind else ""))
    p95 = pct(ours, 95)
    ok = p95 < TARGET_MS and our_errors == 0
    print(f"p95 ours {p95:.0f} ms = {p95 / pct(floor, 95):.1f}× p95 floor ({pct(floor, 95):.0f} ms); "
          f"errors {our_errors}; target p95 < {TARGET_MS} ms and 0 errors: {'HOLDS' if ok else 'MISSED'}")
    for kind, sample in recorder.samples.items():
        print(f"  first error in {kind}: {sample}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--applicants", type=int, default=2000)
    parser.add_argument("--period", type=float, default=30.0, help="seconds between one applicant's autosaves")
    parser.add_argument("--mix-rate", type=float, default=15.0, help="normal-mix requests per second")
    parser.add_argument("--seconds", type=int, default=180)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--workers", type=int, help="WEB_CONCURRENCY (default: config/gunicorn.conf.py)")
    parser.add_argument("--threads", type=int, help="GUNICORN_THREADS")
    parser.add_argument("--worker-class", help="GUNICORN_WORKER_CLASS: sync, gthread, …")
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()

    vacuum()
    t = time.perf_counter()
    people = People(args.applicants, random.Random(args.seed))
    print(f"{len(people.applicants)} applicants, {len(people.experts)} experts, "
          f"{'an officer' if people.officer else 'no officer'} with sessions in {time.perf_counter() - t:.1f} s; "
          f"autosave {args.applicants / args.period:.1f}/s + mix {args.mix_rate}/s + floor {FLOOR_RATE}/s")
    port = free_port()
    proc = start_gunicorn(port, args)
    connection.close()  # the bench's own connection is not held during the run
    try:
        workers = children(proc.pid)
        print(f"gunicorn -c config/gunicorn.conf.py: {len(workers)} workers, overrides "
              f"workers={args.workers} threads={args.threads} class={args.worker_class}; port {port}", flush=True)
        recorder = Recorder()
        server = [proc.pid]

        async def measured():
            task = asyncio.ensure_future(run_load(port, people, args, recorder))
            while not recorder.recording and not task.done():
                await asyncio.sleep(0.2)
            pids = server + children(proc.pid)
            before = cpu_seconds(pids, reaped=proc.pid), await asyncio.to_thread(postgres_cpu), access_lines()
            marks = await task
            pids = server + children(proc.pid)
            after = cpu_seconds(pids, reaped=proc.pid), await asyncio.to_thread(postgres_cpu), access_lines()
            marks["served"] = after[2] - before[2]
            return marks, after[0] - before[0], after[1] - before[1]

        marks, server_cpu, pg_cpu = asyncio.run(measured())
    finally:
        stop(proc)
        people.remove_sessions()
    report(args, recorder, marks, server_cpu, pg_cpu)


if __name__ == "__main__":
    main()
