"""Assignment an officer can steer: personal load limits, pinned hand-made seats, removals that
automatic runs keep, progress while the run goes, the round page linking to its job."""
import pytest
from django.urls import reverse

from documents.models import Job
from reviewers import services
from reviewers.errors import ReviewError
from reviewers.models import Assignment, AssignmentRun, AssignmentState, PanelExclusion, RoundEvent, RunState


@pytest.fixture
def steered_round(world, under_review, experts):
    world.round.experts_per_project = 2
    world.round.require_finance_expert = False
    world.round.max_load_per_expert = 4
    world.round.save()
    world.expert.active = False
    world.expert.save()
    return under_review(6), experts(5)


def _run(world, django_capture_on_commit_callbacks, seed=1) -> AssignmentRun:
    with django_capture_on_commit_callbacks(execute=True):
        run = services.start_auto_assignment(actor=world.officer, round_id=world.round.pk, seed=seed)
    run.refresh_from_db()
    return run


def test_a_personal_limit_set_on_the_board_is_kept_by_the_run(client, world, steered_round,
                                                             django_capture_on_commit_callbacks):
    projects, pool = steered_round
    client.force_login(world.officer)
    url = reverse("reviewers:progress", args=[world.round.pk])
    response = client.post(url, {"action": "limit", "expert": pool[0].pk, "max_load": "1"}, follow=True)
    assert response.status_code == 200
    event = RoundEvent.objects.get(action="load_limit")
    assert event.data == {"expert": pool[0].pk, "before": None, "after": 1}
    # above the round's cap: refused with a Chinese reason, nothing saved
    page = client.post(url, {"action": "limit", "expert": pool[1].pk, "max_load": "9"}, follow=True).content.decode()
    assert "个人评审上限须在 1 至 4 件之间" in page
    run = _run(world, django_capture_on_commit_callbacks)
    assert run.state == RunState.DONE
    assert Assignment.objects.filter(expert=pool[0]).count() == 1
    assert max(Assignment.objects.filter(expert=e).count() for e in pool) <= 4


def test_hand_made_seats_stay_and_removed_experts_never_come_back(client, world, steered_round,
                                                                 django_capture_on_commit_callbacks):
    projects, pool = steered_round
    target = projects[0]
    pinned = services.assign_expert(actor=world.officer, project=target, expert=pool[4])
    removed = services.assign_expert(actor=world.officer, project=target, expert=pool[3])
    client.force_login(world.officer)
    panel_url = reverse("reviewers:panel", args=[world.round.pk, target.pk])
    client.post(panel_url, {"action": "remove", "assignment": removed.pk, "reason": "与申报机构负责人有合作"})
    exclusion = PanelExclusion.objects.get(project=target, expert=pool[3])
    assert exclusion.reason == "与申报机构负责人有合作" and exclusion.removed_by == world.officer
    page = client.get(panel_url).content.decode()
    assert f'data-testid="excluded-{pool[3].pk}"' in page and "与申报机构负责人有合作" in page

    for seed in (1, 2, 3):  # whatever the seed, the removal holds and the pinned seat stays
        _run(world, django_capture_on_commit_callbacks, seed=seed)
        assert not Assignment.objects.filter(project=target, expert=pool[3]).exists()
        assert Assignment.objects.filter(pk=pinned.pk, run__isnull=True).exists()
        Assignment.objects.filter(project=target).exclude(pk=pinned.pk).delete()  # free the seat for the next seed
    page = client.get(panel_url).content.decode()
    assert f'data-testid="source-{pool[4].pk}"' in page

    # A recusal's replacement skips the removed expert too, even when nobody else is free.
    for expert in pool[:3]:
        expert.active = False
        expert.save()
    assert Assignment.objects.filter(expert=pool[3]).exclude(state=AssignmentState.RECUSED).count() < 4  # not full
    services.declare(actor=pool[4].user, assignment_id=pinned.pk, has_conflict=True, note="曾任该机构顾问")
    assert not Assignment.objects.filter(project=target, expert=pool[3]).exists()
    assert target.events.filter(action="replacement_missing").exists()

    # Putting the expert back by hand lifts the removal, on the record.
    services.assign_expert(actor=world.officer, project=target, expert=pool[3])
    assert not PanelExclusion.objects.filter(project=target, expert=pool[3]).exists()
    assert target.events.filter(action="assign_expert", comment__contains="撤销此前的移出").exists()


def test_progress_is_reported_per_project_and_the_round_page_links_the_job(client, world, steered_round,
                                                                          django_capture_on_commit_callbacks):
    projects, pool = steered_round
    # Started but not yet run (its job waits for the commit): the page refreshes itself and links the job.
    run = services.start_auto_assignment(actor=world.officer, round_id=world.round.pk, seed=4)
    client.force_login(world.officer)
    page = client.get(reverse("reviewers:round", args=[world.round.pk])).content.decode()
    assert '<meta http-equiv="refresh"' in page
    assert reverse("documents:job_detail", args=[run.job_id]) in page
    assert Job.objects.get(pk=run.job_id).progress_total == 6
    with pytest.raises(ReviewError, match="自动分配正在进行"):
        services.assign_expert(actor=world.officer, project=projects[0], expert=pool[0])

    seen = []
    services.run_auto_assignment(run_id=run.pk, progress=lambda done, total: seen.append((done, total)), chunk=2)
    assert seen == [(0, 6), (2, 6), (4, 6), (6, 6)]
    run.refresh_from_db()
    assert run.state == RunState.DONE and run.created == 12
    page = client.get(reverse("reviewers:round", args=[world.round.pk])).content.decode()
    assert '<meta http-equiv="refresh"' not in page


def test_unstaffed_projects_carry_a_chinese_reason_in_the_result(world, steered_round, django_capture_on_commit_callbacks):
    projects, pool = steered_round
    for expert in pool[1:]:
        services.record_relation(actor=world.officer, expert_id=expert.pk, organization_id=projects[2].organization_id,
                                 kind="employer")
    run = _run(world, django_capture_on_commit_callbacks)
    short = {u["code"]: u for u in run.unstaffed}
    reason = short[projects[2].code]["reasons"][0]
    assert reason.startswith("仅找到 1 位可用专家，需要 2 位") and "4 位与申报机构存在利益冲突" in reason
    assert short[projects[2].code]["needed"] == 2
    assert Assignment.objects.filter(project=projects[2]).exclude(state=AssignmentState.RECUSED).count() == 1


def test_a_limit_below_what_the_expert_holds_is_saved_with_a_warning(client, world, steered_round):
    projects, pool = steered_round
    for project in projects[:3]:
        services.assign_expert(actor=world.officer, project=project, expert=pool[0])
    client.force_login(world.officer)
    url = reverse("reviewers:progress", args=[world.round.pk])
    page = client.post(url, {"action": "limit", "expert": pool[0].pk, "max_load": "2"}, follow=True).content.decode()
    assert f"{pool[0].name}在本批次已有 3 件评审任务，超过新的上限 2 件" in page
    assert Assignment.objects.filter(expert=pool[0]).count() == 3  # nobody is taken off a panel
    page = client.post(url, {"action": "limit", "expert": pool[0].pk, "max_load": "3"}, follow=True).content.decode()
    assert "超过新的上限" not in page


def test_digits_that_int_refuses_are_refused_without_an_error_page(client, world, experts):
    """"²" and "①" are digits to str.isdigit but int() refuses them: the public open data answers 404,
    the progress board's personal limit a Chinese message, never a 500."""
    for raw in ("²", "①", "٣x"):
        assert client.get(reverse("public:open_data", args=["csv"]), {"round": raw}).status_code == 404
    expert = experts(1)[0]
    client.force_login(world.officer)
    url = reverse("reviewers:progress", args=[world.round.pk])
    for raw in ("²", "①"):
        response = client.post(url, {"action": "limit", "expert": expert.pk, "max_load": raw}, follow=True)
        assert response.status_code == 200 and "上限须为整数" in response.content.decode()
    response = client.post(url, {"action": "limit", "expert": expert.pk, "max_load": "１"}, follow=True)
    assert "已保存" in response.content.decode()  # full-width digits are a number the officer typed


def test_an_expert_on_the_panel_is_not_offered_again_and_a_second_add_says_so(client, world, steered_round):
    projects, pool = steered_round
    target = projects[0]
    services.assign_expert(actor=world.officer, project=target, expert=pool[4])
    client.force_login(world.officer)
    panel_url = reverse("reviewers:panel", args=[world.round.pk, target.pk])
    page = client.get(panel_url).content.decode()
    assert f'<option value="{pool[4].pk}"' not in page and f'<option value="{pool[3].pk}"' in page
    # a crafted or repeated POST for the seated expert changes nothing and says why
    answer = client.post(panel_url, {"action": "add", "expert": pool[4].pk}, follow=True).content.decode()
    assert f"{pool[4].name} 已在评审组中，未作改动" in answer and "已保存" not in answer
    assert Assignment.objects.filter(project=target, expert=pool[4]).count() == 1
