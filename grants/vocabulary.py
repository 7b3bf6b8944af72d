"""The one source of the labels of service domains and of the districts list, for every page,
export and document. Domains: grants.defaults.DOMAINS (English source strings, Chinese in the
catalog, as the domain reference names them: 为老服务, 助残服务 …). Districts: grants.District rows
that officers keep; a round may serve only some of them."""
from __future__ import annotations

from django.conf import settings
from django.utils import translation

from grants.defaults import DOMAINS
from grants.models import District


def domain_label(code: str | None) -> str:
    """The label in the site's language even where no request activated one (PDFs, tasks, exports)."""
    if not code:
        return ""
    if translation.get_language() is None:
        with translation.override(settings.LANGUAGE_CODE):
            return str(DOMAINS.get(code, code))
    return str(DOMAINS.get(code, code))


def document_domain_label(code: str | None) -> str:
    """For documents (公示, agreements, reports): always the site's language."""
    if not code:
        return ""
    with translation.override(settings.LANGUAGE_CODE):
        return str(DOMAINS.get(code, code))


def district_names(round=None) -> list[str]:
    """The districts offered in forms: the round's own list when it has one, else every active one."""
    if round is not None and round.pk:
        names = [d.name for d in round.districts.all()]
        if names:
            return names
    return list(District.objects.filter(active=True).values_list("name", flat=True))

