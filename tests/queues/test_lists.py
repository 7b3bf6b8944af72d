"""Issue 13: staff lists sort, filter, search and export the filtered list (xlsx, streamed), in an
order that is the same on SQLite and PostgreSQL: empty values last both ways, a unique tie-breaker,
states by their declared rank."""
import html
import io
import re

import openpyxl
import pytest
from django.urls import reverse

from accounts.models import Role
from core.listing import Column, Sorting, rank
from finance import services as finance
from projects.models import Project
from projects.states import State
from tests.builders import World
from tests.factories import ExpertFactory, UserFactory
from tests.finance.conftest import signed

LIST = "/projects/"


def titles(client, query="") -> list[str]:
    page = client.get(LIST + query).content.decode()
    return [html.unescape(t) for t in re.findall(r'<td><a href="/projects/\d+/">([^<]+)</a>', page)]


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.streaming  # sent from a temporary file in chunks, not built in memory
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


@pytest.fixture
def projects(world):
    """A draft, three submitted (one with a formula-like title), one under review, one approved
    ("approved" sorts first as a string, after review by the lifecycle's rank)."""
    made = {}
    for title, state in [("丙草稿", State.DRAFT), ("甲已提交", State.SUBMITTED), ("乙已提交", State.SUBMITTED),
                         ("丁评审中", State.UNDER_REVIEW), ("=HYPERLINK(\"http://x\")", State.SUBMITTED),
                         ("戊拟资助", State.APPROVED)]:
        org, member = world.new_org()
        made[title] = world.advance(world.draft(org, member, title=title), state)
    return made


def test_the_default_order_is_newest_submission_first_and_drafts_last(world, projects, client_for):
    client = client_for(world.officer)
    shown = titles(client)
    assert shown[-1] == "丙草稿"  # never submitted: last on SQLite and PostgreSQL alike
    submitted = list(Project.objects.exclude(submitted_at=None).order_by("-submitted_at", "-id")
                     .values_list("title", flat=True))
    assert shown[:-1] == submitted


def test_states_sort_by_their_declared_rank_both_ways(world, projects, client_for):
    client = client_for(world.officer)
    order = list(State.values)

    def shown(query):
        return [Project.objects.get(title=t) for t in titles(client, query)]

    ascending = shown("?sort=state")
    assert [p.state for p in ascending] == [State.DRAFT, State.SUBMITTED, State.SUBMITTED, State.SUBMITTED,
                                            State.UNDER_REVIEW, State.APPROVED]
    # equal states keep a fixed order: the tie-breaker is the id, reversed with the direction
    assert [p.pk for p in ascending[1:4]] == sorted(p.pk for p in ascending[1:4])
    descending = shown("?sort=-state")
    assert descending == list(reversed(ascending))
    assert [order.index(p.state) for p in descending] == sorted((order.index(p.state) for p in descending), reverse=True)


def test_unknown_sorts_fall_back_to_the_default():
    sorting = Sorting([Column("state", "状态", (rank("state", State.values),)), Column("note", "备注")],
                      default="-state")
    assert sorting.parse("-state") == ("state", True)
    assert sorting.parse("note") == ("state", True)  # not sortable
    assert sorting.parse("nonsense") == ("state", True)


def test_header_links_flip_the_direction_and_keep_the_filters(world, projects, client_for):
    html = client_for(world.officer).get(LIST + "?state=submitted&sort=title").content.decode()
    assert 'href="?state=submitted&amp;sort=-title"' in html and 'aria-sort="ascending"' in html
    assert 'href="?state=submitted&amp;sort=code"' in html


def test_filters_and_search(world, projects, client_for):
    client = client_for(world.officer)
    assert sorted(titles(client, "?state=submitted")) == sorted(["甲已提交", "乙已提交", "=HYPERLINK(\"http://x\")"])
    assert titles(client, "?q=甲") == ["甲已提交"]
    code = projects["丁评审中"].code
    assert titles(client, f"?q={code}") == ["丁评审中"]
    assert titles(client, "?domain=youth") == []
    assert len(titles(client, "?domain=elderly")) == 6
    response = client.get(LIST + "?state=nonsense&sort=-password&domain=x")  # bad input: the whole list, no error
    assert response.status_code == 200 and len(titles(client, "?sort=-password")) == 6


def test_the_export_is_the_filtered_list_in_the_same_order_with_formulas_kept_as_text(world, projects, client_for):
    client = client_for(world.officer)
    query = "?state=submitted&sort=-title"
    sheet = workbook(client.get(LIST + query + "&export=xlsx"))
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("项目编号", "项目名称", "申报机构")
    assert [r[1] for r in rows[1:]] == titles(client, query)
    formula = next(row for row in sheet.iter_rows(min_row=2) if row[1].value.startswith("="))
    assert formula[1].data_type == "s" and formula[1].value == "=HYPERLINK(\"http://x\")"
    assert formula[1].quotePrefix  # Excel shows it as text even if someone edits the cell
    amounts = {r[1]: r[8] for r in rows[1:]}
    assert amounts["甲已提交"] == 100000  # a number, not text


def test_the_expert_pool_list(world, client_for):
    ExpertFactory(name="王财务", employer="会计师事务所", is_finance=True, domains=["community"])
    ExpertFactory(name="李青", employer="青少年宫", domains=["youth"])
    client = client_for(world.officer)
    url = reverse("reviewers:experts")

    def names(query):
        return re.findall(r'<td><a href="/review/experts/\d+/">([^<]+)</a>', client.get(url + query).content.decode())

    assert names("?finance=yes") == ["王财务"]
    assert names("?domain=youth&sort=-name") == sorted(["李青", world.expert.name], reverse=True)
    assert names("?q=青少年") == ["李青"]
    sheet = workbook(client.get(url + "?domain=community&export=xlsx"))
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:6] == ("王财务", "会计师事务所", None, "社区治理", None, "是")
    assert client_for(world.expert.user).get(url + "?export=xlsx").status_code == 404


def test_the_batch_list(db, client_for):
    world = World()
    preparer = UserFactory(role=Role.FINANCE)
    signed(world, "65000.00", title="甲项目")
    signed(world, "40000.00", title="乙项目")
    tranches = list(world.round.projects.values_list("tranches__pk", flat=True).order_by("code", "tranches__seq"))
    first = finance.create_batch(actor=preparer, round_id=world.round.pk, tranche_ids=tranches[:1])
    finance.submit_batch(actor=preparer, batch_id=first.pk)
    second = finance.create_batch(actor=preparer, round_id=world.round.pk)
    client = client_for(world.finance)
    url = reverse("finance:batch_list")

    def numbers(query):
        return re.findall(r'<a href="/finance/batches/\d+/">([^<]+)</a>', client.get(url + query).content.decode())

    assert numbers("") == sorted([first.number, second.number], reverse=True)
    assert numbers("?sort=state") == [second.number, first.number]  # 经办中 before 待审核: the sign-off order
    assert numbers("?state=submitted") == [first.number]
    sheet = workbook(client.get(url + "?state=draft&export=xlsx"))
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == [second.number]


def test_the_evaluation_list(world, client_for):
    running = world.advance(world.draft(title="实施中项目"), State.IN_PROGRESS)
    client = client_for(world.evaluator)
    url = reverse("monitoring:evaluations")
    assert "实施中项目" in client.get(url + "?q=实施").content.decode()
    assert "实施中项目" not in client.get(url + "?q=不存在").content.decode()
    sheet = workbook(client.get(url + "?export=xlsx&sort=-code"))
    assert [r[1] for r in sheet.iter_rows(min_row=2, values_only=True)] == [running.title]
