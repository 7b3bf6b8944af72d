"""Writes to the organization record after registration (issue 15).

- Contact and address: the organization's own members change them directly; audited before/after.
- Rating and registration facts: a member asks with evidence; a program officer approves (the record
  changes, before/after kept on the request and in the audit trail) or rejects with a reason.
- Bank details: finance.services.request_bank_detail_change (finance decides), not duplicated here.
- Verification: an officer confirms a self-registration against its certificate; where the
  installation requires it, only verified organizations submit (projects.guards.submission_problems).

Keyword-only, `actor=` first, atomic, rows locked, an OrganizationEvent in the same transaction.
"""
from datetime import date

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from accounts.selectors import program_officers
from accounts.services import notify
from core.uploads import safe_name, sniff
from core.validation import control_characters, model_problems
from grants.errors import GrantsError
from grants.models import Membership, Organization, Rating
from grants.organization_changes import (
    ChangeKind,
    ChangeRequestState,
    OrganizationChangeRequest,
    OrganizationEvent,
    OrganizationVerification,
)

CONTACT_FIELDS = ("address", "contact_name", "contact_phone")
CHANGE_FIELDS: dict[str, tuple[str, ...]] = {
    ChangeKind.RATING: ("rating", "rating_valid_until"),
    ChangeKind.REGISTRATION: ("credit_code", "org_type", "registration_date", "district"),
}
LABELS = {"address": "地址", "contact_name": "联系人", "contact_phone": "联系电话", "rating": "评估等级",
          "rating_valid_until": "评估等级有效期", "credit_code": "统一社会信用代码", "org_type": "机构类型",
          "registration_date": "登记日期", "district": "所在区县"}
EVIDENCE_TYPES = ("pdf", "jpg", "png")


def verification_required() -> bool:
    return bool(getattr(settings, "ORGANIZATION_VERIFICATION_REQUIRED", True))


def is_verified(organization_id: int) -> bool:
    return OrganizationVerification.objects.filter(organization_id=organization_id).exists()


def _require_member(actor, organization_id: int) -> None:
    if actor is None or not actor.is_active or not Membership.objects.filter(
            user=actor, organization_id=organization_id).exists():
        raise GrantsError("只有本机构的成员可以修改机构信息")


def _require_officer(actor, what: str) -> None:
    if actor is None or not actor.has_role(Role.OFFICER):
        raise GrantsError(f"只有项目管理员可以{what}")


def _json(value):
    return value.isoformat() if isinstance(value, date) else value


def _from_json(name: str, value):
    if value in (None, ""):
        return None if name in ("rating", "rating_valid_until", "registration_date") else ""
    if name in ("rating_valid_until", "registration_date"):
        return date.fromisoformat(value)
    return value


def _values(org: Organization, names) -> dict:
    return {name: _json(getattr(org, name)) for name in names}


def _members(organization_id: int):
    return User.objects.filter(is_active=True, pk__in=Membership.objects.filter(
        organization_id=organization_id).values("user_id"))


def _audit(org: Organization, actor, action: str, before: dict, after: dict, comment: str = "") -> None:
    OrganizationEvent.objects.create(organization=org, actor=actor, action=action, before=before, after=after,
                                     comment=comment)


# ---------------------------------------------------------------- contact and address (direct)

def update_contact(*, actor, organization_id: int, address: str, contact_name: str,
                   contact_phone: str) -> Organization:
    _require_member(actor, organization_id)
    after = {"address": (address or "").strip(), "contact_name": (contact_name or "").strip(),
             "contact_phone": (contact_phone or "").strip()}
    problems = [f"{LABELS[k]}：不能包含换行或其他控制字符" for k, v in after.items() if control_characters(v)]
    problems += [f"请填写{LABELS[k]}" for k in ("contact_name", "contact_phone") if not after[k]]
    if problems:
        raise GrantsError(problems)
    with transaction.atomic():
        org = Organization.objects.select_for_update().get(pk=organization_id)
        before = _values(org, CONTACT_FIELDS)
        if before == after:
            raise GrantsError("联系信息没有变化")
        for name, value in after.items():
            setattr(org, name, value)
        problems = model_problems(org, exclude=[f.name for f in org._meta.fields if f.name not in CONTACT_FIELDS])
        if problems:
            raise GrantsError(problems)
        org.save(update_fields=list(CONTACT_FIELDS))
        _audit(org, actor, "contact_changed", before, after)
    return org


# ---------------------------------------------------------------- rating and registration facts (officer)

def _evidence(uploaded_file) -> tuple[str, bytes]:
    if uploaded_file is None:
        raise GrantsError("请上传证明材料（登记证书、评估等级证书或批准文件的扫描件）")
    limit = settings.PROTECTED_UPLOAD_MAX_BYTES
    data = uploaded_file.read(limit + 1)
    if not data:
        raise GrantsError("证明材料文件是空的，请重新选择")
    if len(data) > limit:
        raise GrantsError(f"证明材料文件过大，单个文件不能超过 {limit // 1048576} MB")
    kind = sniff(data[:16], data)
    if kind not in EVIDENCE_TYPES:
        raise GrantsError("证明材料只接受 PDF、JPG、PNG 文件；该文件的内容不是这些格式之一（与扩展名无关）")
    return safe_name(getattr(uploaded_file, "name", "") or "", kind), data


def _candidate_problems(org: Organization, values: dict) -> list[str]:
    """The record as it would be after the change, checked by every model rule."""
    candidate = Organization(**{f.attname: getattr(org, f.attname) for f in org._meta.concrete_fields})
    candidate._state.adding = False  # the same row: its own name and code are not "taken"
    for name, value in values.items():
        setattr(candidate, name, value)
    if candidate.rating and not candidate.rating_valid_until:
        return ["填写评估等级时须填写有效期"]
    return model_problems(candidate)


def request_change(*, actor, organization_id: int, kind: str, values: dict, reason: str,
                   evidence) -> OrganizationChangeRequest:
    """`values`: the new facts of `kind` (typed: int rating, dates); checked as the record would be."""
    _require_member(actor, organization_id)
    if kind not in CHANGE_FIELDS:
        raise GrantsError("未知的变更类型")
    names = CHANGE_FIELDS[kind]
    unknown = set(values) - set(names)
    if unknown:
        raise GrantsError("变更内容不属于该变更类型")
    reason = (reason or "").strip()
    problems = [] if reason else ["请说明变更原因"]
    if kind == ChangeKind.RATING and values.get("rating") not in (None, *Rating.values):
        problems.append("评估等级只能是1A至5A")
    try:
        name, data = _evidence(evidence)
    except GrantsError as exc:
        problems += exc.errors
    if problems:
        raise GrantsError(problems)
    with transaction.atomic():
        org = Organization.objects.select_for_update().get(pk=organization_id)
        if OrganizationChangeRequest.objects.filter(organization=org, kind=kind,
                                                    state=ChangeRequestState.PENDING).exists():
            raise GrantsError("已有一份同类变更申请在审核中，请等待审核结果")
        before = _values(org, names)
        after = {n: _json(values.get(n)) for n in names}
        if kind == ChangeKind.REGISTRATION and after.get("credit_code"):
            after["credit_code"] = str(after["credit_code"]).strip().upper()
        if before == after:
            raise GrantsError("填写的内容与现有信息相同，无需变更")
        problems = _candidate_problems(org, {n: _from_json(n, v) for n, v in after.items()})
        if problems:
            raise GrantsError(problems)
        change = OrganizationChangeRequest(organization=org, kind=kind, before=before, after=after, reason=reason,
                                           evidence_name=name, requested_by=actor)
        change.evidence.save(name, ContentFile(data), save=False)
        change.save()
        _audit(org, actor, f"{kind}_change_requested", before, after, reason)
        notify(actor=actor, recipients=list(program_officers()), url=reverse("organizations:review"),
               text=f"「{org.name}」申请变更{ChangeKind(kind).label}，请审核", key=f"org-change:{change.pk}")
    return change


def decide_change(*, actor, request_id: int, approve: bool, comment: str = "") -> OrganizationChangeRequest:
    """Approve: the record takes the new facts (a rating's evidence becomes its certificate). Reject: with a reason."""
    _require_officer(actor, "审核机构信息变更")
    comment = (comment or "").strip()
    if not approve and not comment:
        raise GrantsError("驳回变更申请须填写理由")
    with transaction.atomic():
        change = OrganizationChangeRequest.objects.select_for_update().filter(pk=request_id).first()
        if change is None:
            raise GrantsError("变更申请不存在")
        if change.state != ChangeRequestState.PENDING:
            raise GrantsError("该申请已处理")
        org = Organization.objects.select_for_update().get(pk=change.organization_id)
        if approve:
            names = CHANGE_FIELDS[change.kind]
            current = _values(org, names)
            if current != change.before:
                # Someone changed these facts since the request: the officer would approve a stale "before".
                raise GrantsError("申请提交后机构信息已被修改，请驳回后由机构重新提交")
            problems = _candidate_problems(org, {n: _from_json(n, v) for n, v in change.after.items()})
            if problems:
                raise GrantsError(problems)
            for name, value in change.after.items():
                setattr(org, name, _from_json(name, value))
            fields = list(names)
            if change.kind == ChangeKind.RATING and org.rating:
                with change.evidence.open("rb") as fh:
                    org.rating_certificate.save(change.evidence_name, ContentFile(fh.read()), save=False)
                org.rating_certificate_name = change.evidence_name
                fields += ["rating_certificate", "rating_certificate_name"]
            org.save(update_fields=fields)
        change.state = ChangeRequestState.APPROVED if approve else ChangeRequestState.REJECTED
        change.decided_by, change.decided_at, change.decision_comment = actor, timezone.now(), comment
        change.save(update_fields=["state", "decided_by", "decided_at", "decision_comment"])
        _audit(org, actor, f"{change.kind}_change_{change.state}", change.before,
               change.after if approve else {}, comment)
        outcome = "已通过" if approve else f"未通过：{comment}"
        notify(actor=actor, recipients=list(_members(org.pk)), url=reverse("applicant:organization"),
               text=f"机构{ChangeKind(change.kind).label}变更申请{outcome}", key=f"org-change-decided:{change.pk}")
    return change


# ---------------------------------------------------------------- verification of a self-registration

def note_registration(*, organization: Organization) -> None:
    """Called by grants.services.register_organization inside its transaction: the officers hear of it."""
    _audit(organization, None, "registered", {}, {"name": organization.name,
                                                 "credit_code": organization.credit_code or ""})
    if verification_required():
        notify(actor=None, recipients=list(program_officers()), url=reverse("organizations:review"),
               text=f"新注册机构「{organization.name}」待核实", key=f"org-registered:{organization.pk}")


def verify_organization(*, actor, organization_id: int, comment: str = "") -> OrganizationVerification:
    _require_officer(actor, "核实注册机构")
    with transaction.atomic():
        org = Organization.objects.select_for_update().filter(pk=organization_id).first()
        if org is None:
            raise GrantsError("机构不存在")
        if OrganizationVerification.objects.filter(organization=org).exists():
            raise GrantsError(f"「{org.name}」已经核实过")
        verification = OrganizationVerification.objects.create(organization=org, verified_by=actor,
                                                               comment=(comment or "").strip())
        _audit(org, actor, "verified", {}, {}, verification.comment)
        notify(actor=actor, recipients=list(_members(org.pk)), url=reverse("applicant:organization"),
               text=f"「{org.name}」的注册信息已核实，可以提交申报", key=f"org-verified:{org.pk}")
    return verification
