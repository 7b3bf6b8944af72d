"""Services of the round designer: create, copy, change and publish a round, its budget caps, extra
questions and call documents, and the districts list. Keyword-only, `actor=` first, atomic, the
changed rows locked; every change is checked against what the round is already used for
(grants.rules.round_changes) and recorded with before/after in the same transaction
(grants.history). grants.services re-exports these."""
from __future__ import annotations

import calendar as pycalendar
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.models import Role
from core.uploads import ALLOWED, safe_name, sniff
from core.validation import single_line_problems
from grants import defaults, history
from grants.errors import GrantsError
from grants.models import (
    BudgetCap,
    CallDocument,
    District,
    GrantRound,
    QuestionKind,
    RoundQuestion,
)
from grants.rules.budget import CATEGORIES
from grants.rules.round_changes import new_question_refusal, question_refusals, refusals
from grants.usage import usage_of

# Every setting of a round the history follows (publication has its own service and record).
ROUND_FIELDS = [f.name for f in GrantRound._meta.concrete_fields
                if f.name not in ("id", "created_at", "published_at")]
REASON_NEEDED = "本批次已发布，修改设置须填写修改原因（将记入变更记录）"


def _require_officer(actor, what: str) -> None:
    if actor is None or not actor.has_role(Role.OFFICER):
        raise GrantsError(f"只有项目管理员或系统管理员可以{what}")


def labelled_problems(obj, *, exclude: list[str] | None = None) -> list[str]:
    """model_problems with the field's name in front of a field's message ("资金总额：此字段不能为空")."""
    problems = single_line_problems(obj, exclude=exclude)
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            try:
                label = str(obj._meta.get_field(name).verbose_name)
            except FieldDoesNotExist:
                label = ""
            for message in messages:
                # Rule messages already name what they are about (单个项目资助上限不能低于下限).
                problems.append(f"{label}：{message}" if label and message.startswith("此字段") else message)
    return problems


def _need_reason(round: GrantRound, reason: str) -> None:
    if round.is_published and not (reason or "").strip():
        raise GrantsError(REASON_NEEDED)


def _district_names(districts) -> str:
    return history.display("districts", sorted(d.name for d in districts)) if districts else "全部区县"


def save_round(*, actor, round: GrantRound, reason: str = "", districts=None) -> GrantRound:
    """Creates or changes a round. A change that would alter applications, scores, agreements or
    evaluations already made is refused with the reason; after publication a reason is required.
    `districts`: the districts served (None leaves them as they are)."""
    _require_officer(actor, "维护创投批次")
    problems = labelled_problems(round)
    if problems:
        raise GrantsError(problems)
    reason = (reason or "").strip()
    with transaction.atomic():
        if round.pk is None:
            round.save()
            if districts is not None:
                round.districts.set(districts)
            after = history.values(round, ROUND_FIELDS)
            after["districts"] = _district_names(list(round.districts.all()))
            history.record(actor=actor, subject="round", action="create", obj_id=round.pk, after=after,
                           reason=reason, round=round)
            return round
        stored = GrantRound.objects.select_for_update().get(pk=round.pk)
        before = history.values(stored, ROUND_FIELDS)
        after = history.values(round, ROUND_FIELDS)
        stored_districts = list(stored.districts.all())
        before["districts"] = _district_names(stored_districts)
        after["districts"] = _district_names(list(districts) if districts is not None else stored_districts)
        changed = [k for k in after if after[k] != before[k]]
        if not changed:
            return stored
        refused = refusals(changed, usage_of(stored), new_pot=round.pot, new_domains=round.domains or [],
                           domain_labels=defaults.DOMAINS, new_range=(round.min_amount, round.max_amount))
        if refused:
            raise GrantsError(refused)
        _need_reason(stored, reason)
        round.published_at = stored.published_at  # publishing is its own step (publish_round)
        round.created_at = stored.created_at
        round.save()
        if districts is not None:
            round.districts.set(districts)
        history.record(actor=actor, subject="round", action="change", obj_id=round.pk, before=before, after=after,
                       reason=reason, round=round)
    return round


def _shift_year(day: date | None, years: int) -> date | None:
    if day is None:
        return None
    year = day.year + years
    return day.replace(year=year, day=min(day.day, pycalendar.monthrange(year, day.month)[1]))


def copy_round(*, actor, source_id: int, name: str, year: int, code: str) -> GrantRound:
    """A new, unpublished round with every setting of `source` (caps, questions, districts), its
    windows moved by the difference in years. Applications, scores and documents stay behind."""
    _require_officer(actor, "维护创投批次")
    source = GrantRound.objects.filter(pk=source_id).first()
    if source is None:
        raise GrantsError("要复制的批次不存在")
    years = int(year) - source.year
    copy = GrantRound.objects.get(pk=source.pk)
    copy.pk = None
    copy.id = None
    copy._state.adding = True
    copy.name, copy.year, copy.code = (name or "").strip(), year, (code or "").strip()
    copy.published_at = None
    for field in ("apply_start", "apply_end", "review_start", "review_end"):
        setattr(copy, field, _shift_year(getattr(source, field), years))
    problems = labelled_problems(copy)
    if GrantRound.objects.filter(code=copy.code).exists():
        problems.append(f"批次代码「{copy.code}」已被使用，请换一个")
    if problems:
        raise GrantsError(list(dict.fromkeys(problems)))
    with transaction.atomic():
        copy.save()
        copy.districts.set(source.districts.all())
        BudgetCap.objects.bulk_create(BudgetCap(round=copy, category=c.category, kind=c.kind, value=c.value)
                                      for c in source.budget_caps.all())
        RoundQuestion.objects.bulk_create(
            RoundQuestion(round=copy, position=q.position, label=q.label, help_text=q.help_text, kind=q.kind,
                          choices=list(q.choices), required=q.required) for q in source.questions.all())
        history.record(actor=actor, subject="round", action="copy", obj_id=copy.pk,
                       after={"source": source.name, **history.values(copy, ["name", "year", "code"])},
                       round=copy)
    return copy


def publish_round(*, actor, round_id: int) -> GrantRound:
    """Puts the call (公告) and its documents on the public site; applicants may then apply."""
    _require_officer(actor, "发布创投批次")
    with transaction.atomic():
        round = GrantRound.objects.select_for_update().get(pk=round_id)
        if round.is_published:
            raise GrantsError("本批次已经发布")
        problems = []
        if not (round.description or "").strip():
            problems.append("请先填写征集公告正文，再发布")
        problems += labelled_problems(round)
        if problems:
            raise GrantsError(problems)
        round.published_at = timezone.now()
        round.save(update_fields=["published_at"])
        history.record(actor=actor, subject="round", action="publish", obj_id=round.pk,
                       after={"published_at": timezone.localtime(round.published_at).strftime("%Y-%m-%d %H:%M")},
                       round=round)
    return round


# ---------------------------------------------------------------- budget caps, all categories at once

def set_budget_caps(*, actor, round_id: int, caps: dict[str, tuple[str, Decimal | None] | None],
                    reason: str = "") -> GrantRound:
    """`caps`: category → (kind, value), or None for no cap of its own (the defaults apply)."""
    _require_officer(actor, "设置预算科目上限")
    problems: list[str] = []
    rows = []
    for category, setting in caps.items():
        if category not in CATEGORIES:
            problems.append(f"未知的预算科目：{category}")
            continue
        if setting is None:
            continue
        kind, value = setting
        cap = BudgetCap(category=category, kind=kind, value=value)
        cap_problems = labelled_problems(cap, exclude=["round"])
        problems += [f"{CATEGORIES[category]}：{p}" for p in cap_problems]
        rows.append(cap)
    if problems:
        raise GrantsError(problems)
    with transaction.atomic():
        round = GrantRound.objects.select_for_update().get(pk=round_id)
        stored = {c.category: history.cap_text(c.kind, c.value) for c in round.budget_caps.all()}
        wanted = {c.category: history.cap_text(c.kind, c.value) for c in rows}
        before = {history.category_label(k): stored.get(k, "—") for k in CATEGORIES}
        after = {history.category_label(k): wanted.get(k, "—") for k in CATEGORIES}
        if before == after:
            return round
        _need_reason(round, reason)
        round.budget_caps.all().delete()
        for cap in rows:
            cap.round = round
        BudgetCap.objects.bulk_create(rows)
        history.record(actor=actor, subject="budget_caps", action="change", obj_id=round.pk, before=before,
                       after=after, reason=(reason or "").strip(), round=round)
    return round


# ---------------------------------------------------------------- extra application questions

def _question_text(q: RoundQuestion) -> str:
    text = f"{q.label}（{q.get_kind_display()}{'，必答' if q.required else '，选答'}）"
    if q.kind == QuestionKind.CHOICE:
        text += "：" + "／".join(q.choices)
    return text


def save_questions(*, actor, round_id: int, rows: list[dict], reason: str = "") -> GrantRound:
    """Replaces the round's questions with `rows` (in order): {"id": existing id or None, "label",
    "help_text", "kind", "choices": [..], "required", "delete": bool}."""
    _require_officer(actor, "设置申报附加问题")
    with transaction.atomic():
        round = GrantRound.objects.select_for_update().get(pk=round_id)
        existing = {q.pk: q for q in RoundQuestion.objects.select_for_update().filter(round=round)}
        applications = round.projects.filter(submitted_at__isnull=False).count()
        before = {f"第{i}题": _question_text(q) for i, q in enumerate(existing.values(), start=1)}
        problems: list[str] = []
        keep: list[RoundQuestion] = []
        deleted: list[RoundQuestion] = []
        for position, row in enumerate(rows, start=1):
            old = existing.get(int(row["id"])) if row.get("id") else None
            if row.get("id") and old is None:
                problems.append(f"第{position}题已不存在，请刷新页面")
                continue
            answered = (old.answers.filter(project__submitted_at__isnull=False).count() if old else 0)
            if row.get("delete"):
                if old is not None:
                    problems += question_refusals(label=old.label, answered=answered, kind_changed=False,
                                                  choices_removed=[], deleted=True)
                    deleted.append(old)
                continue
            q = old or RoundQuestion(round=round)
            q.position, q.label = position, (row.get("label") or "").strip()
            q.help_text, q.kind = (row.get("help_text") or "").strip(), row.get("kind") or QuestionKind.TEXT
            q.choices, q.required = list(row.get("choices") or []), bool(row.get("required"))
            problems += [f"第{position}题：{p}" for p in labelled_problems(q, exclude=["round"])]
            if old is not None and answered:
                chosen = set(old.answers.filter(project__submitted_at__isnull=False).values_list("value", flat=True))
                stored = RoundQuestion.objects.get(pk=old.pk)
                problems += question_refusals(
                    label=stored.label, answered=answered, kind_changed=stored.kind != q.kind,
                    choices_removed=sorted(c for c in chosen if stored.kind == QuestionKind.CHOICE
                                           and c in stored.choices and c not in q.choices),
                    deleted=False)
                if q.required and not stored.required:
                    problems.append(f"已有{applications}份申报书提交，问题「{q.label}」不能改为必答")
            elif old is None:
                refusal = new_question_refusal(label=q.label, required=q.required, applications=applications)
                if refusal:
                    problems.append(refusal)
            keep.append(q)
        if problems:
            raise GrantsError(problems)
        after = {f"第{i}题": _question_text(q) for i, q in enumerate(keep, start=1)}
        if before == after:
            return round
        _need_reason(round, reason)
        for q in deleted:
            q.answers.all().delete()  # only drafts' answers: submitted ones refused the deletion above
            q.delete()
        for q in keep:
            q.save()
        history.record(actor=actor, subject="questions", action="change", obj_id=round.pk, before=before,
                       after=after, reason=(reason or "").strip(), round=round)
    return round


# ---------------------------------------------------------------- documents of the call

CALL_DOCUMENT_KINDS = frozenset({"pdf", "docx", "xlsx"})


def add_call_document(*, actor, round_id: int, title: str, upload) -> CallDocument:
    _require_officer(actor, "上传公告文件")
    limit = settings.PROTECTED_UPLOAD_MAX_BYTES
    title = (title or "").strip()
    problems = [] if title else ["请填写文件标题"]
    data = upload.read(limit + 1) if upload is not None else b""
    kind = sniff(data[:16], data) if data else None
    if upload is None or not data:
        problems.append("请选择要上传的文件")
    elif len(data) > limit:
        problems.append(f"文件过大，单个文件不能超过 {limit // 1048576} MB")
    elif kind not in CALL_DOCUMENT_KINDS:
        problems.append("公告文件只接受 PDF、Word（docx）、Excel（xlsx）文件；该文件的内容不是这些格式之一（与扩展名无关）")
    if problems or kind is None:
        raise GrantsError(problems)
    with transaction.atomic():
        round = GrantRound.objects.select_for_update().get(pk=round_id)
        name = safe_name(getattr(upload, "name", ""), kind)
        document = CallDocument(round=round, title=title[:200], original_name=name, content_type=ALLOWED[kind])
        document.file.save(name, ContentFile(data), save=False)
        document.save()
        history.record(actor=actor, subject="call_document", action="create", obj_id=document.pk,
                       after={"title": document.title, "file": name}, round=round)
    return document


def remove_call_document(*, actor, document_id: int) -> None:
    _require_officer(actor, "删除公告文件")
    with transaction.atomic():
        document = CallDocument.objects.select_for_update().select_related("round").filter(pk=document_id).first()
        if document is None:
            raise GrantsError("该文件不存在或已删除")
        history.record(actor=actor, subject="call_document", action="delete", obj_id=document.pk,
                       before={"title": document.title, "file": document.original_name}, round=document.round)
        document.delete()


# ---------------------------------------------------------------- districts

def save_district(*, actor, district: District) -> District:
    _require_officer(actor, "维护区县列表")
    problems = labelled_problems(district)
    if problems:
        raise GrantsError(problems)
    fields = ["name", "position", "active"]
    with transaction.atomic():
        if district.pk:
            stored = District.objects.select_for_update().get(pk=district.pk)
            before, action = history.values(stored, fields), "change"
        else:
            before, action = {}, "create"
        district.save()
        history.record(actor=actor, subject="district", action=action, obj_id=district.pk, before=before,
                       after=history.values(district, fields))
    return district

