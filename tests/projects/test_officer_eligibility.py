"""The eligibility check page: the organization's facts and the system's result per rule beside the
application, and decisions that are distinct, placed after the application, and recorded only when
confirmed (and, where the lifecycle asks, explained), however the POST was made."""
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from grants import services as grants
from projects.models import Project
from projects.states import State
from tests.factories import RoundFactory

pytestmark = pytest.mark.django_db

DECISIONS = ("accept_for_review", "return_for_revision", "mark_ineligible")


@pytest.fixture
def submitted(world):
    return world.advance(world.draft(), State.SUBMITTED)


def page(client, project) -> str:
    response = client.get(reverse("projects:officer_detail", args=[project.pk]))
    assert response.status_code == 200
    return response.content.decode()


def act(client, project, name, **data):
    return client.post(reverse("projects:officer_action", args=[project.pk, name]), data, follow=True)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_panel_shows_the_organizations_facts_and_earlier_projects(world, submitted, client):
    org = world.org
    this_round, world.round = world.round, RoundFactory(name="上一批次")
    world.advance(world.draft(title="上一年的助餐项目"), State.UNDER_REVIEW)
    world.round = this_round
    grants.record_credit_listing(actor=world.officer, organization=org, list_type="abnormal",
                                 listed_on=timezone.localdate() - timedelta(days=900),
                                 removed_on=timezone.localdate() - timedelta(days=800), reason="未按时年报")
    client.force_login(world.officer)
    body = page(client, submitted)
    panel = body[body.index('data-testid="eligibility-panel"'):]
    for fact in (org.credit_code, org.get_org_type_display(), org.registration_date.strftime("%Y-%m-%d"),
                 org.bank_account_name, org.bank_name, org.bank_account_no, org.bank_code,
                 "活动异常名录", "未按时年报", "上一年的助餐项目", "专家评审中", "户名", "开户行", "账号", "联行号"):
        assert str(fact) in panel, fact
    # The application comes before the panel's decisions: read first, decide after.
    assert body.index('id="application-title"') < body.index('data-action="accept_for_review"')
    assert body.index('data-testid="eligibility-panel"') < body.index('data-action="accept_for_review"')


def test_the_system_result_names_each_rule_with_pass_or_fail_and_the_reason(world, submitted, client):
    client.force_login(world.officer)
    body = page(client, submitted)
    assert 'data-eligible="yes"' in body
    assert 'data-rule="eligibility.credit" data-result="pass"' in body
    grants.record_credit_listing(actor=world.officer, organization=world.org, list_type="serious",
                                 listed_on=timezone.localdate() - timedelta(days=30))
    body = page(client, submitted)
    assert 'data-eligible="no"' in body
    assert 'data-rule="eligibility.credit" data-result="fail"' in body
    assert "近2年内被列入严重违法失信名单" in body
    assert 'data-rule="eligibility.registration" data-result="pass"' in body
    assert 'data-testid="accept-blocked"' in body


def test_each_decision_looks_different_and_asks_for_confirmation(world, submitted, client):
    client.force_login(world.officer)
    body = page(client, submitted)
    tones = {name: tone for tone, name in re.findall(r'class="card decision (\w*)" data-action="(\w+)"', body)}
    for name in DECISIONS:
        form = body[body.index(f'data-action="{name}"'):]
        form = form[:form.index("</form>")]
        assert f'name="confirm" value="yes" required data-testid="confirm-{name}"' in form
    assert {tones[name] for name in DECISIONS} == {"ok", "warn", "bad"}
    return_form = body[body.index('data-action="return_for_revision"'):]
    assert '<textarea name="comment" rows="2" required>' in return_form[:return_form.index("</form>")]


@pytest.mark.parametrize("name", DECISIONS)
def test_a_crafted_post_without_confirmation_records_nothing(world, submitted, client, name):
    client.force_login(world.officer)
    response = act(client, submitted, name, comment="材料齐全")
    assert any("请勾选确认框" in m for m in messages_of(response))
    project = Project.objects.get(pk=submitted.pk)
    assert project.state == State.SUBMITTED
    assert not project.events.filter(action=name).exists()


@pytest.mark.parametrize("name", ["return_for_revision", "mark_ineligible"])
def test_the_comment_the_lifecycle_requires_is_enforced_even_when_confirmed(world, submitted, client, name):
    client.force_login(world.officer)
    response = act(client, submitted, name, comment="  ", confirm="yes")
    assert any("须填写理由或说明" in m for m in messages_of(response))
    assert Project.objects.get(pk=submitted.pk).state == State.SUBMITTED


def test_confirmed_decisions_are_recorded_with_their_comment(world, client):
    client.force_login(world.officer)
    outcomes = {"accept_for_review": State.UNDER_REVIEW, "return_for_revision": State.RETURNED,
                "mark_ineligible": State.INELIGIBLE}
    for name, state in outcomes.items():
        org, member = world.new_org()
        project = world.advance(world.draft(org, member), State.SUBMITTED)
        act(client, project, name, comment=f"{name}的理由", confirm="yes")
        project = Project.objects.get(pk=project.pk)
        assert project.state == state
        assert project.events.get(action=name).comment == f"{name}的理由"


def test_an_ineligible_organization_cannot_be_accepted_even_when_confirmed(world, submitted, client):
    grants.record_credit_listing(actor=world.officer, organization=world.org, list_type="serious",
                                 listed_on=timezone.localdate() - timedelta(days=30))
    client.force_login(world.officer)
    response = act(client, submitted, "accept_for_review", confirm="yes")
    assert any("严重违法失信名单" in m for m in messages_of(response))
    assert Project.objects.get(pk=submitted.pk).state == State.SUBMITTED


def test_no_panel_once_the_project_left_the_eligibility_stage(world, client):
    project = world.advance(world.draft(), State.UNDER_REVIEW)
    client.force_login(world.officer)
    assert 'data-testid="eligibility-panel"' not in page(client, project)
