"""The panel's second half through HTTP: discussion of a disputed project with a revision inside the
window, the oral defense blended into the ranking, preferences with their source, fill-down to the
pot with a reserve list, and the round's 评审汇总表 (xlsx, PDF, background job)."""
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification, Role
from documents.models import Job
from documents.services import run_job
from grants import services as grants_services
from projects.models import Project, ProjectEvent
from projects.states import State
from reviewers import defense, round_summary, services
from reviewers.models import Assignment
from reviewers.panel_models import DefenseScore, DefenseSlot, DiscussionPost, PanelAudit, ScoreRevision
from reviewers.panel_selectors import policy_for
from tests.documents.pdfcheck import pdf_text
from tests.factories import RoundFactory, UserFactory
from tests.reviewers.helpers import review, scores_for

D = Decimal


def set_policy(client, world, **values):
    data = {"peers_see_scores": "on", "discussion_until": "", "defense_weight": "0", "rating_mode": "off",
            "rating_min": "3", "rating_bonus": "2", "excellent_mode": "off", "excellent_bonus": "2",
            "excellent_lookback_years": "3", "reserve_count": "5", "allow_cut": "on"}
    data.update({k: v for k, v in values.items() if v is not None})
    for key in [k for k, v in values.items() if v is None]:
        data.pop(key)
    client.force_login(world.officer)
    return client.post(reverse("reviewers:panel_policy", args=[world.round.pk]), data, follow=True)


@pytest.fixture
def disputed(world, under_review, experts):
    panel = experts(3)
    project, calm = under_review(2)
    assignments = review(world, project, panel, ["60", "85", "90"])  # spread 30 > threshold 20
    review(world, calm, panel, ["80", "81", "82"])
    return Project.objects.get(pk=project.pk), Project.objects.get(pk=calm.pk), panel, assignments


def test_the_panel_discusses_and_revises_within_the_window(client, world, disputed):
    project, calm, panel, assignments = disputed
    low = assignments[0]
    # before the officer opens a window, the expert sees the thread but may not revise
    client.force_login(panel[0].user)
    page = client.get(reverse("reviewers:discussion", args=[low.pk])).content.decode()
    assert "本批次未设置讨论期" in page and 'data-testid="peer-scores"' in page
    assert "意见" in page and "90.00" in page  # each other's scores and comments
    until = timezone.localdate() + timedelta(days=3)
    page = set_policy(client, world, discussion_until=str(until)).content.decode()
    assert PanelAudit.objects.filter(round=world.round, action="policy_changed").exists()
    assert f'value="{until:%Y-%m-%d}"' in page  # the date field shows the stored date again

    client.force_login(panel[0].user)
    client.post(reverse("reviewers:discussion", args=[low.pk]), {"action": "post", "body": "我对预算部分评分偏低，理由如下"})
    assert DiscussionPost.objects.get(project=project).author_label == panel[0].name
    revise = {"action": "revise", "comment": "讨论后上调", "reason": "采纳其他专家对需求分析的意见", "based_on": "0",
              **{f"score_{k}": v for k, v in scores_for("78").items()}}
    page = client.post(reverse("reviewers:discussion", args=[low.pk]), revise, follow=True).content.decode()
    assert "修改后的评分已保存" in page or Assignment.objects.get(pk=low.pk).total == D("78.00")
    assert Assignment.objects.get(pk=low.pk).total == D("78.00")
    revision = ScoreRevision.objects.get(assignment=low)
    assert (revision.before_total, revision.after_total) == (D("60.00"), D("78.00"))
    event = ProjectEvent.objects.get(project=project, action="review_revised")
    assert event.data["before"]["total"] == "60.00" and event.data["after"]["total"] == "78.00"
    # without a reason, or with a broken sheet, nothing changes
    page = client.post(reverse("reviewers:discussion", args=[low.pk]), {**revise, "reason": ""},
                       follow=True).content.decode()
    assert ScoreRevision.objects.filter(assignment=low).count() == 1
    # a second tab still showing the first scores cannot overwrite the revision
    page = client.post(reverse("reviewers:discussion", args=[low.pk]),
                       {**revise, **{f"score_{k}": v for k, v in scores_for("65").items()}}, follow=True).content.decode()
    assert "已在其他页面修改为 78.00 分" in page and Assignment.objects.get(pk=low.pk).total == D("78.00")
    revise["based_on"] = "1"
    page = client.post(reverse("reviewers:discussion", args=[low.pk]),
                       {**revise, "score_need": "99", "reason": "再改"}, follow=True).content.decode()
    assert ScoreRevision.objects.filter(assignment=low).count() == 1 and "需求分析" in page

    # the officer reads the thread and the revision on their own page
    client.force_login(world.officer)
    page = client.get(reverse("reviewers:panel_discussion", args=[world.round.pk, project.pk])).content.decode()
    assert "我对预算部分评分偏低" in page and "60.00 → 78.00" in page


def test_no_discussion_for_agreeing_scores_and_the_window_closes(client, world, disputed):
    project, calm, panel, assignments = disputed
    calm_assignment = Assignment.objects.get(project=calm, expert=panel[0])
    client.force_login(panel[0].user)
    page = client.get(reverse("reviewers:discussion", args=[calm_assignment.pk])).content.decode()
    assert "不需要讨论" in page and 'data-testid="peer-scores"' not in page
    client.post(reverse("reviewers:discussion", args=[calm_assignment.pk]), {"action": "post", "body": "试试"})
    assert not DiscussionPost.objects.exists()
    set_policy(client, world, discussion_until=str(timezone.localdate() - timedelta(days=1)),
               peers_see_scores=None)
    client.force_login(panel[0].user)
    page = client.get(reverse("reviewers:discussion", args=[assignments[0].pk])).content.decode()
    assert "讨论期已于" in page and 'data-testid="scores-hidden"' in page and 'data-testid="revise-form"' not in page
    client.post(reverse("reviewers:discussion", args=[assignments[0].pk]), {
        "action": "revise", "comment": "x", "reason": "晚了", **{f"score_{k}": v for k, v in scores_for("70").items()}})
    assert Assignment.objects.get(pk=assignments[0].pk).total == D("60.00")
    # another expert's task is not a door to this discussion
    client.force_login(panel[0].user)
    other = Assignment.objects.get(project=project, expert=panel[1])
    assert client.get(reverse("reviewers:discussion", args=[other.pk])).status_code == 404


@pytest.fixture
def ranked_three(world, under_review, experts):
    panel = experts(3)
    a, b, c = under_review(3)
    review(world, a, panel, ["90", "90", "90"])
    review(world, b, panel, ["86", "86", "86"])
    review(world, c, panel, ["70", "70", "70"])
    return a, b, c, panel


def _ranking_order(client, world):
    client.force_login(world.officer)
    page = client.get(reverse("reviewers:ranking", args=[world.round.pk])).content.decode()
    return page


def test_oral_defense_blends_into_the_ranking(client, world, ranked_three, experts):
    a, b, c, panel = ranked_three
    judges = experts(2)
    set_policy(client, world, defense_weight="50")
    url = reverse("reviewers:defense", args=[world.round.pk])
    client.post(url, {"action": "shortlist", "project": [str(a.pk), str(b.pk)]})
    assert set(DefenseSlot.objects.values_list("project_id", flat=True)) == {a.pk, b.pk}
    for judge in judges:
        client.post(url, {"action": "add_member", "expert": str(judge.pk)})
    start = timezone.localtime().replace(second=0, microsecond=0) + timedelta(days=1)
    slot_a, slot_b = DefenseSlot.objects.get(project=a), DefenseSlot.objects.get(project=b)
    client.post(url, {"action": "schedule", "slot": slot_a.pk, "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
                      "minutes": "20", "place": "三楼会议室"})
    page = client.post(url, {"action": "schedule", "slot": slot_b.pk, "minutes": "20",
                             "starts_at": (start + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M")},
                       follow=True).content.decode()
    assert "重叠" in page and DefenseSlot.objects.get(pk=slot_b.pk).starts_at is None
    client.post(url, {"action": "schedule", "slot": slot_b.pk, "minutes": "20",
                      "starts_at": (start + timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M")})

    # an expert not on the defense panel has no door; panel members score 0–100
    client.force_login(panel[0].user)
    assert client.get(reverse("reviewers:defense_scoring", args=[world.round.pk])).status_code == 404
    scoring = reverse("reviewers:defense_scoring", args=[world.round.pk])
    client.force_login(judges[0].user)
    page = client.post(scoring, {"slot": slot_a.pk, "score": "120"}, follow=True).content.decode()
    assert "0 到 100" in page and not DefenseScore.objects.exists()
    for judge, (sa, sb) in zip(judges, [("70", "98"), ("72", "96")], strict=True):
        client.force_login(judge.user)
        client.post(scoring, {"slot": slot_a.pk, "score": sa})
        client.post(scoring, {"slot": slot_b.pk, "score": sb})
    # a: written 90, defense 71 → 80.50; b: written 86, defense 97 → 91.50; c: not shortlisted, after both
    page = _ranking_order(client, world)
    assert f'data-testid="rank-blended-{a.pk}">80.50' in page
    assert f'data-testid="rank-blended-{b.pk}">91.50' in page
    assert page.index(f'data-testid="rank-{b.pk}"') < page.index(f'data-testid="rank-{a.pk}"') < page.index(
        f'data-testid="rank-{c.pk}"')
    assert ProjectEvent.objects.filter(project=a, action="defense_scored").count() == 2


def test_rating_preference_shows_its_source_and_changes_the_order(client, world, under_review, experts):
    panel = experts(3)
    org, member = world.new_org()
    rated = world.advance(world.draft(org, member, title="四A机构项目"), State.UNDER_REVIEW)
    # the rating comes in after submission (the officer records it on the organization's page)
    org.rating, org.rating_valid_until = 4, date.today() + timedelta(days=400)
    grants_services.save_organization(actor=world.officer, organization=org)
    plain = under_review(1)[0]
    review(world, rated, panel, ["80", "80", "80"])
    review(world, plain, panel, ["81", "81", "81"])
    page = _ranking_order(client, world)
    assert page.index(f'data-testid="rank-{plain.pk}"') < page.index(f'data-testid="rank-{rated.pk}"')
    set_policy(client, world, rating_mode="bonus", rating_bonus="2")
    page = _ranking_order(client, world)
    assert page.index(f'data-testid="rank-{rated.pk}"') < page.index(f'data-testid="rank-{plain.pk}"')
    assert f'data-testid="pref-{rated.pk}-rating"' in page and "评估等级4A" in page and "加 2.00 分" in page
    assert f'data-testid="score-{rated.pk}">82.00' in page


def test_policy_form_refuses_bad_values_and_keeps_the_old_ones(client, world):
    set_policy(client, world, defense_weight="30")
    page = set_policy(client, world, defense_weight="130").content.decode()
    assert "100" in page
    assert policy_for(world.round).defense_weight == D("30")


@pytest.fixture
def five(world, under_review, experts):
    world.round.pot = D("250000.00")
    world.round.save()
    panel = experts(3)
    projects = under_review(5)
    for project, total in zip(projects, ["90", "85", "80", "75", "70"], strict=True):
        review(world, project, panel, [total] * 3)
    return projects


def test_filldown_proposes_funds_cuts_and_reserves_then_confirms(client, world, five):
    set_policy(client, world, reserve_count="2")
    url = reverse("reviewers:filldown", args=[world.round.pk])
    page = client.get(url).content.decode()
    kinds = {p.pk: page.split(f'data-testid="line-{p.pk}" data-kind="')[1].split('"')[0]
             for p in five if f'data-testid="line-{p.pk}"' in page}
    assert kinds == {five[0].pk: "fund", five[1].pk: "fund", five[2].pk: "cut", five[3].pk: "reserve",
                     five[4].pk: "reserve"}
    # 50,000 left for the third: its 50,000 of labor is then 100% of the grant
    assert f'data-testid="cut-problems-{five[2].pk}"' in page and "50%" in page
    # a stale page is refused
    page = client.post(url, {"fingerprint": "stale"}, follow=True).content.decode()
    assert "已发生变化" in page and Project.objects.filter(state=State.APPROVED).count() == 0
    fingerprint = page.split('name="fingerprint" value="')[1].split('"')[0] if 'name="fingerprint"' in page else \
        client.get(url).content.decode().split('name="fingerprint" value="')[1].split('"')[0]
    client.post(url, {"fingerprint": fingerprint})
    states = {p.pk: (p.state, p.approved_amount) for p in Project.objects.filter(pk__in=[x.pk for x in five])}
    assert states[five[0].pk] == (State.APPROVED, D("100000.00"))
    assert states[five[1].pk] == (State.APPROVED, D("100000.00"))
    assert states[five[2].pk] == (State.APPROVED, D("50000.00"))
    assert states[five[3].pk][0] == states[five[4].pk][0] == State.WAITLISTED
    assert "备选名单第1位" in ProjectEvent.objects.get(project=five[3], action="waitlist").comment
    assert PanelAudit.objects.get(action="filldown_confirmed").data["left_before"] == "250000.00"
    # the pot is spent: the next proposal funds nothing and keeps the reserve list
    page = client.get(url).content.decode()
    assert 'data-kind="fund"' not in page and 'data-kind="cut"' not in page
    fingerprint = page.split('name="fingerprint" value="')[1].split('"')[0]
    page = client.post(url, {"fingerprint": fingerprint}, follow=True).content.decode()
    assert "没有需要新作出的决定" in page


def test_filldown_waits_for_the_defense_scores(client, world, five):
    set_policy(client, world, defense_weight="40")
    client.post(reverse("reviewers:defense", args=[world.round.pk]), {"action": "shortlist", "project": [str(five[0].pk)]})
    url = reverse("reviewers:filldown", args=[world.round.pk])
    page = client.get(url).content.decode()
    assert 'data-testid="pending-defense"' in page
    fingerprint = page.split('name="fingerprint" value="')[1].split('"')[0]
    page = client.post(url, {"fingerprint": fingerprint}, follow=True).content.decode()
    assert "尚未录入答辩评分" in page and not Project.objects.filter(state=State.APPROVED).exists()


def test_round_summary_xlsx_escapes_formulas_and_has_signature_lines(client, world, under_review, experts):
    panel = experts(3)
    org, member = world.new_org()
    project = world.advance(world.draft(org, member, title="=HYPERLINK(\"http://x\")"), State.UNDER_REVIEW)
    review(world, project, panel, ["80", "82", "84"])
    client.force_login(world.officer)
    response = client.get(reverse("reviewers:round_summary_file", args=[world.round.pk, "xlsx"]))
    wb = openpyxl.load_workbook(BytesIO(response.content))
    ws = wb["评审汇总表"]
    assert [c.value for c in ws[4]][:6] == round_summary.HEADERS[:6]
    title = ws.cell(row=5, column=3)
    assert title.value == '=HYPERLINK("http://x")' and title.data_type == "s" and title.quotePrefix
    assert ws.cell(row=5, column=6).value == 82  # a number the reader can sum
    assert ws.cell(row=5, column=12).value is None  # not decided yet
    texts = [c.value for row in ws.iter_rows() for c in row if c.value]
    assert "评审专家签名：" in texts and all(e.name in texts for e in panel)
    assert len(list(wb["专家评分明细"].iter_rows())) == 4
    pdf = client.get(reverse("reviewers:round_summary_file", args=[world.round.pk, "pdf"]))
    assert pdf.content.startswith(b"%PDF")


def test_a_large_round_summary_is_a_background_job(client, world, ranked_three, monkeypatch,
                                                  django_capture_on_commit_callbacks):
    monkeypatch.setattr(round_summary, "INLINE_LIMIT", 2)
    client.force_login(world.officer)
    url = reverse("reviewers:round_summary", args=[world.round.pk])
    assert 'data-testid="summary-job"' in client.get(url).content.decode()
    assert client.get(reverse("reviewers:round_summary_file", args=[world.round.pk, "xlsx"])).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"format": "xlsx"})
    job = Job.objects.get(kind="round_review_summary")
    job.refresh_from_db()
    assert job.state == "done", job.error
    assert job.result_name.endswith("评审汇总表.xlsx")


def test_a_generated_summary_is_streamed_as_stored_until_a_decision_outdates_it(
        client, world, ranked_three, monkeypatch, django_capture_on_commit_callbacks, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    a, _b, _c, _panel = ranked_three
    monkeypatch.setattr(round_summary, "INLINE_LIMIT", 2)
    client.force_login(world.officer)
    page = reverse("reviewers:round_summary", args=[world.round.pk])
    file_url = reverse("reviewers:round_summary_file", args=[world.round.pk, "pdf"])
    for _ in range(2):  # generated twice, the content unchanged: one stored file
        with django_capture_on_commit_callbacks(execute=True):
            client.post(page, {"format": "pdf"})
    assert len(list((tmp_path / "published").glob("summary-*.pdf"))) == 1
    assert 'data-testid="summary-stored-pdf"' in client.get(page).content.decode()

    real_build = round_summary.build
    monkeypatch.setattr(round_summary, "build", lambda round: pytest.fail("the summary was built in the request"))
    response = client.get(file_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "%E8%AF%84%E5%AE%A1%E6%B1%87%E6%80%BB%E8%A1%A8.pdf" in response["Content-Disposition"]  # 评审汇总表.pdf
    text = "".join(pdf_text(b"".join(response.streaming_content)).split())
    assert a.code in text and "评审专家签名" in text and text.count("评审汇总表") == 1

    monkeypatch.setattr(round_summary, "build", real_build)
    with django_capture_on_commit_callbacks(execute=True):
        services.decide(actor=world.officer, round_id=world.round.pk,
                        decisions=[services.Decision(a.pk, "reject", comment="经评审不予资助")])
    assert client.get(file_url).status_code == 302  # outdated: the officer generates it again


def test_a_post_notifies_the_other_experts_and_a_slot_notifies_the_applicant(
        client, world, disputed, django_capture_on_commit_callbacks):
    project, _calm, panel, assignments = disputed
    client.force_login(panel[0].user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reviewers:discussion", args=[assignments[0].pk]), {"action": "post", "body": "请大家看看预算"})
    got = Notification.objects.filter(text__contains="评审讨论有新发言")
    assert sorted(n.recipient_id for n in got) == sorted([panel[1].user.pk, panel[2].user.pk])
    assert got.get(recipient=panel[1].user).url == reverse("reviewers:discussion", args=[assignments[1].pk])

    set_policy(client, world, defense_weight="30")
    url = reverse("reviewers:defense", args=[world.round.pk])
    client.post(url, {"action": "shortlist", "project": [str(project.pk)]})
    slot = DefenseSlot.objects.get(project=project)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "schedule", "slot": slot.pk, "minutes": "15", "place": "市民中心",
                          "starts_at": (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")})
    members = set(project.organization.members.values_list("pk", flat=True))
    notes = Notification.objects.filter(text__contains="入围现场答辩")
    assert {n.recipient_id for n in notes} == members and "市民中心" in notes.first().text


def test_round_summary_pdf_has_every_score_and_a_signature_line_per_panel_member(world, ranked_three, experts):
    a, _b, _c, panel = ranked_three
    judge = experts(1)[0]
    defense.add_panel_member(actor=world.officer, round_id=world.round.pk, expert_id=judge.pk)
    summary = round_summary.build(world.round)
    html = render_to_string("reviewers/panel/summary_print.html", {
        "summary": summary, "round": world.round, "headers": round_summary.HEADERS, "rows": summary.rows,
        "printed": timezone.now(), "weight": D("0"), "hundred_minus": D("100")})
    assert html.count("签名：") == len(panel) + 1 and "答辩评委签名" in html and judge.name in html
    assert all(f"{e.name} 90.00" in html for e in panel) and a.code in html


def test_an_earlier_excellent_grade_is_a_tie_break_with_its_source(client, world, experts):
    panel = experts(3)
    current = world.round
    # An earlier round in which the organization completed a project graded 优秀.
    world.round = RoundFactory()
    org, member = world.new_org()
    earlier = world.advance(world.draft(org, member, title="往期优秀项目"), State.COMPLETED)
    assert Project.objects.get(pk=earlier.pk).grade == "优秀"
    # ...and that round was last year's (its dates are round settings, moved back once it is done)
    world.round.apply_start, world.round.apply_end = (current.apply_start - timedelta(days=400),
                                                      current.apply_start - timedelta(days=380))
    world.round.year = current.year - 1
    world.round.save()
    world.round = current
    other_org, other_member = world.new_org()
    plain = world.advance(world.draft(other_org, other_member, title="普通项目"), State.UNDER_REVIEW)
    excellent = world.advance(world.draft(org, member, title="优秀机构的新项目"), State.UNDER_REVIEW)
    # equal totals: without a preference the earlier application wins the tie
    review(world, excellent, panel, ["80", "80", "80"])
    review(world, plain, panel, ["80", "80", "80"])
    page = _ranking_order(client, world)
    assert page.index(f'data-testid="rank-{plain.pk}"') < page.index(f'data-testid="rank-{excellent.pk}"')
    set_policy(client, world, excellent_mode="tiebreak")
    page = _ranking_order(client, world)
    assert f'data-testid="pref-{excellent.pk}-excellent"' in page and earlier.code in page and "同分优先" in page
    assert f'data-testid="score-{excellent.pk}">80.00' in page  # a tie-break adds no points
    assert page.index(f'data-testid="rank-{excellent.pk}"') < page.index(f'data-testid="rank-{plain.pk}"')
    set_policy(client, world, excellent_mode="off")
    page = _ranking_order(client, world)
    assert f'data-testid="pref-{excellent.pk}-excellent"' not in page


def test_no_decision_on_a_shortlisted_project_before_its_defense_score(client, world, ranked_three, experts):
    a, _b, _c, _panel = ranked_three
    judge = experts(1)[0]
    set_policy(client, world, defense_weight="40")
    url = reverse("reviewers:defense", args=[world.round.pk])
    client.post(url, {"action": "shortlist", "project": [str(a.pk)]})
    client.post(url, {"action": "add_member", "expert": str(judge.pk)})
    page = client.post(reverse("reviewers:ranking", args=[world.round.pk]), {
        "project": [str(a.pk)], "action": "approve", f"amount_{a.pk}": "100000.00", "comment": ""},
        follow=True).content.decode()
    assert "尚未录入答辩评分" in page and Project.objects.get(pk=a.pk).state == State.REVIEWED
    slot = DefenseSlot.objects.get(project=a)
    client.post(url, {"action": "schedule", "slot": slot.pk, "minutes": "15",
                      "starts_at": (timezone.localtime() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")})
    client.force_login(judge.user)
    client.post(reverse("reviewers:defense_scoring", args=[world.round.pk]), {"slot": slot.pk, "score": "88"})
    client.force_login(world.officer)
    client.post(reverse("reviewers:ranking", args=[world.round.pk]), {
        "project": [str(a.pk)], "action": "approve", f"amount_{a.pk}": "100000.00", "comment": ""})
    assert Project.objects.get(pk=a.pk).state == State.APPROVED


def test_a_reopened_review_outdates_the_stored_summary(
        client, world, ranked_three, django_capture_on_commit_callbacks, settings, tmp_path, monkeypatch):
    """A reopened review changes the summary's scores without any project changing state."""
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(round_summary, "INLINE_LIMIT", 2)  # a large round: the file is only ever the stored one
    a, _b, _c, _panel = ranked_three
    client.force_login(world.officer)
    file_url = reverse("reviewers:round_summary_file", args=[world.round.pk, "xlsx"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reviewers:round_summary", args=[world.round.pk]), {"format": "xlsx"})
    assert client.get(file_url).status_code == 200
    seat = a.assignments.filter(state="submitted").first()
    services.reopen_review(actor=world.officer, assignment_id=seat.pk, reason="评分明显有误，请复核")
    assert client.get(file_url).status_code == 302  # outdated: the officer generates it again


def test_filldown_pages_a_long_proposal_and_a_confirmation_from_any_page_records_it_all(
        client, world, five, monkeypatch):
    from reviewers.views import panel_officer

    monkeypatch.setattr(panel_officer, "PROPOSAL_LINES_PER_PAGE", 2)
    set_policy(client, world, reserve_count="2")
    url = reverse("reviewers:filldown", args=[world.round.pk])
    first = client.get(url).content.decode()
    last = client.get(url, {"page": "3"}).content.decode()
    beyond = client.get(url, {"page": "99"}).content.decode()  # a bad page number shows the last page
    shown = [[p.pk for p in five if f'data-testid="line-{p.pk}"' in page] for page in (first, last)]
    assert shown == [[five[0].pk, five[1].pk], [five[4].pk]]
    assert f'data-testid="line-{five[4].pk}"' in beyond
    # the summary counts the whole proposal, whichever page is shown
    for page in (first, last):
        assert 'data-testid="funded-count">3' in page and 'data-testid="reserve-count">2' in page
        assert "确认将记录建议的全部 5 行" in page
    fingerprint = last.split('name="fingerprint" value="')[1].split('"')[0]
    assert fingerprint == first.split('name="fingerprint" value="')[1].split('"')[0]
    client.post(f"{url}?page=3", {"fingerprint": fingerprint})
    states = dict(Project.objects.filter(pk__in=[p.pk for p in five]).values_list("pk", "state"))
    assert [states[p.pk] for p in five] == [State.APPROVED] * 3 + [State.WAITLISTED] * 2


def test_the_summary_button_starts_a_job_only_when_the_content_changed(
        client, world, ranked_three, monkeypatch, settings, tmp_path):
    """A later click, by the same officer or another, gets the job already building the summary, or
    the stored file while nothing changed; a change (a decision) makes the next click start a new job."""
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(round_summary, "INLINE_LIMIT", 2)
    a, _b, _c, _panel = ranked_three
    page = reverse("reviewers:round_summary", args=[world.round.pk])
    file_url = reverse("reviewers:round_summary_file", args=[world.round.pk, "xlsx"])
    jobs = Job.objects.filter(kind="round_review_summary")
    client.force_login(world.officer)
    first = client.post(page, {"format": "xlsx"})  # the worker has not picked it up yet
    job = jobs.get()
    assert first["Location"] == reverse("documents:job_detail", args=[job.pk])
    jobs.update(created_at=timezone.now() - timedelta(minutes=20))  # a click much later: the same job
    assert client.post(page, {"format": "xlsx"})["Location"] == first["Location"]
    assert 'data-testid="summary-generating-xlsx"' in client.get(page).content.decode()
    other = UserFactory(role=Role.OFFICER)
    other_client = Client()
    other_client.force_login(other)
    assert other_client.post(page, {"format": "xlsx"})["Location"] == page  # theirs is not a second job
    assert jobs.count() == 1

    run_job(job_id=job.pk)  # the worker runs it
    assert jobs.get().state == "done"
    for c in (client, other_client):  # unchanged: the stored file, no new job
        assert c.post(page, {"format": "xlsx"})["Location"] == file_url
    assert client.get(file_url).status_code == 200
    assert jobs.count() == 1

    services.decide(actor=world.officer, round_id=world.round.pk,
                    decisions=[services.Decision(a.pk, "reject", comment="经评审不予资助")])
    again = client.post(page, {"format": "xlsx"})
    assert jobs.count() == 2
    assert again["Location"] == reverse("documents:job_detail", args=[jobs.first().pk])
