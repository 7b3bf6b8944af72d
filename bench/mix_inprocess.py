"""Deadline day's normal mix in-process: the CPU of each kind of page bench/deadline.py asks for, through
Django's WSGI handler and the whole middleware stack (DEBUG off), against /healthz measured interleaved.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/deadline_load .venv/bin/python bench/mix_inprocess.py [--n 60]

Prints, per kind: CPU and wall per request (median over --n requests), queries, and the CPU weighted by the
kind's share of the mix: which pages the web server's time on deadline day goes to.
"""
import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import bench.deadline as dl  # noqa: E402, I001  (first: sets up Django with DEBUG off, as the bench does)

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.autosave_inprocess import environ  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=60)
    parser.add_argument("--only", default="", help="measure only the kinds whose name contains this text")
    args = parser.parse_args()
    rng = random.Random(18)
    people = dl.People(200, rng)
    everything = dl.mix_request(people, rng)

    def choose():
        while True:
            picked = everything()
            if args.only in picked[0]:
                return picked
    handler = WSGIHandler()
    by_kind: dict[str, list[tuple[float, float]]] = {}
    queries: dict[str, int] = {}
    floor: list[float] = []

    def call(path: str, session: str) -> int:
        path, _, query = path.partition("?")
        env = environ("GET", path, f"sessionid={session}" if session else "")
        env["QUERY_STRING"] = query
        status: list[int] = []
        body = handler(env, lambda s, h, *rest: status.append(int(s.split()[0])))
        b"".join(body)
        if hasattr(body, "close"):
            body.close()
        return status[0]

    try:
        weights = {k: w for k, w in dl.MIX if args.only in k}
        for _ in range(20):  # warm: imports, templates, connections
            kind, path, session = choose()
            call(path, session)
        while True:
            kind, path, session = choose()
            t = time.process_time()
            call("/healthz", "")
            floor.append(time.process_time() - t)
            if kind not in queries:
                with CaptureQueriesContext(connection) as captured:
                    status = call(path, session)
                queries[kind] = len(captured)
                continue
            t, w = time.process_time(), time.perf_counter()
            status = call(path, session)
            by_kind.setdefault(kind, []).append((time.process_time() - t, time.perf_counter() - w))
            if status != 200:
                print(kind, path, status)
            if all(len(by_kind.get(k, [])) >= args.n for k in weights if k in queries):
                break
        base = statistics.median(floor)
        total_weight = sum(weights[k] for k in by_kind)
        print(f"floor /healthz {base * 1000:.2f} ms CPU (median of {len(floor)}); load average {os.getloadavg()[0]:.1f}")
        weighted = 0.0
        for kind, samples in sorted(by_kind.items()):
            cpu = statistics.median(s[0] for s in samples)
            wall = statistics.median(s[1] for s in samples)
            share = weights[kind] / total_weight
            weighted += cpu * share
            print(f"{kind:32} {cpu * 1000:7.2f} ms CPU ({cpu / base:5.1f}× floor) {wall * 1000:7.2f} ms wall "
                  f"{queries[kind]:3} queries  share {share:4.0%}")
        print(f"mix, weighted: {weighted * 1000:.2f} ms CPU a request ({weighted / base:.1f}× floor)")
    finally:
        people.remove_sessions()


if __name__ == "__main__":
    main()
