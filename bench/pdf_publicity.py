"""Benchmark: the 公示 PDF of a large round: the job's path (documents.long_table, the pages written
straight to PDF) against WeasyPrint (documents.long_pdf: chunks joined by pypdf, footer stamped; and older
paths), with a floor measured in the same run.

Run: .venv/bin/python bench/pdf_publicity.py [ROWS] [MODE ...]
     ROWS defaults to 10000; MODES: floor job chunked chunked1 single old (default: floor job chunked);
     job is what reviewers.publicity_documents.render_pdf does (the direct writer; WeasyPrint only for
     text it cannot print, which these rows do not have), chunked the WeasyPrint path the job used before
     (and still uses for such text), chunked1 that path in one process, single today's template in one
     WeasyPrint document, old the path before chunks (one document, the template of that time).
     PUBLICITY_CHUNK_ROWS=N sets the chunk size of the chunked path, PUBLICITY_PROCESSES=N how many
     processes render its chunks (default documents.long_pdf.processes()).

Rows are built in memory (realistic Chinese titles and names, no database) and go through the same
code as the job (reviewers.publicity_documents: its wording, columns and template). Each measurement runs in a fresh
child process, as a worker would: wall time and CPU (user + system, with the processes it forks to
render chunks) of the rendering inside it; peak RSS from wait4 on that child (the largest of it and
its forks: Django, WeasyPrint, the fonts and the document), so one mode's memory cannot hide another's.
On a shared machine wall time measures the neighbours too: compare CPU, and both against the floor. The floor is a bare one-page Chinese
WeasyPrint page in the same run.
"""
import datetime
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="yc-bench-publicity-"))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
os.environ["DATABASE_URL"] = f"sqlite:///{WORK / 'bench.sqlite3'}"

import django  # noqa: E402

django.setup()

from django.template import engines  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from documents import long_pdf  # noqa: E402
from documents.fonts import require_cjk_font  # noqa: E402
from documents.pdf import html_to_pdf  # noqa: E402
from reviewers import publicity_documents  # noqa: E402

WORDS = ["社区", "居家", "养老", "服务", "儿童", "关爱", "青少年", "心理", "健康", "助残", "康复", "邻里",
         "互助", "志愿者", "能力", "建设", "乡村", "振兴", "文化", "传承", "困境", "家庭", "支持", "计划"]
DOMAINS = ["为老服务", "青少年服务", "助残服务", "社区治理", "文化服务", "其他"]


def fake_rows(count: int) -> list[dict]:
    rng = random.Random(18)
    rows = []
    for n in range(1, count + 1):
        title = "".join(rng.choice(WORDS) for _ in range(rng.randint(5, 11))) + "项目"
        org = "温州市" + "".join(rng.choice(WORDS) for _ in range(rng.randint(2, 4))) + "服务中心"
        rows.append({"position": n, "code": f"YC2026-{n:05d}", "title": title, "organization": org,
                     "domain": rng.choice(DOMAINS), "score": f"{rng.randint(6000, 9600) / 100:.2f}",
                     "amount": f"{rng.randint(20, 300) * 1000:,}.00"})
    return rows


class FakeRound:
    name = "2026年度温州市公益创投活动"
    code = "YC2026"
    pk = 1


def context(rows: list[dict]) -> dict:
    return {"round": FakeRound(), "round_name": FakeRound.name, "rows": rows,
            "start": datetime.date(2026, 6, 1), "end": datetime.date(2026, 6, 5),
            "issuer": "温州市民政局", "contact": {"department": "慈善事业促进和社会工作处", "phone": "0577-88888888"}}


# html_to_pdf applies the print stylesheet (documents.pdf.print_stylesheet).
FLOOR_HTML = """<!doctype html><html lang="zh-hans"><head><meta charset="utf-8"></head>
<body><h1>拟资助项目公示</h1><p>公示期内，对上述项目有异议的，可通过益创平台公示页面在线提出。</p></body></html>"""


# The template as it was when the request rendered the whole list in one document (automatic column
# widths), for the "old" mode.
OLD_TEMPLATE = """{% extends "documents/base_print.html" %}
{% block title %}{{ round.name }}拟资助项目公示{% endblock %}
{% block content %}
<h1>{{ round.name }}拟资助项目公示</h1>
{% if start %}<p>公示期：{{ start|date:"Y年m月d日" }} 至 {{ end|date:"Y年m月d日" }}</p>{% endif %}
<table class="doc">
  <thead><tr><th>序号</th><th>项目编号</th><th>项目名称</th><th>申报机构</th><th>服务领域</th><th>评审得分</th><th>拟资助金额（元）</th></tr></thead>
  <tbody>{% for r in rows %}<tr><td>{{ r.position }}</td><td>{{ r.code }}</td><td>{{ r.title }}</td><td>{{ r.organization }}</td><td>{{ r.domain }}</td><td>{{ r.score }}</td><td>{{ r.amount }}</td></tr>{% endfor %}</tbody>
</table>
<p>公示期内，对上述项目有异议的，可通过益创平台公示页面在线提出，或以书面形式向主办单位反映。异议须署真实姓名并留下联系方式。</p>
<p>发布单位：{{ issuer }}</p>
<p>联系单位：{{ contact.department }}{% if contact.phone %}　电话：{{ contact.phone }}{% endif %}{% if contact.address %}　地址：{{ contact.address }}{% endif %}{% if contact.email %}　邮箱：{{ contact.email }}{% endif %}</p>
{% endblock %}"""


def floor(_rows) -> bytes:
    return html_to_pdf(engines["django"].from_string(FLOOR_HTML).render({}))


def old(rows) -> bytes:
    """What reviewers.views.public.publicity_pdf did in the request: one document for the whole list."""
    return html_to_pdf(engines["django"].from_string(OLD_TEMPLATE).render(context(rows)))


def single(rows) -> bytes:
    """Today's template (fixed column widths) in one document: the layout's share without chunking."""
    notice = context(rows)
    return html_to_pdf(render_to_string(publicity_documents.TEMPLATE, {
        **notice, **publicity_documents.printed(notice), "rows": publicity_documents.cells(rows)}))


def job(rows) -> bytes:
    """What the job does: reviewers.publicity_documents.render_pdf (documents.long_table)."""
    return publicity_documents.render_pdf(context(rows))


def _chunked(rows, workers: int | None) -> bytes:
    notice = context(rows)
    return long_pdf.render_chunked(publicity_documents.TEMPLATE, {**notice, **publicity_documents.printed(notice)},
                                   publicity_documents.cells(rows),
                                   chunk_rows=int(os.environ.get("PUBLICITY_CHUNK_ROWS", long_pdf.CHUNK_ROWS)),
                                   workers=workers)


def chunked(rows) -> bytes:
    """The WeasyPrint path (publicity_documents.render_pdf_weasyprint), chunk size and processes settable."""
    return _chunked(rows, int(os.environ.get("PUBLICITY_PROCESSES", "0")) or None)


def chunked1(rows) -> bytes:
    """The WeasyPrint path in one process."""
    return _chunked(rows, 1)


MODES = {"floor": floor, "job": job, "old": old, "single": single, "chunked": chunked, "chunked1": chunked1}


def child(mode: str, count: int, out: Path) -> None:
    """In a fresh process (as a worker would be): build the rows, warm up fontconfig, render, report."""
    require_cjk_font()
    rows = fake_rows(count)
    started, cpu = time.perf_counter(), _cpu()
    out.write_bytes(MODES[mode](rows))
    print(f"{time.perf_counter() - started:.3f} {_cpu() - cpu:.3f}")


def _cpu() -> float:
    """This process and the children it has reaped (the chunk renderers), user + system."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure(mode: str, count: int) -> dict:
    """Wall and CPU of the rendering inside the child; peak RSS of the whole child (wait4)."""
    out = WORK / f"{mode}.pdf"
    proc = subprocess.Popen([sys.executable, __file__, "--child", mode, str(count), str(out)],
                            stdout=subprocess.PIPE, text=True)
    output = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = status
    if status != 0:
        raise SystemExit(f"{mode} failed")
    wall, cpu = (float(x) for x in output.split()[-2:])
    # wait4 counts the child and the processes it forked and reaped: RSS of the largest one.
    return {"mode": mode, "wall": wall, "cpu": cpu, "rss": usage.ru_maxrss / 1024,
            "pages": len(PdfReader(out).pages), "size": out.stat().st_size / 1024, "path": out}


def main(count: int, modes: list[str]) -> None:
    print(f"{count} rows, load average {os.getloadavg()[0]:.1f}; each mode in a fresh process")
    results = [measure(m, count) for m in modes]
    base = next((r for r in results if r["mode"] == "floor"), None)
    for r in results:
        ratio = f"  {r['wall'] / base['wall']:7.1f}× floor wall, {r['cpu'] / base['cpu']:7.1f}× CPU" if base else ""
        print(f"{r['mode']:8} {r['wall']:8.2f} s wall {r['cpu']:8.2f} s CPU {r['rss']:7.0f} MiB peak RSS "
              f"{r['pages']:5d} pages {r['size']:8.0f} KiB{ratio}  {r['path']}")
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--child"]:
        child(args[1], int(args[2]), Path(args[3]))
        raise SystemExit(0)
    n = int(args.pop(0)) if args and args[0].isdigit() else 10000
    main(n, args or ["floor", "job", "chunked"])
