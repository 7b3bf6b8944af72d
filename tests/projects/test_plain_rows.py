"""core.plain_rows reads and writes what the ORM reads and writes (the autosave's hot path uses it), and
save_draft, reading its locked row that way, still refuses what it refused: not a member, a frozen
application, a missing project."""
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import prefetch_related_objects
from django.db.models.signals import post_save, pre_save
from django.test.utils import CaptureQueriesContext
from django_fsm import ConcurrentTransitionMixin

from core import plain_rows
from projects import services
from projects.errors import ProjectError
from projects.models import BudgetLine, Project
from projects.services.drafting import DRAFT_COLUMNS
from projects.states import State
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _values(instance, names):
    return {n: getattr(instance, n) for n in names}


def test_one_row_is_the_orm_row(world):
    project = world.draft(government_funded=True)
    names = ("organization", "state", "edit_version", "beneficiaries", "government_funded", "refused_rows",
             "requested_amount", "updated_at", "round")
    plain = plain_rows.one(Project, project.pk, names, related="round",
                           related_names=("domains", "forbidden_expenses", "cofunding_min_percent"))
    orm = (Project.objects.select_related("round")
           .only(*names, "round__domains", "round__forbidden_expenses", "round__cofunding_min_percent")
           .get(pk=project.pk))
    attnames = [Project._meta.get_field(n).attname for n in names]
    assert _values(plain, attnames) == _values(orm, attnames)
    assert plain.get_deferred_fields() == orm.get_deferred_fields()
    assert isinstance(plain.requested_amount, Decimal) and plain.government_funded is True
    with CaptureQueriesContext(connection) as captured:
        assert plain.round.domains == orm.round.domains
        assert plain.round.forbidden_expenses == orm.round.forbidden_expenses
        assert plain.round.cofunding_min_percent == orm.round.cofunding_min_percent
    assert not captured.captured_queries  # read with the project, as select_related reads it
    assert plain.round.get_deferred_fields() == orm.round.get_deferred_fields()
    assert plain_rows.one(Project, project.pk + 1000, names) is None
    assert plain_rows.one(Project, 10**30, names) is None  # beyond the column: nothing, not a database error


def test_children_are_the_prefetched_rows(world):
    project = world.draft()
    plain = plain_rows.one(Project, project.pk, DRAFT_COLUMNS)
    orm = Project.objects.only(*DRAFT_COLUMNS).get(pk=project.pk)
    plain_rows.prefetch_children(plain, "budget_lines")
    prefetch_related_objects([orm], "budget_lines")
    ours, theirs = list(plain.budget_lines.all()), list(orm.budget_lines.all())
    columns = [f.attname for f in BudgetLine._meta.concrete_fields]
    assert [_values(r, columns) for r in ours] == [_values(r, columns) for r in theirs] and len(ours) > 1
    with CaptureQueriesContext(connection) as captured:
        assert all(r.project is plain for r in ours)
        plain_rows.prefetch_children(plain, "budget_lines")  # kept: not read again
    assert not captured.captured_queries
    # What is chained on the cached rows still queries this project's rows only.
    assert plain.budget_lines.all().filter(source="grant").count() == project.budget_lines.filter(source="grant").count()


def test_update_writes_as_the_orm_update(world):
    project = world.draft()
    line = project.budget_lines.first()
    assert plain_rows.update(BudgetLine, line.pk, {"quantity": Decimal("2.5"), "explanation": "改"}) == 1
    line.refresh_from_db()
    assert line.quantity == Decimal("2.50") and line.explanation == "改"
    assert plain_rows.update(Project, project.pk, {"refused_rows": {"budget": [{"item": "x"}]}},
                             where={"state": State.SUBMITTED}) == 0  # the condition holds back the write
    assert plain_rows.update(Project, project.pk, {"refused_rows": {"budget": [{"item": "x"}]}},
                             where={"state": State.DRAFT}) == 1
    project.refresh_from_db()
    assert project.refused_rows == {"budget": [{"item": "x"}]}


def _save(actor, project):
    return services.save_draft(actor=actor, project_id=project.pk, version=None, fields={"team": "改动"}, rows={})


def test_the_service_still_refuses_under_its_own_lock(world):
    project = world.draft()
    with pytest.raises(ProjectError, match="只有申报机构的成员可以编辑该项目"):
        _save(UserFactory(), project)
    with pytest.raises(ProjectError, match="项目不存在"):
        services.save_draft(actor=world.member, project_id=project.pk + 1000, version=None, fields={}, rows={})
    with pytest.raises(ProjectError, match="项目不存在"):
        services.save_draft(actor=world.member, project_id=10**30, version=None, fields={}, rows={})
    saved, written = _save(world.member, project)
    assert written == {"team"} and saved.edit_version == project.edit_version + 1
    frozen = world.advance(world.draft(), State.SUBMITTED)
    with pytest.raises(ProjectError, match="申报内容已冻结"):
        _save(world.member, frozen)
    frozen.refresh_from_db()
    assert frozen.team != "改动"


def test_the_draft_row_is_written_as_save_writes_it(world):
    """The plain UPDATE of save_draft: updated_at moves, the pre_save and post_save signals go out."""
    project = world.draft()
    before = Project.objects.get(pk=project.pk).updated_at
    seen = []

    def record(sender, instance, update_fields, **kwargs):
        seen.append((kwargs.get("created"), sorted(update_fields)))

    pre_save.connect(record, sender=Project)
    post_save.connect(record, sender=Project)
    try:
        with transaction.atomic():
            saved, _written = _save(world.member, project)
    finally:
        pre_save.disconnect(record, sender=Project)
        post_save.disconnect(record, sender=Project)
    assert seen == [(None, ["edit_version", "team", "updated_at"]), (False, ["edit_version", "team", "updated_at"])]
    stored = Project.objects.get(pk=project.pk)
    assert stored.team == "改动" and stored.updated_at > before and stored.updated_at == saved.updated_at


def test_the_draft_row_write_copies_the_save_the_project_has():
    """_save_draft_row does what Model.save and django-fsm's ConcurrentTransitionMixin do around the UPDATE;
    a save() or _do_update of the project's own would be skipped by it, so one must be added there too."""
    assert Project.save is ConcurrentTransitionMixin.save
    assert Project._do_update is ConcurrentTransitionMixin._do_update
