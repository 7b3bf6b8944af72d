"""The 拨付清单 xlsx and the bank file, read back cell by cell; formula escaping in both."""
import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from core.escaping import escape_formula
from finance.models import BankFormat
from grants.models import OrgType
from tests.builders import World
from tests.factories import OrganizationFactory
from tests.finance.conftest import ONE_TRANCHE, approved_batch, signed

# Amounts chosen for their 大写: zeros inside, 10–19 yuan, 角 without 分, 分 without 角.
AMOUNTS = {
    "15.00": "壹拾伍元整",
    "1409.50": "壹仟肆佰零玖元伍角",
    "6007.14": "陆仟零柒元壹角肆分",
    "325.04": "叁佰贰拾伍元零肆分",
    "100010.00": "壹拾万零壹拾元整",
}
HEADERS = ["序号", "批次号", "项目编号", "项目名称", "承接机构", "统一社会信用代码", "户名", "开户行", "账号", "联行号",
           "期次", "比例", "本期金额（小写）", "本期金额（大写）", "累计已拨", "剩余未拨", "用途", "备注"]


@pytest.fixture
def small_world(db):
    return World(min_amount=Decimal("10.00"), tranche_template=ONE_TRANCHE)


def download(client, user, url) -> bytes:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_disbursement_list_cell_by_cell(small_world, officers, client):
    projects = [signed(small_world, amount) for amount in AMOUNTS]
    batch = approved_batch(small_world, officers)
    data = download(client, officers[0], reverse("finance:export_list", args=[batch.pk]))
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    everything = list(ws.iter_rows(values_only=False))
    assert everything[0][0].value == f"{small_world.round.name}资助资金拨付清单"
    assert everything[1][0].value.startswith(f"批次号：{batch.number}　日期：")
    rows = everything[2:3 + len(AMOUNTS) + 1]  # header, one row per transfer, totals
    assert [c.value for c in rows[0]] == HEADERS
    by_code = {row[2].value: row for row in rows[1:-1]}
    for _number, project in enumerate(sorted(projects, key=lambda p: p.code), start=1):
        row = by_code[project.code]
        org = project.organization
        amount = f"{project.approved_amount:.2f}"
        assert row[0].value == list(by_code).index(project.code) + 1
        assert row[1].value == batch.number
        assert (row[3].value, row[4].value, row[5].value) == (project.title, org.name, org.credit_code)
        assert (row[6].value, row[7].value, row[9].value) == (org.bank_account_name, org.bank_name, org.bank_code)
        assert row[8].value == org.bank_account_no and row[8].data_type == "s" and row[8].number_format == "@"
        assert (row[10].value, row[11].value) == ("一次性拨付", "100.00%")
        assert Decimal(str(row[12].value)) == Decimal(amount) and row[12].number_format == "0.00"
        assert row[12].data_type == "n"
        assert row[13].value == AMOUNTS[amount]
        assert Decimal(str(row[14].value)) == 0 and Decimal(str(row[15].value)) == 0
        assert row[16].value == f"{small_world.round.name}资助资金（一次性拨付）"
    total = sum((Decimal(a) for a in AMOUNTS), Decimal("0"))
    closing = rows[-1]
    assert (closing[0].value, closing[1].value, closing[2].value) == ("合计", "笔数", len(AMOUNTS))
    assert Decimal(str(closing[12].value)) == total == Decimal("107766.68")
    assert closing[12].number_format == "0.00"
    assert closing[13].value == "壹拾万柒仟柒佰陆拾陆元陆角捌分"  # 万位 zero before 仟: the optional 零 is left out
    signatures = [(r[0].value, r[1].value) for r in everything[3 + len(AMOUNTS) + 2:]]
    assert signatures == [("经办：", "经办员甲"), ("审核：", "审核员乙"), ("审批：", "审批员丙")]


def test_the_disbursement_list_prints_on_landscape_a4_with_the_header_on_every_page(world, officers, client):
    signed(world, "10000.00")
    batch = approved_batch(world, officers)
    ws = openpyxl.load_workbook(io.BytesIO(download(client, officers[0],
                                                    reverse("finance:export_list", args=[batch.pk])))).active
    assert (ws.page_setup.orientation, ws.page_setup.paperSize) == ("landscape", 9)
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0  # None: openpyxl's 1
    assert ws.print_title_rows == "$3:$3"
    assert "草稿" not in (ws.oddHeader.center.text or "")


def test_cumulative_and_remaining_for_a_second_tranche(world, officers, client):
    project = signed(world, "10000.00")
    world.advance(project, "midterm_review")
    from projects.states import State

    world.advance(project, State.IN_PROGRESS)  # mid-term passed: 二期 releasable
    batch = approved_batch(world, officers)
    ws = openpyxl.load_workbook(io.BytesIO(download(client, officers[0],
                                                    reverse("finance:export_list", args=[batch.pk])))).active
    row = [c.value for c in next(ws.iter_rows(min_row=4, max_row=4))]
    assert (row[10], row[11], row[13]) == ("二期", "40.00%", "肆仟元整")
    assert (Decimal(str(row[14])), Decimal(str(row[15]))) == (Decimal("4000.00"), Decimal("2000.00"))


def test_a_community_organization_is_paid_through_its_host(small_world, officers, client):
    host = OrganizationFactory(name="温州市鹿城区社会组织服务中心")
    signed(small_world, "15.00", org_kwargs={"org_type": OrgType.COMMUNITY, "host": host, "credit_code": None,
                                             "bank_account_name": "", "bank_account_no": "", "bank_name": ""})
    batch = approved_batch(small_world, officers)
    ws = openpyxl.load_workbook(io.BytesIO(download(client, officers[0],
                                                    reverse("finance:export_list", args=[batch.pk])))).active
    row = [c.value for c in next(ws.iter_rows(min_row=4, max_row=4))]
    assert (row[5], row[6], row[8]) == (host.credit_code, host.name, host.bank_account_no)
    assert row[17] == f"备案社区社会组织，由依托单位{host.name}收款"


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+86 577", "'+86 577"), ("-3", "'-3"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"),
    ("\n=1+1", "'\n=1+1"), ("\r=1", "'\r=1"), (" =1+1", "' =1+1"), ("\u3000=1", "'\u3000=1"),
    ("＝1+1", "'＝1+1"), ("＋86", "'＋86"), ("－3", "'－3"), ("＠SUM(A1)", "'＠SUM(A1)"),
    ("长者食堂", "长者食堂"), ("a=b", "a=b"), ("a =b", "a =b"), ("", ""), (Decimal("-1.00"), Decimal("-1.00")), (3, 3),
])
def test_escape_formula(value, expected):
    assert escape_formula(value) == expected


DANGEROUS = {"title": "=HYPERLINK(\"http://x\",\"点击\")", "org": "+温州市公式测试中心", "bank": "＠SUM(1)",
             "payee": "-1+1"}


@pytest.fixture
def dangerous_batch(small_world, officers):
    signed(small_world, "15.00", title=DANGEROUS["title"],
           org_kwargs={"name": DANGEROUS["org"], "bank_account_name": DANGEROUS["payee"], "bank_name": DANGEROUS["bank"]})
    signed(small_world, "325.04", title="-减号开头的项目")
    return approved_batch(small_world, officers)


def string_cells(data: bytes) -> dict:
    """text → cell, for every text cell of the workbook; no cell may hold a formula."""
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    cells = [c for row in ws.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    return {c.value: c for c in cells if isinstance(c.value, str)}


def test_xlsx_keeps_dangerous_text_exact_in_text_cells(dangerous_batch, officers, client):
    """The bank matches the payee's name character for character: no apostrophe in the value, a
    string cell (never evaluated) with Excel's quote prefix instead."""
    data = download(client, officers[0], reverse("finance:export_list", args=[dangerous_batch.pk]))
    cells = string_cells(data)
    for text in (DANGEROUS["title"], DANGEROUS["org"], DANGEROUS["bank"], DANGEROUS["payee"], "-减号开头的项目"):
        assert text in cells, text
        assert cells[text].data_type == "s" and cells[text].quotePrefix
    assert not [t for t in cells if t.startswith("'")]


def test_bank_file_xlsx_exact_and_csv_escaped(dangerous_batch, officers, client):
    url = reverse("finance:export_bank", args=[dangerous_batch.pk])
    cells = string_cells(download(client, officers[0], url))
    for text in (DANGEROUS["payee"], DANGEROUS["bank"]):
        assert cells[text].data_type == "s" and cells[text].quotePrefix
    bank = BankFormat.objects.create(name="测试银行", file_format="csv", encoding="gbk", columns=[
        {"header": "户名", "source": "account_name"}, {"header": "账号", "source": "account_no"},
        {"header": "金额", "source": "amount"}, {"header": "开户行", "source": "bank_name"},
        {"header": "摘要", "source": "purpose"}])
    data = download(client, officers[0], f"{url}?bank={bank.pk}")
    rows = list(csv.reader(io.StringIO(data.decode("gbk"))))
    assert rows[0] == ["户名", "账号", "金额", "开户行", "摘要"]
    cells = [cell for row in rows[1:] for cell in row]
    assert "'" + DANGEROUS["payee"] in cells and "'" + DANGEROUS["bank"] in cells
    assert not [c for c in cells if c and c[0] in "=+-@＝＋－＠"]


def test_bank_file_generic_layout_and_configured_mapping(small_world, officers, client):
    project = signed(small_world, "1409.50")
    batch = approved_batch(small_world, officers)
    tranche = batch.tranches.get()
    org = project.organization
    url = reverse("finance:export_bank", args=[batch.pk])
    ws = openpyxl.load_workbook(io.BytesIO(download(client, officers[0], url))).active
    rows = [list(row) for row in ws.iter_rows()]
    assert [c.value for c in rows[0]] == ["序号", "收款人账号", "收款人户名", "收款人开户行", "收款行联行号", "金额",
                                          "币种", "用途", "业务参考号"]
    assert len(rows) == 2  # no totals row: bank tools refuse one
    cells = rows[1]
    assert [c.value for c in cells][:5] == [1, org.bank_account_no, org.name, org.bank_name, org.bank_code]
    assert cells[1].data_type == "s" and cells[5].number_format == "0.00"
    assert Decimal(str(cells[5].value)) == Decimal("1409.50")
    assert cells[8].value == tranche.reference
    bank = BankFormat.objects.create(name="另一银行", file_format="csv", columns=[
        {"header": "参考号", "source": "reference"}, {"header": "收方账号", "source": "account_no"},
        {"header": "收方户名", "source": "account_name"}, {"header": "金额(元)", "source": "amount"},
        {"header": "大写", "source": "amount_upper"}])
    rows = list(csv.reader(io.StringIO(download(client, officers[0], f"{url}?bank={bank.pk}").decode("utf-8-sig"))))
    assert rows == [["参考号", "收方账号", "收方户名", "金额(元)", "大写"],
                    [tranche.reference, org.bank_account_no, org.name, "1409.50", "壹仟肆佰零玖元伍角"]]


def test_bank_format_columns_are_validated():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        BankFormat(name="坏格式", columns=[{"header": "账号", "source": "account_no"}, {"header": "", "source": "x"}],
                   encoding="no-such").clean()
    problems = exc.value.message_dict["columns"]
    assert "第2列缺少列名" in problems
    assert any(p.startswith("第2列数据项「x」无效") for p in problems)
    assert "缺少必需的数据项「account_name」（收款人户名）" in problems
    assert "缺少必需的数据项「amount」（金额）" in problems
    assert "未知的字符编码：no-such" in problems


def test_approval_form_pdf(small_world, officers, client):
    signed(small_world, "6007.14")
    signed(small_world, "325.04")
    batch = approved_batch(small_world, officers)
    client.force_login(officers[1])
    response = client.get(reverse("finance:approval_pdf", args=[batch.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    import subprocess
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(response.content)
        f.flush()
        text = subprocess.run(["pdftotext", "-layout", f.name, "-"], capture_output=True, text=True).stdout
    compact = "".join(text.split())
    assert "拨付审批表" in compact and batch.number in compact
    assert "陆仟叁佰叁拾贰元壹角捌分" in compact  # 6332.18
    for person in officers:
        assert person.display_name in compact
    assert compact.count(f"{batch.approved_at.astimezone():%Y-%m-%d}") >= 1


def test_gbk_bank_file_with_unencodable_name_gives_clear_error(small_world, officers, client):
    project = signed(small_world, "1409.50")
    from grants.models import Organization

    Organization.objects.filter(pk=project.organization_id).update(name="温州市😀社会工作服务中心",
                                                                    bank_account_name="温州市😀社会工作服务中心")
    batch = approved_batch(small_world, officers)
    bank = BankFormat.objects.create(name="GBK银行", file_format="csv", encoding="gbk", columns=[
        {"header": "收方账号", "source": "account_no"}, {"header": "收方户名", "source": "account_name"},
        {"header": "金额", "source": "amount"}])
    client.force_login(officers[0])
    response = client.get(reverse("finance:export_bank", args=[batch.pk]) + f"?bank={bank.pk}", follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert "GBK 编码" in text and "😀" in text
