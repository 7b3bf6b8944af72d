"""Who is on the other end of a request, as far as logs and throttles can tell."""
from dataclasses import dataclass

from django.conf import settings


def client_address(request) -> str:
    """REMOTE_ADDR unless settings.LOGIN_THROTTLE_IP_HEADER names the header a trusted reverse proxy
    sets (e.g. "HTTP_X_REAL_IP"): behind a proxy every request has the proxy's address."""
    header = getattr(settings, "LOGIN_THROTTLE_IP_HEADER", None)
    meta = request.META if request is not None else {}
    forwarded = meta.get(header, "") if header else ""
    return forwarded.split(",")[0].strip()[:64] or meta.get("REMOTE_ADDR", "") or "unknown"


def user_agent(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:300] if request is not None else ""


@dataclass(frozen=True)
class Client:
    """What the security log keeps about where a request came from; views hand it to services,
    which never see the request itself."""

    address: str = ""
    user_agent: str = ""

    @classmethod
    def of(cls, request) -> "Client":
        return cls(client_address(request), user_agent(request)) if request is not None else cls()
