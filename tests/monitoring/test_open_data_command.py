"""`manage.py build_open_data` starts one job per round with public projects and one for every round."""
from io import StringIO

import pytest
from django.core.management import call_command

from documents.models import Job
from projects import open_data_files
from projects.states import State

pytestmark = pytest.mark.django_db


def test_the_command_starts_a_job_per_public_round_and_one_for_all(world):
    world.advance(world.draft(), State.PUBLICITY)
    out = StringIO()
    call_command("build_open_data", stdout=out)
    assert {j.params["round_id"] for j in Job.objects.filter(kind=open_data_files.KIND)} == {world.round.pk, None}
    assert "every round: job started" in out.getvalue()
    call_command("build_open_data", stdout=StringIO())  # queued already: nothing more
    assert Job.objects.filter(kind=open_data_files.KIND).count() == 2
