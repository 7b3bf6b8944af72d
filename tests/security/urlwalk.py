"""Every URL pattern of the project, found by walking the resolver through every include."""
import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

_PATH_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")
_REGEX_PARAM = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")


@dataclass(frozen=True)
class Pattern:
    name: str | None  # "namespace:name", or None for an unnamed pattern
    route: str  # the full route, as the patterns spell it, from the site root
    view_module: str  # where the view function lives

    @property
    def key(self) -> str:
        """What the policy table is keyed by: the name, or the route of an unnamed pattern."""
        return self.name or self.route

    @property
    def params(self) -> list[str]:
        return [m["name"] for m in _PATH_PARAM.finditer(self.route)] + [
            m["name"] for m in _REGEX_PARAM.finditer(self.route)]

    @property
    def is_admin(self) -> bool:
        return (self.name or "").startswith("admin:") or self.route.startswith("admin/")

    def url(self, kwargs: dict) -> str:
        """The path with the parameters filled in (reverse() for named patterns)."""
        from django.urls import reverse

        if self.name:
            return reverse(self.name, kwargs=kwargs)
        path = _PATH_PARAM.sub(lambda m: str(kwargs[m["name"]]), self.route)
        path = _REGEX_PARAM.sub(lambda m: str(kwargs[m["name"]]), path)
        return "/" + path.replace("^", "").replace("$", "")


def all_patterns() -> list[Pattern]:
    found: list[Pattern] = []

    def walk(resolver: URLResolver, prefix: str, namespace: str | None) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = namespace
                if entry.namespace:
                    inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                walk(entry, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
                module = getattr(entry.callback, "__module__", "") or ""
                found.append(Pattern(name, prefix + str(entry.pattern), module))

    walk(get_resolver(), "", None)
    return found
