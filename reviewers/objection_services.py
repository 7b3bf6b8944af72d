"""Objections to a 公示 filed online by the public, and the officers' answers.

An objection lands in the officers' queue: every program officer is notified (accounts.services.notify),
and the objection list (reviewers.views.objections) shows it until answered. Whether it changes the
project's course is the officers' decision through the lifecycle (raise / dismiss / uphold objection
on the 公示 page); the answer here is what the person who objected is told.
"""
import ipaddress
import re

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from accounts.selectors import program_officers
from accounts.services import notify
from core import calendar
from core.mail import send_after_commit
from core.validation import control_characters
from projects.errors import ProjectError
from projects.models import Project
from projects.services.files import check_file
from projects.states import State
from reviewers.errors import ReviewError
from reviewers.objections import Objection, ObjectionState

NOTICE_STATES = (State.PUBLICITY, State.OBJECTION)
EVIDENCE_TYPES = frozenset({"pdf", "jpg", "png", "docx"})
REASON_MIN, REASON_MAX = 10, 5000
_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{5,24}$", re.ASCII)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _ip(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def contact_problems(*, name: str, phone: str, email: str) -> list[str]:
    problems = []
    if not name:
        problems.append("请填写您的姓名")
    elif control_characters(name) or len(name) > 50:
        problems.append("姓名不能超过50个字，且不能包含换行或控制字符")
    if not phone and not email:
        problems.append("请至少留下一种联系方式（电话或电子邮箱），以便我们答复您")
    if phone and not _PHONE.match(phone):
        problems.append(f"联系电话「{phone}」格式不正确，请填写数字（可含区号和短横线）")
    if email and (not _EMAIL.match(email) or len(email) > 254 or control_characters(email)):
        problems.append(f"电子邮箱「{email}」格式不正确")
    return problems


def file_objection(*, actor, round_id: int, project_id: int | None, name: str, phone: str, email: str,
                   reason: str, evidence=None, ip_address: str | None = None) -> Objection:
    """Anyone (actor is None for the public). The project must be in this round's 公示 now."""
    name, phone, email = (name or "").strip(), (phone or "").strip(), (email or "").strip()
    reason = (reason or "").strip()
    problems = contact_problems(name=name, phone=phone, email=email)
    if len(reason) < REASON_MIN:
        problems.append(f"请说明异议的事实和理由（至少{REASON_MIN}个字）")
    elif len(reason) > REASON_MAX:
        problems.append(f"异议理由不能超过{REASON_MAX}字，更多内容请作为证明材料上传")
    project = None
    if project_id is None:
        problems.append("请选择您提出异议的项目")
    else:
        project = (Project.objects.filter(pk=project_id, round_id=round_id, state__in=NOTICE_STATES,
                                          publicity_start__isnull=False).select_related("round").first())
        if project is None:
            problems.append("该项目不在本批次的公示名单中，或公示已结束")
        elif project.publicity_end and calendar.today() > project.publicity_end:
            problems.append(f"该项目的公示期已于 {project.publicity_end:%Y-%m-%d} 结束，不再受理网上异议；"
                            "如有情况请直接联系主办单位")
    checked = None
    if evidence is not None:
        try:
            checked = check_file(evidence, allowed=EVIDENCE_TYPES)
        except ProjectError as exc:
            problems += [f"证明材料：{p}" for p in exc.errors]
    if problems or project is None:
        raise ReviewError(problems)
    with transaction.atomic():
        objection = Objection(round_id=round_id, project=project, name=name, phone=phone, email=email,
                              reason=reason, ip_address=_ip(ip_address))
        if checked is not None:
            objection.evidence_name = checked.name
            objection.evidence.save(checked.name, ContentFile(checked.data), save=False)
        objection.save()
        objection.number = f"{project.round.code}-YY-{objection.pk:05d}"
        objection.save(update_fields=["number"])
        notify(actor=None, recipients=list(program_officers()), url=reverse("reviewers:objections"),
               text=f"收到对「{project.code} {project.title}」的公示异议（{objection.number}），请处理",
               key=f"objection:{objection.pk}")
    return objection


def answer_objection(*, actor, objection_id: int, answer: str) -> Objection:
    if actor is None or not actor.has_role(Role.OFFICER):
        raise ReviewError("只有项目管理员可以答复公示异议")
    answer = (answer or "").strip()
    if not answer:
        raise ReviewError("请填写答复内容")
    with transaction.atomic():
        objection = Objection.objects.select_for_update().filter(pk=objection_id).first()
        if objection is None:
            raise ReviewError("该异议不存在")
        if objection.state == ObjectionState.ANSWERED:
            raise ReviewError("该异议已答复")
        objection.state, objection.answer = ObjectionState.ANSWERED, answer
        objection.answered_by, objection.answered_at = actor, timezone.now()
        objection.save(update_fields=["state", "answer", "answered_by", "answered_at"])
        send_after_commit(subject=f"关于公示异议 {objection.number} 的答复",
                          body=f"{objection.name}：\n\n您提出的公示异议（{objection.number}）答复如下：\n\n{answer}",
                          recipients=[objection.email])
    return objection
