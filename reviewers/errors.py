from core.errors import DomainError


class ReviewError(DomainError):
    """An expert-review action was refused."""
