"""Attachments: checked by content before anything is stored, removed only while editable."""
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed, has_transition_perm
from core.money import money
from grants.models import GrantRound, Organization
from grants.rules.budget import line_amount
from core.calendar import SHANGHAI, add_working_days, today
from projects import budget as budget_rules
from projects import guards
from projects.errors import ProjectError
from projects.models import BudgetLine, Evaluation, EvaluationKind, Indicator, Milestone, Project, ProjectEvent
from projects.notifications import notify_transition
from projects.permissions import is_member
from projects.states import EDITABLE, TRANSITIONS, State
from projects.services.audit import log_event
from projects.services.drafting import _editable, _require_member


def _size(n: int) -> str:
    return f"{n / 1048576:.1f} MB" if n >= 1048576 else f"{max(1, n // 1024)} KB"


def add_attachment(*, actor, project_id: int, kind: str, uploaded_file) -> "Attachment":
    """Checks the bytes (type and size) before anything is stored; the stored name is random."""
    import hashlib

    from django.conf import settings
    from django.core.files.base import ContentFile

    from grants.defaults import ATTACHMENT_KINDS
    from projects.models import Attachment
    from core.uploads import ALLOWED, safe_name, sniff

    if kind not in ATTACHMENT_KINDS:
        raise ProjectError("请选择附件类型")
    limit = settings.PROTECTED_UPLOAD_MAX_BYTES
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > limit:
        raise ProjectError(f"文件过大：{_size(size)}，单个文件不能超过 {_size(limit)}")
    data = uploaded_file.read(limit + 1)
    if len(data) > limit:
        raise ProjectError(f"文件过大，单个文件不能超过 {_size(limit)}")
    if not data:
        raise ProjectError("文件是空的，请重新选择")
    real = sniff(data[:16], data)
    if real is None:
        raise ProjectError("只接受 PDF、JPG、PNG、DOCX、XLSX 文件；该文件的内容不是这些格式之一（与扩展名无关）")
    name = safe_name(getattr(uploaded_file, "name", ""), real)
    project = Project.objects.get(pk=project_id)
    # Receipts and signed agreements arrive after submission; application documents only while editable.
    if kind in ("receipt", "signed_agreement"):
        _require_member(actor, project.organization_id)
    with transaction.atomic():
        if kind not in ("receipt", "signed_agreement"):
            project = _editable(project_id, actor)
        attachment = Attachment(
            project=project, kind=kind, original_name=name, content_type=ALLOWED[real], size=len(data),
            sha256=hashlib.sha256(data).hexdigest(), uploaded_by=actor,
        )
        attachment.file.save(name, ContentFile(data), save=False)
        attachment.save()
        log_event(project=project, actor=actor, action="attachment", comment=f"上传附件：{name}")
    return attachment


def remove_attachment(*, actor, attachment_id: int) -> Project:
    """An application document uploaded by mistake can be removed while the application is editable."""
    from projects.models import Attachment

    with transaction.atomic():
        attachment = Attachment.objects.select_related("project").get(pk=attachment_id)
        project = _editable(attachment.project_id, actor)
        name, stored, storage = attachment.original_name, attachment.file.name, attachment.file.storage
        attachment.delete()
        log_event(project=project, actor=actor, action="attachment_removed", comment=f"删除附件：{name}")
        # The bytes go only once the row is gone for good; a rolled-back delete keeps its file.
        transaction.on_commit(lambda: storage.delete(stored))
    return project
