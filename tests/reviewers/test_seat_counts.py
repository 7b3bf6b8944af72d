"""Stored seat counts (issue 18): after any sequence of real service calls that write seats (assign by
hand, automatic run, remove, declare with or without a conflict and the replacement that follows, a
conflict found later, draft, submit, reopen, revise in the discussion) the stored counts equal a fresh
recompute from the seats; the progress board's round totals and the round settings page's score sheets
read from them equal the figures the old whole-round queries gave; the rebuild command's --verify fails
on a tampered count and the rebuild repairs it."""
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Avg, Count, F, Q
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from core.errors import DomainError
from grants.usage import usage_of
from projects.states import State
from reviewers import board, discussion, panel_policy, seat_counts, services
from reviewers.aggregate_models import SeatCounts
from reviewers.models import Assignment, AssignmentState
from tests.builders import World
from tests.factories import ExpertFactory
from tests.reviewers.helpers import review, scores_for

pytestmark = pytest.mark.django_db(transaction=False)
A = AssignmentState


def truth(round) -> dict:
    """The figures as the pages computed them before the stored counts: whole-round queries over the seats."""
    seats = Assignment.objects.filter(project__round=round).exclude(state=A.RECUSED)
    totals = seats.aggregate(assigned=Count("id"), submitted=Count("id", filter=Q(state=A.SUBMITTED)),
                             drafted=Count("id", filter=Q(state=A.ACCEPTED, draft_saved_at__isnull=False)))
    score_sheets = round.projects.filter(assignments__total__isnull=False).values("assignments").count()
    return totals | {"scores": score_sheets}


def truth_rows(round) -> dict:
    """The board's per-expert figures as the old query over the seats gave them."""
    seats = Assignment.objects.filter(project__round=round).exclude(state=A.RECUSED)
    return {r["expert_id"]: (r["assigned"], r["submitted"], r["drafted"],
                             Decimal(r["average"]).quantize(Decimal("0.01"), ROUND_HALF_UP) if r["average"] is not None else None)
            for r in seats.values("expert_id").annotate(
                assigned=Count("id"), submitted=Count("id", filter=Q(state=A.SUBMITTED)),
                drafted=Count("id", filter=Q(state=A.ACCEPTED, draft_saved_at__isnull=False)),
                average=Avg("total", filter=Q(state=A.SUBMITTED)))}


def assert_counts_are_the_truth(round):
    assert seat_counts.drift(round) == (0, [])
    want = truth(round)
    page, rows, totals = board.board_page(round, 1)
    shown = {r.expert.pk: (r.assigned, r.submitted, r.drafted, r.average) for r in rows if r.assigned}
    assert shown == truth_rows(round)
    assert [r.expert for r in rows] == list(page.object_list)
    assert {k: totals[k] for k in ("assigned", "submitted", "drafted")} == {k: want[k] for k in ("assigned", "submitted", "drafted")}
    assert usage_of(round).scores == want["scores"]


def attempt(call, *args, **kwargs):
    """A service call that may be refused (a refusal writes nothing, which the invariant checks too)."""
    try:
        with transaction.atomic():
            return call(*args, **kwargs)
    except DomainError:
        return None


class SeatsMachine(RuleBasedStateMachine):
    @initialize()
    def round_with_three_projects_and_five_experts(self):
        self.world = World()
        round = self.world.round
        round.experts_per_project = 2
        round.max_load_per_expert = 10
        round.save()
        self.world.expert.active = False  # the builder's expert stays out of this round
        self.world.expert.save()
        self.projects = []
        for i in range(3):
            org, member = self.world.new_org()
            self.projects.append(self.world.advance(self.world.draft(org, member, title=f"项目{i}"), State.UNDER_REVIEW))
        self.experts = [ExpertFactory() for _ in range(5)]
        panel_policy.save_policy(actor=self.world.officer, round_id=round.pk,
                                 values={"peers_see_scores": True,
                                         "discussion_until": timezone.localdate() + timedelta(days=5)})

    def _seat(self, i: int) -> Assignment | None:
        seats = list(Assignment.objects.filter(project__round=self.world.round).order_by("pk"))
        return seats[i % len(seats)] if seats else None

    @rule(p=st.integers(0, 2), e=st.integers(0, 4))
    def assign_by_hand(self, p, e):
        attempt(services.assign_expert, actor=self.world.officer, project=self.projects[p], expert=self.experts[e])

    @rule(seed=st.integers(0, 3))
    def automatic_run(self, seed):
        run = attempt(services.start_auto_assignment, actor=self.world.officer, round_id=self.world.round.pk, seed=seed)
        if run is not None:  # the job, run here (its on-commit start does not fire inside the test's transaction)
            services.run_auto_assignment(run_id=run.pk)

    @rule(i=st.integers(0, 20))
    def remove(self, i):
        if (a := self._seat(i)) is not None:
            attempt(services.remove_assignment, actor=self.world.officer, assignment_id=a.pk, reason="调整")

    @rule(i=st.integers(0, 20), conflict=st.booleans())
    def declare(self, i, conflict):
        if (a := self._seat(i)) is not None:
            attempt(services.declare, actor=a.expert.user, assignment_id=a.pk, has_conflict=conflict,
                    note="曾任理事" if conflict else "")

    @rule(i=st.integers(0, 20))
    def conflict_found_later(self, i):
        if (a := self._seat(i)) is not None:
            attempt(services.recuse_for_conflict, self.world.officer, expert_id=a.expert_id,
                    organization_id=a.project.organization_id, round_id=self.world.round.pk, why="后来发现的关联")

    @rule(i=st.integers(0, 20), total=st.sampled_from(["10", "35"]))
    def save_draft(self, i, total):
        if (a := self._seat(i)) is not None:
            attempt(services.save_draft, actor=a.expert.user, assignment_id=a.pk, scores={"need": total[:1]},
                    comment="草稿")

    @rule(i=st.integers(0, 20), total=st.sampled_from(["55", "83.5", "90"]))
    def submit(self, i, total):
        if (a := self._seat(i)) is not None:
            attempt(services.submit_review, actor=a.expert.user, assignment_id=a.pk, scores=scores_for(total),
                    comment="意见")

    @rule(i=st.integers(0, 20))
    def reopen(self, i):
        if (a := self._seat(i)) is not None:
            attempt(services.reopen_review, actor=self.world.officer, assignment_id=a.pk, reason="复核")

    @rule(i=st.integers(0, 20), total=st.sampled_from(["61", "77"]))
    def revise(self, i, total):
        if (a := self._seat(i)) is not None:
            attempt(discussion.revise, actor=a.expert.user, assignment_id=a.pk, scores=scores_for(total),
                    comment="讨论后修改", reason="讨论")

    @invariant()
    def the_counts_are_the_truth(self):
        if hasattr(self, "world"):
            assert_counts_are_the_truth(self.world.round)


def test_counts_equal_the_seats_after_every_step():
    run_state_machine_as_test(SeatsMachine, settings=settings(
        max_examples=12, stateful_step_count=25, deadline=None, derandomize=True, database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    ))


def test_every_kind_of_seat_is_counted(world, under_review, experts):
    """A draft with a total, a submitted review, a reopened one (keeps its total: a score sheet, not a
    submitted review), a recused seat and an untouched one."""
    panel = experts(4)
    project, other = under_review(2)
    submitted, reopened = review(world, project, panel[:2], ["80", "70"])
    services.reopen_review(actor=world.officer, assignment_id=reopened.pk, reason="复核")
    drafted = services.assign_expert(actor=world.officer, project=other, expert=panel[2])
    services.declare(actor=panel[2].user, assignment_id=drafted.pk, has_conflict=False)
    services.save_draft(actor=panel[2].user, assignment_id=drafted.pk, scores={"need": "15"}, comment="")
    untouched = services.assign_expert(actor=world.officer, project=other, expert=panel[3])
    assert seat_counts.stored(world.round) == {
        panel[0].pk: (1, 1, 0, 1), panel[1].pk: (1, 0, 0, 1), panel[2].pk: (1, 0, 1, 1), panel[3].pk: (1, 0, 0, 0)}
    assert seat_counts.round_totals(world.round) == {"seats": 4, "submitted": 1, "drafted": 1, "scored": 3}
    assert usage_of(world.round).scores == 3 == truth(world.round)["scores"]
    services.declare(actor=panel[3].user, assignment_id=untouched.pk, has_conflict=True, note="亲属任职")
    assert_counts_are_the_truth(world.round)
    assert seat_counts.stored(world.round).get(panel[3].pk) is None  # recused: counts nothing


def test_verify_finds_a_tampered_count_and_the_rebuild_repairs_it(world, under_review, experts, capsys):
    panel = experts(2)
    review(world, under_review(1)[0], panel, ["80", "70"])
    call_command("rebuild_review_aggregates", "--verify", "--round", str(world.round.pk))
    assert "0 drifting seat counts" in capsys.readouterr().out
    SeatCounts.objects.filter(round=world.round, expert=panel[0]).update(scored=F("scored") + 1)
    with pytest.raises(SystemExit) as exit:
        call_command("rebuild_review_aggregates", "--verify", "--round", str(world.round.pk))
    assert exit.value.code == 1
    assert f"1 drifting seat counts (experts {panel[0].pk})" in capsys.readouterr().out
    SeatCounts.objects.filter(round=world.round, expert=panel[1]).delete()  # a missing row is drift too
    with pytest.raises(SystemExit):
        call_command("rebuild_review_aggregates", "--verify", "--round", str(world.round.pk))
    capsys.readouterr()
    call_command("rebuild_review_aggregates", "--round", str(world.round.pk))
    call_command("rebuild_review_aggregates", "--verify", "--round", str(world.round.pk))
    assert "No drift." in capsys.readouterr().out
    assert_counts_are_the_truth(world.round)
