"""The audit trail of a project: one row per change, written in the same transaction as the change."""
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


def log_event(
    *, project: Project, actor, action: str, comment: str = "", from_state: str = "", to_state: str = "",
    data: dict | None = None,
) -> ProjectEvent:
    return ProjectEvent.objects.create(
        project=project, actor=actor, action=action, comment=comment,
        from_state=from_state, to_state=to_state, data=data or {},
    )
