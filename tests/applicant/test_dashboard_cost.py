"""The applicant's dashboard: their organizations' projects, read in a fixed number of queries with only
the columns the list shows, without a DISTINCT over the wide joined row."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grants.models import Membership
from tests.builders import World

pytestmark = pytest.mark.django_db


def _get(client):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("applicant:dashboard"))
    assert response.status_code == 200
    return len(captured), [q["sql"] for q in captured.captured_queries], response.content.decode()


def test_dashboard_lists_the_organizations_projects_in_fixed_queries(world: World, client_for):
    world.draft(title="长者互助食堂")
    other_org, other_member = world.new_org()
    world.draft(org=other_org, member=other_member, title="别人的项目")
    client = client_for(world.member)
    client.get(reverse("applicant:dashboard"))
    few, _sql, page = _get(client)
    assert page.count('data-testid="project-row"') == 1 and "长者互助食堂" in page and "别人的项目" not in page

    # A second organization of the same member, with projects of its own: the same queries show them all.
    second, second_member = world.new_org()
    Membership.objects.create(organization=second, user=world.member)
    world.draft(org=second, member=second_member, title="第二家机构的项目")
    world.draft(title="长者助浴")
    many, sql, page = _get(client)
    assert many == few, "\n".join(sql)
    assert page.count('data-testid="project-row"') == 3 and "别人的项目" not in page
    projects = [q for q in sql if 'FROM "projects_project"' in q]
    assert len(projects) == 1 and "DISTINCT" not in projects[0], projects
    assert '"grants_organization"' not in projects[0] and '"projects_project"."summary"' not in projects[0]
