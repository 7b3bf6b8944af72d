"""Benchmark: one grant agreement PDF, and a batch job zipping N agreements (default 200).

Run: .venv/bin/python bench/pdf_agreements.py [N]
Builds its data through the real services (tests/builders.py) in a throwaway SQLite database and
media directory, runs the batch as the background job does (eager), and prints the timings.
"""
import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="yc-bench-pdf-"))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
os.environ["DATABASE_URL"] = f"sqlite:///{WORK / 'bench.sqlite3'}"
os.environ.pop("CELERY_BROKER_URL", None)  # the batch runs in-process, as in the embedded default

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

settings.MEDIA_ROOT = WORK / "media"


def main(count: int) -> None:
    from django.db import transaction

    from documents.fonts import require_cjk_font
    from documents.models import Job
    from projects import agreements
    from projects.selectors_agreements import agreement_projects
    from projects.services.agreements import start_agreement_batch
    from projects.states import State
    from tests.builders import World

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    world = World(pot=Decimal("100000000.00"), max_load_per_expert=count + 10)
    projects = []
    for _ in range(count):
        org, member = world.new_org()
        projects.append(world.advance(world.draft(org, member, grant_total="86420.50", labor="40000.00"),
                                      State.PUBLICITY))
    print(f"built {count} approved projects through the services in {time.perf_counter() - started:.1f} s")

    require_cjk_font()  # fc-list runs once per process; not part of a document's cost
    sample = agreement_projects([projects[0].pk]).get()
    agreements.render_agreement(sample)  # warm-up: WeasyPrint imports, fontconfig caches
    # CPU time next to wall time: on a shared 2-core machine the wall clock also measures the neighbours.
    wall, cpu = [], []
    for _ in range(5):
        t, c = time.perf_counter(), time.process_time()
        pdf = agreements.render_agreement(sample)
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    wall.sort(), cpu.sort()
    print(f"one agreement: median {wall[2]:.3f} s wall ({cpu[2]:.3f} s CPU), best {wall[0]:.3f} s, "
          f"{len(pdf) // 1024} KiB, load average {os.getloadavg()[0]:.1f}")

    t, c = time.perf_counter(), time.process_time()
    with transaction.atomic():
        job = start_agreement_batch(actor=world.officer, round_id=world.round.pk)
    job = Job.objects.get(pk=job.pk)  # on_commit ran the job in-process
    elapsed, used = time.perf_counter() - t, time.process_time() - c
    size = Path(job.result.path).stat().st_size
    print(f"batch of {job.progress_done} agreements: {elapsed:.1f} s wall ({used:.1f} s CPU), "
          f"{elapsed / job.progress_done:.3f} s each, state {job.state}, zip {size // 1048576} MiB, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"(work files in {WORK})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
