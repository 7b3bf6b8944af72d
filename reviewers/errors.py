from core.errors import DomainError


class ReviewError(DomainError):
    """An expert-review action was refused."""


class StaleReview(ReviewError):
    """The page that sent the scores showed an older state of the review than the one stored."""
