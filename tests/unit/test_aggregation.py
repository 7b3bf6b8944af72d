from decimal import Decimal

import pytest

from reviewers.aggregation import RankEntry, aggregate, is_disputed, rank, spread, zscores

D = Decimal


def ds(*values):
    return [D(v) for v in values]


class TestAggregate:
    def test_empty_is_none(self):
        assert aggregate([], "mean") is None
        assert aggregate([], "trimmed") is None

    def test_mean(self):
        assert aggregate(ds("80", "85", "90"), "mean") == D("85.00")
        assert aggregate(ds("80", "81", "81"), "mean") == D("80.67")  # 80.666…
        assert aggregate(ds("80.5", "80.5", "80.5", "80.52"), "mean") == D("80.51")  # 80.505 half up

    def test_result_has_two_places(self):
        assert aggregate(ds("90"), "mean").as_tuple().exponent == -2

    def test_trimmed_with_four_scores_is_plain_mean(self):
        assert aggregate(ds("60", "80", "85", "99"), "trimmed") == D("81.00")

    def test_trimmed_with_five_scores_drops_one_high_one_low(self):
        assert aggregate(ds("60", "80", "85", "90", "99"), "trimmed") == D("85.00")

    def test_trimmed_drops_only_one_of_tied_extremes(self):
        assert aggregate(ds("60", "60", "80", "99", "99"), "trimmed") == D("79.67")  # (60+80+99)/3

    def test_weighted(self):
        assert aggregate(ds("80", "90"), "weighted", ds("1", "3")) == D("87.50")
        assert aggregate(ds("70", "80", "90"), "weighted", ds("0.2", "0.3", "0.5")) == D("83.00")
        assert aggregate(ds("80", "81", "81"), "weighted", ds("1", "1", "1")) == D("80.67")
        assert aggregate(ds("80", "99"), "weighted", ds("1", "0")) == D("80.00")

    def test_weighted_requires_matching_positive_weights(self):
        with pytest.raises(ValueError):
            aggregate(ds("80", "90"), "weighted")
        with pytest.raises(ValueError):
            aggregate(ds("80", "90"), "weighted", ds("1"))
        with pytest.raises(ValueError):
            aggregate(ds("80", "90"), "weighted", ds("0", "0"))
        with pytest.raises(ValueError):
            aggregate(ds("80", "90"), "weighted", ds("2", "-1"))

    def test_unknown_method_and_float(self):
        with pytest.raises(ValueError):
            aggregate(ds("80"), "median")
        with pytest.raises(TypeError):
            aggregate([80.5], "mean")  # type: ignore[list-item]


class TestDispute:
    def test_spread(self):
        assert spread(ds("60", "95.5", "80")) == D("35.5")
        assert spread(ds("80")) == D("0")
        assert spread([]) == D("0")

    def test_disputed_only_above_threshold(self):
        assert not is_disputed(ds("70", "90"), D("20"))
        assert is_disputed(ds("70", "90.01"), D("20"))
        assert not is_disputed(ds("70"), D("0"))


class TestZscores:
    def test_standardized_per_expert(self):
        result = zscores({"a": {1: D("60"), 2: D("80")}, "b": {1: D("90"), 2: D("90")}, "c": {3: D("70")}})
        assert result == {
            ("a", 1): D("-1.000"),
            ("a", 2): D("1.000"),
            ("b", 1): D("0.000"),
            ("b", 2): D("0.000"),
            ("c", 3): D("0.000"),
        }

    def test_population_std_and_rounding(self):
        # mean 80, population std sqrt(200/3) = 8.1649…
        result = zscores({7: {1: D("70"), 2: D("80"), 3: D("90")}})
        assert result == {(7, 1): D("-1.225"), (7, 2): D("0.000"), (7, 3): D("1.225")}
        assert all(v.as_tuple().exponent == -3 for v in result.values())
        assert not result[(7, 2)].is_signed()

    def test_empty(self):
        assert zscores({}) == {}
        assert zscores({"a": {}}) == {}


def entry(pid, score, tiebreak=(), requested="100000", submitted=0):
    return RankEntry(
        project_id=pid,
        score=None if score is None else D(score),
        tiebreak_scores=tuple(D(t) for t in tiebreak),
        requested=D(requested),
        submitted_at_ordinal=submitted,
    )


class TestRank:
    def ids(self, entries):
        return [e.project_id for e in rank(entries)]

    def test_score_descending_none_last(self):
        assert self.ids([entry(1, "80"), entry(2, None), entry(3, "90.5"), entry(4, "85")]) == [3, 4, 1, 2]

    def test_tiebreak_scores_in_rubric_order(self):
        entries = [entry(1, "85", ("18", "20")), entry(2, "85", ("19", "10")), entry(3, "85", ("18", "22"))]
        assert self.ids(entries) == [2, 3, 1]

    def test_smaller_request_then_earlier_submission_then_id(self):
        entries = [
            entry(5, "85", ("18",), "100000", 3),
            entry(4, "85", ("18",), "80000", 9),
            entry(3, "85", ("18",), "100000", 1),
            entry(2, "85", ("18",), "100000", 1),
        ]
        assert self.ids(entries) == [4, 2, 3, 5]

    def test_unscored_entries_ordered_by_remaining_rules(self):
        assert self.ids([entry(2, None, requested="5"), entry(1, None, requested="9")]) == [2, 1]

    def test_returns_new_list(self):
        entries = [entry(1, "80"), entry(2, "90")]
        assert rank(entries) is not entries
        assert [e.project_id for e in entries] == [1, 2]


def test_integer_fast_path_matches_the_exact_fraction_path():
    import random
    from fractions import Fraction

    from reviewers.aggregation import _CENT, _mean, _round, _rounded_mean

    rng = random.Random(7)
    for _ in range(2000):
        values = [Decimal(rng.randint(0, 20000)) / 100 for _ in range(rng.randint(1, 9))]
        assert _rounded_mean(values) == _round(_mean(values), _CENT)
    assert _rounded_mean([Decimal("0.005")]) == _round(Fraction(1, 200), _CENT) == Decimal("0.01")
