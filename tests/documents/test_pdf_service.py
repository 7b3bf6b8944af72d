"""The PDF service itself: fonts, the restricted fetcher, the shared print stylesheet."""

import gc
import logging
import subprocess

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import HTML

from documents import fonts
from documents.errors import DocumentsError
from documents.fetcher import BASE_URL, RefusedURL, StaticOnlyFetcher
from documents.pdf import _font_config, html_to_pdf, print_stylesheet, render_pdf
from tests.documents.pdfcheck import ink_ratios, page_count, pdf_pixels, pdf_text

STATIC = BASE_URL.rstrip("/") + settings.STATIC_URL


def test_the_print_stylesheet_is_fetched_from_the_projects_static_files():
    fetcher = StaticOnlyFetcher()
    response = fetcher(STATIC + "css/documents-print.css")
    assert response.content_type == "text/css"
    assert b"@page" in response.read()
    assert fetcher.served == [STATIC + "css/documents-print.css"]


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:6379/",
        "https://example.com/logo.png",
        "data:image/png;base64,iVBORw0KGgo=",
        STATIC + "../../etc/passwd",
        STATIC + "%2e%2e/%2e%2e/etc/passwd",
        STATIC + "css/../../../../etc/passwd",
        STATIC + "admin/css/base.css",  # an installed package's static file, not the project's
        STATIC + "css/missing.css",
        STATIC + "css/documents-print.css?x=1",
        BASE_URL + "media/jobs/1/result.zip",
    ],
)
def test_everything_but_the_projects_static_files_is_refused(url):
    fetcher = StaticOnlyFetcher()
    with pytest.raises(RefusedURL):
        fetcher(url)
    assert fetcher.refused == [url]
    assert fetcher.served == []


def test_raw_html_pointing_at_files_and_loopback_loads_nothing(loopback_server, caplog):
    """Even markup that escaped autoescaping (a `|safe` by mistake) cannot reach files or hosts."""
    port = loopback_server.server_address[1]
    html = (
        f'<html><head><link rel="stylesheet" href="http://127.0.0.1:{port}/style.css">'
        '<style>@import url("file:///etc/hostname"); '
        f'body {{ background: url("http://127.0.0.1:{port}/bg.png") }}</style>'
        f'</head><body><p>正文</p><img src="file:///etc/passwd"><img src="http://127.0.0.1:{port}/pixel.png">'
        f'<object data="http://127.0.0.1:{port}/obj"></object></body></html>'
    )
    fetcher = StaticOnlyFetcher()
    with caplog.at_level(logging.WARNING, logger="documents.fetcher"):
        pdf = html_to_pdf(html, fetcher=fetcher)
    assert loopback_server.requests == []
    assert "file:///etc/passwd" in fetcher.refused
    assert f"http://127.0.0.1:{port}/pixel.png" in fetcher.refused
    assert f"http://127.0.0.1:{port}/style.css" in fetcher.refused
    assert fetcher.served == []
    assert "root:" not in pdf_text(pdf)
    assert any("refused to fetch file:///etc/passwd" in r.getMessage() for r in caplog.records)


def test_a_missing_cjk_font_is_a_clear_error_not_boxes(monkeypatch):
    fonts.cjk_families.cache_clear()
    monkeypatch.setattr(fonts, "_families", lambda: [])
    with pytest.raises(DocumentsError) as caught:
        render_pdf("documents/base_print.html", {})
    assert "中文字体" in caught.value.message and "fonts-noto-cjk" in caught.value.message
    fonts.cjk_families.cache_clear()


def test_without_fc_list_the_message_says_what_to_install(monkeypatch):
    fonts.cjk_families.cache_clear()
    monkeypatch.setattr(fonts.shutil, "which", lambda name: None)
    with pytest.raises(DocumentsError, match="fc-list"):
        fonts.require_cjk_font()
    fonts.cjk_families.cache_clear()


def test_the_font_check_runs_fc_list_once_per_process(monkeypatch):
    fonts.cjk_families.cache_clear()
    calls = []
    real_run = subprocess.run

    def counting_run(*args, **kwargs):
        calls.append(args[0])
        return real_run(*args, **kwargs)

    monkeypatch.setattr(fonts.subprocess, "run", counting_run)
    for _ in range(3):
        fonts.require_cjk_font()
    assert len(calls) == 1
    assert any("CJK" in family for family in fonts.cjk_families())


def test_the_deploy_check_reports_a_missing_font(monkeypatch):
    from documents.checks import cjk_font_installed

    assert cjk_font_installed(None) == []
    fonts.cjk_families.cache_clear()
    monkeypatch.setattr(fonts, "_families", lambda: [])
    assert [e.id for e in cjk_font_installed(None)] == ["documents.E001"]
    fonts.cjk_families.cache_clear()


def test_the_shared_base_numbers_pages_and_repeats_the_header():
    html = render_pdf("documents/base_print.html", {"round_name": "测试批次", "project_number": "T1-00001"})
    text = pdf_text(html)
    assert "第1页/共1页" in "".join(text.split())  # pdftotext drops the spaces between CJK glyphs
    assert "测试批次" in text and "T1-00001" in text
    assert page_count(html) == 1
    assert ink_ratios(html)[0] > 0


def test_label_tables_are_laid_out_as_the_automatic_layout_would_without_measuring_their_text():
    """documents-print.css gives table.fields a fixed layout with the label column's content width; the
    page must be the one the automatic layout (label column 24%) printed, long values included."""
    long_value = (
        "本项目面向辖区内八十岁以上独居老人，提供午餐配送、上门探访和健康监测服务，建立一人一档的服务台账。" * 6
    )
    body = (
        f'<table class="doc fields"><tr><th>甲方（资助方）</th><td>XX市民政局</td></tr>'
        f"<tr><th>依托单位（收款单位）</th><td>温州市测试社会工作服务中心（统一社会信用代码：52330300MJ0000200K）</td></tr>"
        f'<tr><th>项目简介</th><td class="user-text">{long_value}</td></tr></table>'
    )
    head = '<html lang="zh-hans"><head>'  # html_to_pdf applies the print stylesheet
    fixed = html_to_pdf(f"{head}</head><body>{body}</body></html>")
    automatic = html_to_pdf(
        f"{head}<style>table.fields {{ table-layout: auto; }} table.fields th {{ width: 24%; }}</style>"
        f"</head><body>{body}</body></html>"
    )
    assert pdf_pixels(fixed) == pdf_pixels(automatic)


def test_fixed_wording_printed_unwrapped_prints_as_it_would_wrapping():
    """documents-print.css keeps the signature blocks' wording, the budget summary's labels and the running
    header's project number on one line, so that the automatic table layout does not measure them from
    every character; the pages must be those printed when they could wrap, a long name included."""
    context = {
        "round_name": "测试公益创投第0批",
        "project_number": "T0-00001",
        "signatures": [
            {"role": "甲方（盖章）", "name": "XX市民政局", "signer": "法定代表人或授权代表（签字）"},
            {
                "role": "乙方（盖章）",
                "name": "温州市鹿城区五马街道长者互助与社区照护发展促进中心暨志愿者联合服务协会",
                "signer": "法定代表人或授权代表（签字）",
            },
            {
                "role": "依托单位（盖章）",
                "name": "温州市鹿城区社会组织服务中心",
                "signer": "法定代表人或授权代表（签字）",
            },
        ],
    }
    budget = (
        '<table class="doc budget"><thead><tr><th>预算科目</th><th class="num">资助资金（元）</th>'
        '<th class="num">配套资金（元）</th><th class="num">小计（元）</th></tr></thead><tbody>'
        + "".join(
            f'<tr><td>{label}</td><td class="num">1,234,567.89</td><td class="num">123,456.00</td>'
            f'<td class="num">1,358,023.89</td></tr>'
            for label in ("人员经费/劳务费", "专家督导培训费", "交通差旅费", "其他")
        )
        + '<tr><th>合计</th><th class="num">1</th><th class="num">2</th><th class="num">3</th></tr></tbody></table>'
    )
    page = render_to_string("documents/base_print.html", context).replace(
        "</body>", budget + render_to_string("documents/signature_blocks.html", context) + "</body>"
    )
    wrapping = (
        "<style>table.signatures .wording, table.budget th, table.budget td:first-child, "
        ".running-header .number { white-space: normal; }</style></head>"
    )
    assert 'class="wording"' in page
    assert pdf_pixels(html_to_pdf(page)) == pdf_pixels(html_to_pdf(page.replace("</head>", wrapping)))


def test_the_cyclic_garbage_collector_resumes_after_a_render_and_after_a_failed_one(monkeypatch):
    assert gc.isenabled()
    html_to_pdf('<html lang="zh-hans"><body><p>资助协议书</p></body></html>')
    assert gc.isenabled()

    def fail(*args, **kwargs):
        assert not gc.isenabled()  # held during the render
        raise RuntimeError("render failed")

    monkeypatch.setattr("documents.pdf.HTML.write_pdf", fail)
    with pytest.raises(RuntimeError):
        html_to_pdf('<html lang="zh-hans"><body><p>资助协议书</p></body></html>')
    assert gc.isenabled()


def test_the_print_stylesheet_is_parsed_once_per_process_and_again_when_the_file_changes(tmp_path, monkeypatch):
    first = print_stylesheet()
    assert print_stylesheet() is first
    copy = tmp_path / "documents-print.css"
    copy.write_text("@page { size: A5; }", encoding="utf-8")
    monkeypatch.setattr("documents.pdf._project_static_file", lambda url: copy)
    edited = print_stylesheet()
    assert edited is not first and print_stylesheet() is edited
    copy.write_text("@page { size: A4; margin: 1cm; }", encoding="utf-8")
    assert print_stylesheet() is not edited


def test_the_parsed_print_stylesheet_prints_the_pages_its_link_printed():
    """html_to_pdf applies the stylesheet parsed once; a document linking it, as every document did,
    printed the same pages (head-block rules still win over it)."""
    context = {"round_name": "测试公益创投第0批", "project_number": "T0-00001", "chunked": True}
    html = render_to_string("documents/base_print.html", context).replace(
        "</body>", '<h1 class="doc-title">资助协议书</h1><table class="doc fields"><tr><th>甲方（资助方）</th>'
        "<td>XX市民政局</td></tr></table><p>根据评审和公示结果，甲方决定资助乙方实施下列项目。</p></body>")
    assert "documents-print.css" not in html
    linked = html.replace("<head>", '<head><link rel="stylesheet" href="/static/css/documents-print.css">', 1)
    with_link = HTML(string=linked, base_url=BASE_URL, url_fetcher=StaticOnlyFetcher()).write_pdf(
        font_config=_font_config())
    assert pdf_pixels(html_to_pdf(html)) == pdf_pixels(with_link)
    for _ in range(2):  # and the same again: nothing of one document stays in the parsed stylesheet
        assert pdf_pixels(html_to_pdf(html)) == pdf_pixels(with_link)
