"""Benchmark: an automatic assignment run through the real path (the Job: read, assign, write,
progress, notifications) against the pure function on the same inputs, in the same run; then the
run's result workbook, the follow-up job the officer starts from the finished run (not on the run's
critical path: timed and shown on its own).

Run (PostgreSQL, a database of your own):
  export DATABASE_URL=postgres://postgres@127.0.0.1:5432/assign_scale
  .venv/bin/python manage.py migrate
  .venv/bin/python manage.py seed_scale --projects 20000 --experts 600 --no-assignments
  .venv/bin/python bench/assignment_db.py [repeats]

The round (code SCALE) must have every project under review and no panel: each repeat removes what
the previous one wrote (outside the timings). Prints the floor (the pure reviewers.assignment.assign on
the round's inputs), the real path end to end and by phase, the queries it sent, and the ratio.
Wall time is what the officer waits for; CPU counts both sides (this process, all its threads, and
the PostgreSQL backends of its connections, the writer threads' included, read from /proc), so on a
loaded machine it is the steadier figure. The query count is the main connection's: the writer
threads' chunks (a lock, a look-up, two COPYs and the experts' counts each) are not in it. The writer
threads start on the first chunk while the assignment is still computed, so their phase overlaps the
run's. On a shared machine whose speed drifts between seconds, the median of each repeat's own ratio
(floor and run measured back to back) is printed too.
"""
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.pop("CELERY_BROKER_URL", None)  # the job runs in-process after commit, as in the embedded default

import django  # noqa: E402

django.setup()

from django.db import connection, reset_queries, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import Notification, User  # noqa: E402
from documents.models import Job  # noqa: E402
from projects.models import ProjectEvent  # noqa: E402
from reviewers import jobs, notifications, services  # noqa: E402
from reviewers.assignment import assign  # noqa: E402
from reviewers.models import Assignment, AssignmentRun  # noqa: E402
from tools import scale_data  # noqa: E402

PHASES: dict[str, tuple[float, float, float]] = {}
LOCK = threading.Lock()
TICK = os.sysconf("SC_CLK_TCK")


def backend_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (same machine): on a shared,
    loaded box the wall clock measures the neighbours, CPU time measures the work."""
    if connection.vendor != "postgresql":
        return 0.0
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid  # psycopg 3: no query needed
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def timed(name, function, *, other_threads_only=False):
    """Adds the call's wall, process CPU and backend CPU to PHASES[name]. With other_threads_only,
    only calls made outside the main thread count (the run's writer threads, each on its own
    connection and so its own PostgreSQL backend, which the main connection's figure misses)."""
    def wrapper(*args, **kwargs):
        if other_threads_only and threading.current_thread() is threading.main_thread():
            return function(*args, **kwargs)
        started, cpu, server = time.perf_counter(), time.process_time(), backend_cpu()
        try:
            return function(*args, **kwargs)
        finally:
            wall, used, db = time.perf_counter() - started, time.process_time() - cpu, backend_cpu() - server
            with LOCK:
                before = PHASES.get(name, (0.0, 0.0, 0.0))
                PHASES[name] = (before[0] + wall, before[1] + used, before[2] + db)
    return wrapper


services.run_auto_assignment = timed("run (read, assign, write)", services.run_auto_assignment)
jobs.result_workbook = timed("result workbook", jobs.result_workbook)
notifications.run_assigned = timed("notifications (inside run)", notifications.run_assigned)
# On PostgreSQL the chunks are written by writer threads on connections of their own: their backends'
# CPU is added to the run's (each chunk's share read on its own connection before it is closed).
services._write_chunk = timed("writer threads", services._write_chunk, other_threads_only=True)


def clean(round) -> None:
    """What a previous repeat wrote; the round's projects and conflicts stay."""
    with transaction.atomic():
        runs = list(AssignmentRun.objects.filter(round=round).values_list("pk", "job_id"))
        Assignment.objects.filter(project__round=round)._raw_delete(connection.alias)
        ProjectEvent.objects.filter(project__round=round, action="auto_assign")._raw_delete(connection.alias)
        Notification.objects.filter(key__in=[f"run:{pk}:assigned" for pk, _ in runs]).delete()
        AssignmentRun.objects.filter(round=round).delete()
        Job.objects.filter(pk__in=[job for _, job in runs if job]).delete()
        Job.objects.filter(kind=services.ASSIGNMENT_RESULT, params__run_id__in=[pk for pk, _ in runs]).delete()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE reviewers_assignment")


def floor(round) -> tuple[float, float, float, int]:
    """The pure function on the round's own inputs: (reading them, wall, CPU, pairs)."""
    started = time.perf_counter()
    inputs = services._run_inputs(round)
    read = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    result = assign(inputs.projects, inputs.experts, inputs.conflicts, per_project=round.experts_per_project,
                    require_finance=round.require_finance_expert, max_load=round.max_load_per_expert, seed=11)
    return read, time.perf_counter() - started, time.process_time() - cpu, len(result.assignments)


def real(round, officer) -> tuple[float, float, float, int, AssignmentRun]:
    """The Job as an officer starts it: (wall, CPU here, CPU of the database backend, queries, run)."""
    PHASES.clear()
    reset_queries()
    server = backend_cpu()
    with CaptureQueriesContext(connection) as queries:
        started, cpu = time.perf_counter(), time.process_time()
        with transaction.atomic():
            run = services.start_auto_assignment(actor=officer, round_id=round.pk, seed=11)
        # on commit the job ran in-process: claim, run, completion
        elapsed, used = time.perf_counter() - started, time.process_time() - cpu
    return elapsed, used, backend_cpu() - server, len(queries), AssignmentRun.objects.get(pk=run.pk)


def workbook(run, officer) -> tuple[float, float, float, Job]:
    """The follow-up job as the officer starts it from the finished run: (wall, CPU here, CPU of the
    database backend, job)."""
    server = backend_cpu()
    started, cpu = time.perf_counter(), time.process_time()
    with transaction.atomic():
        job = services.start_run_workbook(actor=officer, run_id=run.pk)
    elapsed, used = time.perf_counter() - started, time.process_time() - cpu
    return elapsed, used, backend_cpu() - server, Job.objects.get(pk=job.pk)


def main(repeats: int) -> None:
    round = scale_data.existing_round()
    if round is None:
        sys.exit("No scale round: run manage.py seed_scale --no-assignments first.")
    waiting = round.projects.filter(state="under_review").count()
    officer = User.objects.get(username=f"{scale_data.USER_PREFIX}officer")
    print(f"round {round.code}: {round.projects.count()} projects, {waiting} under review, "
          f"{round.experts_per_project} per panel, cap {round.max_load_per_expert}; {connection.vendor}")
    floors, reals, run_only, books = [], [], [], []
    for i in range(repeats):
        clean(round)
        read, pure, pure_cpu, n = floor(round)
        elapsed, used, server, n_queries, run = real(round, officer)
        job = Job.objects.get(pk=run.job_id)
        phases = dict(PHASES)
        book_wall, book_cpu, book_db, book_job = workbook(run, officer)
        notices = phases.get("notifications (inside run)", (0.0, 0.0, 0.0))
        wall_run, cpu_run, db_run = phases["run (read, assign, write)"]
        writers_db = phases.get("writer threads", (0.0, 0.0, 0.0))[2]
        db_run += writers_db
        server += writers_db
        # what the officer waits for until the panels are there: the run without its notifications;
        # its CPU counts both processes (Python here, the PostgreSQL backend)
        run_wall, run_cpu = wall_run - notices[0], cpu_run - notices[1] + db_run - notices[2]
        floors.append((pure, pure_cpu))
        reals.append((elapsed, used + server))
        run_only.append((run_wall, run_cpu))
        shown = ", ".join(f"{k} {w:.2f} s ({c:.2f} s CPU + {d:.2f} s in PostgreSQL)" for k, (w, c, d) in phases.items())
        print(f"#{i + 1}: FLOOR pure assign {pure:.2f} s wall, {pure_cpu:.2f} s CPU ({n} pairs; reading its inputs "
              f"{read:.2f} s)\n    RUN (read, assign, write, progress) {run_wall:.2f} s wall = {run_wall / pure:.1f}×, "
              f"{run_cpu:.2f} s CPU (both processes) = {run_cpu / pure_cpu:.1f}×\n    whole JOB {elapsed:.2f} s wall = {elapsed / pure:.1f}×, "
              f"CPU {used:.2f} s here + {server:.2f} s in PostgreSQL = {(used + server) / pure_cpu:.1f}×\n"
              f"    phases: {shown}\n    {n_queries} queries (COPY included); run {run.state}, {run.created} seats, "
              f"job {job.state} {job.progress_done}/{job.progress_total}; load average {os.getloadavg()[0]:.1f}\n"
              f"    follow-up RESULT WORKBOOK job {book_wall:.2f} s wall, {book_cpu + book_db:.2f} s CPU "
              f"({book_cpu:.2f} s here + {book_db:.2f} s in PostgreSQL); job {book_job.state}, "
              f"{book_job.result.size if book_job.result else 0} bytes")
        books.append((book_wall, book_cpu + book_db))
    med = statistics.median
    pairs = [(r[0] / f[0], r[1] / f[1]) for f, r in zip(floors, run_only, strict=True)]
    print(f"median of each repeat's ratio: run {med(w for w, _ in pairs):.2f}× wall, {med(c for _, c in pairs):.2f}× CPU "
          f"(repeats: {', '.join(f'{w:.2f}' for w, _ in pairs)})")
    f_wall, f_cpu = med(x for x, _ in floors), med(y for _, y in floors)
    r_wall, r_cpu = med(x for x, _ in run_only), med(y for _, y in run_only)
    j_wall, j_cpu = med(x for x, _ in reals), med(y for _, y in reals)
    print(f"median of {repeats}: floor (pure) {f_wall:.2f} s wall / {f_cpu:.2f} s CPU; run {r_wall:.2f} s / "
          f"{r_cpu:.2f} s CPU = {r_wall / f_wall:.2f}× wall, {r_cpu / f_cpu:.2f}× CPU; whole job {j_wall:.2f} s / "
          f"{j_cpu:.2f} s CPU (both processes) = {j_wall / f_wall:.2f}× wall, {j_cpu / f_cpu:.2f}× CPU; "
          f"then the result workbook job {med(x for x, _ in books):.2f} s / {med(y for _, y in books):.2f} s CPU; "
          f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
