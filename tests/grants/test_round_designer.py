"""The round designer through HTTP (issue 13): officers create, copy, change and publish rounds through
forms, bad input gets Chinese errors and loses nothing, changes history forbids are refused and leave
the round untouched, every change is recorded with before/after, and the ranking renders after every
allowed change."""
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Role
from grants.models import ChangeRecord, District, GrantRound, RoundQuestion
from projects.services.drafting import save_answers
from projects.states import State
from tests.admin_forms import form_values
from tests.builders import PDF
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def edit_url(round, section):
    return reverse("rounds:edit", args=[round.pk, section])


def post_section(client, round, section, changes: dict, reason="按年度政策调整"):
    data = form_values(client, edit_url(round, section))
    data.update(changes)
    data["reason"] = reason
    return client.post(edit_url(round, section), data)


def snapshot(round_id):
    r = GrantRound.objects.get(pk=round_id)
    return {f.name: getattr(r, f.name) for f in GrantRound._meta.concrete_fields}


@pytest.fixture
def officer_client(client, world):
    client.force_login(world.officer)
    return client


# ---------------------------------------------------------------- create, bad input, copy, publish

def test_bad_input_gets_chinese_errors_and_keeps_what_was_typed(officer_client):
    response = officer_client.post(reverse("rounds:create"), {
        "name": "2027年度公益创投", "year": "2027", "code": "2027GY", "fund_source": "welfare_lottery",
        "pot": "一百万", "min_amount": "20000", "max_amount": "10000", "apply_start": "2027-03-01",
        "apply_end": "2027-02-01", "period_months": "12"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "请输入数字" in page  # the pot
    assert 'value="2027年度公益创投"' in page and 'value="2027GY"' in page  # nothing lost
    assert not GrantRound.objects.filter(code="2027GY").exists()
    # the model's own rules come back in Chinese, still nothing saved
    response = officer_client.post(reverse("rounds:create"), {
        "name": "2027年度公益创投", "year": "2027", "code": "2027GY", "fund_source": "welfare_lottery",
        "pot": "1000000", "min_amount": "20000", "max_amount": "10000", "apply_start": "2027-03-01",
        "apply_end": "2027-02-01", "period_months": "12"})
    page = response.content.decode()
    assert "单个项目资助上限不能低于下限" in page and "申报截止日期不能早于开始日期" in page
    assert not GrantRound.objects.filter(code="2027GY").exists()


def test_an_officer_creates_a_draft_round_and_publishes_it(officer_client, world, client):
    response = officer_client.post(reverse("rounds:create"), {
        "name": "2027年度公益创投", "year": "2027", "code": "2027GY", "fund_source": "welfare_lottery",
        "pot": "1000000", "min_amount": "20000", "max_amount": "100000", "apply_start": "2027-03-01",
        "apply_end": "2027-04-01", "period_months": "12"})
    round = GrantRound.objects.get(code="2027GY")
    assert response.status_code == 302 and not round.is_published
    assert officer_client.get(reverse("public:index")).content.decode().count("2027年度公益创投") == 0
    # publishing needs the call's text first
    officer_client.post(reverse("rounds:publish", args=[round.pk]))
    assert not GrantRound.objects.get(pk=round.pk).is_published
    assert post_section(officer_client, round, "basics", {"description": "欢迎申报"}, reason="").status_code == 302
    officer_client.post(reverse("rounds:publish", args=[round.pk]))
    assert GrantRound.objects.get(pk=round.pk).is_published
    assert "2027年度公益创投" in officer_client.get(reverse("public:index")).content.decode()
    actions = list(ChangeRecord.objects.filter(round=round).order_by("at", "id").values_list("action", flat=True))
    assert actions == ["create", "change", "publish"]


def test_copying_last_years_round_keeps_every_setting_and_moves_the_windows(officer_client, world):
    source = world.round
    RoundQuestion.objects.create(round=source, label="机构是否有志愿者团队", kind="choice", choices=["有", "没有"],
                                 required=True)
    District.objects.filter(name="鹿城区").first().rounds.add(source)
    response = officer_client.post(reverse("rounds:copy", args=[source.pk]),
                                   {"name": "下一年度公益创投", "year": str(source.year + 1), "code": "NEXT1"})
    assert response.status_code == 302
    copy = GrantRound.objects.get(code="NEXT1")
    assert (copy.rubric, copy.tranche_template, copy.pot) == (source.rubric, source.tranche_template, source.pot)
    assert copy.apply_start.year == source.apply_start.year + 1 and not copy.is_published
    assert [q.label for q in copy.questions.all()] == ["机构是否有志愿者团队"]
    assert [d.name for d in copy.districts.all()] == ["鹿城区"]
    # a taken code is refused in Chinese
    again = officer_client.post(reverse("rounds:copy", args=[source.pk]),
                                {"name": "再复制", "year": str(source.year + 1), "code": "NEXT1"})
    assert "已被使用" in again.content.decode()


def test_other_roles_cannot_open_the_designer(client, world):
    for role in (Role.APPLICANT, Role.FINANCE, Role.EXPERT, Role.EVALUATOR):
        client.force_login(UserFactory(role=role))
        assert client.get(reverse("rounds:detail", args=[world.round.pk])).status_code == 404
        assert client.post(edit_url(world.round, "money"), {"pot": "1"}).status_code == 404
    assert GrantRound.objects.get(pk=world.round.pk).pot == world.round.pot


# ---------------------------------------------------------------- row editors

def test_rubric_weights_are_set_in_rows_and_recorded_with_before_and_after(officer_client, world):
    data = form_values(officer_client, edit_url(world.round, "review"))
    assert not any("code" in v for v in data.values() if isinstance(v, str) and v.startswith("{"))
    data["rubric-0-weight"] = "1.5"
    data["rubric-5-name"], data["rubric-5-max"], data["rubric-5-weight"] = "创新性", "10", "1"
    data["reason"] = "增加创新性指标"
    assert officer_client.post(edit_url(world.round, "review"), data).status_code == 302
    round = GrantRound.objects.get(pk=world.round.pk)
    assert round.rubric[0]["weight"] == "1.5" and round.rubric[-1]["name"] == "创新性"
    assert [c["code"] for c in round.rubric[:-1]] == [c["code"] for c in world.round.rubric]
    assert round.rubric[-1]["code"] not in {c["code"] for c in round.rubric[:-1]}
    assert round.rubric_max_total == Decimal("120.00")  # 20 more for the weight, 10 for the new criterion
    record = ChangeRecord.objects.filter(round=round, subject="round").latest("at")
    assert record.actor == world.officer and record.reason == "增加创新性指标"
    assert "需求分析 满分20 权重1" in record.before["rubric"] and "需求分析 满分20 权重1.5" in record.after["rubric"]
    page = officer_client.get(reverse("rounds:detail", args=[round.pk])).content.decode()
    assert "增加创新性指标" in page and "权重1.5" in page


def test_tranches_must_sum_to_100_and_the_typed_rows_stay(officer_client, world):
    data = form_values(officer_client, edit_url(world.round, "tranches"))
    data["tranches-0-percent"] = "50"
    response = officer_client.post(edit_url(world.round, "tranches"), {**data, "reason": "调整"})
    page = response.content.decode()
    assert response.status_code == 200 and "各期比例合计为 110.00%，必须等于 100%" in page
    assert 'value="50"' in page
    assert GrantRound.objects.get(pk=world.round.pk).tranche_template == world.round.tranche_template
    data["tranches-1-percent"] = "30"
    assert officer_client.post(edit_url(world.round, "tranches"), {**data, "reason": "调整"}).status_code == 302
    assert [t["percent"] for t in GrantRound.objects.get(pk=world.round.pk).tranche_template] == ["50", "30", "20"]


def test_budget_caps_and_forbidden_uses_are_rows_too(officer_client, world):
    data = form_values(officer_client, edit_url(world.round, "budget"))
    data["kind_labor"], data["value_labor"] = "pct_grant", "40"
    data["kind_activity"], data["value_activity"] = "fixed", ""
    response = officer_client.post(edit_url(world.round, "budget"), {**data, "reason": "调整"})
    assert "请填写上限值" in response.content.decode() and not world.round.budget_caps.exists()
    data["kind_activity"] = ""
    data["forbidden-9-rule"], data["forbidden-9-keywords"] = "购买礼品", "礼品卡、购物卡"
    assert officer_client.post(edit_url(world.round, "budget"), {**data, "reason": "调整"}).status_code == 302
    round = GrantRound.objects.get(pk=world.round.pk)
    assert [(c.category, c.kind, c.value) for c in round.budget_caps.all()] == [("labor", "pct_grant", Decimal("40.00"))]
    assert round.forbidden_expenses[-1] == {"rule": "购买礼品", "keywords": ["礼品卡", "购物卡"]}
    assert round.forbidden_expenses[:-1] == world.round.forbidden_expenses  # the rows left alone are kept
    assert ChangeRecord.objects.filter(round=round, subject="budget_caps").exists()


def test_unfinished_states_are_chosen_by_their_labels(officer_client, world):
    page = officer_client.get(edit_url(world.round, "eligibility")).content.decode()
    assert "实施中" in page or "执行中" in page
    data = form_values(officer_client, edit_url(world.round, "eligibility"))
    data["unfinished_states"] = ["approved", "contracted"]
    assert officer_client.post(edit_url(world.round, "eligibility"), {**data, "reason": "调整"}).status_code == 302
    assert GrantRound.objects.get(pk=world.round.pk).unfinished_states == ["approved", "contracted"]
    detail = officer_client.get(reverse("rounds:detail", args=[world.round.pk])).content.decode()
    assert "contracted" not in detail.split("变更记录")[0]


def test_after_publication_a_change_needs_a_reason(officer_client, world):
    response = post_section(officer_client, world.round, "money", {"pot": "2000000"}, reason="")
    assert "须填写修改原因" in response.content.decode()
    assert GrantRound.objects.get(pk=world.round.pk).pot == world.round.pot


# ---------------------------------------------------------------- history forbids

def test_refused_changes_leave_the_round_untouched(officer_client, world):
    scored = world.advance(world.draft(), State.REVIEWED)
    before = snapshot(world.round.pk)
    data = form_values(officer_client, edit_url(world.round, "review"))
    data["rubric-0-weight"] = "2"
    response = officer_client.post(edit_url(world.round, "review"), {**data, "reason": "改权重"})
    assert response.status_code == 200
    assert "专家评分已经开始" in response.content.decode()
    assert 'value="2"' in response.content.decode()  # what was typed is still on the page
    assert snapshot(world.round.pk) == before
    # the pot below what is committed, once funded
    world.advance(scored, State.CONTRACTED)
    before = snapshot(world.round.pk)
    response = post_section(officer_client, world.round, "money", {"pot": "1000", "max_amount": "1000",
                                                                   "min_amount": "100"})
    assert "低于已承诺的资助金额" in response.content.decode()
    assert snapshot(world.round.pk) == before
    # the tranche template once an agreement is signed
    data = form_values(officer_client, edit_url(world.round, "tranches"))
    data["tranches-0-percent"], data["tranches-1-percent"] = "30", "50"
    response = officer_client.post(edit_url(world.round, "tranches"), {**data, "reason": "改比例"})
    assert "分期拨付模板已写入协议" in response.content.decode()
    assert snapshot(world.round.pk) == before
    assert not ChangeRecord.objects.filter(round=world.round, action="change").exists()


def test_a_question_answered_in_a_submitted_application_cannot_be_removed(officer_client, world):
    question = RoundQuestion.objects.create(round=world.round, label="志愿者人数", kind="number")
    project = world.draft()
    assert save_answers(actor=world.member, project_id=project.pk, values={question.pk: "20"}) == []
    world.advance(project, State.SUBMITTED)
    data = form_values(officer_client, reverse("rounds:questions", args=[world.round.pk]))
    data["questions-0-DELETE"] = "on"
    data["questions-1-label"], data["questions-1-kind"], data["questions-1-required"] = "新的必答题", "text", "on"
    response = officer_client.post(reverse("rounds:questions", args=[world.round.pk]), {**data, "reason": "调整"})
    page = response.content.decode()
    assert "已有1份申报书作答，不能删除" in page and "不能再增加必答问题" in page
    assert list(RoundQuestion.objects.filter(round=world.round)) == [question]


# ---------------------------------------------------------------- no page fails after an allowed change

ALLOWED_CHANGES = [
    ("basics", {"name": "改过名称的批次", "description": "新的公告正文"}),
    ("windows", {"publicity_days": "7", "period_months": "10"}),
    ("money", {"pot": "5000000"}),
    ("scope", {"domains": ["elderly", "youth", "other"]}),
    ("eligibility", {"max_applications_per_org": "2"}),
    ("review", {"experts_per_project": "3", "disagreement_threshold": "15"}),
    ("budget", {"kind_labor": "pct_grant", "value_labor": "45"}),
    ("evaluation", {"midterm_pass_mark": "65"}),
]


def test_the_ranking_renders_after_every_allowed_change(officer_client, world):
    scored = world.advance(world.draft(), State.REVIEWED)
    other, member = world.new_org()
    world.advance(world.draft(other, member, title="青少年成长营"), State.UNDER_REVIEW)
    ranking = reverse("reviewers:ranking", args=[world.round.pk])
    assert officer_client.get(ranking).status_code == 200
    for section, changes in ALLOWED_CHANGES:
        response = post_section(officer_client, world.round, section, changes)
        assert response.status_code == 302, section
        page = officer_client.get(ranking)
        assert page.status_code == 200, section
        assert scored.title in page.content.decode()
        assert officer_client.get(reverse("reviewers:score_sheet", args=[scored.pk])).status_code == 200
        assert officer_client.get(reverse("rounds:detail", args=[world.round.pk])).status_code == 200
    # questions and tranches (no agreement signed yet) are allowed too
    data = form_values(officer_client, reverse("rounds:questions", args=[world.round.pk]))
    data["questions-0-label"], data["questions-0-kind"] = "是否与社区合作", "text"
    assert officer_client.post(reverse("rounds:questions", args=[world.round.pk]), {**data, "reason": "补充"}).status_code == 302
    data = form_values(officer_client, edit_url(world.round, "tranches"))
    data["tranches-0-percent"], data["tranches-1-percent"] = "50", "30"
    assert officer_client.post(edit_url(world.round, "tranches"), {**data, "reason": "调整"}).status_code == 302
    assert officer_client.get(ranking).status_code == 200
    assert ChangeRecord.objects.filter(round=world.round, action="change").count() == len(ALLOWED_CHANGES) + 2


def test_call_documents_go_public_with_the_round(officer_client, world, client):
    draft = GrantRound.objects.create(name="草稿批次", year=2030, code="DRAFT30", pot=Decimal("100000"),
                                      apply_start=world.round.apply_start, apply_end=world.round.apply_end,
                                      published_at=None, description="公告正文")
    response = officer_client.post(reverse("rounds:documents", args=[draft.pk]),
                                   {"title": "申报指南", "file": SimpleUploadedFile("指南.pdf", PDF)})
    assert response.status_code == 302
    bad = officer_client.post(reverse("rounds:documents", args=[draft.pk]),
                              {"title": "图片", "file": SimpleUploadedFile("a.pdf", b"not a pdf at all")})
    assert "公告文件只接受" in bad.content.decode()
    document = draft.call_documents.get()
    url = reverse("rounds:call_document", args=[document.pk])
    client.logout()
    assert client.get(url).status_code == 404  # not published yet
    assert client.get(reverse("public:round", args=[draft.pk])).status_code == 404
    officer_client.force_login(world.officer)
    officer_client.post(reverse("rounds:publish", args=[draft.pk]))
    officer_client.logout()
    page = client.get(reverse("public:round", args=[draft.pk])).content.decode()
    assert "申报指南" in page and url in page
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")


def test_before_scoring_the_rubric_may_change_and_the_ranking_still_renders(officer_client, world):
    project = world.advance(world.draft(), State.UNDER_REVIEW)
    data = form_values(officer_client, edit_url(world.round, "review"))
    data["rubric-0-DELETE"] = "on"
    data["rubric-5-name"], data["rubric-5-max"], data["rubric-5-weight"] = "创新性", "20", "2"
    assert officer_client.post(edit_url(world.round, "review"), {**data, "reason": "换指标"}).status_code == 302
    round = GrantRound.objects.get(pk=world.round.pk)
    assert "need" not in [c["code"] for c in round.rubric] and round.rubric_max_total == Decimal("120.00")
    assert officer_client.get(reverse("reviewers:ranking", args=[round.pk])).status_code == 200
    assert project.title in officer_client.get(reverse("reviewers:ranking", args=[round.pk])).content.decode()


def test_scores_kept_under_an_older_rubric_never_break_the_ranking(officer_client, world):
    """Rounds changed before the designer's locks existed: a criterion without scores counts 0."""
    first = world.advance(world.draft(), State.REVIEWED)
    other, member = world.new_org()
    second = world.advance(world.draft(other, member, title="青少年成长营"), State.REVIEWED)
    rubric = world.round.rubric + [{"code": "legacy", "name": "旧数据新增指标", "max": "10", "weight": "1"}]
    GrantRound.objects.filter(pk=world.round.pk).update(rubric=rubric)  # as an unlocked edit once did
    page = officer_client.get(reverse("reviewers:ranking", args=[world.round.pk]))
    assert page.status_code == 200
    assert first.title in page.content.decode() and second.title in page.content.decode()
    assert officer_client.get(reverse("reviewers:score_sheet", args=[first.pk])).status_code == 200
