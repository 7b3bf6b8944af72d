"""Pure scoring rules for mid-term and final evaluations."""
from decimal import Decimal, InvalidOperation

from grants.rules.rubric import weighted_total

HALF = Decimal("0.5")


def score_problems(rubric: list[dict], scores: dict) -> list[str]:
    problems = []
    for criterion in rubric:
        code, name, top = criterion["code"], criterion["name"], Decimal(str(criterion["max"]))
        raw = scores.get(code)
        if raw in (None, ""):
            problems.append(f"请为「{name}」打分")
            continue
        try:
            value = Decimal(str(raw))
        except InvalidOperation:
            problems.append(f"「{name}」的分数不是有效数字")
            continue
        if not value.is_finite() or value < 0 or value > top:
            problems.append(f"「{name}」的分数须在 0 至 {top} 之间")
        elif value % HALF != 0:
            problems.append(f"「{name}」的分数须以 0.5 分为单位")
    unknown = set(scores) - {c["code"] for c in rubric}
    if unknown:
        problems.append(f"未知的评分项：{'、'.join(sorted(unknown))}")
    return problems


def total_of(rubric: list[dict], scores: dict) -> Decimal:
    """The weighted total (grants.rules.rubric): the one total of a score sheet everywhere."""
    return weighted_total(rubric, scores)


def grade_for(total: Decimal, thresholds: dict) -> str:
    if total >= Decimal(str(thresholds.get("excellent", "90"))):
        return "优秀"
    if total >= Decimal(str(thresholds.get("good", "80"))):
        return "良好"
    if total >= Decimal(str(thresholds.get("pass", "60"))):
        return "合格"
    return "不合格"
