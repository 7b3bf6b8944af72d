"""An automatic run reads its inputs and writes its seats in a number of queries that does not grow
with the round (only with the number of chunks), and the bulk writer keeps every value intact
(PostgreSQL COPY on the PostgreSQL pass, bulk_create on SQLite)."""
import gc

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from accounts.models import Notification
from core import bulk
from projects.models import REVIEW_INTERNAL_ACTIONS, Project, ProjectEvent
from reviewers import notifications, services
from reviewers.models import Assignment, AssignmentRun, AssignmentState, Expert
from tests.factories import ExpertFactory
from tools import scale_data


def _round(projects: int, experts: int = 12, chunk: int = scale_data.CHUNK) -> scale_data.ScaleBuilder:
    """A round whose projects all wait under review without a panel (seed_scale --no-assignments)."""
    scale_data.remove_scale_round()
    builder = scale_data.ScaleBuilder(experts=experts, seed=3, no_assignments=True, chunk=chunk)
    with transaction.atomic():
        builder.create_round()
        builder.add_projects(projects)
    return builder


def _queries_of_a_run(projects: int, **options) -> tuple[int, list, int]:
    """(queries, progress reports, seats written). On SQLite, bulk_create splits its INSERTs at 999
    parameters (a statement per ~80 seats), so those are left out of the count there; on PostgreSQL
    every statement counts, the two COPYs of each chunk included."""
    builder = _round(projects)
    run = services.start_auto_assignment(actor=builder.people.officer, round_id=builder.round.pk, seed=1)
    seen = []
    with CaptureQueriesContext(connection) as queries:
        run = services.run_auto_assignment(run_id=run.pk, progress=lambda done, total: seen.append((done, total)),
                                           **options)
    assert run.state == "done"
    sent = [q["sql"] for q in queries.captured_queries]
    if connection.vendor != "postgresql":
        sent = [sql for sql in sent if not sql.startswith("INSERT INTO")]
    return len(sent), seen, run.created


@pytest.mark.django_db
def test_the_queries_of_a_run_do_not_grow_with_the_round():
    few, few_progress, few_created = _queries_of_a_run(10)
    many, many_progress, many_created = _queries_of_a_run(40)
    assert (few_created, many_created) == (50, 200)  # every panel full: the runs did write 5 seats per project
    assert few_progress == [(0, 10), (10, 10)] and many_progress == [(0, 40), (40, 40)]
    assert many == few


@pytest.mark.django_db
def test_more_chunks_cost_a_fixed_number_of_queries_each_and_move_the_progress():
    one, _, _ = _queries_of_a_run(40, chunk=40)
    four, progress, created = _queries_of_a_run(40, chunk=10)
    assert progress == [(0, 40), (10, 40), (20, 40), (30, 40), (40, 40)] and created == 200
    # Per chunk: the run's lock, the chunk's projects, experts and seats already there, the writes and the
    # experts' seat counts; the same number for every chunk.
    assert (four - one) % 3 == 0 and 0 < (four - one) // 3 <= 7


@pytest.mark.django_db
def test_a_run_keeps_the_trail_per_project_and_writes_nothing_twice():
    builder = _round(6)
    run = services.start_auto_assignment(actor=builder.people.officer, round_id=builder.round.pk, seed=2)
    run = services.run_auto_assignment(run_id=run.pk, chunk=4)
    seats = list(Assignment.objects.filter(run=run).values_list("project_id", "expert_id", "state", "scores"))
    assert len(seats) == 30 and {s[2] for s in seats} == {AssignmentState.ASSIGNED} and {str(s[3]) for s in seats} == {"{}"}
    events = ProjectEvent.objects.filter(action="auto_assign", data__run=run.pk)
    assert events.count() == 6 and all(e.actor == builder.people.officer for e in events)
    event = events.first()
    panel = sorted(e for p, e, _, _ in seats if p == event.project_id)
    assert sorted(event.data["experts"]) == panel and event.comment.startswith("自动分配评审专家：")
    # The same run delivered again writes nothing more.
    services.run_auto_assignment(run_id=run.pk)
    assert Assignment.objects.filter(run=run).count() == 30


@pytest.mark.django_db
def test_bulk_rows_keep_awkward_values(world):
    project = world.draft(*world.new_org())
    comment = "tab\there\nnew line\\back slash \\N 引号\"'"
    data = {"text": "a\tb\nc\\d", "list": [1, None, "二"], "nested": {"x": True}}
    assert bulk.insert_rows(ProjectEvent, ["project_id", "actor_id", "action", "comment", "data"],
                            [(project.pk, None, "bulk_probe", comment, data),
                             (project.pk, world.officer.pk, "bulk_probe", "", {})]) == 2
    rows = list(ProjectEvent.objects.filter(action="bulk_probe").order_by("id").values_list(
        "actor_id", "comment", "data", "from_state", "at"))
    assert rows[0][:4] == (None, comment, data, "") and rows[1][:3] == (world.officer.pk, "", {})
    assert rows[0][4] is not None and rows[1][4] is not None  # auto_now_add
    assert Project.objects.get(pk=project.pk).events.filter(action="bulk_probe").count() == 2


@pytest.mark.django_db
def test_bulk_rows_of_keys_only_and_with_a_null_key(world):
    """Rows of integers go through the one-format-string path; a None among them takes the general one."""
    project = world.draft(*world.new_org())
    run = services.start_auto_assignment(actor=world.officer, round_id=project.round_id, seed=1)
    assert bulk.insert_rows(Assignment, ["project_id", "expert_id", "run_id"], [(project.pk, world.expert.pk, run.pk)]) == 1
    second = ExpertFactory()
    assert bulk.insert_rows(Assignment, ["project_id", "expert_id", "run_id"], [(project.pk, second.pk, None)]) == 1
    seats = dict(Assignment.objects.filter(project=project).values_list("expert_id", "run_id"))
    assert seats == {world.expert.pk: run.pk, second.pk: None}
    assert Assignment.objects.get(project=project, expert=world.expert).state == AssignmentState.ASSIGNED


@pytest.mark.django_db
def test_deleting_a_run_keeps_its_seats_and_clears_their_run():
    """The seats' run has no database constraint (its writer holds the run's row lock); Django's
    on_delete still sets it to None when a run is deleted."""
    builder = _round(4)
    run = services.start_auto_assignment(actor=builder.people.officer, round_id=builder.round.pk, seed=1)
    run = services.run_auto_assignment(run_id=run.pk)
    assert Assignment.objects.filter(run=run).count() == 20
    run.delete()
    assert Assignment.objects.filter(project__round=builder.round).count() == 20
    assert not Assignment.objects.filter(project__round=builder.round, run__isnull=False).exists()


@pytest.mark.django_db
def test_a_round_built_in_chunks_has_room_for_every_panel():
    builder = _round(40, chunk=10)
    run = services.start_auto_assignment(actor=builder.people.officer, round_id=builder.round.pk, seed=1)
    run = services.run_auto_assignment(run_id=run.pk)
    assert run.created == 200 and run.unstaffed == []


def _notice(experts: int, capture, outbox) -> tuple[int, int, int]:
    """(queries, notifications, e-mails) of the run notice for a round with this many experts."""
    builder = _round(24, experts=experts)
    run = services.start_auto_assignment(actor=builder.people.officer, round_id=builder.round.pk, seed=1)
    run = services.run_auto_assignment(run_id=run.pk)
    outbox.clear()
    with CaptureQueriesContext(connection) as queries, capture(execute=True) as callbacks:
        notifications._run_assigned(run.pk)
    told = Notification.objects.filter(key=f"run:{run.pk}:assigned")
    assert told.count() == len(set(Assignment.objects.filter(run=run).values_list("expert_id", flat=True)))
    assert len(callbacks) == 1  # one queued mail task for everyone
    assert all(len(mail.to) == 1 for mail in outbox)  # each e-mail to one person: nobody sees who else was told
    sent = len(outbox)
    # Delivered again: nobody is told twice, no e-mail goes out again.
    with capture(execute=True) as again:
        notifications._run_assigned(run.pk)
    assert told.count() == experts and not again and len(outbox) == sent
    return len(queries.captured_queries), told.count(), sent


@pytest.mark.django_db
def test_the_run_notice_tells_each_expert_once_in_queries_that_do_not_grow(django_capture_on_commit_callbacks,
                                                                            mailoutbox):
    few = _notice(6, django_capture_on_commit_callbacks, mailoutbox)
    many = _notice(24, django_capture_on_commit_callbacks, mailoutbox)
    assert few[1:] == (6, 6) and many[1:] == (24, 24)  # one notification and one e-mail per expert
    assert few[0] == many[0]


@pytest.mark.django_db
def test_a_chunk_seats_only_projects_of_the_round_and_experts_that_are_there(world):
    """A seat's project and expert have no database constraint (reviewers/0010): a chunk reads (on
    PostgreSQL: locks) the rows it seats, and what it finds already seated, in one look-up."""
    builder = _round(4)
    ids = list(builder.round.projects.order_by("pk").values_list("pk", flat=True))
    elsewhere = world.draft(*world.new_org())  # another round's project, after the round's ids
    run = services.start_auto_assignment(actor=builder.people.officer, round_id=builder.round.pk, seed=1)
    run = services.run_auto_assignment(run_id=run.pk, chunk=2)
    seated = set(Assignment.objects.filter(project_id__in=ids).values_list("project_id", "expert_id"))
    pool = {e for _, e in seated}
    missing = max(pool) + 1000
    state = services._chunk_state(builder.round.pk, [*ids, elsewhere.pk], pool | {missing})
    assert state.projects == set(ids) and state.experts == pool
    assert state.taken == seated and len(seated) == 20


@pytest.mark.django_db
def test_the_cyclic_garbage_collector_waits_during_a_run_and_resumes_after_it(monkeypatch):
    builder = _round(4)
    run = services.start_auto_assignment(actor=builder.people.officer, round_id=builder.round.pk, seed=1)
    held = []
    real_assign = services.assign

    def assign(*args, **kwargs):
        held.append(not gc.isenabled())
        return real_assign(*args, **kwargs)

    monkeypatch.setattr(services, "assign", assign)
    assert gc.isenabled()
    assert services.run_auto_assignment(run_id=run.pk).state == "done"
    assert held == [True] and gc.isenabled()


@pytest.mark.django_db
def test_the_planner_statistics_of_named_columns_are_renewed():
    builder = _round(4)
    run = services.start_auto_assignment(actor=builder.people.officer, round_id=builder.round.pk, seed=1)
    services.run_auto_assignment(run_id=run.pk)
    bulk.refresh_statistics(Assignment, ["project", "expert", "run", "state"])  # nothing on SQLite
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT attname FROM pg_stats WHERE tablename = 'reviewers_assignment'")
            assert {"project_id", "expert_id", "run_id", "state"} <= {name for name, in cursor.fetchall()}


@pytest.mark.django_db
def test_the_run_writes_awkward_names_and_no_actor_intact():
    """The run's own COPY text (core.bulk.Lines on PostgreSQL) escapes what it must."""
    builder = _round(2)
    Expert.objects.update(name="王\t五\\N\n")
    run = services.start_auto_assignment(actor=builder.people.officer, round_id=builder.round.pk, seed=1)
    AssignmentRun.objects.filter(pk=run.pk).update(requested_by=None)
    run = services.run_auto_assignment(run_id=run.pk)
    events = list(ProjectEvent.objects.filter(action="auto_assign", data__run=run.pk).values_list(
        "actor_id", "comment", "data"))
    assert len(events) == 2 and run.created == 10
    for actor, comment, data in events:
        assert actor is None and comment == "自动分配评审专家：" + "、".join(["王\t五\\N\n"] * 5)
        assert data == {"run": run.pk, "seed": 1, "experts": data["experts"]} and len(data["experts"]) == 5


@pytest.mark.django_db
def test_seats_the_balancing_pass_moved_after_they_were_written_are_moved_in_the_database(monkeypatch):
    """The run writes each chunk while the assignment goes on computing; the final balancing pass may
    then move a seat already written. Here the first pass is made to hand over one different expert
    for two projects (as if the balancing pass had moved them): the run moves those seats, leaves an
    audit row for each move and keeps the experts' counts, and the panels end as the result says. A
    seat someone touched meanwhile stays."""
    from reviewers import seat_counts

    builder = _round(6)
    run = services.start_auto_assignment(actor=builder.people.officer, round_id=builder.round.pk, seed=1)
    real_assign = services.assign
    experts = sorted(Expert.objects.values_list("pk", flat=True))
    swapped: dict[int, tuple[int, int]] = {}

    def assign(*args, staffed, **kwargs):
        result = real_assign(*args, **kwargs)
        final: dict[int, list[int]] = {}
        for p, e in result.assignments:
            final.setdefault(p, []).append(e)
        handed = []
        for p, added in final.items():
            if len(swapped) < 2:
                stand_in = next(e for e in experts if e not in added)
                swapped[p] = (stand_in, added[0])
                added = [stand_in, *added[1:]]
            handed.append((p, tuple(added)))
        staffed(handed[:3])
        staffed(handed[3:])
        return result._replace(rebalanced=frozenset(swapped))

    monkeypatch.setattr(services, "assign", assign)
    touched: list[int] = []
    real_balance = services._balance

    def balance(run, handed, result, names):
        # an expert saves a draft on the second moved seat before the run moves it
        p = sorted(swapped)[1]
        Assignment.objects.filter(project_id=p, expert_id=swapped[p][0]).update(version=1)
        touched.append(p)
        return real_balance(run, handed, result, names)

    monkeypatch.setattr(services, "_balance", balance)
    run = services.run_auto_assignment(run_id=run.pk, chunk=3)
    assert run.state == "done" and run.created == 30 and run.stats["moved"] == 1  # the job page reports it
    first, second = sorted(swapped)
    seats = set(Assignment.objects.filter(run=run).values_list("project_id", "expert_id"))
    assert (first, swapped[first][1]) in seats and (first, swapped[first][0]) not in seats
    assert (second, swapped[second][0]) in seats and touched == [second]  # touched: not moved
    moved = list(ProjectEvent.objects.filter(action="auto_assign_balance").values_list("project_id", "comment", "data"))
    names = dict(Expert.objects.values_list("pk", "name"))
    assert moved == [(first, f"自动分配均衡评审负荷：{names[swapped[first][0]]}改为{names[swapped[first][1]]}",
                      {"run": run.pk, "seed": 1, "from": swapped[first][0], "to": swapped[first][1]})]
    assert seat_counts.drift(builder.round) == (0, [])
    # staff see it labelled on the timeline; the applicant never sees it (it names reviewers)
    with translation.override("zh-hans"):
        assert ProjectEvent(action="auto_assign_balance").action_label == "自动分配均衡评审负荷"
    assert "auto_assign_balance" in REVIEW_INTERNAL_ACTIONS
