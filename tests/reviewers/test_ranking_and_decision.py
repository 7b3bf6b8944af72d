from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import Project
from projects.states import State
from reviewers import ranking, selectors, services
from reviewers.errors import ReviewError
from tests.reviewers.helpers import review

D = Decimal


@pytest.fixture
def reviewed(world, under_review, experts):
    """Three reviewed projects: disputed 5-panel, a close 3-panel, a unanimous 3-panel."""
    world.round.aggregation = "trimmed"
    world.round.save()
    panel = experts(5)
    p1, p2, p3 = under_review(3)
    review(world, p1, panel, ["60", "80", "85", "90", "99"])
    review(world, p2, panel[:3], ["80", "81", "81"])
    review(world, p3, panel[2:], ["90", "90", "90"])
    return p1, p2, p3, panel


def build(round):
    round.refresh_from_db()
    return ranking.build(round, *selectors.ranking_inputs(round))


def test_all_reviews_in_moves_projects_to_reviewed(reviewed):
    assert {p.state for p in Project.objects.filter(pk__in=[p.pk for p in reviewed[:3]])} == {State.REVIEWED}


def test_trimmed_mean_order_and_disagreement_flags(world, reviewed):
    p1, p2, p3, _ = reviewed
    rows = build(world.round).rows
    assert [(r.project.pk, r.score) for r in rows] == [(p3.pk, D("90.00")), (p1.pk, D("85.00")), (p2.pk, D("80.67"))]
    flags = {r.project.pk: (r.spread, r.disputed) for r in rows}
    assert flags == {p1.pk: (D("39.00"), True), p2.pk: (D("1.00"), False), p3.pk: (D("0.00"), False)}
    assert [r.cumulative for r in rows] == [D("100000.00"), D("200000.00"), D("300000.00")]
    assert rows[-1].remaining == D("700000.00")


def test_mean_and_weighted(world, reviewed):
    p1, p2, p3, panel = reviewed
    world.round.aggregation = "mean"
    world.round.save()
    assert {r.project.pk: r.score for r in build(world.round).rows}[p1.pk] == D("82.80")  # 414 / 5
    world.round.aggregation = "weighted"
    world.round.save()
    panel[0].weight = D("3")  # the 60
    panel[0].save()
    # (3·60 + 80 + 85 + 90 + 99) / 7 = 534 / 7 = 76.2857…
    assert {r.project.pk: r.score for r in build(world.round).rows}[p1.pk] == D("76.29")


def test_zscores_beside_raw_scores(world, reviewed):
    p1, _, _, panel = reviewed
    row = next(r for r in build(world.round).rows if r.project.pk == p1.pk)
    # expert 0 scored 60 (p1) and 80 (p2): z −1 on p1; expert 4 scored 99 (p1) and 90 (p3): z +1
    z = {e.expert: e.z for e in row.experts}
    assert z[panel[0].name] == D("-1.000") and z[panel[4].name] == D("1.000")
    assert row.mean_z == D("-0.218")  # (−1 − 1 − 0.091 + 0 + 1) / 5


def test_tie_broken_by_criteria_in_rubric_order(world, under_review, experts):
    from reviewers import services as s

    panel = experts(1)
    a, b = under_review(2)
    for project, sc in ((a, {"need": "10", "design": "25", "team": "15", "budget": "20", "impact": "20"}),
                        (b, {"need": "20", "design": "15", "team": "15", "budget": "20", "impact": "20"})):
        assignment = s.assign_expert(actor=world.officer, project=project, expert=panel[0])
        s.declare(actor=panel[0].user, assignment_id=assignment.pk, has_conflict=False)
        s.submit_review(actor=panel[0].user, assignment_id=assignment.pk, scores=sc)
    rows = build(world.round).rows
    assert [r.score for r in rows] == [D("90.00"), D("90.00")]
    assert [r.project.pk for r in rows] == [b.pk, a.pk]  # 需求分析 20 beats 10


def test_batch_decision_within_pot_and_labor_recheck(world, reviewed):
    p1, p2, p3, _ = reviewed
    services.decide(actor=world.officer, round_id=world.round.pk, decisions=[
        services.Decision(p3.pk, "approve", "100000.00"),
        services.Decision(p1.pk, "approve", "80000.00", "核减劳务费"),
        services.Decision(p2.pk, "waitlist", "", "资金有限，列为候补"),
    ])
    states = dict(Project.objects.filter(round=world.round).values_list("pk", "state"))
    assert (states[p3.pk], states[p1.pk], states[p2.pk]) == (State.APPROVED, State.APPROVED, State.WAITLISTED)
    result = build(world.round)
    assert result.approved_total == D("180000.00") and result.remaining == D("820000.00")
    cut = next(r for r in result.rows if r.project.pk == p1.pk)
    # labor 50,000 > 50% of the approved 80,000: the budget must be revised before signing
    assert any("核定资助金额 80,000.00 元" in p for p in cut.budget_problems)
    waitlisted = next(r for r in result.rows if r.project.pk == p2.pk)
    assert waitlisted.cumulative is None


def test_batch_over_the_pot_changes_nothing(world, reviewed):
    p1, p2, p3, _ = reviewed
    world.round.pot = D("150000.00")
    world.round.max_amount = D("150000.00")
    world.round.save()
    with pytest.raises(ReviewError) as exc:
        services.decide(actor=world.officer, round_id=world.round.pk, decisions=[
            services.Decision(p3.pk, "approve", "100000.00"),
            services.Decision(p1.pk, "approve", "80000.00"),
            services.Decision(p2.pk, "approve", "200000.00"),
        ])
    assert any(m.startswith(f"{p1.code}：资金池不足") for m in exc.value.errors)
    assert any(m.startswith(f"{p2.code}：核定资助金额 200,000.00 元不能高于申请金额") for m in exc.value.errors)
    assert set(Project.objects.filter(round=world.round).values_list("state", flat=True)) == {State.REVIEWED}


def test_decision_needs_an_officer(world, reviewed):
    with pytest.raises(ReviewError, match="只有项目管理员"):
        services.decide(actor=world.member, round_id=world.round.pk,
                        decisions=[services.Decision(reviewed[0].pk, "reject")])


def test_publicity_public_page_xlsx_pdf_and_objection(client, world, reviewed, django_capture_on_commit_callbacks):
    p1, p2, p3, _ = reviewed
    Project.objects.filter(pk=p3.pk).update(title="=HYPERLINK(\"http://evil\")")
    services.decide(actor=world.officer, round_id=world.round.pk,
                    decisions=[services.Decision(p3.pk, "approve", "100000.00")])
    with pytest.raises(ReviewError, match="只有项目管理员"):
        services.publish_round(actor=world.member, round_id=world.round.pk)
    with django_capture_on_commit_callbacks(execute=True):  # the files are built by jobs after commit
        services.publish_round(actor=world.officer, round_id=world.round.pk)
    assert Project.objects.get(pk=p3.pk).state == State.PUBLICITY
    with pytest.raises(ReviewError, match="没有待公示"):
        services.publish_round(actor=world.officer, round_id=world.round.pk)

    page = client.get(reverse("reviewers:publicity", args=[world.round.pk])).content.decode()
    assert p3.code in page and p1.code not in page and "100,000.00" in page

    xlsx = client.get(reverse("reviewers:publicity_xlsx", args=[world.round.pk]))
    sheet = openpyxl.load_workbook(BytesIO(b"".join(xlsx.streaming_content))).active
    values = [c.value for c in sheet[2]]
    assert values[1] == p3.code and values[2] == "=HYPERLINK(\"http://evil\")"  # exact text...
    assert sheet[2][2].data_type == "s" and sheet[2][2].quotePrefix  # ...in a string cell, never a formula
    assert values[5] == "90.00" and values[6] == "100,000.00"

    pdf = client.get(reverse("reviewers:publicity_pdf", args=[world.round.pk]))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")

    client.force_login(world.officer)
    url = reverse("reviewers:round_publicity", args=[world.round.pk])
    client.post(url, {"project": p3.pk, "action": "raise", "comment": "群众反映该机构存在违规"})
    assert Project.objects.get(pk=p3.pk).state == State.OBJECTION
    client.post(url, {"project": p3.pk, "action": "uphold", "comment": "经核实异议成立"})
    p3 = Project.objects.get(pk=p3.pk)
    assert p3.state == State.REVIEWED and p3.approved_amount is None
    assert p3.code not in client.get(reverse("reviewers:publicity", args=[world.round.pk])).content.decode()


def test_score_sheet_xlsx_and_pdf(client, world, reviewed):
    p1, _, _, panel = reviewed
    client.force_login(world.officer)
    xlsx = client.get(reverse("reviewers:score_sheet_xlsx", args=[p1.pk]))
    rows = list(openpyxl.load_workbook(BytesIO(xlsx.content)).active.values)
    assert rows[0][0] == "评审专家" and rows[0][1] == "需求分析（20分）"
    assert len(rows) == 1 + 5 + 1
    assert rows[-1][0] == "汇总得分" and rows[-1][6] == "85.00"
    pdf = client.get(reverse("reviewers:score_sheet_pdf", args=[p1.pk]))
    assert pdf.content.startswith(b"%PDF")


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_ranking_page_query_count_is_constant(client, world, under_review, experts):
    from tests.reviewers.helpers import review as do_review

    panel = experts(2)
    client.force_login(world.officer)
    url = reverse("reviewers:ranking", args=[world.round.pk])
    first = under_review(1)[0]
    do_review(world, first, panel, ["80", "70"])
    few = _queries(client, url)
    for project in under_review(3):
        do_review(world, project, panel, ["75", "85"])
    services.decide(actor=world.officer, round_id=world.round.pk,
                    decisions=[services.Decision(first.pk, "approve", "60000.00", "核减")])
    assert _queries(client, url) == few


def test_my_reviews_query_count_is_constant(client, world, under_review):
    client.force_login(world.expert.user)
    url = reverse("reviewers:my_reviews")
    projects = under_review(4)
    services.assign_expert(actor=world.officer, project=projects[0], expert=world.expert)
    few = _queries(client, url)
    for project in projects[1:]:
        services.assign_expert(actor=world.officer, project=project, expert=world.expert)
    assert _queries(client, url) == few
