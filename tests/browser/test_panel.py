"""The panel's second half in Chromium, as officer and experts: a disagreement discussion with a
revised score, an oral defense blended into the ranking, fill-down to the pot with a reserve list,
and the round's 评审汇总表. Screenshots at 1280 and 375 px."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from projects.models import Project
from projects.states import State
from reviewers.models import Assignment
from tests.browser.conftest import fits_width, login, screenshot
from tests.factories import ExpertFactory
from tests.reviewers.helpers import review

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
D = Decimal


def test_discussion_defense_and_filldown(page, phone, world):
    world.round.pot = D("250000.00")
    world.round.save()
    panel = [ExpertFactory() for _ in range(3)]
    judge = ExpertFactory(name="答辩评委甲")
    projects = []
    for i, totals in enumerate([["90"] * 3, ["60", "88", "92"], ["85"] * 3, ["75"] * 3, ["70"] * 3]):
        org, member = world.new_org()
        project = world.advance(world.draft(org, member, title=f"社区服务项目{i + 1}"), State.UNDER_REVIEW)
        review(world, project, panel, totals)
        projects.append(Project.objects.get(pk=project.pk))
    p1, p2, p3, p4, p5 = projects

    # The officer sets the round's panel rules: a discussion window, a 40% defense, two reserves.
    login(page, world.officer.username)
    page.goto(page.base + f"/review/rounds/{world.round.pk}/panel-policy/")
    assert page.locator(f"[data-testid=disputed-{p2.pk}]").count() == 1
    page.fill("#id_discussion_until", (timezone.localdate() + timedelta(days=5)).isoformat())
    page.fill("#id_defense_weight", "40")
    page.fill("#id_reserve_count", "2")
    page.click("[data-testid=save-policy]")
    page.wait_for_load_state("networkidle")
    assert "答辩成绩权重" in page.locator("[data-testid=panel-audit]").inner_text()
    screenshot(page, "panel-policy-1280")

    # The expert who gave 60 discusses on a phone and revises their score with a reason.
    low = Assignment.objects.get(project=p2, expert=panel[0])
    login(phone, panel[0].user.username)
    phone.goto(phone.base + "/review/mine/")
    phone.click(f"[data-testid=discussion-{low.pk}]")
    phone.wait_for_selector("[data-testid=peer-scores]")
    assert "92.00" in phone.locator("[data-testid=peer-scores]").inner_text()
    phone.fill("textarea[name=body]", "看了其他专家的意见，我对项目设计的评分偏低")
    phone.click("[data-testid=post]")
    phone.wait_for_selector("[data-testid=thread] li >> text=项目设计的评分偏低")
    phone.fill("[data-testid=score-need]", "16")
    phone.fill("[data-testid=score-design]", "22")
    phone.fill("[data-testid=score-team]", "12")
    phone.fill("[data-testid=score-budget]", "15")
    phone.fill("[data-testid=score-impact]", "15")
    phone.fill("input[name=reason]", "采纳讨论中关于项目设计的意见")
    phone.click("[data-testid=revise]")
    phone.wait_for_selector("[data-testid=peer-scores] >> text=60.00 → 80.00")
    assert Assignment.objects.get(pk=low.pk).total == D("80.00")
    assert fits_width(phone)
    screenshot(phone, "panel-discussion-375")

    page.goto(page.base + f"/review/rounds/{world.round.pk}/projects/{p2.pk}/discussion/")
    assert "采纳讨论中关于项目设计的意见" in page.content()
    screenshot(page, "panel-discussion-officer-1280")

    # Oral defense: shortlist the two best, seat a judge, schedule.
    page.goto(page.base + f"/review/rounds/{world.round.pk}/defense/")
    page.check(f"[data-testid=shortlist-{p1.pk}]")
    page.check(f"[data-testid=shortlist-{p3.pk}]")
    page.click("[data-testid=shortlist]")
    page.wait_for_selector(f"[data-testid=slot-{p3.pk}]")
    page.fill("#id_expert", judge.name)
    page.click("[data-testid=add-member]")
    page.wait_for_selector("[data-testid=members] >> text=答辩评委甲")
    start = timezone.localtime().replace(second=0, microsecond=0) + timedelta(days=1)
    for n, project in enumerate([p1, p3]):
        page.fill(f"[data-testid=starts-{project.pk}]", (start + timedelta(minutes=20 * n)).strftime("%Y-%m-%dT%H:%M"))
        page.click(f"[data-testid=schedule-{project.pk}]")
        page.wait_for_load_state("networkidle")

    # The judge scores both presentations on a phone.
    phone.context.clear_cookies()
    login(phone, judge.user.username)
    phone.goto(phone.base + "/review/mine/")
    phone.click("[data-testid=defense-seats] a")
    for project, score in [(p1, "80"), (p3, "95")]:
        phone.fill(f"[data-testid=defense-score-{project.pk}]", score)
        phone.click(f"[data-testid=save-defense-{project.pk}]")
        phone.wait_for_load_state("networkidle")
    assert phone.input_value(f"[data-testid=defense-score-{p3.pk}]") == "95.00"
    assert fits_width(phone)
    screenshot(phone, "panel-defense-scoring-375")

    page.goto(page.base + f"/review/rounds/{world.round.pk}/defense/")
    assert page.inner_text(f"[data-testid=blended-{p3.pk}]") == "89.00"  # 85 × 60% + 95 × 40%
    screenshot(page, "panel-defense-1280")

    # The ranking shows written, defense and blend; the shortlisted two come first.
    page.goto(page.base + f"/review/rounds/{world.round.pk}/ranking/")
    assert page.inner_text(f"[data-testid=rank-blended-{p1.pk}]") == "86.00"  # 90 × 60% + 80 × 40%
    positions = {p.pk: int(page.get_attribute(f"[data-testid=rank-{p.pk}]", "data-position")) for p in projects}
    assert [pk for pk, _ in sorted(positions.items(), key=lambda kv: kv[1])] == [p3.pk, p1.pk, p2.pk, p4.pk, p5.pk]
    screenshot(page, "panel-ranking-1280")

    # Fill-down: two funded in full, the third cut to what is left, two on the reserve list.
    page.goto(page.base + f"/review/rounds/{world.round.pk}/filldown/")
    kinds = {p.pk: page.get_attribute(f"[data-testid=line-{p.pk}]", "data-kind") for p in projects}
    assert kinds == {p3.pk: "fund", p1.pk: "fund", p2.pk: "cut", p4.pk: "reserve", p5.pk: "reserve"}
    assert page.locator(f"[data-testid=cut-problems-{p2.pk}]").count() == 1  # labor share of the cut amount
    screenshot(page, "panel-filldown-1280")
    phone.context.clear_cookies()
    login(phone, world.officer.username)
    phone.goto(phone.base + f"/review/rounds/{world.round.pk}/filldown/")
    assert fits_width(phone)
    screenshot(phone, "panel-filldown-375")
    page.click("[data-testid=confirm-filldown]")
    page.wait_for_url("**/ranking/")
    states = dict(Project.objects.filter(pk__in=[p.pk for p in projects]).values_list("pk", "state"))
    assert states == {p3.pk: State.APPROVED, p1.pk: State.APPROVED, p2.pk: State.APPROVED,
                      p4.pk: State.WAITLISTED, p5.pk: State.WAITLISTED}
    assert Project.objects.get(pk=p2.pk).approved_amount == D("50000.00")
    assert page.inner_text("[data-testid=money-left]").strip() in ("0.00", "¥0.00", "0")
    screenshot(page, "panel-ranking-decided-1280")

    page.goto(page.base + f"/review/rounds/{world.round.pk}/summary/")
    assert page.locator("[data-testid=summary] tr").count() == 6
    screenshot(page, "panel-summary-1280")
    phone.goto(phone.base + f"/review/rounds/{world.round.pk}/ranking/")
    assert fits_width(phone)
    screenshot(phone, "panel-ranking-375")
