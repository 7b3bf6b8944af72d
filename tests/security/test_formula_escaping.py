"""Every spreadsheet the site hands out keeps text that Excel would run as a formula (=, +, -, @, their
full-width forms, or any of them after leading blanks and line breaks) from running: in xlsx as a string
cell holding the exact text (the bank must match a payee's name character for character), in csv, which
has no cell types, behind an apostrophe."""
import csv
import io
import json

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from core.escaping import is_formula_like
from finance import services as finance
from finance.exports.bank_columns import GENERIC_COLUMNS
from finance.models import BankFormat, TrancheState
from projects.states import State
from reviewers import publicity_documents
from reviewers import services as review
from tests.builders import PASSWORD, World, build_open_data
from tests.factories import OrganizationFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db

PAYLOADS = {
    "round": "=cmd|' /C calc'!A0",
    "org": '=HYPERLINK("http://evil.example","点我")',
    "title": "＋SUM(1,2)长者食堂",
    "comment": "-2+3 评审意见",
    "bank": "\n@SUM(A1:A9)",
}


@pytest.fixture
def scene(django_capture_on_commit_callbacks):
    world = World(name=PAYLOADS["round"])
    org = OrganizationFactory(name=PAYLOADS["org"], bank_account_name=PAYLOADS["org"], bank_name=PAYLOADS["bank"])
    member = member_of(org)
    project = world.advance(world.draft(org, member, title=PAYLOADS["title"]), State.UNDER_REVIEW)
    assignment = review.assign_expert(actor=world.officer, project=project, expert=world.expert)
    review.declare(actor=world.expert.user, assignment_id=assignment.pk, has_conflict=False)
    review.submit_review(actor=world.expert.user, assignment_id=assignment.pk, comment=PAYLOADS["comment"], scores={
        "need": "17", "design": "21.5", "team": "12", "budget": "16", "impact": "17"})
    project = world.advance(project, State.CONTRACTED)
    tranche = project.tranches.get(state=TrancheState.RELEASABLE)
    batch = finance.create_batch(actor=world.finance, round_id=world.round.pk, tranche_ids=[tranche.pk])
    # The bank file exists only once the batch is approved (经办 → 审核 → 审批 by three people).
    checker, approver = UserFactory(role=Role.FINANCE), UserFactory(role=Role.FINANCE)
    finance.submit_batch(actor=world.finance, batch_id=batch.pk)
    finance.check_batch(actor=checker, batch_id=batch.pk)
    finance.approve_batch(actor=approver, batch_id=batch.pk, password=PASSWORD)
    csv_bank = BankFormat.objects.create(name="某银行CSV", file_format="csv", encoding="gbk", columns=GENERIC_COLUMNS)
    with django_capture_on_commit_callbacks(execute=True):  # the 公示 files, built by their jobs after commit
        publicity_documents.refresh(actor=world.officer, round_id=world.round.pk)
    build_open_data()  # the open-data files, built by their job after commit
    return world, project, batch, csv_bank


def fetch(user, url: str) -> bytes:
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return b"".join(response.streaming_content) if response.streaming else response.content


def xlsx_cells(data: bytes) -> list:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    cells = [c for ws in workbook.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "a cell holds a formula"
    return [c for c in cells if isinstance(c.value, str)]


def csv_cells(data: bytes, encoding: str) -> list:
    return [cell for row in csv.reader(io.StringIO(data.decode(encoding))) for cell in row]


def exports(world, project, batch, csv_bank) -> dict:
    """name → (text cells, the payloads that export carries)."""
    batch_url = reverse("finance:export_bank", args=[batch.pk])
    return {
        "公示名单 xlsx": (xlsx_cells(fetch(None, reverse("reviewers:publicity_xlsx", args=[world.round.pk]))),
                       ["org", "title"]),
        "评审汇总表 xlsx": (xlsx_cells(fetch(world.officer, reverse("reviewers:score_sheet_xlsx", args=[project.pk]))),
                       ["comment"]),
        "拨付清单 xlsx": (xlsx_cells(fetch(world.finance, reverse("finance:export_list", args=[batch.pk]))),
                       ["org", "title", "bank"]),
        "银行批量转账 xlsx": (xlsx_cells(fetch(world.finance, batch_url)), ["org", "bank"]),
        "银行批量转账 csv": (csv_cells(fetch(world.finance, f"{batch_url}?bank={csv_bank.pk}"), "gbk"), ["org", "bank"]),
        "公开数据 csv": (csv_cells(fetch(None, reverse("public:open_data", args=["csv"])), "utf-8-sig"),
                     ["round", "org", "title"]),
    }


def test_every_export_escapes_formulae(scene):
    problems = []
    for name, (cells, carried) in exports(*scene).items():
        if name.endswith("xlsx"):
            texts = {c.value: c for c in cells}
            problems += [f"{name}: apostrophe in {c.value!r}" for c in cells if c.value.startswith("'")]
            problems += [f"{name}: {PAYLOADS[key]!r} is missing or not exact" for key in carried
                         if not any(text.startswith(PAYLOADS[key]) for text in texts)]
            problems += [f"{name}: {c.value!r} is not a text cell with the quote prefix" for c in cells
                         if is_formula_like(c.value) and not (c.data_type == "s" and c.quotePrefix)]
        else:
            problems += [f"{name}: formula-like cell {cell!r}" for cell in cells if is_formula_like(cell)]
            problems += [f"{name}: {PAYLOADS[key]!r} is missing or not escaped" for key in carried
                         if not any(cell.startswith("'" + PAYLOADS[key]) for cell in cells)]
    assert not problems, "\n".join(problems)


def test_the_json_open_data_keeps_the_exact_text(scene, client):
    """JSON is read by programs, not spreadsheets: no apostrophes there."""
    data = json.loads(fetch(None, reverse("public:open_data", args=["json"])))
    assert {p["title"] for p in data["projects"]} == {PAYLOADS["title"]}
