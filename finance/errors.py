from config.errors import DomainError


class FinanceError(DomainError):
    """A money action was refused."""
