"""The second factor (TOTP, django-otp): who must have one, enrolment, verification, recovery codes.

Services in the house style (keyword-only, actor first, one transaction with the security-log row);
the views log the verified device into the session (django_otp.login) after a service accepted it.
Recovery codes are django-otp static tokens: each is deleted when used, so it works once."""
from base64 import b32encode

import segno
from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import security
from accounts.client import Client
from accounts.errors import AccountsError
from accounts.models import Role

WRONG_CODE = "验证码不正确或已过期，请重新输入当前显示的 6 位验证码（或一个未用过的恢复码）"
TOO_MANY = "验证码错误次数过多，请稍候再试"
RECOVERY_NAME = "recovery"


def required_for(user) -> bool:
    """Officers, finance officers and administrators (settings.OTP_REQUIRED_ROLES) must use one."""
    roles = set(settings.OTP_REQUIRED_ROLES)
    if not roles or not user.is_authenticated:
        return False
    return user.role in roles or (Role.ADMIN in roles and (user.is_superuser or user.is_staff))


def enrolled(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_device(*, actor) -> TOTPDevice:
    """The secret being enrolled: the same one on every reload until it is confirmed."""
    device = TOTPDevice.objects.filter(user=actor, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=actor, name="TOTP", confirmed=False)


def secret_text(device: TOTPDevice) -> str:
    raw = b32encode(device.bin_key).decode()
    return " ".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG drawn on the server (no script, no outside service)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=5, border=2)


def _new_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.OTP_RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def confirm_enrolment(*, actor, token: str, client: Client) -> tuple[TOTPDevice, list[str]]:
    """The first code from the app proves it holds the secret; returns the device and the recovery
    codes (shown once: only their use is checked afterwards)."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=actor, confirmed=False).order_by("pk").first()
        if device is None:
            raise AccountsError("请重新打开绑定页面，用新的二维码绑定")
        if not device.verify_token(token):
            security.record(security.Kind.OTP_FAILED, client=client, user=actor, stage="enrolment")
            raise AccountsError(WRONG_CODE)
        TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(actor)
        security.record(security.Kind.OTP_ENROLLED, client=client, user=actor)
    return device, codes


def verify(*, actor, token: str, client: Client):
    """The device that accepted `token` (the app's code, or a recovery code, which is then used up)."""
    throttled = False
    with transaction.atomic():
        for device in TOTPDevice.objects.select_for_update().filter(user=actor, confirmed=True):
            if not device.verify_is_allowed()[0]:
                throttled = True  # django-otp's growing back-off after wrong codes
                break
            if device.verify_token(token):
                security.record(security.Kind.OTP_VERIFIED, client=client, user=actor)
                return device
        for device in StaticDevice.objects.select_for_update().filter(user=actor, confirmed=True):
            if not throttled and device.verify_token(token):
                left = device.token_set.count()
                security.record(security.Kind.OTP_RECOVERY_USED, client=client, user=actor, codes_left=left)
                return device
    # Recorded after the block: django-otp's failure counters written above stay counted either way.
    security.record(security.Kind.OTP_FAILED, client=client, user=actor, **({"refused": "throttled"} if throttled else {}))
    raise AccountsError(TOO_MANY if throttled else WRONG_CODE)


def regenerate_recovery_codes(*, actor, client: Client) -> list[str]:
    if not enrolled(actor):
        raise AccountsError("请先绑定身份验证器")
    with transaction.atomic():
        codes = _new_recovery_codes(actor)
        security.record(security.Kind.OTP_ENROLLED, client=client, user=actor, recovery_codes="renewed")
    return codes


def remove(*, actor, user, client: Client) -> None:
    """An administrator removes a person's authenticator (a lost phone): they enrol again at next login."""
    if actor is None or not actor.is_admin:
        raise AccountsError("只有系统管理员可以重置他人的二次验证")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        security.record(security.Kind.OTP_REMOVED, client=client, user=user, by=actor.get_username())
