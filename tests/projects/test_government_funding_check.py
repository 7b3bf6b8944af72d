"""The applicant's "already funded by government" checkbox is a self-declaration: the officer records a finding
at the eligibility check, and the project is barred if either says it is government-funded."""
import pytest
from django.urls import reverse

from projects import services
from projects.eligibility import eligibility_issues_for
from projects.errors import ProjectError
from projects.models import Project
from projects.states import State

pytestmark = pytest.mark.django_db

URL = "projects:government_funding_check"
FOUND = "经项目管理员核查，该项目已获得政府资金资助，不得重复申报"


def refusal(call) -> list[str]:
    with pytest.raises(ProjectError) as refused:
        call()
    return refused.value.errors


@pytest.fixture
def submitted(world):
    return world.advance(world.draft(), State.SUBMITTED)


def test_a_finding_of_funding_bars_acceptance_and_the_officer_rules_it_ineligible(world, submitted, client):
    client.force_login(world.officer)
    page = client.get(reverse("projects:officer_detail", args=[submitted.pk])).content.decode()
    assert 'data-testid="government-funding-form"' in page
    response = client.post(reverse(URL, args=[submitted.pk]), {"funded": "yes", "note": "区财政2026年已立项资助"})
    assert response.status_code == 302
    event = submitted.events.get(action="government_funding_check")
    assert event.actor == world.officer and event.data == {"funded": True, "declared_by_applicant": False}
    assert event.comment == "经核查，已获得政府资金资助：区财政2026年已立项资助"
    assert refusal(lambda: services.accept_for_review(actor=world.officer, project_id=submitted.pk)) == [FOUND]
    issue = next(p for p in eligibility_issues_for(world.org, world.round, today=world.round.apply_start,
                                                   project=submitted) if p.message == FOUND)
    assert (issue.section, issue.field) == ("eligibility", "")  # nothing on the applicant's form to fix
    services.mark_ineligible(actor=world.officer, project_id=submitted.pk, comment="已获政府资金资助")
    assert Project.objects.get(pk=submitted.pk).state == State.INELIGIBLE


def test_the_latest_finding_counts(world, submitted, client):
    client.force_login(world.officer)
    client.post(reverse(URL, args=[submitted.pk]), {"funded": "yes", "note": "疑似重复"})
    client.post(reverse(URL, args=[submitted.pk]), {"funded": "no", "note": "核实为另一项目"})
    services.accept_for_review(actor=world.officer, project_id=submitted.pk)
    assert Project.objects.get(pk=submitted.pk).state == State.UNDER_REVIEW


def test_an_officer_finding_of_no_funding_does_not_override_the_applicants_own_declaration(world):
    project = world.draft(government_funded=True)
    assert refusal(lambda: services.submit_project(actor=world.member, project_id=project.pk)) == [
        "该项目已获得政府资金资助，不得重复申报"
    ]


def test_a_finding_of_funding_needs_its_basis_and_a_choice(world, submitted, client):
    client.force_login(world.officer)
    response = client.post(reverse(URL, args=[submitted.pk]), {"funded": "yes", "note": " "}, follow=True)
    assert "认定已获得政府资金资助时，请注明核查依据" in [str(m) for m in response.context["messages"]]
    response = client.post(reverse(URL, args=[submitted.pk]), {"note": "x"}, follow=True)
    assert [str(m) for m in response.context["messages"]]
    assert not submitted.events.filter(action="government_funding_check").exists()
    assert refusal(lambda: services.record_government_funding_check(
        actor=world.officer, project_id=submitted.pk, funded="yes", note="x")) == ["请选择核查结果：是否已获得政府资金资助"]


@pytest.mark.parametrize("who", ["member", "finance", "evaluator"])
def test_only_officers_record_a_finding(world, submitted, client, who):
    client.force_login(getattr(world, who))
    assert client.post(reverse(URL, args=[submitted.pk]), {"funded": "yes", "note": "x"}).status_code == 404
    assert refusal(lambda: services.record_government_funding_check(
        actor=getattr(world, who), project_id=submitted.pk, funded=True, note="x")) == ["只有项目管理员可以登记政府资金核查结果"]
    assert not submitted.events.filter(action="government_funding_check").exists()


def test_only_during_the_eligibility_check(world, client):
    reviewed = world.advance(world.draft(), State.UNDER_REVIEW)
    client.force_login(world.officer)
    assert 'data-testid="government-funding-form"' not in client.get(
        reverse("projects:officer_detail", args=[reviewed.pk])).content.decode()
    response = client.post(reverse(URL, args=[reviewed.pk]), {"funded": "no"}, follow=True)
    assert (f"项目当前状态为「{State.UNDER_REVIEW.label}」，只有资格审查期间可以登记政府资金核查结果"
            in [str(m) for m in response.context["messages"]])
