"""Writes to organizations, their members and credit-list entries, and to rounds and their budget caps:
keyword-only, `actor=` first, validated in full before anything is saved. The admin writes through
these too (grants.admin). Changes to organizations, credit-list entries, rounds and their caps are
recorded with before/after (grants.history); the round designer's services are grants.rounds,
re-exported here."""
import json

from django.conf import settings
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.auth.password_validation import validate_password
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction

from accounts.models import Role, User
from core.uploads import safe_name, sniff
from core.validation import model_problems, single_line_problems
from grants import history
from grants.errors import GrantsError
from grants.models import BudgetCap, CreditListEntry, Membership, Organization, WorkingDayOverride
from grants.organization_services import note_registration
from grants.rounds import (  # noqa: F401  (re-exported: grants.services is where callers look)
    REASON_NEEDED,
    add_call_document,
    copy_round,
    labelled_problems,
    publish_round,
    remove_call_document,
    save_district,
    save_questions,
    save_round,
    set_budget_caps,
)


def _require_officer(actor, what: str) -> None:
    if actor is None or not actor.has_role(Role.OFFICER):
        raise GrantsError(f"只有项目管理员或系统管理员可以{what}")


def _validated_save(obj):
    """Every field and model rule is checked before the row is written; all problems are reported."""
    problems = model_problems(obj)
    if problems:
        raise GrantsError(problems)
    with transaction.atomic():
        obj.save()
    return obj


BANK_FIELDS = ("bank_account_name", "bank_name", "bank_account_no", "bank_code")


def save_organization(*, actor, organization: Organization) -> Organization:
    """Once the organization (or one it hosts) has signed a project, its account changes only through
    a bank-detail change request that finance approves (finance.services), which keeps before/after."""
    _require_officer(actor, "维护机构信息")
    if organization.pk:
        stored = Organization.objects.filter(pk=organization.pk).values(*BANK_FIELDS).first() or {}
        changed = stored and any(stored[f] != getattr(organization, f) for f in BANK_FIELDS)
        signed = Organization.objects.filter(pk=organization.pk).filter(
            models.Q(projects__signed_at__isnull=False) | models.Q(hosted__projects__signed_at__isnull=False)).exists()
        if changed and signed:
            raise GrantsError("该机构已签订资助协议，收款账户须由机构提交收款账户变更申请，经财务审核后变更")
    problems = labelled_problems(organization)
    if problems:
        raise GrantsError(problems)
    with transaction.atomic():
        stored = Organization.objects.select_for_update().filter(pk=organization.pk).first() if organization.pk else None
        before = history.values(stored, ORGANIZATION_FIELDS) if stored else {}
        organization.save()
        history.record(actor=actor, subject="organization", action="change" if stored else "create",
                       obj_id=organization.pk, before=before, after=history.values(organization, ORGANIZATION_FIELDS),
                       organization=organization)
    return organization


ORGANIZATION_FIELDS = [f.name for f in Organization._meta.concrete_fields
                       if f.name not in ("id", "created_at", "rating_certificate")]


# ---------------------------------------------------------------- budget caps of a round

def _cap_reason(round, reason: str) -> None:
    if round.is_published and not (reason or "").strip():
        raise GrantsError(REASON_NEEDED)


def save_budget_cap(*, actor, cap: BudgetCap, reason: str = "") -> BudgetCap:
    """Adds or changes one category's cap; a category without a row falls back to the defaults."""
    _require_officer(actor, "设置预算科目上限")
    problems = model_problems(cap)
    if problems:
        raise GrantsError(problems)
    with transaction.atomic():
        stored = BudgetCap.objects.select_for_update().filter(pk=cap.pk).first() if cap.pk else None
        label = history.category_label(cap.category)
        before = {label: history.cap_text(stored.kind, stored.value)} if stored else {}
        after = {label: history.cap_text(cap.kind, cap.value)}
        if before != after:
            _cap_reason(cap.round, reason)
        cap.save()
        history.record(actor=actor, subject="budget_caps", action="change", obj_id=cap.round_id, before=before,
                       after=after, reason=(reason or "").strip(), round=cap.round)
    return cap


def delete_budget_cap(*, actor, cap_id: int, reason: str = "") -> None:
    _require_officer(actor, "设置预算科目上限")
    with transaction.atomic():
        cap = BudgetCap.objects.select_for_update().select_related("round").filter(pk=cap_id).first()
        if cap is None:
            return
        _cap_reason(cap.round, reason)
        history.record(actor=actor, subject="budget_caps", action="change", obj_id=cap.round_id,
                       before={history.category_label(cap.category): history.cap_text(cap.kind, cap.value)},
                       after={history.category_label(cap.category): "—"}, reason=(reason or "").strip(),
                       round=cap.round)
        cap.delete()


# ---------------------------------------------------------------- the official holiday schedule

def save_working_day_override(*, actor, override: WorkingDayOverride) -> WorkingDayOverride:
    """One day of the State Council's notice for a year the holidays package does not have yet."""
    _require_officer(actor, "维护节假日安排")
    if override.pk is None:
        override.created_by = actor
    return _validated_save(override)


def delete_working_day_override(*, actor, override_id: int) -> None:
    """Removes one day; the configuration audit trail (the admin's LogEntry, which the audit export
    reads) keeps what the day said, who had entered it, and who removed it."""
    _require_officer(actor, "维护节假日安排")
    with transaction.atomic():
        day = WorkingDayOverride.objects.select_for_update(of=("self",)).select_related("created_by").filter(pk=override_id).first()
        if day is None:
            raise GrantsError("该日期记录不存在或已删除")
        before = {"date": day.date.isoformat(), "is_working_day": day.is_working_day, "name": day.name,
                  "note": day.note, "created_by": day.created_by.get_username() if day.created_by else "",
                  "created_at": day.created_at.isoformat()}
        kind = "调休上班" if day.is_working_day else "休息"
        # What the audit export prints (LogEntry.get_change_message shows name and object).
        described = (f"{day.date.isoformat()} {kind} {day.name}（{day.note or '无备注'}；"
                     f"录入人 {before['created_by'] or '未知'}）")
        LogEntry.objects.create(
            user=actor, content_type=ContentType.objects.get_for_model(WorkingDayOverride), object_id=str(day.pk),
            object_repr=f"{day.date.isoformat()} {day.name}".strip()[:200], action_flag=DELETION,
            change_message=json.dumps([{"deleted": {"name": "节假日安排", "object": described,
                                                    "before": before}}], ensure_ascii=False),
        )
        day.delete()


# ---------------------------------------------------------------- members

def _keeps_a_manager(organization_id: int, *, without: int) -> bool:
    """Whether the organization still has a manager once membership `without` is gone or demoted
    (an organization without members needs none)."""
    others = Membership.objects.filter(organization_id=organization_id).exclude(pk=without)
    return not others.exists() or others.filter(is_manager=True).exists()


def add_member(*, actor, organization: Organization, user, is_manager: bool = False) -> Membership:
    """Puts an existing applicant account into the organization (idempotent)."""
    _require_officer(actor, "维护机构成员")
    if user.role != Role.APPLICANT:
        # Staff and experts act on organizations' projects; as members they would judge their own.
        raise GrantsError(f"只有申报机构人员账号可以成为机构成员；「{user}」的角色是「{user.get_role_display()}」")
    with transaction.atomic():
        membership, _ = Membership.objects.get_or_create(
            organization=organization, user=user, defaults={"is_manager": is_manager}
        )
    return membership


def set_manager(*, actor, membership_id: int, is_manager: bool) -> Membership:
    _require_officer(actor, "维护机构成员")
    with transaction.atomic():
        membership = Membership.objects.select_for_update().select_related("organization").get(pk=membership_id)
        if membership.is_manager and not is_manager and not _keeps_a_manager(membership.organization_id,
                                                                             without=membership.pk):
            raise GrantsError(f"「{membership.organization}」须至少保留一名机构管理员（机构管理员为本机构添加成员账号）")
        membership.is_manager = is_manager
        membership.save(update_fields=["is_manager"])
    return membership


def remove_member(*, actor, membership_id: int) -> None:
    _require_officer(actor, "维护机构成员")
    with transaction.atomic():
        membership = Membership.objects.select_for_update().select_related("organization").filter(
            pk=membership_id).first()
        if membership is None:
            return
        if membership.is_manager and not _keeps_a_manager(membership.organization_id, without=membership.pk):
            raise GrantsError(f"「{membership.organization}」须至少保留一名机构管理员（机构管理员为本机构添加成员账号）")
        membership.delete()


# ---------------------------------------------------------------- credit lists (活动异常名录, 严重违法失信名单)

def record_credit_listing(*, actor, organization: Organization, list_type: str, listed_on, removed_on=None,
                          reason: str = "") -> CreditListEntry:
    _require_officer(actor, "登记信用名单")
    entry = CreditListEntry(organization=organization, list_type=list_type, listed_on=listed_on,
                            removed_on=removed_on, reason=reason)
    problems = labelled_problems(entry)
    if problems:
        raise GrantsError(problems)
    with transaction.atomic():
        entry.save()
        history.record(actor=actor, subject="credit_entry", action="create", obj_id=entry.pk,
                       after=history.values(entry, CREDIT_FIELDS), organization=organization)
    return entry


CREDIT_FIELDS = ["list_type", "listed_on", "removed_on", "reason"]


def end_credit_listing(*, actor, entry_id: int, removed_on, reason: str | None = None) -> CreditListEntry:
    """The organization was taken off the list on `removed_on` (or that date is corrected). Which list
    and since when are not changed here: an entry recorded wrongly is deleted and recorded again."""
    _require_officer(actor, "登记信用名单")
    with transaction.atomic():
        entry = CreditListEntry.objects.select_for_update().select_related("organization").get(pk=entry_id)
        before = history.values(entry, CREDIT_FIELDS)
        entry.removed_on = removed_on
        if reason is not None:
            entry.reason = reason
        _validated_save(entry)
        history.record(actor=actor, subject="credit_entry", action="change", obj_id=entry.pk, before=before,
                       after=history.values(entry, CREDIT_FIELDS), organization=entry.organization)
        return entry


def delete_credit_listing(*, actor, entry_id: int) -> None:
    _require_officer(actor, "登记信用名单")
    with transaction.atomic():
        entry = CreditListEntry.objects.select_for_update().select_related("organization").filter(pk=entry_id).first()
        if entry is None:
            return
        history.record(actor=actor, subject="credit_entry", action="delete", obj_id=entry.pk,
                       before=history.values(entry, CREDIT_FIELDS), organization=entry.organization)
        entry.delete()


def _applicant_user(*, username: str, email: str, display_name: str, phone: str, password: str):
    """An unsaved applicant account and every problem with it (name taken, no e-mail, weak password)."""
    user = User(username=(username or "").strip(), email=(email or "").strip(), display_name=(display_name or "").strip(),
                phone=(phone or "").strip(), role=Role.APPLICANT)
    problems: list[str] = []
    if not user.username:
        problems.append("请填写登录用户名")
    elif User.objects.filter(username__iexact=user.username).exists():
        problems.append(f"用户名「{user.username}」已被使用，请换一个")
    if not user.email:
        problems.append("请填写电子邮箱，用于接收通知和找回密码")
    try:
        validate_password(password, user)
    except ValidationError as exc:
        problems.extend(exc.messages)
    return user, problems


def register_organization(*, actor, organization: Organization, username: str, password: str, email: str,
                          display_name: str = "", phone: str = "", rating_certificate=None):
    """Self-registration (actor is None: nobody is logged in yet). Creates the organization, its first
    user and the membership together, or nothing, after checking every field at once."""
    user, problems = _applicant_user(username=username, email=email, display_name=display_name, phone=phone,
                                     password=password)
    problems += model_problems(organization) + single_line_problems(user)
    certificate = None
    if rating_certificate is not None:
        certificate = _certificate(rating_certificate, problems)
    if organization.rating and certificate is None:
        problems.append("填写评估等级时须上传评估等级证书")
    if problems:
        raise GrantsError(problems)
    with transaction.atomic():
        user.set_password(password)
        user.save()
        if certificate is not None:
            name, data = certificate
            organization.rating_certificate_name = name
            organization.rating_certificate.save(name, ContentFile(data), save=False)
        organization.save()
        Membership.objects.create(organization=organization, user=user, is_manager=True)
        note_registration(organization=organization)
    return user


def _certificate(uploaded_file, problems: list[str]) -> tuple[str, bytes] | None:
    limit = settings.PROTECTED_UPLOAD_MAX_BYTES
    data = uploaded_file.read(limit + 1)
    if len(data) > limit:
        problems.append(f"评估等级证书文件过大，单个文件不能超过 {limit // 1048576} MB")
        return None
    kind = sniff(data[:16], data)
    if kind not in ("pdf", "jpg", "png"):
        problems.append("评估等级证书只接受 PDF、JPG、PNG 文件；该文件的内容不是这些格式之一（与扩展名无关）")
        return None
    return safe_name(getattr(uploaded_file, "name", ""), kind), data


def create_member(*, actor, organization: Organization, username: str, password: str, email: str,
                  display_name: str = ""):
    """A manager of the organization adds a colleague's account; the colleague can reset the password by email."""
    if not Membership.objects.filter(organization=organization, user=actor, is_manager=True).exists():
        raise GrantsError("只有机构管理员可以添加成员")
    user, problems = _applicant_user(username=username, email=email, display_name=display_name, phone="",
                                     password=password)
    if problems:
        raise GrantsError(problems)
    with transaction.atomic():
        user.set_password(password)
        user.save()
        Membership.objects.create(organization=organization, user=user)
    return user
