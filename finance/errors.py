from core.errors import DomainError


class FinanceError(DomainError):
    """A money action was refused."""
