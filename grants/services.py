"""Writes to organizations and rounds: validated in full before anything is saved."""
from django.core.exceptions import ValidationError
from django.db import transaction

from grants.errors import GrantsError
from grants.models import CreditListEntry, GrantRound, Membership, Organization


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "message_dict"):
        return [m for messages in exc.message_dict.values() for m in messages]
    return list(exc.messages)


def save_organization(*, actor, organization: Organization) -> Organization:
    try:
        organization.full_clean()
    except ValidationError as exc:
        raise GrantsError(_errors(exc)) from None
    organization.save()
    return organization


def save_round(*, actor, round: GrantRound) -> GrantRound:
    try:
        round.full_clean()
    except ValidationError as exc:
        raise GrantsError(_errors(exc)) from None
    round.save()
    return round


def add_member(*, actor, organization: Organization, user, is_manager: bool = False) -> Membership:
    membership, _ = Membership.objects.get_or_create(
        organization=organization, user=user, defaults={"is_manager": is_manager}
    )
    return membership


def record_credit_listing(*, actor, organization: Organization, list_type: str, listed_on, removed_on=None,
                          reason: str = "") -> CreditListEntry:
    entry = CreditListEntry(organization=organization, list_type=list_type, listed_on=listed_on,
                            removed_on=removed_on, reason=reason)
    try:
        entry.full_clean()
    except ValidationError as exc:
        raise GrantsError(_errors(exc)) from None
    with transaction.atomic():
        entry.save()
    return entry


def _applicant_user(*, username: str, email: str, display_name: str, phone: str, password: str):
    """An unsaved applicant account and every problem with it (name taken, no e-mail, weak password)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password

    from accounts.models import Role

    User = get_user_model()
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
    try:
        organization.full_clean()
    except ValidationError as exc:
        problems.extend(_errors(exc))
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
            from django.core.files.base import ContentFile

            organization.rating_certificate_name = name
            organization.rating_certificate.save(name, ContentFile(data), save=False)
        organization.save()
        Membership.objects.create(organization=organization, user=user, is_manager=True)
    return user


def _certificate(uploaded_file, problems: list[str]) -> tuple[str, bytes] | None:
    from django.conf import settings

    from core.uploads import safe_name, sniff

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
