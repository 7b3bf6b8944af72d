"""Work queues: what each role's home page lists as its to-do, with counts and links.

The apps that own the work register a provider per role (as they register menu entries and job
kinds), so this module imports none of them: a provider takes the user and returns its QueueItems,
with counts from the owning app's selectors. The home page (accounts.views.home) shows them in the
order they were registered.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from accounts.models import Role


@dataclass(frozen=True)
class QueueRow:
    """One piece of work inside an item: a review with its deadline, a project with its next step."""

    text: str
    url: str
    note: str = ""
    urgent: bool = False


@dataclass(frozen=True)
class QueueItem:
    key: str  # stable, for tests and the page's data-queue attribute
    label: str
    count: int
    url: str
    rows: list[QueueRow] = field(default_factory=list)
    urgent: bool = False  # overdue work: shown first and marked


Provider = Callable[[object], list[QueueItem]]
_PROVIDERS: dict[str, list[Provider]] = {}


def register(role: str, provider: Provider) -> Provider:
    providers = _PROVIDERS.setdefault(role, [])
    if provider not in providers:
        providers.append(provider)
    return provider


def queue_role(user) -> str | None:
    """Whose queue a person sees: an administrator sees the program officers' work."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_admin:
        return Role.OFFICER
    return user.role


def has_queue(user) -> bool:
    return bool(_PROVIDERS.get(queue_role(user) or ""))


def queue_for(user) -> list[QueueItem]:
    items: list[QueueItem] = []
    for provider in _PROVIDERS.get(queue_role(user) or "", []):
        items.extend(provider(user))
    return items
