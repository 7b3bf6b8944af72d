"""The one source of the labels of service domains and of the districts list, for every page,
export and document. Domains: grants.defaults.DOMAINS (English source strings, Chinese in the
catalog, as the domain reference names them: 为老服务, 助残服务 …). Districts: grants.District rows
that officers keep; a round may serve only some of them."""
from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.utils import translation

from grants.defaults import DOMAINS
from grants.models import District, GrantRound


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
        return round_districts(round)[1]
    return list(District.objects.filter(active=True).values_list("name", flat=True))


def round_districts(round) -> tuple[list[str], list[str]]:
    """(the districts the round serves, the districts its forms offer: those, else every active one), in
    one read of the (short) districts table. In SQL: the applicant's form asks on every page, and the ORM
    spends more CPU building the two queries (the round's, then the active ones) than they take."""
    through = GrantRound.districts.through
    field = GrantRound._meta.get_field("districts")
    sql = (f"SELECT d.name, d.active, EXISTS(SELECT 1 FROM {through._meta.db_table} rd"
           f" WHERE rd.{field.m2m_reverse_name()} = d.id AND rd.{field.m2m_column_name()} = %s)"
           f" FROM {District._meta.db_table} d ORDER BY d.position, d.name")
    with connection.cursor() as cursor:
        cursor.execute(sql, [round.pk])
        rows = cursor.fetchall()
    served = [name for name, _active, in_round in rows if in_round]
    return served, served or [name for name, active, _in_round in rows if active]

