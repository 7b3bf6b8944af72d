"""The panel pages read only what they show (issue 18): fill-down reads the ranking from its first
decidable row until the proposal is complete, the oral defense page one page of candidates, the
评审汇总表 page its first rows. Each must give exactly what the whole ranking (stored_ranking.whole)
gave: the same proposal, fingerprint, positions and cells, on a round with ties, a funded, a rejected
and a waitlisted project, a shortlist with and without defense scores and a rating bonus."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from finance.commitments import round_money
from grants import services as grants_services
from grants.models import GrantRound
from projects import budget
from projects.models import BudgetLine, Project
from projects.states import State
from reviewers import defense, filldown, round_summary, services, stored_ranking
from reviewers.filldown_rules import CUT, FUND, RESERVE, Candidate, Line, Proposal
from reviewers.panel_models import DefenseSlot
from reviewers.panel_selectors import defense_slots, policy_for
from reviewers.rank_order import passed_over
from reviewers.views import panel_officer
from tests.reviewers.helpers import review
from tests.reviewers.test_panel_flow import set_policy

D = Decimal


def _old_propose(candidates, *, left, min_amount, reserve_count, allow_cut, cut_problems) -> Proposal:
    """reviewers.filldown_rules.propose as it was, reading every candidate."""
    proposal, remaining, funding = Proposal(left), left, True
    for c in candidates:
        if funding and c.requested <= remaining:
            proposal.lines.append(Line(c.project_id, c.position, FUND, c.requested, c.requested))
            remaining -= c.requested
            continue
        if funding:
            funding = False
            if allow_cut and remaining > 0 and remaining >= min_amount:
                amount = remaining.quantize(D("0.01"))
                proposal.lines.append(Line(c.project_id, c.position, CUT, amount, c.requested,
                                           tuple(cut_problems(c.project_id, amount))))
                remaining -= amount
                continue
        if len(proposal.reserve) < reserve_count:
            proposal.lines.append(Line(c.project_id, c.position, RESERVE, D("0.00"), c.requested))
        else:
            break
    return proposal


def _old_plan(round, ranked, left, policy):
    """The plan as the page built it from the whole ranking before issue 18."""
    candidates = [Candidate(row.project.pk, row.project.requested_amount, row.position)
                  for row in ranked.rows if row.decidable and row.score is not None]
    proposal = _old_propose(
        candidates, left=left, min_amount=round.min_amount, reserve_count=policy.reserve_count,
        allow_cut=policy.allow_cut, cut_problems=lambda pid, amount: budget.problems(
            round, BudgetLine.objects.filter(project_id=pid), amount, basis="核定"))
    pending = [row for row in ranked.rows if row.adjusted and row.adjusted.defense_pending and row.decidable]
    first = proposal.funded[0].project_id if proposal.funded else None
    states = {row.project.pk: row.project.state for row in ranked.rows}
    return filldown.Plan(proposal, states, pending), (passed_over(ranked, first) if first else []), candidates


@pytest.fixture
def varied(client, world, under_review, experts):
    """Eleven projects: funded, rejected, waitlisted, two tied, one with a rating bonus, one
    shortlisted with a defense score and one without, one still under review (no score)."""
    panel, judge = experts(3), experts(1)[0]
    org, member = world.new_org()
    rated = world.advance(world.draft(org, member, title="四A机构项目", grant_total="60000.00", labor="15000.00"),
                          State.UNDER_REVIEW)
    # the rating comes in after submission (the officer records it on the organization's page)
    org.rating, org.rating_valid_until = 4, date.today() + timedelta(days=400)
    grants_services.save_organization(actor=world.officer, organization=org)
    amounts = ["120000.00", "80000.00", "100000.00", "100000.00", "100000.00", "90000.00", "70000.00",
               "50000.00", "110000.00", "40000.00", "30000.00"]
    projects = []
    for i, amount in enumerate(amounts):
        o, m = world.new_org()
        projects.append(world.advance(world.draft(o, m, title=f"项目{i}", grant_total=amount, labor="15000.00"),
                                      State.UNDER_REVIEW))
    funded, rejected, top, tie_a, tie_b, shortlisted, pending, waitlisted, low, lower, unscored = projects
    for project, total in [(funded, "95"), (rejected, "93"), (top, "90"), (tie_a, "88"), (tie_b, "88"),
                           (rated, "85"), (shortlisted, "84"), (pending, "82"), (waitlisted, "80"), (low, "78"),
                           (lower, "75")]:
        review(world, project, panel, [total] * 3)
    services.assign_expert(actor=world.officer, project=unscored, expert=panel[0])  # no score yet
    set_policy(client, world, defense_weight="40", rating_mode="bonus", rating_bonus="2", reserve_count="3")
    defense.shortlist(actor=world.officer, round_id=world.round.pk, project_ids=[rejected.pk, shortlisted.pk, pending.pk])
    defense.add_panel_member(actor=world.officer, round_id=world.round.pk, expert_id=judge.pk)
    start = timezone.now() + timedelta(days=1)
    for n, (project, score) in enumerate([(rejected, "90"), (shortlisted, "70")]):
        slot = DefenseSlot.objects.get(project=project)
        defense.schedule(actor=world.officer, slot_id=slot.pk, starts_at=start + timedelta(hours=n), minutes=30)
        defense.enter_score(actor=judge.user, slot_id=slot.pk, score=score)
    services.decide(actor=world.officer, round_id=world.round.pk, decisions=[
        services.Decision(funded.pk, "approve", "120000.00", "按评审意见"),
        services.Decision(rejected.pk, "reject", "", "不予资助"),
        services.Decision(waitlisted.pk, "waitlist", "", "候补")])
    return {"funded": funded, "rejected": rejected, "pending": pending, "waitlisted": waitlisted, "tie": (tie_a, tie_b)}


def _compare(round, ranked, left, policy):
    old, old_passed, candidates = _old_plan(round, ranked, left, policy)
    new = filldown.plan(round, left=left, policy=policy)
    assert new.proposal.lines == old.proposal.lines
    assert new.proposal.left_before == old.proposal.left_before
    assert new.fingerprint == old.fingerprint
    whole_rows = {row.project.pk: row for row in ranked.rows}
    shown = filldown.shown_rows(round, new.proposal.lines)
    for line in new.proposal.lines:
        theirs = whole_rows[line.project_id]
        assert (line.position, new.states[line.project_id]) == (theirs.position, theirs.project.state)
        assert (shown[line.project_id].project.pk, shown[line.project_id].score) == (theirs.project.pk, theirs.score)
    assert [r.project.pk for r in new.pending_defense] == [r.project.pk for r in old.pending_defense]
    assert [p.pk for p in new.passed_over] == [r.project.pk for r in old_passed][:filldown.PASSED_OVER_SHOWN]
    assert new.passed_over_count == len(old_passed)
    return old, candidates


def _lefts(candidates, min_amount):
    """Money left at every boundary: nothing, exactly k projects, k projects and a cut, a remainder
    below the round's minimum, everything, and a pot already overspent."""
    sums, total = [], D("0.00")
    for c in candidates:
        total += c.requested
        sums.append(total)
    sums = sums[:2] + sums[-2:]  # the first and last boundaries are enough: the rest repeat them
    return sorted({D("0.00"), D("-1.00"), *sums, *(s + min_amount + D("0.50") for s in sums),
                   *(s + min_amount - D("0.01") for s in sums), total + D("1000000")})


def test_the_bounded_plan_is_the_whole_ranking_plan(client, world, varied, monkeypatch):
    round = GrantRound.objects.get(pk=world.round.pk)
    seen = {FUND: 0, CUT: 0, RESERVE: 0}
    for weight in ("40", "0"):  # with the defense tier and pending scores, then without
        set_policy(client, world, defense_weight=weight, rating_mode="bonus", rating_bonus="2", reserve_count="3")
        ranked = stored_ranking.whole(round)
        _old, candidates = _compare(round, ranked, round_money(round).left, policy_for(round))
        for chunk in (2, filldown.MAX_CHUNK):  # a few rows at a time, all at once
            monkeypatch.setattr(filldown, "MAX_CHUNK", chunk)
            monkeypatch.setattr(filldown, "FIRST_HINT", min(chunk, filldown.FIRST_HINT))
            for left in _lefts(candidates, round.min_amount):
                for reserve_count, allow_cut in [(0, True), (1, False), (3, True), (20, False)]:
                    policy = policy_for(round)
                    policy.reserve_count, policy.allow_cut = reserve_count, allow_cut
                    old, _ = _compare(round, ranked, left, policy)
                    for line in old.proposal.lines:
                        seen[line.kind] += 1
            monkeypatch.undo()
    assert all(seen.values())  # every kind of line was compared
    # the data has what the test is about
    scores = {row.project.pk: row.score for row in ranked.rows}
    tie_a, tie_b = varied["tie"]
    assert scores[tie_a.pk] == scores[tie_b.pk]
    assert Project.objects.get(pk=varied["waitlisted"].pk).state == State.WAITLISTED


def test_plan_lists_pending_defense_and_passed_over_like_the_whole_ranking(client, world, varied):
    round = GrantRound.objects.get(pk=world.round.pk)
    plan = filldown.plan(round, left=round_money(round).left, policy=policy_for(round))
    assert [r.project.pk for r in plan.pending_defense] == [varied["pending"].pk]
    set_policy(client, world, defense_weight="0", rating_mode="bonus", rating_bonus="2", reserve_count="3")
    plan = filldown.plan(round, left=round_money(round).left, policy=policy_for(round))
    assert [p.pk for p in plan.passed_over] == [varied["rejected"].pk] and plan.passed_over_count == 1
    page = client.get(reverse("reviewers:filldown", args=[round.pk])).content.decode()
    assert 'data-testid="passed-over"' in page and varied["rejected"].code in page


def test_defense_candidates_are_paged_in_rank_order_and_a_post_returns_to_its_page(
        client, world, varied, monkeypatch):
    monkeypatch.setattr(panel_officer, "CANDIDATES_PER_PAGE", 2)
    round = GrantRound.objects.get(pk=world.round.pk)
    shortlisted = {s.project_id for s in defense_slots(round)}
    expected = [(row.position, row.project.pk, row.written) for row in stored_ranking.whole(round).rows
                if row.decidable and row.project.pk not in shortlisted and row.score is not None]
    assert len(expected) > 4
    url = reverse("reviewers:defense", args=[round.pk])
    shown = []
    for number in range(1, 4):
        response = client.get(url, {"page": number})
        shown += [(row.position, row.project.pk, row.written) for row in response.context["candidates"]]
    assert shown == expected[:6]
    slots = dict(response.context["slots"])
    assert {slot.project_id for slot in slots} == shortlisted
    whole = {row.project.pk: row for row in stored_ranking.whole(round).rows}
    for slot, row in slots.items():
        assert (row.written, row.adjusted.defense, row.adjusted.blended) == (
            whole[slot.project_id].written, whole[slot.project_id].adjusted.defense,
            whole[slot.project_id].adjusted.blended)
    third = expected[4][1]
    response = client.post(url, {"action": "shortlist", "project": [str(third)], "page": "3"})
    assert response.status_code == 302 and response["Location"] == f"{url}?page=3"
    assert DefenseSlot.objects.filter(project_id=third).exists()
    response = client.post(url, {"action": "shortlist", "project": [str(expected[0][1])], "page": "1"})
    assert response["Location"] == url


def test_summary_page_shows_the_first_rows_of_the_whole_summary(client, world, varied, monkeypatch):
    round = GrantRound.objects.get(pk=world.round.pk)
    summary = round_summary.build(round)
    assert round_summary.count(round) == len(summary.ranking.rows)
    assert round_summary.first_rows(round, 4) == summary.rows[:4]
    assert round_summary.first_rows(round, round_summary.INLINE_LIMIT) == summary.rows
    url = reverse("reviewers:round_summary", args=[round.pk])
    assert client.get(url).context["rows"] == summary.rows
    monkeypatch.setattr(round_summary, "INLINE_LIMIT", 4)
    response = client.get(url)
    assert response.context["rows"] == summary.rows[:4] and response.context["large"]
    assert f"{len(summary.ranking.rows)}" in response.content.decode()


def test_candidate_positions_follow_the_rows_before_them(world, varied):
    """positions(): counted from the top, or continued from a row already placed."""
    round = GrantRound.objects.get(pk=world.round.pk)
    rows = stored_ranking.whole(round).rows
    keys = dict(stored_ranking.ranked(round).values_list("project_id", "rank_key"))
    picked = [rows[1], rows[4], rows[6]]
    assert stored_ranking.positions(round, [keys[r.project.pk] for r in picked]) == [2, 5, 7]
    assert stored_ranking.positions(round, [keys[rows[6].project.pk]],
                                    after=(keys[rows[4].project.pk], 5)) == [7]
    assert stored_ranking.positions(round, []) == []


def test_the_decidable_index_covers_exactly_the_decidable_states():
    """The partial index fill-down and the shortlist read is declared with literal states: it must
    stay the set the code decides on, or the planner falls back to walking every decided row."""
    from reviewers.aggregate_models import ReviewAggregate
    from reviewers.ranking import DECIDABLE

    index = next(i for i in ReviewAggregate._meta.indexes if i.name == "review_agg_decidable")
    condition = dict(index.condition.children)
    assert set(condition["state__in"]) == {str(s) for s in DECIDABLE} and condition["final__isnull"] is False
