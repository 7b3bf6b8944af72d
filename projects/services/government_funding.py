"""The officer's own finding on whether a project already gets government money: the applicant's checkbox
alone is a self-declaration, so at the eligibility check the officer records what they found. Kept as an
audit row (the latest one counts, see projects.eligibility), so every finding and its basis stay on record."""
from django.db import transaction

from accounts.models import Role
from projects.eligibility import GOVERNMENT_FUNDING_CHECK
from projects.errors import ProjectError
from projects.models import ProjectEvent
from projects.services.audit import log_event
from projects.services.drafting import _text, locked_project
from projects.states import State

# While eligibility is being judged: before acceptance, and while a returned application is corrected.
CHECKABLE = (State.SUBMITTED, State.RETURNED)


def record_government_funding_check(*, actor, project_id: int, funded: bool, note: str = "") -> ProjectEvent:
    """Records the officer's finding; a finding of government funding bars the project like the
    applicant's own checkbox (bar_government_funded) and needs its basis in `note`."""
    if actor is None or not actor.has_role(Role.OFFICER):
        raise ProjectError("只有项目管理员可以登记政府资金核查结果")
    if not isinstance(funded, bool):
        raise ProjectError("请选择核查结果：是否已获得政府资金资助")
    note = _text({"note": note}, "note")
    if funded and not note:
        raise ProjectError("认定已获得政府资金资助时，请注明核查依据")
    with transaction.atomic():
        project = locked_project(project_id)
        if project.state not in CHECKABLE:
            raise ProjectError(f"项目当前状态为「{project.state_label}」，只有资格审查期间可以登记政府资金核查结果")
        finding = "经核查，已获得政府资金资助" if funded else "经核查，未获得政府资金资助"
        return log_event(project=project, actor=actor, action=GOVERNMENT_FUNDING_CHECK,
                         comment=f"{finding}：{note}" if note else finding,
                         data={"funded": funded, "declared_by_applicant": project.government_funded})
