"""On PostgreSQL an automatic run writes its chunks from two connections side by side. The result is
the serial one: every panel filled once, one audit row per changed project, progress to the end;
a run interrupted half-way and delivered again writes nothing twice; a run marked failed meanwhile
stops; a writer's error reaches the job."""

import threading
from unittest import mock

import pytest
from django.db import connection, transaction

from projects.models import ProjectEvent
from reviewers import seat_counts, services
from reviewers.models import Assignment, AssignmentRun, RunState
from tools import scale_data

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: the writers are connections of their own, outside any test transaction",
    ),
    pytest.mark.django_db(transaction=True),
]


def _round(projects: int) -> scale_data.ScaleBuilder:
    scale_data.remove_scale_round()
    builder = scale_data.ScaleBuilder(experts=12, seed=3, no_assignments=True)
    with transaction.atomic():
        builder.create_round()
        builder.add_projects(projects)
    return builder


def _start(builder, seed: int = 1) -> AssignmentRun:
    """The run's record and job, its job not sent (here the test runs the run, with its own options)."""
    with mock.patch("documents.services.dispatch_job"):
        return services.start_auto_assignment(actor=builder.people.officer, round_id=builder.round.pk, seed=seed)


def _seats(run) -> list[tuple[int, int]]:
    return list(Assignment.objects.filter(run=run).values_list("project_id", "expert_id"))


def test_side_by_side_writers_write_what_the_serial_path_writes():
    builder = _round(40)
    serial = services.run_auto_assignment(run_id=_start(builder).pk, chunk=10, writers=1)
    serial_seats = sorted(_seats(serial))
    assert seat_counts.drift(builder.round) == (0, [])
    Assignment.objects.filter(run=serial).delete()
    ProjectEvent.objects.filter(action="auto_assign").delete()
    seat_counts.rebuild_round(builder.round)  # the seats were deleted past the services
    run, seen = _start(builder), []
    with mock.patch.object(services, "_Writers", wraps=services._Writers) as writers:
        run = services.run_auto_assignment(
            run_id=run.pk, chunk=10, writers=2, progress=lambda done, total: seen.append((done, total))
        )
    assert writers.call_args.kwargs["side_by_side"] and run.state == RunState.DONE and run.created == 200
    assert sorted(_seats(run)) == serial_seats  # same seed, same panels
    assert seen[0] == (0, 40) and seen[-1] == (40, 40) and [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert len(seen) == 5
    _one_audit_row_per_project(run, 40)
    assert seat_counts.drift(builder.round) == (0, [])  # both writers counted their chunks' seats


def _one_audit_row_per_project(run, projects: int) -> None:
    events = ProjectEvent.objects.filter(action="auto_assign", data__run=run.pk)
    assert events.count() == projects and events.values("project_id").distinct().count() == projects


def test_an_interrupted_run_delivered_again_writes_nothing_twice():
    builder = _round(40)
    run = _start(builder)

    def crash(done, total):
        if done >= 20:
            raise RuntimeError("worker lost")

    with pytest.raises(RuntimeError):  # one writer: it stops exactly after its second chunk
        services.run_auto_assignment(run_id=run.pk, chunk=10, writers=1, progress=crash)
    run.refresh_from_db()
    assert run.state == RunState.PENDING and Assignment.objects.filter(run=run).count() == 100
    run = services.run_auto_assignment(run_id=run.pk, chunk=10, writers=2)
    assert run.state == RunState.DONE and run.created == 200 and len(set(_seats(run))) == 200
    _one_audit_row_per_project(run, 40)
    assert seat_counts.drift(builder.round) == (0, [])  # the chunks written before the crash counted once


def test_a_run_marked_failed_meanwhile_stops_and_a_writer_error_is_raised():
    builder = _round(40)
    run = _start(builder)

    def fail_it(done, total):
        if done:
            services.mark_run_failed(run_id=run.pk, error="stopped by hand")

    stopped = services.run_auto_assignment(run_id=run.pk, chunk=10, writers=2, progress=fail_it)
    # Never marked done: the writers stop at their next chunk (with chunks this small they may all be
    # through already), and the run's last step finds it failed.
    assert stopped.state == RunState.FAILED and stopped.error == "stopped by hand" and stopped.created == 0

    other = _start(builder, seed=2)
    threads = threading.active_count()

    def lost(done, total):
        if done:
            raise RuntimeError("job lost")

    with pytest.raises(RuntimeError, match="job lost"):
        services.run_auto_assignment(run_id=other.pk, chunk=10, writers=2, progress=lost)
    assert threading.active_count() == threads  # the writers were waited for

    with (
        mock.patch.object(services, "_insert_seats", side_effect=ValueError("disk full")),
        pytest.raises(ValueError, match="disk full"),
    ):
        services.run_auto_assignment(run_id=other.pk, chunk=10, writers=2)
    assert AssignmentRun.objects.get(pk=other.pk).state == RunState.PENDING
    assert threading.active_count() == threads
