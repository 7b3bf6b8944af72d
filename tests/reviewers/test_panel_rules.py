"""Pure rules of the panel's second half, without the database: the blend, preferences, the ranked
score, defense score checks, slot overlaps and fill-down to the pot."""
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from reviewers import panel_rules as r
from reviewers.aggregation import RankEntry, rank
from reviewers.defense import overlap_problems
from reviewers.filldown_rules import CUT, FUND, RESERVE, Candidate, propose

D = Decimal


def test_blend_is_exact_and_rounded_once():
    assert r.blend(D("80"), D("90"), D("40")) == D("84.00")
    assert r.blend(D("80.33"), D("91.67"), D("30")) == D("83.73")  # 56.231 + 27.501 = 83.732
    assert r.blend(D("70.01"), D("70.02"), D("50")) == D("70.02")  # 70.015 half up
    assert r.blend(D("80"), None, D("40")) == D("80")
    assert r.blend(D("80"), D("90"), D("0")) == D("80")
    assert r.blend(None, D("90"), D("40")) is None
    assert r.blend(D("80"), D("90"), D("100")) == D("90.00")


@given(st.decimals(min_value=0, max_value=100, places=2), st.decimals(min_value=0, max_value=100, places=2),
       st.decimals(min_value=0, max_value=100, places=2))
def test_blend_lies_between_the_two_scores(written, defense, weight):
    blended = r.blend(written, defense, weight)
    assert min(written, defense) - D("0.01") <= blended <= max(written, defense) + D("0.01")


def test_defense_score_is_the_panel_mean():
    assert r.defense_score([D("80"), D("85"), D("90.5")]) == D("85.17")
    assert r.defense_score([]) is None


POLICY = r.Policy(defense_weight=D("40"), rating_mode=r.BONUS, rating_min=3, rating_bonus=D("2"),
                  excellent_mode=r.TIEBREAK, excellent_lookback_years=3)


def test_rating_preference_needs_the_minimum_and_a_valid_rating():
    on = date(2026, 5, 31)
    four_a = r.OrgFacts(rating=4, rating_valid_until=date(2028, 1, 1))
    [pref] = r.preferences(POLICY, four_a, on, 2026)
    assert (pref.kind, pref.mode, pref.points) == ("rating", r.BONUS, D("2"))
    assert "评估等级4A" in pref.source and "2028-01-01" in pref.source
    assert r.preferences(POLICY, r.OrgFacts(rating=2, rating_valid_until=date(2028, 1, 1)), on, 2026) == []
    assert r.preferences(POLICY, r.OrgFacts(rating=5, rating_valid_until=date(2026, 5, 30)), on, 2026) == []
    assert r.preferences(r.Policy(), four_a, on, 2026) == []  # off


def test_excellent_preference_looks_back_the_set_years():
    org = r.OrgFacts(excellent=(("WZ2021-003", "2021年创投", 2021), ("WZ2024-010", "2024年创投", 2024)))
    [pref] = r.preferences(POLICY, org, date(2026, 5, 31), 2026)
    assert pref.kind == "excellent" and "WZ2024-010" in pref.source and pref.mode == r.TIEBREAK
    old = r.OrgFacts(excellent=(("WZ2021-003", "2021年创投", 2021),))
    assert r.preferences(POLICY, old, date(2026, 5, 31), 2026) == []


def test_adjust_blends_shortlisted_adds_bonus_and_tiers():
    facts = r.PanelFacts(POLICY, frozenset({1, 2}), {1: [D("90"), D("94")]},
                         {1: [r.Preference("rating", "评估等级4A", r.BONUS, D("2"))],
                          3: [r.Preference("excellent", "往期优秀", r.TIEBREAK)]})
    one = r.adjust(facts, 1, D("80"))
    assert (one.defense, one.blended, one.final, one.tier) == (D("92.00"), D("84.80"), D("86.80"), 0)
    two = r.adjust(facts, 2, D("85"))
    assert two.defense_pending and two.final == D("85") and two.tier == 0
    three = r.adjust(facts, 3, D("99"))
    assert three.tier == 1 and three.preferred == 1 and three.final == D("99.00")
    assert r.adjust(None, 4, D("70")).final == D("70")


def test_ranking_puts_the_shortlist_first_and_tiebreak_before_criteria():
    entries = [
        RankEntry(1, D("99"), (), D("100"), 1, tier=1),
        RankEntry(2, D("80"), (D("20"),), D("100"), 2, tier=0),
        RankEntry(3, D("80"), (D("10"),), D("100"), 3, tier=0, preferred=1),
    ]
    assert [e.project_id for e in rank(entries)] == [3, 2, 1]


def test_defense_score_problems_in_chinese():
    assert r.defense_score_problems("88.5") == []
    assert r.defense_score_problems("abc")[0].code == "defense.number"
    assert r.defense_score_problems("101")[0].code == "defense.range"
    assert r.defense_score_problems("NaN")[0].code == "defense.range"
    assert r.defense_score_problems("88.555")[0].code == "defense.places"


def test_policy_problems():
    assert r.policy_problems(POLICY, 5) == []
    bad = r.Policy(defense_weight=D("120"), rating_mode=r.BONUS, rating_bonus=D("0"))
    assert {p.code for p in r.policy_problems(bad, 500)} == {"policy.weight", "policy.bonus", "policy.reserve"}


def test_slots_may_not_overlap():
    t = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    slots = [(1, t, 15), (2, None, 15)]
    assert overlap_problems(slots, 3, t + timedelta(minutes=15), 15) == []
    assert overlap_problems(slots, 3, t + timedelta(minutes=10), 15)[0].code == "defense.overlap"
    assert overlap_problems(slots, 1, t, 30) == []  # itself


def cands(*amounts):
    return [Candidate(i + 1, D(a), i + 1) for i, a in enumerate(amounts)]


def test_filldown_funds_in_order_cuts_the_last_and_lists_reserves():
    p = propose(cands("100000", "80000", "90000", "50000", "60000", "70000"), left=D("250000"),
                min_amount=D("10000"), reserve_count=2, allow_cut=True,
                cut_problems=lambda pid, amount: ["劳务费超过50%"] if pid == 3 else [])
    assert [(x.project_id, x.kind, x.amount) for x in p.lines] == [
        (1, FUND, D("100000")), (2, FUND, D("80000")), (3, CUT, D("70000.00")), (4, RESERVE, D("0.00")),
        (5, RESERVE, D("0.00"))]
    assert p.lines[2].problems == ("劳务费超过50%",)
    assert p.total == D("250000.00") and p.left_after == D("0.00")


def test_filldown_without_cut_or_below_minimum_stops_and_reserves():
    p = propose(cands("100000", "80000", "90000"), left=D("185000"), min_amount=D("10000"), reserve_count=5,
                allow_cut=False)
    assert [(x.project_id, x.kind) for x in p.lines] == [(1, FUND), (2, FUND), (3, RESERVE)]
    p = propose(cands("100000", "80000"), left=D("105000"), min_amount=D("10000"), reserve_count=5, allow_cut=True)
    assert [(x.project_id, x.kind) for x in p.lines] == [(1, FUND), (2, RESERVE)]  # 5,000 left < minimum
    p = propose(cands("100000"), left=D("-1"), min_amount=D("10000"), reserve_count=1, allow_cut=True)
    assert [(x.project_id, x.kind) for x in p.lines] == [(1, RESERVE)]


amounts = st.lists(st.integers(min_value=1000, max_value=200000).map(lambda n: D(n).quantize(D("0.01"))),
                   max_size=30)


@given(amounts, st.integers(min_value=-50000, max_value=2000000), st.integers(min_value=0, max_value=5),
       st.booleans(), st.integers(min_value=0, max_value=50000))
def test_filldown_never_exceeds_the_pot_and_follows_rank_order(requested, left, reserve_count, allow_cut, minimum):
    candidates = [Candidate(i + 1, a, i + 1) for i, a in enumerate(requested)]
    p = propose(candidates, left=D(left), min_amount=D(minimum), reserve_count=reserve_count, allow_cut=allow_cut)
    funded = p.funded
    assert p.total <= max(D(left), D("0"))
    # funded: a prefix of the ranking; reserves: the projects right after it, in order
    ids = [x.project_id for x in p.lines]
    assert ids == list(range(1, len(ids) + 1))
    assert [x.kind for x in p.lines] == [x.kind for x in funded] + [RESERVE] * len(p.reserve)
    assert len(p.reserve) <= reserve_count
    assert all(x.kind == FUND for x in funded[:-1])
    for x in funded:
        assert D("0") < x.amount <= x.requested
        if x.kind == CUT:
            assert allow_cut and x.amount >= D(minimum)
    # nothing left unfunded that would have fit: the first one not funded did not fit in full
    if len(funded) < len(candidates) and (not funded or funded[-1].kind == FUND):
        assert candidates[len(funded)].requested > D(left) - p.total
