"""seed_deadline's data (tools.deadline_data): an open round with drafts that the real autosave accepts."""
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from core.calendar import today
from projects import drafting
from projects.models import Project
from projects.sections import BY_CODE
from tools import deadline_data

pytestmark = pytest.mark.django_db


def test_drafts_of_the_open_round_take_an_autosave_through_the_real_view():
    round, summary = deadline_data.build_deadline_round(drafts=3)
    assert summary["drafts"] == 3 and round.apply_end == today() and round.is_published
    project = Project.objects.filter(round=round).select_related("created_by").first()
    assert project.state == "draft" and project.code == f"{deadline_data.ROUND_CODE}-{project.pk:05d}"
    grant = sum(b.amount for b in project.budget_lines.all() if b.source == "grant")
    assert grant == project.requested_amount  # the budget sums to the request, as the services keep it
    client = Client()
    client.force_login(project.created_by)
    section = BY_CODE["budget"]
    entries = drafting.entries(section, project)
    data = {}
    for name, value in entries:
        data.setdefault(name, []).append(value)
    data["b_explanation"][0] = "补充说明"
    data |= {"_version": str(project.edit_version), "_base": json.dumps(entries)}
    answer = client.post(reverse("applicant:section", args=[project.pk, "budget"]), data, HTTP_X_AUTOSAVE="1").json()
    assert answer["saved"] and answer["complete"] and answer["version"] == project.edit_version + 1
    assert project.budget_lines.first().explanation == "补充说明"


def test_the_command_refuses_a_second_round_unless_replaced():
    out = io.StringIO()
    call_command("seed_deadline", drafts=2, stdout=out)
    with pytest.raises(CommandError):
        call_command("seed_deadline", drafts=2, stdout=out)
    call_command("seed_deadline", drafts=4, replace=True, stdout=out)
    assert Project.objects.filter(round__code=deadline_data.ROUND_CODE).count() == 4
