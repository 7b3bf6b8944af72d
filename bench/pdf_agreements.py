"""Benchmark: one grant agreement PDF, and a batch job zipping N agreements (default 200).

The agreement is drawn straight to PDF (documents.flow, what render_agreement does); its WeasyPrint
printing of the same blocks (the fallback) is measured next to it, and the floors are WeasyPrint's own
defaults on a bare page.

Run: .venv/bin/python bench/pdf_agreements.py [N]
Builds its data through the real services (tests/builders.py) in a throwaway SQLite database and
media directory, runs the batch as the background job does (eager), and prints the timings.
"""
import os
import statistics
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
    """count = 1 times the single agreement only (and a batch of one)."""
    from django.db import transaction
    from weasyprint import HTML

    from documents import flow
    from documents.fetcher import BASE_URL, StaticOnlyFetcher
    from documents.fonts import require_cjk_font
    from documents.models import Job
    from documents.pdf import print_stylesheet
    from documents.print_fonts import FACES, font_dir, usable_fonts
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
    print(f"print fonts (GB2312 cuts): {len(usable_fonts(quiet=True))} of {len(FACES)} built in {font_dir()}")
    sample = agreement_projects([projects[0].pk]).get()
    # The same agreement for an organisation whose name has a character outside GB2312: printed from the
    # full Noto face, a third embedded face.
    rare = agreements.agreement_context(sample)
    rare["party_b"] = {**rare["party_b"], "name": rare["party_b"]["name"] + "（堃）"}
    document = agreements.agreement_document(agreements.agreement_context(sample))
    rare_document = agreements.agreement_document(rare)
    assert flow.supports(document) and flow.supports(rare_document)
    html = flow.html(document)
    # The floors: a bare one-page Chinese page, one paragraph in one face (one font subset), and the
    # same with a heading (a second, bold face, as the agreement has). Both with WeasyPrint's defaults.
    text = "根据评审和公示结果，甲方决定资助乙方实施下列项目。为明确双方的权利和义务，经协商一致，订立本协议。" * 6
    bare = f'<html lang="zh-hans"><body style="font-family: \'Noto Serif CJK SC\'"><p>{text}</p></body></html>'
    headed = bare.replace("<p>", "<h1>公益创投项目资助协议</h1><p>")
    variants = {
        "bare page (1 face)": lambda: HTML(string=bare).write_pdf(),
        "bare page + heading (2 faces)": lambda: HTML(string=headed).write_pdf(),
        # WeasyPrint as before its font configuration was kept: a new one per document (its default)
        "agreement, new font config each": lambda: HTML(string=html, base_url=BASE_URL,
                                                        url_fetcher=StaticOnlyFetcher()).write_pdf(
                                                            stylesheets=[print_stylesheet()]),
        "agreement, WeasyPrint (fallback)": lambda: flow.render_weasyprint(document),
        "agreement (render_agreement)": lambda: agreements.render_agreement(sample),
        "agreement, a name outside GB2312": lambda: flow.render(rare_document),
    }
    for render in variants.values():
        render()  # warm-up: WeasyPrint imports, fontconfig caches
    # CPU time next to wall time: on a shared 2-core machine the wall clock also measures the neighbours.
    cpu: dict[str, list[float]] = {name: [] for name in variants}
    wall: dict[str, list[float]] = {name: [] for name in variants}
    size: dict[str, int] = {}
    for _ in range(9):  # interleaved, so that a noisy moment hits every variant alike
        for name, render in variants.items():
            t, c = time.perf_counter(), time.process_time()
            size[name] = len(render())
            wall[name].append(time.perf_counter() - t)
            cpu[name].append(time.process_time() - c)
    floor = statistics.median(cpu["bare page (1 face)"])
    floor2 = statistics.median(cpu["bare page + heading (2 faces)"])
    for name in variants:
        c = statistics.median(cpu[name])
        print(f"{name:34} median {statistics.median(wall[name]):.3f} s wall, {c:.3f} s CPU = {c / floor:.2f}× bare, "
              f"{c / floor2:.2f}× bare+heading")
    print(f"agreement {size['agreement (render_agreement)'] // 1024} KiB, by WeasyPrint "
          f"{size['agreement, WeasyPrint (fallback)'] // 1024} KiB, a name outside GB2312 "
          f"{size['agreement, a name outside GB2312'] // 1024} KiB; load average {os.getloadavg()[0]:.1f}")

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
