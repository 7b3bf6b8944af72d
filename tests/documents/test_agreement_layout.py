"""The agreement's tables are laid out without measuring their text (fixed wording unwrapped, the signature
columns fixed at half the width each): the pages and their text must be those of the automatic layout
with every text free to wrap, for the usual agreement and for long, large and unusual ones."""
import copy
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from core.money import format_yuan, rmb_upper
from documents import flow
from documents.pdf import html_to_pdf
from grants.rules.budget import CATEGORIES
from projects.agreements import agreement_context, agreement_document
from tests.documents.pdfcheck import pdf_pixels

# What documents-print.css keeps unwrapped or fixed for speed, set back to the automatic layout.
AUTOMATIC = """<style>
table.doc th.nowrap, table.doc td.nowrap, table.signatures .wording, .running-header .number { white-space: normal; }
table.signatures { table-layout: auto; }
table.signatures td { width: 50%; overflow-wrap: normal; }
@page { @bottom-center { white-space: normal; } }
</style></head>"""


def _long_names(ctx):
    name = "温州市鹿城区五马街道阳光社区居家养老与青少年关爱综合服务中心联合会（筹）" * 2
    ctx["party_b"]["name"] = name
    ctx["signatures"][1]["name"] = name
    ctx["project"]["title"] = "“银龄同行·温暖相伴”——鹿城区高龄独居老人居家安全守护与精神慰藉综合服务项目（第二期）"
    ctx["project"]["summary"] = "本项目面向辖区内高龄独居老人，通过入户评估、安全改造、定期探访和心理疏导建立服务台账。\n" * 5


def _large_amounts(ctx):
    ctx["budget"]["rows"] = [{"label": label, "grant": "1,234,567.89", "cofund": "98,765.43", "total": "1,333,333.32"}
                             for label in CATEGORIES.values()]
    ctx["budget"].update(grant="9,876,543.12", cofund="790,123.44", total="10,666,666.56")
    amount = Decimal("1987654.32")
    ctx["tranches"][0].update(name="首期", amount=format_yuan(amount), upper=rmb_upper(amount))


def _rare_and_unbreakable(ctx):
    ctx["party_b"]["name"] += "（堃）"
    ctx["signatures"][1]["name"] = "Wenzhou-Lucheng-Community-Elderly-Care-Service-Center-Association-" * 2
    ctx["party_b"]["address"] = "https://example.invalid/" + "abcdefghij" * 12


def _host_and_signed(ctx):
    import datetime

    ctx["signatures"].append({"role": "依托单位（盖章）", "name": "温州市鹿城区社会组织服务中心",
                              "signer": "法定代表人或授权代表（签字）"})
    ctx["signed"] = {"at": datetime.datetime(2026, 5, 3, 10, 20), "by": "李四"}


@pytest.mark.parametrize("change", [None, _long_names, _large_amounts, _rare_and_unbreakable, _host_and_signed])
def test_the_agreement_prints_as_the_automatic_table_layout_would(agreement_project, change):
    ctx = copy.deepcopy(agreement_context(agreement_project))
    if change:
        change(ctx)
    page = flow.html(agreement_document(ctx))
    assert page.count("</head>") == 1
    fast, automatic = html_to_pdf(page), html_to_pdf(page.replace("</head>", AUTOMATIC))
    text = ["\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages) for pdf in (fast, automatic)]
    assert text[0] == text[1]
    assert pdf_pixels(fast) == pdf_pixels(automatic)
