"""Agreement PDFs through the real job system: a Celery worker with 2 processes on Redis, on the scale data.

Run (after `manage.py seed_scale` on PostgreSQL):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yc_scale .venv/bin/python bench/pdf_workers.py [N]

Starts `celery -A config worker --concurrency 2` (broker redis://127.0.0.1:6379/8 unless
CELERY_BROKER_URL is set; results in a temporary MEDIA_ROOT), then times, wall clock from the
officer's click to the zip being ready:
  1. one job of N agreements (default 200): a batch is one task, so one worker process does it;
  2. the same N as two jobs of N/2 started together: both worker processes busy.
bench/pdf_agreements.py measures one agreement in-process; this measures the job system around it.
The worker is always stopped at the end; each run is bounded (10 minutes per job).
"""
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.processes import stop  # noqa: E402

MEDIA = Path(tempfile.mkdtemp(prefix="yc-bench-jobs-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/yc_scale")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/8")
os.environ["MEDIA_ROOT"] = str(MEDIA)
os.environ["DEBUG"] = "0"

import django  # noqa: E402

django.setup()


def start_worker() -> subprocess.Popen:
    # the child keeps its own copy of the log descriptor; the parent's copy can be closed once it is started
    with open(ROOT / "var" / "bench-celery.log", "w") as log:
        proc = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "celery"), "-A", "config", "worker", "--concurrency", "2", "-l", "warning",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"bench-{os.getpid()}@%h"],
            cwd=ROOT, env=dict(os.environ), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    return proc



def wait(job_ids: list[int], limit: float = 600) -> float:
    from documents.models import Job

    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        states = list(Job.objects.filter(pk__in=job_ids).values_list("state", flat=True))
        if all(s in ("done", "failed") for s in states):
            if "failed" in states:
                errors = list(Job.objects.filter(pk__in=job_ids, state="failed").values_list("error", flat=True))
                raise SystemExit(f"a job failed: {errors}")
            return time.perf_counter() - started
        time.sleep(0.2)
    raise SystemExit(f"jobs {job_ids} not finished within {limit} s")


def main(count: int) -> None:
    from accounts.models import User
    from documents import services
    from projects.selectors_agreements import batch_project_ids
    from projects.services.agreements import AGREEMENT_BATCH
    from tools import scale_data

    round = scale_data.existing_round()
    if round is None:
        raise SystemExit("No scale round: run `manage.py seed_scale` on this database first.")
    officer = User.objects.get(username=f"{scale_data.USER_PREFIX}officer")
    ids = batch_project_ids(round)[:count]
    print(f"{len(ids)} agreements of round {round.code} (of {len(batch_project_ids(round))} printable); "
          f"broker {os.environ['CELERY_BROKER_URL']}, load average {os.getloadavg()[0]:.1f}")
    worker = start_worker()
    try:
        # Warm-up: the worker's first document pays for WeasyPrint imports and font caches.
        t = time.perf_counter()
        warm = services.start_job(actor=officer, kind=AGREEMENT_BATCH,
                                  params={"round_id": round.pk, "project_ids": ids[:2]}, total=2)
        wait([warm.pk], limit=180)
        print(f"worker up and warm (2 agreements) after {time.perf_counter() - t:.1f} s")

        t0 = time.perf_counter()
        one = services.start_job(actor=officer, kind=AGREEMENT_BATCH,
                                 params={"round_id": round.pk, "project_ids": ids}, total=len(ids))
        single = wait([one.pk])
        size = Path(one.__class__.objects.get(pk=one.pk).result.path).stat().st_size
        print(f"one job of {len(ids)} agreements: {single:.1f} s ({single / len(ids):.3f} s each, "
              f"zip {size / 1048576:.1f} MiB); load average {os.getloadavg()[0]:.1f}")

        half = len(ids) // 2
        jobs = [services.start_job(actor=officer, kind=AGREEMENT_BATCH,
                                   params={"round_id": round.pk, "project_ids": part}, total=len(part))
                for part in (ids[:half], ids[half:])]
        both = wait([j.pk for j in jobs])
        print(f"two jobs of {half} agreements at once (both worker processes): {both:.1f} s "
              f"({both / len(ids):.3f} s per agreement, {single / both:.2f}× faster than one job); "
              f"load average {os.getloadavg()[0]:.1f}")
        print(f"(total {time.perf_counter() - t0:.1f} s; results in {MEDIA})")
    finally:
        stop(worker)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
