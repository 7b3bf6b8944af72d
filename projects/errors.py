from core.errors import DomainError


class ProjectError(DomainError):
    """A project action was refused; the message says why, in Chinese."""
