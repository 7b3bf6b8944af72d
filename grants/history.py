"""The change history of configuration and master data (grants.models.ChangeRecord).

Values are kept as the text an officer reads (labels, not codes; numbers without trailing zeros),
field by field, and only the fields that changed: a record stays readable after the model changes,
and "20" and "20.00" are the same setting. Services call `record` inside their transaction.
"""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.db import models

from core.money import format_yuan, money
from grants import defaults
from grants.models import MONEY, ChangeRecord, GrantRound, Organization
from grants.rules.budget import CATEGORIES
from grants.rules.tranches import TRIGGERS
from grants.state_labels import state_label

GRADE_NAMES = {"excellent": "优秀", "good": "良好", "pass": "合格"}
LIST_LABELS = {"domains": defaults.DOMAINS, "required_attachments": defaults.ATTACHMENT_KINDS}


def _number(value) -> str:
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not d.is_finite():
        return str(value)
    text = format(d.normalize(), "f")
    return text


def _row(field: str, item: dict) -> str:
    if field == "tranche_template":
        return f"{item.get('name', '')} {_number(item.get('percent'))}%（{TRIGGERS.get(str(item.get('trigger')), item.get('trigger'))}）"
    if field == "forbidden_expenses":
        return f"{item.get('rule', '')}：{'、'.join(item.get('keywords') or [])}"
    text = f"{item.get('name', '')} 满分{_number(item.get('max'))}"
    if "weight" in item:
        text += f" 权重{_number(item.get('weight'))}"
    return text


def display(field: str, value) -> str:
    """One setting as an officer reads it."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (Decimal, int, float)):
        return _number(value)
    if isinstance(value, dict):
        return "，".join(f"{GRADE_NAMES.get(k, k)}{_number(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        if all(isinstance(v, dict) for v in value):
            return "；".join(_row(field, v) for v in value) or "—"
        if field == "unfinished_states":
            return "、".join(state_label(v) for v in value) or "—"
        labels = LIST_LABELS.get(field, {})
        return "、".join(str(labels.get(v, v)) for v in value) or "—"
    if isinstance(value, models.Model):
        return str(value)
    return str(value)


def values(obj: models.Model, fields: Iterable[str]) -> dict[str, str]:
    result = {}
    for name in fields:
        field = obj._meta.get_field(name)
        assert isinstance(field, models.Field)  # only concrete fields and many-to-many ones are listed
        if isinstance(field, models.DecimalField) and field.max_digits == MONEY["max_digits"] \
                and getattr(obj, name) is not None and name != "value":
            result[name] = f"{format_yuan(money(str(getattr(obj, name))))} 元"
        elif getattr(field, "choices", None):
            raw = getattr(obj, field.attname)
            result[name] = display(name, dict(field.flatchoices).get(raw, raw) if raw not in (None, "") else None)
        elif field.is_relation:
            result[name] = display(name, getattr(obj, name))
        else:
            result[name] = display(name, getattr(obj, name))
    return result


def changed(before: dict[str, str], after: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    keys = [k for k in after if before.get(k) != after[k]] + [k for k in before if k not in after]
    return {k: before.get(k, "—") for k in keys}, {k: after.get(k, "—") for k in keys}


def record(*, actor, subject: str, action: str, obj_id: int | None = None, before: dict | None = None,
           after: dict | None = None, reason: str = "", round: GrantRound | None = None,
           organization: Organization | None = None) -> ChangeRecord | None:
    """One history row with only what changed; nothing when an edit changed nothing."""
    b, a = changed(before or {}, after or {})
    if action == "change" and not a:
        return None
    return ChangeRecord.objects.create(subject=subject, action=action, object_id=obj_id, before=b, after=a,
                                       reason=reason, round=round, organization=organization, actor=actor)


def cap_text(kind: str, value) -> str:
    if kind == "forbidden":
        return "不得使用资助资金"
    if kind == "fixed":
        return f"不超过{_number(value)}元"
    base = "资助额" if kind == "pct_grant" else "预算总额"
    return f"不超过{base}的{_number(value)}%"


def category_label(category: str) -> str:
    return str(CATEGORIES.get(category, category))
