"""The one shape every app's domain exception shares, so views can show any of them the same way."""
from collections.abc import Sequence

from core.problems import Problem, as_problems


class DomainError(Exception):
    """A rule said no. `message` is shown to the user as is; `errors` lists every reason as text and
    `problems` the same reasons with their code and the form section and field they belong to.

    Accepts one message, a list of messages, one Problem or a list of Problems (or a mix).
    """

    def __init__(self, message: str | Problem | Sequence[str | Problem], *, errors: Sequence[str] | None = None):
        if isinstance(message, str | Problem):
            self.problems = as_problems(errors or [message])
        else:
            self.problems = as_problems(message)
        self.errors = [p.message for p in self.problems]
        self.message = str(message) if isinstance(message, str | Problem) else "；".join(self.errors)
        super().__init__(self.message)
