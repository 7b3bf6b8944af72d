"""Which changes to a round's settings history forbids (pure: the caller passes what is in use).

A setting that already shaped applications, scores, agreements or evaluations is frozen from that
moment, and the officer is told why; a new round (a copy) is the way to change it for the future.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from core.money import format_yuan


@dataclass(frozen=True)
class Usage:
    applications: int = 0
    scores: int = 0
    agreements: int = 0
    midterm_evaluations: int = 0
    final_evaluations: int = 0
    committed: Decimal = Decimal("0.00")
    used_domains: frozenset[str] = frozenset()
    requested_min: Decimal | None = None  # smallest and largest request among applications still in play
    requested_max: Decimal | None = None


def refusals(changed: Iterable[str], usage, *, new_pot: Decimal | None = None,
             new_domains: Iterable[str] = (), domain_labels: dict | None = None,
             new_range: tuple[Decimal, Decimal] | None = None) -> list[str]:
    """Every reason the change of `changed` fields is refused; empty when it may be saved."""
    changed = set(changed)
    labels = domain_labels or {}
    problems: list[str] = []
    if changed & {"rubric", "aggregation"} and usage.scores:
        problems.append(f"专家评分已经开始（已有{usage.scores}份评分），评分细则和汇总方式不能再修改，"
                        "否则已打的分数和排名将失去依据；如需调整请在下一批次中设置")
    if "tranche_template" in changed and usage.agreements:
        problems.append(f"已有{usage.agreements}个项目签订资助协议，分期拨付模板已写入协议，不能再修改")
    if changed & {"midterm_rubric", "midterm_pass_mark"} and usage.midterm_evaluations:
        problems.append(f"已有{usage.midterm_evaluations}份中期评估，中期评估细则和合格线不能再修改")
    if changed & {"final_rubric", "grade_thresholds"} and usage.final_evaluations:
        problems.append(f"已有{usage.final_evaluations}份结项评估，结项评估细则和等级分数线不能再修改")
    if "code" in changed and usage.applications:
        problems.append("本批次已有提交的申报，批次代码已用于项目编号，不能再修改")
    if "pot" in changed and new_pot is not None and new_pot < usage.committed:
        problems.append(f"资金总额 {format_yuan(new_pot)} 元低于已承诺的资助金额 {format_yuan(usage.committed)} 元，"
                        "不能调低到已承诺金额以下")
    if changed & {"min_amount", "max_amount"} and new_range and usage.requested_min is not None:
        low, high = new_range
        if usage.requested_min < low or usage.requested_max > high:
            problems.append(
                f"已提交的申报书申请金额在 {format_yuan(usage.requested_min)} 至 {format_yuan(usage.requested_max)} 元之间，"
                f"新的单个项目资助额度 {format_yuan(low)} 至 {format_yuan(high)} 元会使其中的申报不符合规定，不能这样修改")
    if "domains" in changed:
        dropped = sorted(set(usage.used_domains) - set(new_domains))
        if dropped:
            names = "、".join(str(labels.get(d, d)) for d in dropped)
            problems.append(f"已有申报书选择了服务领域「{names}」，不能从本批次的征集范围中删除")
    return problems


def question_refusals(*, label: str, answered: int, kind_changed: bool, choices_removed: list[str],
                      deleted: bool) -> list[str]:
    """A question answered in submitted applications keeps its meaning: not removed, not retyped,
    no option taken away that someone chose."""
    if not answered:
        return []
    if deleted:
        return [f"问题「{label}」已有{answered}份申报书作答，不能删除"]
    problems = []
    if kind_changed:
        problems.append(f"问题「{label}」已有{answered}份申报书作答，不能修改回答类型")
    if choices_removed:
        problems.append(f"问题「{label}」的选项「{'、'.join(choices_removed)}」已被申报书选中，不能删除")
    return problems


def new_question_refusal(*, label: str, required: bool, applications: int) -> str | None:
    if required and applications:
        return (f"已有{applications}份申报书提交，不能再增加必答问题「{label}」（已提交的申报书无法作答）；"
                "可以增加为选答问题")
    return None
