"""The one shape every app's domain exception shares, so views can show any of them the same way."""


class DomainError(Exception):
    """A rule said no. `message` is shown to the user as is; `errors` lists every reason."""

    def __init__(self, message: str | list[str], *, errors: list[str] | None = None):
        if isinstance(message, list):
            errors = message
            message = "；".join(message)
        self.message = message
        self.errors = errors or [message]
        super().__init__(message)
