"""Attachments: checked by content before anything is stored, removed only while editable."""
from django.db import transaction

from grants.defaults import ATTACHMENT_KINDS
from projects.errors import ProjectError
from projects.models import Attachment, Project
from projects.services.audit import log_event
from projects.services.drafting import _editable, _require_member, locked_project
from projects.services.files import check_file, kept_only_if_committed, store

# Filed after submission, so allowed whatever the state; application documents only while editable.
AFTER_SUBMISSION = ("receipt", "signed_agreement")


def add_attachment(*, actor, project_id: int, kind: str, uploaded_file) -> Attachment:
    """Checks the bytes (type and size) before anything is stored; the stored name is random.
    Receipts reported with spending go through submit_report, which links each to its row."""
    if kind not in ATTACHMENT_KINDS:
        raise ProjectError("请选择附件类型")
    checked = check_file(uploaded_file)
    with kept_only_if_committed() as stored, transaction.atomic():
        if kind in AFTER_SUBMISSION:
            project = locked_project(project_id)
            _require_member(actor, project.organization_id)
        else:
            project = _editable(project_id, actor)
        attachment = store(checked, stored=stored, project=project, kind=kind, actor=actor)
        log_event(project=project, actor=actor, action="attachment", comment=f"上传附件：{checked.name}")
    return attachment


def remove_attachment(*, actor, attachment_id: int) -> Project:
    """An application document uploaded by mistake can be removed while the application is editable."""
    with transaction.atomic():
        try:
            attachment = Attachment.objects.select_related("project").get(pk=int(attachment_id))
        except (Attachment.DoesNotExist, TypeError, ValueError, OverflowError):
            raise ProjectError("附件不存在") from None
        project = _editable(attachment.project_id, actor)
        if attachment.kind in AFTER_SUBMISSION:
            raise ProjectError("票据和签字协议是实施过程的凭证，不能删除")
        name, stored, storage = attachment.original_name, attachment.file.name, attachment.file.storage
        attachment.delete()
        log_event(project=project, actor=actor, action="attachment_removed", comment=f"删除附件：{name}")
        # The bytes go only once the row is gone for good; a rolled-back delete keeps its file.
        transaction.on_commit(lambda: storage.delete(stored))
    return project
