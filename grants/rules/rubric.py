"""Checks a rubric (list of criteria) before a round may use it."""
from decimal import Decimal, InvalidOperation


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
            if not value.is_finite() or value <= 0:
                problems.append(f"评分指标「{name or index}」的{'满分' if key == 'max' else '权重'}必须大于0")
    return problems


def rubric_max_total(rubric: list[dict]) -> Decimal:
    return sum((Decimal(str(c["max"])) for c in rubric), Decimal("0"))
