"""Whatever is typed or uploaded, the budget editor, the scoring forms and the import endpoints answer
with the page and a clear error (200/302/400 + message), never a 500; and what they save is sane.

Property-based (hypothesis): random text, huge and negative numbers, NaN/Infinity, full-width digits,
very long strings, NUL characters, broken files. The Django test client re-raises any exception a
view lets through, so a crash fails the example.
"""
import io
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from accounts.middleware import NUL_CHARACTER
from finance.models import Tranche
from projects.models import BudgetLine, Category, Project, Source
from projects.states import State
from reviewers.models import Assignment
from tests.security.scene import review_assign

pytestmark = pytest.mark.django_db
EXAMPLES = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

NASTY = ["", " ", "NaN", "nan", "-NaN", "Infinity", "-Infinity", "inf", "1e999", "-1e999", "1E+30", "0x1F",
         "１２３４５．６７", "１２，３４５", "－５", "¥1,000.00", "1,2,3", "12.345", "0.001", "-0", "-0.00", "-1",
         "9" * 40, "1" + "0" * 13, "99999999999999.99", "1e-9", "½", "٣", "\x00", "1\x00", "<b>1</b>", "一百",
         "1 000", "+.5", "5."]
numbers = st.one_of(
    st.sampled_from(NASTY),
    st.integers(min_value=-(10 ** 30), max_value=10 ** 30).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=12),
)
long_text = st.builds(lambda char, n: char * n, st.sampled_from(["长", "a", "<", "'", "\x00", "🙂"]),
                      st.integers(min_value=150, max_value=20000))
texts = st.one_of(st.text(max_size=80), long_text, st.sampled_from(["", "\x00", "=1+1", "<script>"]))


def choice(values) -> st.SearchStrategy:
    return st.one_of(st.sampled_from(list(values)), texts)


budget_row = st.fixed_dictionaries({
    "category": choice(Category.values), "item": texts, "unit_price": numbers, "quantity": numbers,
    "source": choice(Source.values), "explanation": texts,
})


def as_post(rows: list[dict], prefix: str = "b_") -> dict:
    return {f"{prefix}{name}": [row[name] for row in rows] for name in rows[0]} if rows else {}


def member_client(world) -> Client:
    client = Client()
    client.force_login(world.member)
    return client


def assert_budget_is_sane(project: Project) -> None:
    """Whatever was accepted is a valid budget line, and the request equals the grant-paid total."""
    lines = list(BudgetLine.objects.filter(project=project))
    for line in lines:
        assert line.unit_price.is_finite() and line.quantity > 0 and line.amount.is_finite()
        assert line.amount == (line.unit_price * line.quantity).quantize(Decimal("0.01"))
        assert line.category in Category.values and line.source in Source.values and line.item
    project.refresh_from_db()
    assert project.requested_amount == sum((b.amount for b in lines if b.source == "grant"), Decimal("0"))


def test_budget_editor_autosave_never_crashes(world):
    project, client = world.draft(), member_client(world)
    url = reverse("applicant:section", args=[project.pk, "budget"])

    @EXAMPLES
    @given(rows=st.lists(budget_row, min_size=1, max_size=3), autosave=st.booleans())
    def post(rows, autosave):
        headers = {"HTTP_X_AUTOSAVE": "1"} if autosave else {}
        response = client.post(url, as_post(rows), **headers)
        if autosave:
            assert response.status_code in (200, 400)
            payload = response.json()
            assert payload["saved"] is (response.status_code == 200)
            assert all(isinstance(p, str) and p for p in payload["problems"])
        else:
            assert response.status_code in (200, 302, 400)
        if response.status_code == 400:
            assert NUL_CHARACTER in (response.json()["problems"] if autosave else response.content.decode())
        assert_budget_is_sane(project)

    post()


def test_budget_revision_and_adjustment_pages_never_crash(world):
    approved = world.advance(world.draft(), State.PUBLICITY)
    org, member = world.new_org()
    running = world.advance(world.draft(org, member), State.IN_PROGRESS)
    other = Client()
    other.force_login(member)
    pages = [(member_client(world), approved, "applicant:revise_budget"), (other, running, "applicant:adjustment")]

    @EXAMPLES
    @given(rows=st.lists(budget_row, min_size=1, max_size=3), reason=texts, page=st.sampled_from(pages))
    def post(rows, reason, page):
        client, project, name = page
        response = client.post(reverse(name, args=[project.pk]), {**as_post(rows), "reason": reason})
        assert response.status_code in (200, 302, 400)
        if response.status_code == 400:
            assert NUL_CHARACTER in response.content.decode()
        if response.status_code == 200:  # refused: every problem is listed
            assert 'data-testid="unsaved"' in response.content.decode()
        assert_budget_is_sane(project)

    post()


scores = st.dictionaries(st.sampled_from(["need", "design", "team", "budget", "impact", "other"]), numbers,
                         max_size=6)


def test_expert_scoring_form_never_crashes(world):
    project = world.advance(world.draft(), State.UNDER_REVIEW)
    assignment = review_assign(world, project, world.expert)
    client = Client()
    client.force_login(world.expert.user)
    url = reverse("reviewers:review", args=[assignment.pk])

    @EXAMPLES
    @given(values=scores, notes=st.dictionaries(st.sampled_from(["need", "team"]), texts, max_size=2), comment=texts,
           submit=st.booleans())
    def post(values, notes, comment, submit):
        data = {f"score_{k}": v for k, v in values.items()} | {f"note_{k}": v for k, v in notes.items()}
        data["comment"] = comment
        if submit:
            data["submit"] = "1"
        response = client.post(url, data)
        assert response.status_code in (200, 302, 400)
        saved = Assignment.objects.get(pk=assignment.pk)
        if saved.total is not None:
            assert Decimal("0") <= saved.total <= Decimal("100")
        if saved.state == "submitted":  # a valid sheet was submitted: later posts see it locked
            assert all(Decimal(v) == Decimal(v).quantize(Decimal("0.5")) for v in saved.scores.values())

    post()


def test_evaluation_scoring_form_never_crashes(world):
    project = world.advance(world.draft(), State.MIDTERM_REVIEW)
    client = Client()
    client.force_login(world.evaluator)
    url = reverse("monitoring:evaluate", args=[project.pk])

    @EXAMPLES
    @given(values=st.dictionaries(st.sampled_from(["implementation", "inputs", "finance", "outcomes"]), numbers,
                                  max_size=4), comment=texts)
    def post(values, comment):
        response = client.post(url, {f"score_{k}": v for k, v in values.items()} | {"comment": comment})
        assert response.status_code in (200, 302, 400)

    post()


# ---------------------------------------------------------------- imports

def xlsx(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


cell = st.one_of(texts, numbers, st.integers(), st.none(), st.sampled_from([True, 1.5, float("nan")]))
header = st.one_of(st.sampled_from(["姓名", "手机", "邮箱", "工作单位", "职称", "专业领域", "所在区县", "财务专家",
                                    "name", "email", "参考号", "账号", "金额", "状态", "原因", "流水号"]), st.text(max_size=8))


@st.composite
def spreadsheet_upload(draw) -> tuple[str, bytes]:
    """A file as an officer might upload it: a real xlsx or csv with odd cells, or garbage."""
    headers = draw(st.lists(header, min_size=0, max_size=8))
    rows = draw(st.lists(st.lists(cell, min_size=0, max_size=9), max_size=5))
    kind = draw(st.sampled_from(["xlsx", "csv", "csv-gbk", "garbage-xlsx", "garbage-csv", "other"]))
    if kind == "xlsx":
        def storable(v):  # an xlsx cannot hold control characters at all
            return ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v
        return "名单.xlsx", xlsx([[storable(h) for h in headers], *[[storable(v) for v in r] for r in rows]])
    text = "\n".join(",".join("" if v is None else str(v) for v in r) for r in [headers, *rows])
    if kind == "csv":
        return "名单.csv", text.encode("utf-8")
    if kind == "csv-gbk":
        return "名单.csv", text.encode("gbk", errors="replace")
    garbage = draw(st.binary(max_size=400))
    return {"garbage-xlsx": "名单.xlsx", "garbage-csv": "名单.csv", "other": "名单.pdf"}[kind], garbage


def test_expert_import_never_crashes(world):
    client = Client()
    client.force_login(world.officer)
    url = reverse("reviewers:experts")

    @EXAMPLES
    @given(upload=spreadsheet_upload())
    def post(upload):
        name, content = upload
        response = client.post(url, {"file": io_file(name, content)})
        assert response.status_code == 200
        page = response.content.decode()
        assert any(mark in page for mark in ('data-testid="import-report"', 'class="msg error"', "errorlist"))

    post()


def test_bank_result_import_never_crashes(world):
    from finance import services as finance

    project = world.advance(world.draft(), State.CONTRACTED)
    tranche = Tranche.objects.get(project=project, seq=1)
    batch = finance.create_batch(actor=world.finance, round_id=world.round.pk, tranche_ids=[tranche.pk])
    client = Client()
    client.force_login(world.finance)
    url = reverse("finance:batch_results", args=[batch.pk])

    @EXAMPLES
    @given(upload=spreadsheet_upload(), paid_on=st.sampled_from(["2026-01-05", "", "昨天", "2026-02-30"]))
    def post(upload, paid_on):
        name, content = upload
        response = client.post(url, {"file": io_file(name, content), "paid_on": paid_on}, follow=True)
        assert response.status_code == 200
        assert list(response.context["messages"]), "the officer is told what happened"

    post()


def io_file(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_a_nul_character_anywhere_is_refused_with_a_message(world):
    project, client = world.draft(), member_client(world)
    url = reverse("applicant:section", args=[project.pk, "plan"])
    response = client.post(url, {"activity_plan": "计划", "m_title": ["启动\x00"], "m_due_date": ["2030-01-01"]})
    assert response.status_code == 400 and NUL_CHARACTER in response.content.decode()
    autosave = client.post(url, {"m_title": ["x\x00"]}, HTTP_X_AUTOSAVE="1")
    assert autosave.status_code == 400 and autosave.json() == {"saved": False, "complete": False,
                                                               "problems": [NUL_CHARACTER]}
    assert [m.title for m in project.milestones.all()] == ["启动", "中期"]


def test_an_import_whose_first_row_is_empty_says_so(world):
    """Found by the property test above: blank lines and a lone comma crashed tablib, unseen (200, no message)."""
    client = Client()
    client.force_login(world.officer)
    response = client.post(reverse("reviewers:experts"), {"file": io_file("名单.csv", b"\n\n,\n\n")})
    assert response.status_code == 200 and "第一行须为表头" in response.content.decode()
