"""Latency under load: gunicorn (2 workers) on PostgreSQL with the scale round, 50 virtual users.

Run (after `manage.py seed_scale` on the same database):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yc_scale .venv/bin/python bench/load.py [--users 50] [--seconds 120]

What it does, bounded in time (setup + warm-up + the measured run; gunicorn is always stopped):
1. starts `gunicorn config.wsgi -w 2` on 127.0.0.1 (a free port; loopback only, DEBUG off);
2. creates one logged-in session per virtual user directly in the session store (a login through
   the form would spend the first seconds hashing passwords, which is not what is measured);
3. runs a closed loop with no think time: every virtual user is a thread with its own cookies and
   a fresh http.client connection per request (gunicorn's sync workers close connections anyway).
   Users are 40 % experts (the scoring form: GET, then POST a draft save; sometimes "my reviews"),
   30 % applicants (the project status page, sometimes the dashboard) and 30 % officers (a random
   page of the project list, sometimes filtered by state). Every user also requests /healthz (a
   trivial Django view through the full middleware stack) every other request: that is the floor,
   measured on the same server, under the same load, in the same run;
4. prints p50/p95/p99 and error counts per page kind, for all our pages together and for the floor,
   and the ratio p95(pages) / p95(floor) against the target (≤ 3×, zero errors).

The generator is a few threads with http.client rather than locust: no extra dependency, and on a
2-core machine the server needs the CPU more than a load tool does. Errors are exceptions,
timeouts (30 s) and any status other than 200 (GET) or 302 (the draft save's redirect).
"""
import argparse
import http.client
import os
import random
import re
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.processes import free_port, stop  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/yc_scale")
os.environ["DEBUG"] = "0"

import django  # noqa: E402

django.setup()

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')



def start_gunicorn(port: int, workers: int) -> subprocess.Popen:
    env = dict(os.environ, DEBUG="0")
    # the child keeps its own copy of the log descriptor; the parent's copy can be closed once it is started
    with open(ROOT / "var" / "bench-gunicorn.log", "w") as log:
        proc = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}",
             "--timeout", "60", "--backlog", "2048"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.3)
    stop(proc, timeout=15)
    raise SystemExit("gunicorn did not answer /healthz within 30 s; see var/bench-gunicorn.log")



def session_for(user) -> str:
    """A logged-in session, as django.contrib.auth.login would store it."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def virtual_users(n: int, rng: random.Random) -> tuple[list[dict], int]:
    from projects.models import Project
    from reviewers.models import Assignment, AssignmentState
    from tools import scale_data

    round = scale_data.existing_round()
    if round is None:
        raise SystemExit("No scale round in this database: run `manage.py seed_scale --projects 20000 --experts 600`.")
    drafts = list(Assignment.objects.filter(project__round=round, state=AssignmentState.ACCEPTED)
                  .select_related("expert__user").order_by("expert_id", "pk"))
    by_expert: dict[int, list] = defaultdict(list)
    for a in drafts:
        by_expert[a.expert_id].append(a)
    experts = list(by_expert.values())
    rng.shuffle(experts)
    projects = list(Project.objects.filter(round=round).exclude(state="draft")
                    .select_related("created_by").order_by("?")[: n])
    officer = scale_data.USER_PREFIX + "officer"
    from accounts.models import User

    officer = User.objects.get(username=officer)
    users = []
    n_expert, n_applicant = n * 4 // 10, n * 3 // 10
    for i in range(n):
        if i < n_expert:
            assignments = experts[i % len(experts)]
            users.append({"role": "expert", "session": session_for(assignments[0].expert.user),
                          "assignments": [a.pk for a in assignments]})
        elif i < n_expert + n_applicant:
            project = projects[i]
            users.append({"role": "applicant", "session": session_for(project.created_by), "project": project.pk})
        else:
            users.append({"role": "officer", "session": session_for(officer)})
    pages = -(-Project.objects.count() // 25)
    return users, pages


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.samples: dict[str, str] = {}
        self.recording = False

    def add(self, kind: str, seconds: float, error: str | None) -> None:
        if not self.recording:
            return
        with self.lock:
            if error:
                self.errors[kind] += 1
                self.samples.setdefault(kind, error)
            else:
                self.times[kind].append(seconds)


def request(port: int, method: str, path: str, cookies: dict, body: str | None = None) -> tuple[int, str, float]:
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()), "Host": "127.0.0.1"}
    if body is not None:
        headers |= {"Content-Type": "application/x-www-form-urlencoded", "Referer": f"http://127.0.0.1:{port}{path}"}
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie" and value.startswith("csrftoken="):
                cookies["csrftoken"] = value.split(";", 1)[0].split("=", 1)[1]
        return response.status, text, time.perf_counter() - started
    finally:
        conn.close()


def user_loop(user: dict, port: int, pages: int, recorder: Recorder, stop_at: float, seed: int) -> None:
    from urllib.parse import urlencode

    rng = random.Random(seed)
    cookies = {"sessionid": user["session"]}

    def hit(kind: str, method: str, path: str, body: str | None = None, ok=(200,)) -> str:
        try:
            status, text, seconds = request(port, method, path, cookies, body)
        except (OSError, http.client.HTTPException) as exc:
            recorder.add(kind, 0, f"{type(exc).__name__}: {exc}")
            return ""
        recorder.add(kind, seconds, None if status in ok else f"HTTP {status} for {path}")
        return text

    while time.monotonic() < stop_at:
        role = user["role"]
        if role == "expert":
            pk = rng.choice(user["assignments"])
            if rng.random() < 0.2:
                hit("expert: my reviews", "GET", "/review/mine/")
            else:
                form = hit("expert: scoring form", "GET", f"/review/mine/{pk}/")
                token = CSRF_INPUT.search(form)
                if token:
                    body = urlencode({"csrfmiddlewaretoken": token.group(1), "draft": "1",
                                      "score_need": str(rng.randint(20, 40) / 2), "score_design": "20",
                                      "comment": "草稿：需进一步核实预算明细"})
                    hit("expert: save draft (POST)", "POST", f"/review/mine/{pk}/", body, ok=(302,))
        elif role == "applicant":
            if rng.random() < 0.2:
                hit("applicant: dashboard", "GET", "/apply/")
            else:
                hit("applicant: project status", "GET", f"/apply/p/{user['project']}/")
        else:
            if rng.random() < 0.3:
                state = rng.choice(["rejected", "in_progress", "under_review", "completed"])
                hit("officer: project list, filtered", "GET", f"/projects/?state={state}&page={rng.randint(1, 20)}")
            else:
                hit("officer: project list", "GET", f"/projects/?page={rng.randint(1, pages)}")
        hit("floor: /healthz", "GET", "/healthz")


def unloaded(port: int, users: list[dict], pages: int, repeat: int = 15) -> None:
    """Each page kind alone, one request at a time: what a request costs without queueing.

    Under 50 users with no think time the 2 workers are saturated and every request, the floor
    included, mostly waits in the queue; this pass shows the service time behind those figures."""
    recorder = Recorder()
    recorder.recording = True
    seen = set()
    for i, user in enumerate(users):
        if user["role"] in seen:
            continue
        seen.add(user["role"])
        # Enough loops to hit every page kind of this role several times; one user at a time.
        user_loop(user, port, pages, recorder, time.monotonic() + repeat * 0.4, seed=1000 + i)
    print("unloaded (one request at a time):")
    for kind in sorted(recorder.times):
        values = recorder.times[kind]
        print(f"  {kind:<34} n {len(values):>3}  p50 {pct(values, 50):>6.0f} ms  p95 {pct(values, 95):>6.0f} ms")
    floor = pct(recorder.times["floor: /healthz"], 50)
    ours = [v for k, vs in recorder.times.items() if not k.startswith("floor") for v in vs]
    print(f"  p50 ours / p50 floor unloaded = {pct(ours, 50) / floor:.1f}×")


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000


def line(name: str, values: list[float], errors: int, seconds: float) -> str:
    return (f"{name:<34} {len(values):>6} {len(values) / seconds:>6.1f}/s  p50 {pct(values, 50):>7.0f} ms  "
            f"p95 {pct(values, 95):>7.0f} ms  p99 {pct(values, 99):>7.0f} ms  errors {errors}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    rng = random.Random(8)

    t = time.perf_counter()
    users, pages = virtual_users(args.users, rng)
    print(f"{len(users)} virtual users with sessions ({sum(u['role'] == 'expert' for u in users)} experts, "
          f"{sum(u['role'] == 'applicant' for u in users)} applicants, {sum(u['role'] == 'officer' for u in users)} "
          f"officers) in {time.perf_counter() - t:.1f} s; officer list has {pages} pages")
    port = free_port()
    proc = start_gunicorn(port, args.workers)
    try:
        idle = []
        for _ in range(50):
            _, _, seconds = request(port, "GET", "/healthz", {})
            idle.append(seconds)
        print(f"gunicorn {args.workers} workers on 127.0.0.1:{port}; idle /healthz p50 {pct(idle, 50):.1f} ms")
        unloaded(port, users, pages)
        recorder = Recorder()
        stop_at = time.monotonic() + args.warmup + args.seconds
        threads = [threading.Thread(target=user_loop, args=(u, port, pages, recorder, stop_at, i), daemon=True)
                   for i, u in enumerate(users)]
        for th in threads:
            th.start()
        time.sleep(args.warmup)
        recorder.recording = True
        started = time.monotonic()
        print(f"warm-up {args.warmup} s done; measuring {args.seconds} s with {len(users)} concurrent users …")
        for th in threads:
            th.join(timeout=max(0.0, stop_at - time.monotonic()) + 35)
        elapsed = time.monotonic() - started
    finally:
        stop(proc, timeout=15)
    load = os.getloadavg()
    ours = [v for k, vs in recorder.times.items() if not k.startswith("floor") for v in vs]
    our_errors = sum(n for k, n in recorder.errors.items() if not k.startswith("floor"))
    floor = recorder.times.get("floor: /healthz", [])
    print(f"\nmeasured {elapsed:.0f} s; load average at the end {load[0]:.1f} (2 cores)")
    for kind in sorted(recorder.times.keys() | recorder.errors.keys()):
        print(line(kind, recorder.times.get(kind, []), recorder.errors.get(kind, 0), elapsed))
    print(line("ALL OUR PAGES", ours, our_errors, elapsed))
    ratio = pct(ours, 95) / pct(floor, 95)
    print(f"\np95 ours / p95 floor = {ratio:.2f}× (target ≤ 3×); errors {our_errors} (target 0)")
    for kind, sample in recorder.samples.items():
        print(f"  first error in {kind}: {sample}")


if __name__ == "__main__":
    main()
