from core.errors import DomainError


class DocumentsError(DomainError):
    """A document or background job could not be produced; `.errors` lists every reason."""
