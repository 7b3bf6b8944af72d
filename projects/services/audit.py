"""The audit trail of a project: one row per change, written in the same transaction as the change."""
from projects.models import Project, ProjectEvent


def log_event(
    *, project: Project, actor, action: str, comment: str = "", from_state: str = "", to_state: str = "",
    data: dict | None = None,
) -> ProjectEvent:
    return ProjectEvent.objects.create(
        project=project, actor=actor, action=action, comment=comment,
        from_state=from_state, to_state=to_state, data=data or {},
    )
