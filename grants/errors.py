from core.errors import DomainError


class GrantsError(DomainError):
    """Organization or round data broke a rule."""
