from core.errors import DomainError


class AccountsError(DomainError):
    """A change to a user account was refused; `.errors` lists every reason, in Chinese."""
