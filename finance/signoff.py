"""Separation of duties for a disbursement batch (经办 → 审核 → 审批), as a pure rule.

Three different people must take the three steps. A person who sends a batch back acts in the
step they refused, so the same rule applies to them.
"""
from __future__ import annotations

STEP_NAMES = {"prepare": "经办", "check": "审核", "approve": "审批"}


def signoff_problems(step: str, actor_id: int, *, prepared_by_id: int | None,
                     checked_by_id: int | None = None) -> list[str]:
    """Every reason `actor_id` may not take `step` ("check" or "approve") on this batch."""
    if step not in ("check", "approve"):
        raise ValueError(f"未知的审批环节：{step}")
    problems = []
    name = STEP_NAMES[step]
    if prepared_by_id is not None and actor_id == prepared_by_id:
        problems.append(f"{name}人不能与经办人为同一人")
    if step == "approve" and checked_by_id is not None and actor_id == checked_by_id:
        problems.append("审批人不能与审核人为同一人")
    return problems
