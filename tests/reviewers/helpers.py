from decimal import Decimal

from reviewers import services

MAXIMA = [("need", 20), ("design", 25), ("team", 15), ("budget", 20), ("impact", 20)]


def scores_for(total: str) -> dict:
    """Criterion scores adding up to `total` (default rubric), filled in rubric order."""
    left = Decimal(total)
    out = {}
    for code, top in MAXIMA:
        value = min(Decimal(top), left)
        out[code] = str(value)
        left -= value
    assert left == 0
    return out


def review(world, project, panel, totals):
    """Assigns the experts, then each declares and submits the given total (the last one finishes the review)."""
    assignments = [services.assign_expert(actor=world.officer, project=project, expert=e) for e in panel]
    for expert, assignment, total in zip(panel, assignments, totals, strict=True):
        services.declare(actor=expert.user, assignment_id=assignment.pk, has_conflict=False)
        services.submit_review(actor=expert.user, assignment_id=assignment.pk, scores=scores_for(total),
                               comment="意见")
    return assignments
