"""The officer's per-round panel settings (discussion, oral defense weight, preferences, fill-down):
one writer, audited with before and after."""
from __future__ import annotations

from django.db import transaction
from django.forms.models import model_to_dict

from core.validation import model_problems
from grants.models import GrantRound
from reviewers import aggregates, panel_rules
from reviewers.errors import ReviewError
from reviewers.panel_models import PanelAudit, PanelPolicy
from reviewers.panel_selectors import as_rules
from reviewers.services import _require_officer

FIELDS = ("peers_see_scores", "discussion_until", "defense_weight", "rating_mode", "rating_min", "rating_bonus",
          "excellent_mode", "excellent_bonus", "excellent_lookback_years", "reserve_count", "allow_cut")


def _plain(policy: PanelPolicy) -> dict:
    return {k: str(v) if v is not None else None for k, v in model_to_dict(policy, fields=FIELDS).items()}


def _label(field_name: str) -> str:
    return str(getattr(PanelPolicy._meta.get_field(field_name), "verbose_name", field_name))


def save_policy(*, actor, round_id: int, values: dict) -> PanelPolicy:
    _require_officer(actor, "设置评审组规则")
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise ReviewError("未知的设置项")
    with transaction.atomic():
        round = GrantRound.objects.select_for_update().filter(pk=round_id).first()
        if round is None:
            raise ReviewError("批次不存在")
        policy = PanelPolicy.objects.select_for_update().filter(round=round).first() or PanelPolicy(round=round)
        before = _plain(policy)  # the defaults when the round had no row yet
        for key, value in values.items():
            setattr(policy, key, value)
        problems = [p.message for p in panel_rules.policy_problems(as_rules(policy), policy.reserve_count)]
        problems += model_problems(policy)
        if problems:
            raise ReviewError(problems)
        policy.updated_by = actor
        policy.save()
        aggregates.rebuild_round(round)
        after = _plain(policy)
        changed = {k: {"before": before.get(k), "after": v} for k, v in after.items() if before.get(k) != v}
        PanelAudit.objects.create(round=round, actor=actor, action="policy_changed",
                                  comment="修改评审组设置：" + "、".join(_label(k) for k in sorted(changed)) if changed else "保存评审组设置（无变化）",
                                  data=changed)
    return policy
