"""Pure checks of an expert's score sheet against the round's rubric (messages in Chinese)."""
from decimal import Decimal, InvalidOperation

from grants.rules.rubric import weighted_total
from projects.evaluation import score_problems, total_of

COMMENT_MAX = 2000


def draft_problems(rubric: list[dict], scores: dict) -> list[str]:
    """A draft may leave criteria empty, but what is filled in must already be a valid score."""
    filled = {k: v for k, v in scores.items() if v not in (None, "")}
    return [p for p in score_problems(rubric, filled) if not p.startswith("请为")]


def draft_total(rubric: list[dict], scores: dict) -> Decimal | None:
    """Weighted sum of the filled-in criteria, for the running total a draft shows; None when nothing is filled."""
    filled = [c for c in rubric if scores.get(c["code"]) not in (None, "")]
    if not filled:
        return None
    try:
        return weighted_total(filled, scores)
    except InvalidOperation:
        return None


def submit_problems(rubric: list[dict], scores: dict, comment: str, comment_required_below: Decimal) -> list[str]:
    problems = score_problems(rubric, scores)
    if not problems:
        total = total_of(rubric, scores)
        if total < comment_required_below and not comment.strip():
            problems.append(f"总分 {total} 分低于 {comment_required_below} 分，须填写总体评价意见")
    if len(comment) > COMMENT_MAX:
        problems.append(f"总体评价意见不能超过 {COMMENT_MAX} 字")
    return problems


def clean_comments(rubric: list[dict], comments: dict) -> dict[str, str]:
    """Keeps one trimmed comment per known criterion, dropping empty ones."""
    codes = {c["code"] for c in rubric}
    return {k: str(v).strip()[:COMMENT_MAX] for k, v in comments.items() if k in codes and str(v).strip()}

