"""One autosave in-process: its queries and its CPU, through Django's WSGI handler and the whole middleware
stack, with the session and CSRF cookie bench/deadline.py gives an applicant (DEBUG off, the database in
DATABASE_URL, e.g. deadline_load after `manage.py seed_deadline`).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/deadline_load .venv/bin/python bench/autosave_inprocess.py \
        [--saves 300] [--section budget] [--profile 25] [--queries] [--get]

Prints the queries of one save (--queries), the CPU per save (process time) over `--saves` saves spread over
as many drafts, and with --profile N the top N functions of cProfile by cumulative time. With --get it
measures opening the section (the whole form rendered) instead.
"""
import argparse
import cProfile
import io
import json
import os
import pstats
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import bench.deadline  # noqa: E402, F401, I001  (first: sets up Django with DEBUG off, as the bench does)

from datetime import timedelta  # noqa: E402

from django.conf import settings  # noqa: E402
from django.contrib.sessions.models import Session  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.crypto import get_random_string  # noqa: E402

from bench.deadline import EDITED, edit, form_body, session_for  # noqa: E402
from projects import drafting  # noqa: E402
from projects.models import Project  # noqa: E402
from projects.sections import BY_CODE  # noqa: E402
from tools import deadline_data  # noqa: E402


def environ(method: str, path: str, cookies: str, body: bytes = b"", content_type: str = "", extra=None) -> dict:
    env = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "SCRIPT_NAME": "",
        "HTTP_HOST": "127.0.0.1", "HTTP_COOKIE": cookies, "HTTP_ACCEPT_LANGUAGE": "zh-hans",
        "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
        "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False, "wsgi.version": (1, 0),
    }
    if method == "POST":
        env.update(CONTENT_TYPE=content_type, CONTENT_LENGTH=str(len(body)))
    env.update(extra or {})
    return env


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--saves", type=int, default=300)
    parser.add_argument("--section", default="budget", choices=sorted(EDITED))
    parser.add_argument("--profile", type=int, default=0, help="print the top N functions of cProfile")
    parser.add_argument("--queries", action="store_true", help="print the queries of one save")
    parser.add_argument("--get", action="store_true", help="open the section (GET) instead of saving it")
    parser.add_argument("--seen-ago", type=int, default=0,
                        help="seconds since the idle clock was last written (61: every request writes the session)")
    args = parser.parse_args()

    round = deadline_data.existing_round()
    if round is None:
        raise SystemExit("No deadline round: run `manage.py seed_deadline --drafts 2000`.")
    projects = list(Project.objects.filter(round=round, state="draft").select_related("round", "created_by")
                    .prefetch_related("budget_lines", "milestones", "indicators").order_by("-pk")[:args.saves])
    now = int(time.time())
    expire = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    spec = BY_CODE[args.section]
    people, sessions = [], []
    # Each run types a text no earlier run typed (the edit numbers its change): with the same numbers a second
    # run on the same database would send what is stored already, and measure saves that write nothing.
    first_edit = int(time.time() * 1000) % 10**9
    for project in projects:
        key = "pf" + get_random_string(30)
        sessions.append(Session(session_key=key, session_data=session_for(project.created_by, now - args.seen_ago), expire_date=expire))
        entries = drafting.entries(spec, project)
        people.append({"pk": project.pk, "section": args.section, "session": key, "csrf": get_random_string(32),
                       "version": project.edit_version, "base": entries, "typed": [list(e) for e in entries],
                       "saves": first_edit})
    Session.objects.bulk_create(sessions)
    handler = WSGIHandler()
    rng = random.Random(18)
    statuses: dict[int, int] = {}

    def request(a: dict) -> list[bytes]:
        path = f"/apply/p/{a['pk']}/edit/{a['section']}/"
        cookies = f"sessionid={a['session']}; csrftoken={a['csrf']}"
        if args.get:
            env = environ("GET", path, cookies)
        else:
            edit(a, rng)
            pairs = [["csrfmiddlewaretoken", a["csrf"]], *a["typed"], ["_version", str(a["version"])],
                     ["_base", json.dumps(a["base"], ensure_ascii=False)]]
            body, content_type = form_body(pairs)
            env = environ("POST", path, cookies, body, content_type,
                          {"HTTP_X_AUTOSAVE": "1", "HTTP_ORIGIN": "http://127.0.0.1",
                           "HTTP_REFERER": f"http://127.0.0.1{path}"})
        status = []
        chunks = handler(env, lambda s, h, *rest: status.append(int(s.split()[0])))
        payload = b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
        statuses[status[0]] = statuses.get(status[0], 0) + 1
        if not args.get and status[0] == 200:
            data = json.loads(payload)
            a["version"], a["base"] = data["version"], data["base"]
        elif status[0] != 200:
            print(status[0], payload[:300])
        return chunks

    try:
        for a in people[:5]:  # warm: imports, templates, the connection
            request(a)
        if args.queries:
            with CaptureQueriesContext(connection) as captured:
                request(people[5])
            for q in captured.captured_queries:
                print(f"{q['time']:>6}s  {q['sql'][:300]}")
            print(f"{len(captured)} queries")
        profiler = cProfile.Profile(time.process_time) if args.profile else None
        cpu = wall = floor = 0.0
        floor_env = environ("GET", "/healthz", "")
        for i in range(args.saves):
            # The floor (/healthz through the same stack) interleaved, so both see the same machine.
            t = time.process_time()
            b"".join(handler(dict(floor_env, **{"wsgi.input": io.BytesIO()}), lambda *a: None))
            floor += time.process_time() - t
            t, w = time.process_time(), time.perf_counter()
            if profiler:
                profiler.enable()
            request(people[i % len(people)])
            if profiler:
                profiler.disable()
            cpu += time.process_time() - t
            wall += time.perf_counter() - w
        print(f"{args.saves} {'GETs' if args.get else 'autosaves'} of '{args.section}': {cpu / args.saves * 1000:.2f} ms CPU "
              f"and {wall / args.saves * 1000:.2f} ms wall each{' (under cProfile)' if profiler else ''}; floor /healthz "
              f"{floor / args.saves * 1000:.2f} ms CPU (ratio {cpu / floor:.1f}×); statuses {statuses}; "
              f"load average {os.getloadavg()[0]:.1f}")
        if profiler:
            profiler.dump_stats("/tmp/deadline_autosave.prof")
            stats = pstats.Stats(profiler)
            stats.sort_stats("cumulative").print_stats(args.profile)
            stats.sort_stats("cumulative").print_stats(r"wt/[a-z]+/(projects|accounts|core|grants|django/contrib|django/middleware|django_otp|whitenoise)", args.profile)
            stats.sort_stats("tottime").print_stats(args.profile)
    finally:
        Session.objects.filter(session_key__in=[s.session_key for s in sessions]).delete()


if __name__ == "__main__":
    main()
