"""Project.validate_constraints skips building a check query only where Django's own check would have
ignored it (a field it reads is excluded): the same answer for every exclusion."""
from decimal import Decimal
from itertools import combinations

import pytest
from django.core.exceptions import ValidationError
from django.db import models

from projects.models import Project

FIELDS = ("requested_amount", "approved_amount", "title", "need_analysis")


def _errors(check, project, exclude) -> set[str]:
    try:
        check(project, exclude=exclude)
    except ValidationError as exc:
        return {str(m) for m in exc.messages}
    return set()


@pytest.mark.django_db
@pytest.mark.parametrize("requested, approved", [(Decimal("-1"), Decimal("0")), (Decimal("5"), Decimal("-3")),
                                                 (Decimal("5"), None), (Decimal("-1"), Decimal("10"))])
def test_same_answer_as_django_for_every_exclusion(requested, approved):
    project = Project(title="x", requested_amount=requested, approved_amount=approved)
    for n in range(len(FIELDS) + 1):
        for excluded in combinations(FIELDS, n):
            exclude = set(excluded) or None
            assert _errors(Project.validate_constraints, project, exclude) == \
                _errors(models.Model.validate_constraints, project, exclude), exclude
    if requested < 0:  # not vacuous: the check runs when nothing it reads is excluded
        assert _errors(Project.validate_constraints, project, {"title"})


def test_a_section_form_builds_no_check_query(monkeypatch):
    """The draft's section forms edit neither amount: validating one builds no constraint query."""
    from projects.drafting import ProjectFieldsForm, _section_form

    calls = []
    monkeypatch.setattr(models.Q, "check", lambda self, *a, **k: calls.append(self) or True)
    form = _section_form(("need_analysis", "target_group", "beneficiaries"))(
        {"need_analysis": "需求", "target_group": "老人", "beneficiaries": "12"}, instance=Project(title="x"))
    assert issubclass(type(form), ProjectFieldsForm) and form.is_valid(), form.errors
    assert calls == []
