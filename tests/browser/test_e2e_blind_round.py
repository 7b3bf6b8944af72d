"""Issue 14's "Done means" in one flow, in Chromium: a BLIND round from the experts' conflict
declarations on the applicant list to 公示 — automatic assignment that honours the declarations and
keeps the officer's manual removal across a second run, scoring on pages that name no applicant, the
discussion of a disputed project with a revised score, an oral defense blended into the ranking,
fill-down to the pot with a reserve list, and the public notice. Screenshots at 1280 and 375 px
(test-artifacts/screenshots/e2e14-*.png)."""
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from projects import services as project_services
from projects.models import Project
from projects.states import State
from reviewers import panel_policy, selectors, services
from reviewers.assignment import ProjectIn, assign
from reviewers.models import Assignment, AssignmentState, PanelExclusion
from tests.browser.conftest import fits_width, login, screenshot
from tests.factories import ExpertFactory
from tests.reviewers.helpers import scores_for
from tests.reviewers.pdfs import pdf_with

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
D = Decimal

APPLICANTS = [  # (organization, project title): no title names its applicant, the summaries do
    ("温州市鹿城区阳光社会工作服务中心", "长者助餐计划"),
    ("温州市瓯海区启明青少年发展中心", "邻里守望行动"),
    ("温州市龙湾区乐龄养老服务中心", "社区互助食堂"),
    ("温州市洞头区同心社区服务社", "困境儿童陪伴"),
]


def _switch(pg, username: str) -> None:
    pg.context.clear_cookies()
    login(pg, username)


def _assert_blind(pg, names: list[str], where: str) -> None:
    html = pg.content()
    leaked = [n for n in names if n in html]
    assert not leaked, f"{where} names the applicant: {leaked}"


def _panel(project) -> set[int]:
    return set(Assignment.objects.filter(project=project).exclude(state=AssignmentState.RECUSED)
               .values_list("expert_id", flat=True))


def _fill_scores(pg, total: str) -> None:
    for code, value in scores_for(total).items():
        pg.fill(f"[data-testid=score-{code}]", value)


def _seed_that_would_pair(round_pk: int, projects, pair: tuple[int, int]) -> int:
    """A seed under which the automatic run, if it ignored declared conflicts and manual removals,
    would put `pair` (project id, expert id) on a panel: with it the assertions below can fail."""
    panels: dict[int, tuple[int, ...]] = {}
    for project_id, expert_id in Assignment.objects.filter(project__round_id=round_pk).values_list(
            "project_id", "expert_id"):
        panels[project_id] = (*panels.get(project_id, ()), expert_id)
    inputs = [ProjectIn(p.pk, p.organization_id, p.domain or "", panels.get(p.pk, ())) for p in projects]
    experts = services._expert_inputs(round_pk)
    for seed in range(200):
        if pair in assign(inputs, experts, [], per_project=2, max_load=40, seed=seed).assignments:
            return seed
    raise AssertionError(f"no seed pairs {pair}: the test set-up no longer checks the rule")


def _assign_automatically(page, round_pk: int, seed: int, runs_done: int) -> None:
    page.goto(page.base + f"/review/rounds/{round_pk}/")
    page.fill("input[name=seed]", str(seed))
    page.click("[data-testid=auto-assign] button")
    # The run is a background job; the round page reloads itself while it is pending.
    expect(page.locator("[data-testid^=run-][data-state=done]")).to_have_count(runs_done)
    progress = page.locator("[data-testid=run-progress]").first
    expect(progress).to_have_attribute("data-done", "4")
    expect(progress).to_have_attribute("data-total", "4")


def test_blind_round_from_conflict_declarations_to_public_notice(page, phone, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    # --- Preconditions, through the services: a blind round with its panel policy, four submitted
    # and accepted applications, a pool of three experts.
    world.round.blind_review = True
    world.round.experts_per_project = 2
    world.round.require_finance_expert = False
    world.round.pot = D("250000.00")
    world.round.save()
    panel_policy.save_policy(actor=world.officer, round_id=world.round.pk, values={
        "discussion_until": timezone.localdate() + timedelta(days=5), "defense_weight": D("40"),
        "reserve_count": 1})
    projects = []
    for name, title in APPLICANTS:
        org, member = world.new_org(name=name, bank_account_name=name)
        project = world.draft(org, member, title=title)
        project_services.update_project(actor=member, project_id=project.pk, summary=f"{name}长期扎根社区，服务困难群体。")
        project_services.add_attachment(actor=member, project_id=project.pk, kind="other", uploaded_file=SimpleUploadedFile(
            f"{name}-项目方案.pdf", pdf_with(title=name, author=name, body="项目方案"), "application/pdf"))
        projects.append(world.advance(project, State.UNDER_REVIEW))
    p1, p2, p3, p4 = projects
    names = sorted({form for p in projects for form in selectors.review_names(p)} | {n for n, _ in APPLICANTS})
    e0 = world.expert
    e1, e2 = ExpertFactory(name="专家乙"), ExpertFactory(name="专家丙")
    pool = {e0.pk, e1.pk, e2.pk}

    # --- 1. Conflicts on the round's applicant list, before any assignment. Expert 乙 (phone)
    # names the applicant of project 1; expert 0 (wide screen) declares none.
    login(phone, e1.user.username)
    phone.goto(phone.base + "/review/mine/")
    phone.click(f"[data-testid=declare-round-{world.round.pk}]")
    phone.wait_for_selector("[data-testid=round-conflict-form]")
    for name, _ in APPLICANTS:  # the list names them even in a blind round: that is its point
        assert name in phone.content()
    phone.check(f"input[name=organizations][value='{p1.organization_id}']")
    phone.fill("input[name=note]", "本人曾任该机构理事")
    phone.check("input[name=checked]")
    assert fits_width(phone)
    screenshot(phone, "e2e14-expert-declares-375")
    phone.click("[data-testid=submit-declaration]")
    phone.wait_for_url("**/review/mine/")
    login(page, e0.user.username)
    page.goto(page.base + f"/review/mine/rounds/{world.round.pk}/conflicts/")
    page.check("input[name=checked]")
    screenshot(page, "e2e14-expert-declares-1280")
    page.click("[data-testid=submit-declaration]")
    page.wait_for_url("**/review/mine/")
    expect(page.locator(f"[data-testid=declare-round-{world.round.pk}] + .badge.ok")).to_have_count(1)

    # --- 2. The officer assigns automatically: the declared conflict is honoured. With three
    # experts and two seats, project 1's panel can only be the two without a conflict.
    _switch(page, world.officer.username)
    page.goto(page.base + f"/review/rounds/{world.round.pk}/")
    expect(page.locator("[data-testid=declared-count]")).to_contain_text("2")
    _assign_automatically(page, world.round.pk, seed=_seed_that_would_pair(world.round.pk, projects, (p1.pk, e1.pk)),
                          runs_done=1)
    screenshot(page, "e2e14-officer-round-after-run-1280")
    page.click("[data-testid=run-job]")
    expect(page.locator("[data-testid=job-state]")).to_have_attribute("data-state", "done")
    expect(page.locator("[data-testid=job-count]")).to_have_text("4 / 4")
    assert _panel(p1) == {e0.pk, e2.pk}
    assert all(len(_panel(p)) == 2 and _panel(p) <= pool for p in projects)

    # --- 3. A manual change: the officer takes one expert off project 3's panel, with a reason...
    removed = min(_panel(p3))
    kept = _panel(p3) - {removed}
    page.goto(page.base + f"/review/rounds/{world.round.pk}/projects/{p3.pk}/")
    row = page.locator(f"[data-testid=panel-{removed}]")
    row.locator("input[name=reason]").fill("该专家近期与申报机构有业务往来")
    row.locator("button").click()
    expect(page.locator(f"[data-testid=excluded-{removed}]")).to_contain_text("该专家近期与申报机构有业务往来")
    expect(page.locator(f"[data-testid=panel-{removed}]")).to_have_count(0)
    assert PanelExclusion.objects.filter(project=p3, expert_id=removed).exists()
    # ... and a second automatic run fills the empty seat without putting the removed expert back.
    _assign_automatically(page, world.round.pk, seed=_seed_that_would_pair(world.round.pk, projects, (p3.pk, removed)),
                          runs_done=2)
    assert _panel(p3) == kept | (pool - {removed} - kept)
    assert removed not in _panel(p3) and len(_panel(p3)) == 2
    assert _panel(p1) == {e0.pk, e2.pk}  # the conflict still holds
    page.goto(page.base + f"/review/rounds/{world.round.pk}/projects/{p3.pk}/")
    expect(page.locator(f"[data-testid=excluded-{removed}]")).to_be_visible()
    for expert_id in _panel(p3):
        expect(page.locator(f"[data-testid=panel-{expert_id}]")).to_be_visible()
    screenshot(page, "e2e14-officer-panel-after-second-run-1280")

    # --- 4. Scoring. Project 2's two experts score in the browser, on pages that name no applicant;
    # their totals (60 and 88) are far enough apart to flag the project for discussion.
    low_expert, high_expert = sorted(Assignment.objects.filter(project=p2).select_related("expert__user"),
                                     key=lambda a: a.expert_id)
    for pg, assignment, total in ((phone, low_expert, "60"), (page, high_expert, "88")):
        _switch(pg, assignment.expert.user.username)
        pg.goto(pg.base + "/review/mine/")
        expect(pg.locator(f"[data-testid=assignment-{assignment.pk}]")).to_be_visible()
        _assert_blind(pg, names, "my reviews")
        pg.click(f"[data-testid=assignment-{assignment.pk}] a")
        pg.wait_for_selector("[data-testid=declaration-form]")
        _assert_blind(pg, names, "the declaration page")
        expect(pg.locator("[data-testid=blind-declaration]")).to_be_visible()
        pg.check("input[name=has_conflict][value=no]")
        pg.click("[data-testid=declare]")
        pg.wait_for_selector("[data-testid=proposal]")
        _assert_blind(pg, names, "the review page")
        assert "＊＊机构长期扎根社区" in pg.locator("[data-testid=proposal]").inner_text()
        # The proposal's file is offered under a neutral name, its copy without the applicant's name.
        link = pg.locator("[data-testid=review-file-1]")
        expect(link).to_have_text("附件1-申报材料.pdf")
        response = pg.request.get(pg.base + link.get_attribute("href"))
        assert response.status == 200 and response.headers["content-disposition"].startswith("inline")
        metadata = " ".join(str(v) for v in (PdfReader(BytesIO(response.body())).metadata or {}).values())
        assert not [n for n in names if n in metadata], metadata  # the upload's title and author named it
        _fill_scores(pg, total)
        pg.fill("textarea[name=comment]", "需求分析扎实" if total == "88" else "项目设计与需求衔接不足")
        width = "375" if pg is phone else "1280"
        if pg is phone:
            assert fits_width(phone)
        screenshot(pg, f"e2e14-expert-review-blind-{width}")
        pg.click("[data-testid=submit-review]")
        expect(pg.locator("[data-testid=locked-need]")).to_be_visible()
        expect(pg.locator("[data-testid=total]")).to_have_text(f"{total}.00")
        _assert_blind(pg, names, "the submitted review")
    # The other panels score through the services (not the subject of this test).
    for project, total in ((p1, "90"), (p3, "85"), (p4, "70")):
        for a in Assignment.objects.filter(project=project).select_related("expert__user"):
            services.declare(actor=a.expert.user, assignment_id=a.pk, has_conflict=False)
            services.submit_review(actor=a.expert.user, assignment_id=a.pk, scores=scores_for(total), comment="意见")
    assert set(Project.objects.filter(pk__in=[p.pk for p in projects]).values_list("state", flat=True)) == {
        State.REVIEWED}

    _switch(page, world.officer.username)
    page.goto(page.base + f"/review/rounds/{world.round.pk}/panel-policy/")
    expect(page.locator(f"[data-testid=disputed-{p2.pk}]")).to_contain_text("28.00")  # 88 − 60
    screenshot(page, "e2e14-flagged-for-discussion-1280")

    # --- 5. Discussion of the disputed project: the low scorer reads the panel, posts and revises.
    phone.goto(phone.base + "/review/mine/")
    phone.click(f"[data-testid=discussion-{low_expert.pk}]")
    expect(phone.locator("[data-testid=peer-scores]")).to_contain_text("88.00")
    _assert_blind(phone, names, "the discussion page")
    phone.fill("textarea[name=body]", "参考其他专家的意见，我对项目设计的评分偏低")
    phone.click("[data-testid=post]")
    expect(phone.locator("[data-testid=thread] li", has_text="项目设计的评分偏低")).to_have_count(1)
    _fill_scores(phone, "80")
    phone.fill("input[name=reason]", "采纳讨论中关于项目设计的意见")
    phone.click("[data-testid=revise]")
    expect(phone.locator("[data-testid=peer-scores]")).to_contain_text("60.00 → 80.00")
    _assert_blind(phone, names, "the discussion page after the revision")
    assert Assignment.objects.get(pk=low_expert.pk).total == D("80.00")
    assert fits_width(phone)
    screenshot(phone, "e2e14-discussion-375")
    page.goto(page.base + f"/review/rounds/{world.round.pk}/projects/{p2.pk}/discussion/")
    expect(page.locator("[data-testid=thread]")).to_contain_text("项目设计的评分偏低")
    expect(page.locator("[data-testid=peer-scores]")).to_contain_text("采纳讨论中关于项目设计的意见")
    screenshot(page, "e2e14-discussion-officer-1280")

    # --- 6. 现场答辩: the officer shortlists the two best, seats expert 丙 as judge, schedules them.
    page.goto(page.base + f"/review/rounds/{world.round.pk}/defense/")
    page.check(f"[data-testid=shortlist-{p1.pk}]")
    page.check(f"[data-testid=shortlist-{p3.pk}]")
    page.click("[data-testid=shortlist]")
    expect(page.locator(f"[data-testid=slot-{p3.pk}]")).to_be_visible()
    expect(page.locator(f"[data-testid=slot-{p1.pk}]")).to_be_visible()
    page.fill("#id_expert", e2.name)
    page.click("[data-testid=add-member]")
    expect(page.locator("[data-testid=members]")).to_contain_text("专家丙")
    start = timezone.localtime().replace(second=0, microsecond=0) + timedelta(days=1)
    for n, project in enumerate([p1, p3]):
        when = (start + timedelta(minutes=20 * n)).strftime("%Y-%m-%dT%H:%M")
        page.fill(f"[data-testid=starts-{project.pk}]", when)
        with page.expect_navigation():
            page.click(f"[data-testid=schedule-{project.pk}]")
        expect(page.locator(f"[data-testid=starts-{project.pk}]")).to_have_value(when)

    # The judge scores both presentations on a phone.
    _switch(phone, e2.user.username)
    phone.goto(phone.base + "/review/mine/")
    phone.click("[data-testid=defense-seats] a")
    for project, score in [(p1, "80"), (p3, "95")]:
        slot_time = (start + timedelta(minutes=20 * [p1, p3].index(project))).strftime("%Y-%m-%d %H:%M")
        expect(phone.locator(f"[data-testid=defense-item-{project.pk}]")).to_contain_text(slot_time)
        phone.fill(f"[data-testid=defense-score-{project.pk}]", score)
        with phone.expect_navigation():
            phone.click(f"[data-testid=save-defense-{project.pk}]")
        expect(phone.locator(f"[data-testid=defense-score-{project.pk}]")).to_have_value(f"{score}.00")
    assert fits_width(phone)
    screenshot(phone, "e2e14-defense-scoring-375")

    page.goto(page.base + f"/review/rounds/{world.round.pk}/defense/")
    expect(page.locator(f"[data-testid=blended-{p3.pk}]")).to_have_text("89.00")  # 85 × 60% + 95 × 40%
    expect(page.locator(f"[data-testid=blended-{p1.pk}]")).to_have_text("86.00")  # 90 × 60% + 80 × 40%
    screenshot(page, "e2e14-defense-1280")

    # --- 7. The ranking shows written, defense and blend, and orders by the blend.
    page.goto(page.base + f"/review/rounds/{world.round.pk}/ranking/")
    expect(page.locator(f"[data-testid=rank-blended-{p1.pk}]")).to_have_text("86.00")
    expect(page.locator(f"[data-testid=rank-defense-{p3.pk}]")).to_have_text("95.00")
    expect(page.locator(f"[data-testid=score-parts-{p3.pk}]")).to_contain_text("85.00")
    expect(page.locator(f"[data-testid=disputed-{p2.pk}]")).to_have_count(0)  # 80 and 88 agree now
    positions = {p.pk: int(page.get_attribute(f"[data-testid=rank-{p.pk}]", "data-position")) for p in projects}
    assert sorted(positions, key=positions.get) == [p3.pk, p1.pk, p2.pk, p4.pk]
    screenshot(page, "e2e14-ranking-1280")

    # --- 8. Fill-down: two funded in full, the third cut to what is left, one on the reserve list.
    page.goto(page.base + f"/review/rounds/{world.round.pk}/filldown/")
    kinds = {p.pk: page.get_attribute(f"[data-testid=line-{p.pk}]", "data-kind") for p in projects}
    assert kinds == {p3.pk: "fund", p1.pk: "fund", p2.pk: "cut", p4.pk: "reserve"}
    expect(page.locator("[data-testid=pending-defense]")).to_have_count(0)
    screenshot(page, "e2e14-filldown-1280")
    _switch(phone, world.officer.username)
    phone.goto(phone.base + f"/review/rounds/{world.round.pk}/filldown/")
    assert fits_width(phone)
    screenshot(phone, "e2e14-filldown-375")
    page.click("[data-testid=confirm-filldown]")
    page.wait_for_url("**/ranking/")
    expect(page.locator("[data-testid=money-left]")).to_have_text("0.00")
    states = dict(Project.objects.filter(pk__in=[p.pk for p in projects]).values_list("pk", "state"))
    assert states == {p3.pk: State.APPROVED, p1.pk: State.APPROVED, p2.pk: State.APPROVED,
                      p4.pk: State.WAITLISTED}
    assert Project.objects.get(pk=p2.pk).approved_amount == D("50000.00")

    # --- 9. 公示: the officer publishes; the public page (no login, phone) lists the funded three.
    page.goto(page.base + f"/review/rounds/{world.round.pk}/publicity/")
    page.click("[data-testid=publish]")
    for project in (p1, p2, p3):
        expect(page.locator(f"[data-testid=notice-{project.pk}]")).to_have_attribute("data-state", State.PUBLICITY)
    phone.context.clear_cookies()
    phone.goto(phone.base + f"/review/publicity/{world.round.pk}/")
    codes = {p.pk: Project.objects.get(pk=p.pk).code for p in projects}
    for project in (p1, p2, p3):
        expect(phone.locator(f"[data-testid=publicity-{codes[project.pk]}]")).to_be_visible()
    expect(phone.locator(f"[data-testid=publicity-{codes[p2.pk]}]")).to_contain_text("50,000.00")
    expect(phone.locator(f"[data-testid=publicity-{codes[p4.pk]}]")).to_have_count(0)
    # The notice publishes the score the decision ranked by: the blend for the defended projects.
    expect(phone.locator(f"[data-testid=publicity-score-{codes[p3.pk]}]")).to_have_text("89.00")
    expect(phone.locator(f"[data-testid=publicity-score-{codes[p1.pk]}]")).to_have_text("86.00")
    expect(phone.locator(f"[data-testid=publicity-score-{codes[p2.pk]}]")).to_have_text("84.00")
    assert fits_width(phone)
    screenshot(phone, "e2e14-publicity-375")
    page.context.clear_cookies()
    page.goto(page.base + f"/review/publicity/{world.round.pk}/")
    expect(page.locator(f"[data-testid=publicity-{codes[p3.pk]}]")).to_contain_text(APPLICANTS[2][0])
    screenshot(page, "e2e14-publicity-1280")
