"""What a page that redirects after a POST tells the user: each reason of a refused action as an error
message, or one success message."""
from collections.abc import Callable

from django.contrib import messages

from core.errors import DomainError


def show_errors(request, exc: DomainError) -> None:
    for problem in exc.errors:
        messages.error(request, problem)


def report_outcome(request, write: Callable[[], object], *, done: str) -> bool:
    """Runs the service call `write`; True when it went through (and `done` is shown)."""
    try:
        write()
    except DomainError as exc:
        show_errors(request, exc)
        return False
    messages.success(request, done)
    return True
