"""Expert review end to end in Chromium: declaration, draft, submission, recusal, ranking, decision, 公示."""
import pytest

from projects.models import Project
from projects.states import State
from reviewers import services
from reviewers.models import Assignment, AssignmentState
from tests.browser.conftest import fits_width, login, screenshot
from tests.factories import ExpertFactory
from tests.reviewers.helpers import scores_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def logout(page):
    page.context.clear_cookies()


def test_expert_review_to_public_notice(page, phone, world):
    world.round.experts_per_project = 2
    world.round.require_finance_expert = False
    world.round.save()
    org, member = world.new_org()
    project = world.advance(world.draft(org, member, title="长者助餐与探访"), State.UNDER_REVIEW)
    conflicted, spare = ExpertFactory(), ExpertFactory()
    a_mine = services.assign_expert(actor=world.officer, project=project, expert=world.expert)
    a_conflicted = services.assign_expert(actor=world.officer, project=project, expert=conflicted)

    # An expert with a conflict declares it and never sees the proposal.
    login(page, conflicted.user.username)
    page.goto(page.base + "/review/mine/")
    page.click(f"[data-testid=assignment-{a_conflicted.pk}] a")
    page.wait_for_selector("input[name=has_conflict][value=yes]")  # the declaration page is there
    assert page.locator("[data-testid=proposal]").count() == 0
    assert project.summary not in page.content()
    page.check("input[name=has_conflict][value=yes]")
    page.fill("input[name=note]", "本人担任该机构理事")
    page.click("[data-testid=declare]")
    page.wait_for_url("**/review/mine/")
    assert page.locator(f"[data-testid=assignment-{a_conflicted.pk}]").get_attribute("data-state") == "recused"
    assert page.locator(f"[data-testid=assignment-{a_conflicted.pk}] a").count() == 0
    response = page.goto(page.base + f"/review/mine/{a_conflicted.pk}/")
    assert response.status == 404 and project.summary not in page.content()
    replacement = Assignment.objects.get(project=project, expert=spare)
    logout(page)

    # The assigned expert declares no conflict, saves a draft on a phone, then submits.
    login(phone, world.expert.user.username)
    phone.goto(phone.base + f"/review/mine/{a_mine.pk}/")
    phone.check("input[name=has_conflict][value=no]")
    phone.click("[data-testid=declare]")
    phone.wait_for_selector("[data-testid=proposal]")
    assert project.summary in phone.content()
    assert fits_width(phone)
    phone.fill("[data-testid=score-need]", "17")
    phone.fill("[data-testid=score-design]", "21.5")
    phone.fill("textarea[name=note_need]", "需求调研扎实")
    phone.click("[data-testid=save-draft]")
    phone.wait_for_load_state("networkidle")
    assert phone.input_value("[data-testid=score-design]") == "21.5"
    assert Assignment.objects.get(pk=a_mine.pk).scores == {"need": "17", "design": "21.5"}
    screenshot(phone, "review-draft-phone")
    for code, value in (("team", "12"), ("budget", "16"), ("impact", "17")):
        phone.fill(f"[data-testid=score-{code}]", value)
    phone.click("[data-testid=submit-review]")
    phone.wait_for_selector("[data-testid=locked-need]")
    assert phone.locator("[data-testid=total]").inner_text() == "83.50"
    assert phone.locator("[data-testid=submit-review]").count() == 0
    assert Assignment.objects.get(pk=a_mine.pk).state == AssignmentState.SUBMITTED

    # The replacement expert submits too; the project moves to reviewed.
    services.declare(actor=spare.user, assignment_id=replacement.pk, has_conflict=False)
    services.submit_review(actor=spare.user, assignment_id=replacement.pk, scores=scores_for("79"), comment="可行")
    assert Project.objects.get(pk=project.pk).state == State.REVIEWED

    # The officer ranks, approves within the pot and publishes 公示.
    login(page, world.officer.username)
    page.goto(page.base + f"/review/rounds/{world.round.pk}/ranking/")
    row = page.locator(f"[data-testid=rank-{project.pk}]")
    assert row.get_attribute("data-position") == "1"
    assert page.locator(f"[data-testid=score-{project.pk}]").inner_text().startswith("81.25")
    screenshot(page, "review-ranking")
    page.fill(f"[data-testid=amount-{project.pk}]", "90000.00")
    page.check(f"[data-testid=select-{project.pk}]")
    page.select_option("[data-testid=action]", "approve")
    page.fill("[data-testid=decision-comment]", "劳务费偏高，核减")  # a cut needs a reason (issue 12)
    page.click("[data-testid=decide]")
    page.wait_for_load_state("networkidle")
    approved = Project.objects.get(pk=project.pk)
    assert approved.state == State.APPROVED and str(approved.approved_amount) == "90000.00"
    assert page.locator("[data-testid=money-left]").inner_text() == "910,000.00"
    # the cut breaks the 50% labor rule (labor 50,000 > 45,000): shown before signing
    assert page.locator(f"[data-testid=budget-{project.pk}]").count() == 1
    page.goto(page.base + f"/review/rounds/{world.round.pk}/publicity/")
    page.click("[data-testid=publish]")
    page.wait_for_load_state("networkidle")
    assert Project.objects.get(pk=project.pk).state == State.PUBLICITY
    logout(page)

    # The public sees the list without logging in, on a phone too, and can download it.
    phone.context.clear_cookies()
    phone.goto(phone.base + f"/review/publicity/{world.round.pk}/")
    assert phone.locator(f"[data-testid=publicity-{project.code}]").count() == 1
    assert "90,000.00" in phone.locator(f"[data-testid=publicity-{project.code}]").inner_text()
    assert fits_width(phone)
    screenshot(phone, "review-publicity-phone")
    with phone.expect_download() as download:
        phone.click("[data-testid=xlsx]")
    assert download.value.suggested_filename.endswith(".xlsx")
