from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from projects import services
from projects.errors import ProjectError
from projects.models import Project
from projects.states import State
from tests.builders import PDF, budget


def _cut(world):
    """Approved at 80,000 of 100,000 requested: the 50,000 labor line now breaks the 50% rule."""
    project = world.advance(world.draft(), State.PUBLICITY, approved_amount="80000.00")
    return project


def test_revise_budget_checks_rules_against_the_approved_amount(world):
    project = _cut(world)
    with pytest.raises(ProjectError) as exc:
        services.revise_budget_for_approval(actor=world.member, project_id=project.pk,
                                            lines=budget("80000.00", "40000.01"))
    assert "按核定资助金额 80,000.00 元" in exc.value.message and "超过上限 40,000.00 元" in exc.value.message
    services.revise_budget_for_approval(actor=world.member, project_id=project.pk, lines=budget("80000.00", "40000.00"))
    event = project.events.get(action="budget_revised")
    assert event.data["approved_amount"] == "80000.00" and len(event.data["before"]) == 2


def test_revise_budget_refuses_others_and_other_states(world):
    project = _cut(world)
    _, other = world.new_org()
    with pytest.raises(ProjectError, match="只有申报机构的成员"):
        services.revise_budget_for_approval(actor=other, project_id=project.pk, lines=budget("80000.00", "40000.00"))
    draft_org, draft_member = world.new_org()
    draft = world.draft(org=draft_org, member=draft_member)
    with pytest.raises(ProjectError, match="只有拟资助或公示期间"):
        services.revise_budget_for_approval(actor=draft_member, project_id=draft.pk, lines=budget("80000.00", "40000.00"))


def test_agreement_page_shows_terms_and_blocks_signing_until_budget_fits(world, client_for):
    project = _cut(world)
    c = client_for(world.member)
    response = c.get(reverse("applicant:agreement", args=[project.pk]))
    assert response.context["terms"]["amount_upper"] == "捌万元整"
    assert [t["amount"] for t in response.context["terms"]["tranches"]] == [32000, 32000, 16000]
    assert response.context["budget_problems"]
    c.post(reverse("applicant:sign", args=[project.pk]), {"agree": "1", "signer_name": "王芳"})
    assert Project.objects.get(pk=project.pk).state == State.PUBLICITY


def test_sign_by_typed_name_records_time_and_ip(world, client_for):
    project = _cut(world)
    services.revise_budget_for_approval(actor=world.member, project_id=project.pk, lines=budget("80000.00", "40000.00"))
    c = client_for(world.member)
    c.post(reverse("applicant:sign", args=[project.pk]), {"agree": "1", "signer_name": "王芳"}, REMOTE_ADDR="10.1.2.3")
    project = Project.objects.get(pk=project.pk)
    assert project.state == State.CONTRACTED
    assert (project.signed_by_name, project.signed_ip) == ("王芳", "10.1.2.3")
    assert timezone.now() - project.signed_at < timedelta(minutes=1)


def test_sign_with_a_scanned_copy(world, client_for):
    project = world.advance(world.draft(), State.PUBLICITY)
    c = client_for(world.member)
    c.post(reverse("applicant:sign_scan", args=[project.pk]), {"file": SimpleUploadedFile("协议.pdf", PDF)})
    project = Project.objects.get(pk=project.pk)
    assert project.state == State.CONTRACTED
    assert project.attachments.filter(kind="signed_agreement").count() == 1
    assert "协议.pdf" in project.signed_by_name


def test_revise_budget_page(world, client_for):
    project = _cut(world)
    lines = budget("80000.00", "40000.00")
    post = {f"b_{k}": [line.get(k, "") for line in lines] for k in
            ("category", "item", "unit_price", "quantity", "source", "explanation")}
    response = client_for(world.member).post(reverse("applicant:revise_budget", args=[project.pk]), post)
    assert response.status_code == 302
    assert project.budget_lines.get(category="labor").amount == 40000


def test_no_sign_form_while_the_public_notice_runs_and_a_crafted_sign_is_refused(world, client_for):
    """The page offered the forms during 公示 and refused afterwards, losing the typed name; now it says
    what must come first and shows no form, and the service still refuses a crafted POST."""
    from core.calendar import today

    project = world.advance(world.draft(), State.PUBLICITY)
    Project.objects.filter(pk=project.pk).update(publicity_end=today() + timedelta(days=3))
    c = client_for(world.member)
    page = c.get(reverse("applicant:agreement", args=[project.pk])).content.decode()
    assert 'data-testid="sign-problems"' in page and "公示期满后方可签订协议" in page
    assert 'data-testid="sign"' not in page and 'data-testid="sign-scan"' not in page
    answer = c.post(reverse("applicant:sign", args=[project.pk]), {"agree": "1", "signer_name": "王芳"}, follow=True)
    assert "公示期满后方可签订协议" in answer.content.decode()
    assert Project.objects.get(pk=project.pk).state == State.PUBLICITY


def test_each_tranche_cell_carries_its_label_for_the_phone_cards(world, client_for):
    """On a phone (table.stack) each tranche is a card whose lines are labelled from data-label, the 大写
    amount included: nothing of the row is off screen."""
    project = _cut(world)
    body = client_for(world.member).get(reverse("applicant:agreement", args=[project.pk])).content.decode()
    assert '<table class="stack" data-testid="tranches">' in body
    assert '<td data-label="大写金额：" data-testid="tranche-upper-1">叁万贰仟元整</td>' in body
