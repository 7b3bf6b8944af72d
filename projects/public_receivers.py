"""Keeps the public pages' cache honest (projects.public_versions): every write that changes what the
public sees of a round gives the round a new version token, in the same transaction."""
from django.db.models.signals import post_save

from grants.models import GrantRound, Organization
from projects.lifecycle import PROJECT
from projects.models import Project
from projects.public_versions import bump
from projects.signals import project_transitioned
from projects.states import State

# Every state in which a project is on a public page or in the open data (公示 list, funded lists).
PUBLIC = PROJECT.group("public_notice") | PROJECT.group("funded") | {State.COMPLETED, State.TERMINATED}


# What the public pages and the open data read of a project (a save of other fields alone, such as a
# report's edit counter, leaves the cached copies as they are).
SHOWN = {"code", "title", "domain", "service_district", "approved_amount", "state", "publicity_start",
         "publicity_end", "grade", "organization", "organization_id", "round", "round_id"}


def project_saved(sender, instance: Project, update_fields=None, **kwargs) -> None:
    """Entering a public state, a move between them, a corrected notice date, a new grade."""
    if instance.state in PUBLIC and (update_fields is None or SHOWN & set(update_fields)):
        bump([instance.round_id])


def project_left(sender, project: Project, name: str, step, **kwargs) -> None:
    """Leaving the public states (an upheld objection): the save above saw the new, private state."""
    if project.state not in PUBLIC and set(step.transition.source) & PUBLIC:
        bump([project.round_id])


def organization_saved(sender, instance: Organization, **kwargs) -> None:
    """A renamed organization is renamed on every public list it is on."""
    bump(Project.objects.filter(organization=instance, state__in=list(PUBLIC)).values_list("round_id", flat=True)
         .distinct().order_by())


def round_saved(sender, instance: GrantRound, **kwargs) -> None:
    bump([instance.pk])


def connect() -> None:
    post_save.connect(project_saved, sender=Project, dispatch_uid="public_versions.project")
    project_transitioned.connect(project_left, sender=Project, dispatch_uid="public_versions.left")
    post_save.connect(organization_saved, sender=Organization, dispatch_uid="public_versions.organization")
    post_save.connect(round_saved, sender=GrantRound, dispatch_uid="public_versions.round")
