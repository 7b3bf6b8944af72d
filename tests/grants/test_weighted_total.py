"""The rubric's per-criterion weight counts in an expert's total (issue 13): Σ score × weight, rounded
once half up to 0.01; full marks Σ max × weight. Pure: no database."""
from decimal import Decimal

from grants.rules.rubric import rubric_errors, rubric_max_total, weighted_total
from projects.evaluation import total_of
from reviewers.scoring import draft_total

RUBRIC = [
    {"code": "need", "name": "需求分析", "max": "20", "weight": "1.5"},
    {"code": "design", "name": "项目设计", "max": "25", "weight": "1"},
    {"code": "team", "name": "团队能力", "max": "15", "weight": "0.5"},
]


def test_each_score_counts_times_its_weight():
    scores = {"need": "18", "design": "20.5", "team": "11"}
    assert weighted_total(RUBRIC, scores) == Decimal("27") + Decimal("20.5") + Decimal("5.5")
    assert total_of(RUBRIC, scores) == Decimal("53.00")  # the expert's stored total is the weighted one


def test_rounding_is_half_up_once_at_the_end():
    rubric = [{"code": "a", "name": "甲", "max": "10", "weight": "0.33"},
              {"code": "b", "name": "乙", "max": "10", "weight": "0.33"}]
    # 7.5 × 0.33 = 2.475 twice: 4.95 exactly (rounding each term first would give 4.96)
    assert weighted_total(rubric, {"a": "7.5", "b": "7.5"}) == Decimal("4.95")
    assert weighted_total(rubric, {"a": "7.5", "b": "0"}) == Decimal("2.48")


def test_unweighted_criteria_weigh_one():
    rubric = [{"code": "a", "name": "甲", "max": "30"}, {"code": "b", "name": "乙", "max": "70"}]
    assert weighted_total(rubric, {"a": "20", "b": "65.5"}) == Decimal("85.50")
    assert rubric_max_total(rubric) == Decimal("100.00")


def test_full_marks_are_weighted_too():
    assert rubric_max_total(RUBRIC) == Decimal("30") + Decimal("25") + Decimal("7.5")


def test_a_draft_shows_the_weighted_sum_of_what_is_filled_in():
    assert draft_total(RUBRIC, {"need": "10", "design": ""}) == Decimal("15.00")
    assert draft_total(RUBRIC, {}) is None


def test_weights_are_checked():
    bad = [{"code": "a", "name": "甲", "max": "10", "weight": "0"},
           {"code": "b", "name": "乙", "max": "10", "weight": "11"},
           {"code": "c", "name": "丙", "max": "10", "weight": "1.234"}]
    assert rubric_errors(bad) == ["评分指标「甲」的权重必须大于0", "评分指标「乙」的权重不能超过10",
                                  "评分指标「丙」的权重最多保留两位小数"]
