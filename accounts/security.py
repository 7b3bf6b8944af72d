"""The one writer of the security log (accounts.models.SecurityEvent).

Views and signal receivers pass the request, services a Client (accounts.client): the address
(client_address, so the LOGIN_THROTTLE_IP_HEADER setting applies here too) and the browser come
from it. Called inside the caller's transaction, the row commits or rolls back with the action."""
import logging

from accounts.client import Client
from accounts.models import SecurityEvent

Kind = SecurityEvent.Kind
log = logging.getLogger("yichuang.security")


def record(kind: str, *, request=None, client: Client | None = None, user=None, username: str = "",
           **detail) -> SecurityEvent:
    if user is None and request is not None:
        current = getattr(request, "user", None)
        user = current if current is not None and current.is_authenticated else None
    if user is not None and not getattr(user, "pk", None):
        user = None
    client = client or Client.of(request)
    event = SecurityEvent.objects.create(
        kind=kind,
        user=user,
        username=(username or (user.get_username() if user is not None else ""))[:150],
        ip_address=client.address,
        user_agent=client.user_agent,
        detail=detail,
    )
    log.info("security event %s user=%s ip=%s %s", kind, event.username, event.ip_address, detail)
    return event
