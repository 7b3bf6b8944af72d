"""Corrections to a running 公示: the end date computed at publication can be wrong (a holiday schedule
entered late, a notice taken down for a day), and the agreement may only be signed after the true end."""
from datetime import date, datetime

from django.db import transaction

from accounts.models import Role
from core import calendar
from grants import workdays
from projects.errors import ProjectError
from projects.lifecycle import PROJECT
from projects.models import Project
from projects.services.audit import log_event
from projects.services.drafting import _text, locked_project

CORRECTABLE = PROJECT.group("public_notice")


def correct_publicity_end(*, actor, project_id: int, new_end: date, reason: str,
                          now: datetime | None = None) -> Project:
    """The officer sets the last day of the project's 公示, with a reason; the old and new dates are audited.

    The new end must be a working day after the start, and not before today: an end in the past
    would let the agreement be signed at once, before the public had the days it was promised."""
    if actor is None or not actor.has_role(Role.OFFICER):
        raise ProjectError("只有项目管理员可以更正公示结束日期")
    reason = _text({"reason": reason}, "reason")
    if not reason:
        raise ProjectError("请填写更正公示结束日期的理由")
    if not isinstance(new_end, date) or isinstance(new_end, datetime):
        raise ProjectError("请填写更正后的公示结束日期")
    today = calendar.today(now)
    with transaction.atomic():
        project = locked_project(project_id)
        if project.state not in CORRECTABLE:
            raise ProjectError(f"项目当前状态为「{project.state_label}」，只有公示期间可以更正公示结束日期")
        before = project.publicity_end
        problems = []
        if project.publicity_start and new_end <= project.publicity_start:
            problems.append(f"公示结束日期须晚于公示开始日期（{calendar.format_cn_date(project.publicity_start)}）")
        if new_end < today:
            problems.append(f"公示结束日期不能早于今天（{calendar.format_cn_date(today)}），否则协议可立即签订")
        if not problems and not workdays.is_working_day(new_end):
            problems.append(f"{calendar.format_cn_date(new_end)}不是工作日，公示结束日期须为工作日")
        if new_end == before:
            problems.append(f"公示结束日期已是{calendar.format_cn_date(new_end)}")
        if problems:
            raise ProjectError(problems)
        project.publicity_end = new_end
        project.save(update_fields=["publicity_end"])
        log_event(project=project, actor=actor, action="publicity_end_corrected", comment=reason,
                  data={"before": before.isoformat() if before else None, "after": new_end.isoformat()})
    return project
