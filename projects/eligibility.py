"""Eligibility of an organization for a round: the facts gathered from its record and its projects,
judged by the pure rule in grants.rules.eligibility. Here and not in grants because the facts include
the organization's projects."""
import json
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import NamedTuple

from django.db import connection
from django.utils import timezone

from core.problems import Problem, messages
from grants.models import GrantRound, Organization
from grants.rules.eligibility import CreditEntry, OrganizationFacts, eligibility_issues
from grants.selectors import eligibility_policy
from projects.lifecycle import PROJECT
from projects.models import Project, ProjectEvent
from projects.states import State

# A project already funded by government is fixed on the application's first page, not by the organization.
ENDED_IN_FAILURE = ("fail_final", "terminate")
_PLACES = {"eligibility.government_funded": ("basic", "id_government_funded")}
_FOUND_BY_OFFICER = "经项目管理员核查，该项目已获得政府资金资助，不得重复申报"
# The audit action of the officer's government-funding finding (written by projects.services.government_funding).
GOVERNMENT_FUNDING_CHECK = "government_funding_check"


def uncounted_states(round: GrantRound) -> set[str]:
    """States of the organization's other applications in `round` that leave its per-organization
    limit untouched: never applied, and, unless the round says otherwise, withdrawn or ruled ineligible
    (so a corrected application can still be submitted in the same window)."""
    states = set(PROJECT.group("not_applied"))
    if round.count_withdrawn_toward_limit:
        states.discard(State.WITHDRAWN)
    if not round.count_ineligible_toward_limit:
        states.add(State.INELIGIBLE)
    return states


def organization_facts(
    organization: Organization, round: GrantRound, *, project=None, government_funded: bool = False
) -> OrganizationFacts:
    """Everything eligibility needs to know about an organization applying to `round`."""
    return _facts(organization, round, _projects_of(organization, project), project=project,
                  government_funded=government_funded)


class _OrganizationProject(NamedTuple):
    pk: int
    round_id: int
    state: str
    title: str
    ended_in_failure: datetime | None  # when its failure ended it (the latest such event), if it did
    finding: dict | None = None  # the officer's latest government-funding finding, if any


def _projects_of(organization: Organization, project=None) -> list[_OrganizationProject]:
    """One read of the organization's projects (newest first) answers the other applications in the
    round, the unfinished projects elsewhere, the last failure, and the officer's finding on `project`.
    Written out in SQL: the applicant's form runs these checks on every page, and building the same
    query with the ORM (two correlated subqueries) costs more CPU than the three queries it replaces."""
    projects, events = Project._meta.db_table, ProjectEvent._meta.db_table
    ended = ", ".join(["%s"] * len(ENDED_IN_FAILURE))
    # The bar follows how a project ended (failed its final evaluation, or was terminated), not an
    # evaluation on the way: a failed mid-term that was re-run and passed bars nothing.
    sql = (f"SELECT p.id, p.round_id, p.state, p.title,"
           f" (SELECT MAX(e.at) FROM {events} e"
           f"  WHERE e.project_id = p.id AND e.action IN ({ended}) AND e.to_state = %s),"
           f" CASE WHEN p.id = %s THEN (SELECT e.data FROM {events} e WHERE e.project_id = p.id AND e.action = %s"
           f"  ORDER BY e.at DESC, e.id DESC LIMIT 1) END"
           f" FROM {projects} p WHERE p.organization_id = %s ORDER BY p.created_at DESC")
    own = project.pk if project is not None else None
    with connection.cursor() as cursor:
        cursor.execute(sql, [*ENDED_IN_FAILURE, State.TERMINATED.value, own, GOVERNMENT_FUNDING_CHECK, organization.pk])
        return [_OrganizationProject(pk, round_id, state, title, _aware(failed), _json(finding))
                for pk, round_id, state, title, failed, finding in cursor.fetchall()]


def _aware(value) -> datetime | None:
    """A timestamp as the ORM gives it (aware, UTC): SQLite hands raw SQL the stored text."""
    if value is None or isinstance(value, datetime) and timezone.is_aware(value):
        return value
    value = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return timezone.make_aware(value, UTC)


def _json(value):
    """A JSON column as the ORM gives it: raw SQL gets the text (PostgreSQL's jsonb too, as Django loads it)."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def _facts(organization: Organization, round: GrantRound, projects: list[_OrganizationProject], *, project,
           government_funded: bool) -> OrganizationFacts:
    uncounted = uncounted_states(round)
    own = project.pk if project is not None else None
    others = sum(1 for p in projects if p.round_id == round.pk and p.state not in uncounted and p.pk != own)
    unfinished_states = round.unfinished_states or ()
    unfinished = tuple(p.title for p in projects if p.state in unfinished_states and p.round_id != round.pk)
    last_failure = max((p.ended_in_failure for p in projects if p.ended_in_failure is not None), default=None)
    failed_until = None
    if last_failure is not None and round.bar_failed_years:
        failed = last_failure.date()
        try:
            failed_until = failed.replace(year=failed.year + round.bar_failed_years)
        except ValueError:  # 29 February
            failed_until = failed.replace(year=failed.year + round.bar_failed_years, day=28)
    return OrganizationFacts(
        name=organization.name,
        registration_date=organization.registration_date,
        rating=organization.rating,
        rating_valid_until=organization.rating_valid_until,
        credit_entries=tuple(
            CreditEntry(list_type=list_type, listed_on=listed_on, removed_on=removed_on)
            for list_type, listed_on, removed_on in
            organization.credit_entries.values_list("list_type", "listed_on", "removed_on")
        ),
        other_applications_in_round=others,
        unfinished_projects=unfinished,
        failed_until=failed_until,
        government_funded=government_funded,
    )


def officer_found_government_funded(project) -> bool:
    """The officer's latest finding (projects.services.government_funding); False when none was recorded."""
    if project is None or not project.pk:
        return False
    latest = (project.events.filter(action=GOVERNMENT_FUNDING_CHECK).order_by("-at", "-id")
              .values_list("data", flat=True).first())
    return _funded(latest)


def _funded(finding) -> bool:
    return bool(finding and finding.get("funded") is True)


def eligibility_issues_for(organization: Organization, round: GrantRound, *, today: date,
                           project=None) -> list[Problem]:
    """Every eligibility problem, each placed where it is fixed (mostly the organization itself).
    A project counts as government-funded if the applicant ticked it or the officer found it so."""
    declared = bool(project and project.government_funded)
    projects = _projects_of(organization, project)
    own = [p for p in projects if project is not None and p.pk == project.pk]
    # The project is one of the organization's, so its finding came with them (else it is read alone).
    found = _funded(own[0].finding) if own else officer_found_government_funded(project)
    facts = _facts(organization, round, projects, project=project, government_funded=declared or found)
    issues = [_placed(p) for p in eligibility_issues(facts, eligibility_policy(round), today)]
    if found and not declared:
        # Nothing on the applicant's form to fix: say whose finding it is.
        issues = [replace(p, message=_FOUND_BY_OFFICER, section="eligibility", field="")
                  if p.code == "eligibility.government_funded" else p for p in issues]
    return issues


def _placed(problem: Problem) -> Problem:
    section, field = _PLACES.get(problem.code, ("eligibility", ""))
    return replace(problem, section=section, field=field)


def eligibility_reasons_for(organization: Organization, round: GrantRound, *, today: date, project=None) -> list[str]:
    return messages(eligibility_issues_for(organization, round, today=today, project=project))
