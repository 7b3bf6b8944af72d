"""A review rubric (list of criteria with a maximum and a weight): its checks and its total.

The weighted total is the one truth of an expert's score: Σ score × weight over the criteria,
rounded once, half up, to 0.01. A criterion without a weight (the evaluation rubrics) weighs 1, so
an unweighted rubric totals to the plain sum. The rubric's full marks are Σ max × weight.
"""
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

MAX_WEIGHT = Decimal("10")
MAX_POINTS = Decimal("1000")


def rubric_errors(rubric: object) -> list[str]:
    if not isinstance(rubric, list) or not rubric:
        return ["评分细则至少需要一项评分指标"]
    problems: list[str] = []
    seen: set[str] = set()
    for index, item in enumerate(rubric, start=1):
        if not isinstance(item, dict):
            problems.append(f"第{index}项评分指标格式不正确")
            continue
        code = str(item.get("code", "")).strip()
        name = str(item.get("name", "")).strip()
        if not code or not name:
            problems.append(f"第{index}项评分指标缺少代码或名称")
        if code in seen:
            problems.append(f"评分指标代码「{code}」重复")
        seen.add(code)
        for key in ("max", "weight"):
            if key == "weight" and "weight" not in item:
                continue
            try:
                value = Decimal(str(item.get(key)))
            except (InvalidOperation, ValueError):
                problems.append(f"评分指标「{name or index}」的{'满分' if key == 'max' else '权重'}不是有效数字")
                continue
            what = '满分' if key == 'max' else '权重'
            if not value.is_finite() or value <= 0:
                problems.append(f"评分指标「{name or index}」的{what}必须大于0")
            elif value != value.quantize(Decimal("0.01")):
                problems.append(f"评分指标「{name or index}」的{what}最多保留两位小数")
            elif key == "weight" and value > MAX_WEIGHT:
                problems.append(f"评分指标「{name or index}」的权重不能超过{MAX_WEIGHT}")
            elif key == "max" and value > MAX_POINTS:
                problems.append(f"评分指标「{name or index}」的满分不能超过{MAX_POINTS}")
    return problems


def weight_of(criterion: Mapping) -> Decimal:
    return Decimal(str(criterion.get("weight") or "1"))


def weighted_total(rubric: list[dict], scores: Mapping) -> Decimal:
    """Σ score × weight over the rubric's criteria (every criterion must be scored)."""
    total = sum((Decimal(str(scores[c["code"]])) * weight_of(c) for c in rubric), Decimal("0"))
    return total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def rubric_max_total(rubric: list[dict]) -> Decimal:
    """Full marks: Σ max × weight."""
    total = sum((Decimal(str(c["max"])) * weight_of(c) for c in rubric), Decimal("0"))
    return total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
