"""Documents (issue 12, finding 9): a round's agreement batch prints only agreements that can be
signed; the legal text carries no internal warning; the payee's bank details are complete before
signing."""
from decimal import Decimal

import pytest
from django.urls import reverse

from documents import flow
from projects import agreements, services
from projects.models import Project
from projects.selectors_agreements import batch_project_ids
from projects.states import State
from tests.builders import World

pytestmark = pytest.mark.django_db


def test_the_batch_leaves_out_terminated_signed_and_unfit_projects():
    world = World()
    fit = world.advance(world.draft(), State.PUBLICITY)
    org, member = world.new_org()
    unfit = world.draft(org, member, grant_total="80000.00", labor="40000.00")
    unfit = world.advance(unfit, State.REVIEWED)
    services.approve_project(actor=world.officer, project_id=unfit.pk, approved_amount="60000.00", comment="核减")
    org, member = world.new_org()
    terminated = world.advance(world.draft(org, member), State.IN_PROGRESS)
    services.terminate_project(actor=world.officer, project_id=terminated.pk, reason="机构停止运营")
    assert batch_project_ids(world.round) == [fit.pk]


def test_the_legal_text_carries_no_internal_warning():
    world = World()
    project = world.draft(grant_total="80000.00", labor="40000.00")
    project = world.advance(project, State.REVIEWED)
    services.approve_project(actor=world.officer, project_id=project.pk, approved_amount="60000.00", comment="核减")
    project = Project.objects.get(pk=project.pk)
    context = agreements.agreement_context(project)
    context["labor"]["within"] = False
    html = flow.html(agreements.agreement_document(context))
    assert "须先调整预算" not in html


def test_an_organization_without_a_bank_account_cannot_sign_through_http(client):
    world = World()
    project = world.advance(world.draft(), State.PUBLICITY)
    world.org.bank_account_no = ""
    world.org.bank_code = ""
    world.org.save()
    client.force_login(world.member)
    response = client.post(reverse("applicant:sign", args=[project.pk]), {"agree": "1", "signer_name": "李四"},
                           follow=True)
    assert Project.objects.get(pk=project.pk).state == State.PUBLICITY
    page = response.content.decode()
    assert "收款账户信息不完整" in page and "账号" in page and "联行号" in page


def test_a_community_organization_needs_its_hosts_account():
    world = World()
    host, _ = world.new_org(bank_code="")
    org, member = world.new_org(org_type="community", host=host, credit_code="", bank_account_name=host.name)
    project = world.advance(world.draft(org, member), State.PUBLICITY)
    with pytest.raises(Exception) as exc:
        services.sign_agreement(actor=member, project_id=project.pk, signer_name="李四")
    assert "依托单位" in str(exc.value.errors) and "联行号" in str(exc.value.errors)
    assert Decimal(Project.objects.get(pk=project.pk).approved_amount) > 0
