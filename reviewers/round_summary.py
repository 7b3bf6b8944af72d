"""The round's 评审汇总表: every ranked project with each expert's score, the written aggregate,
the oral defense score, the blend, preferences, the ranked score, rank and decision, closed by
signature lines for the panel. xlsx (openpyxl, text that a spreadsheet could run as a formula is
written as quote-prefixed text: core.escaping) and PDF (documents.pdf). Headers are the fixed
Chinese terms of the review, so a printed sheet reads the same whatever the reader's language."""
from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from core.escaping import is_formula_like
from core.money import format_yuan
from documents.long_pdf import render_chunked
from grants.models import GrantRound
from reviewers import ranking, stored_ranking
from reviewers.models import Assignment, AssignmentState
from reviewers.panel_models import DefensePanelMember
from reviewers.panel_selectors import policy_for

# A round this large is written by a background Job (documents) rather than in the request.
INLINE_LIMIT = 300
HEADERS = ["排名", "项目编号", "项目名称", "申报机构", "各专家评分", "书面评审得分", "答辩得分", "综合得分（加权）",
           "优先加分及来源", "排序得分", "立项决定", "核定金额（元）"]


@dataclass
class Summary:
    round: GrantRound
    ranking: ranking.Ranking
    defense_weight: Decimal
    reviewers: list[str]
    defense_panel: list[str]

    @property
    def rows(self) -> list[list]:
        """For the page and the PDF: amounts formatted as yuan."""
        return [row_cells(row, display=True) for row in self.ranking.rows]


def _text(value) -> str:
    return "" if value is None else str(value)


def row_cells(row: ranking.Row, *, display: bool = False) -> list:
    """One project's cells; scores and the amount stay numbers for the spreadsheet unless `display`."""
    adjusted = row.adjusted
    experts = "；".join(f"{e.expert} {e.total}" for e in row.experts)
    prefs = "；".join(p.label for p in adjusted.preferences) if adjusted else ""
    project = row.project
    shown = _text if display else (lambda v: v)
    amount = project.approved_amount
    return [row.position, project.code, project.title, project.organization.name, experts,
            shown(row.written), shown(adjusted.defense if adjusted else None),
            shown(adjusted.blended if adjusted else None), prefs, shown(row.score), str(project.state_label),
            (format_yuan(amount) if amount is not None else "") if display else amount]


def count(round: GrantRound) -> int:
    """How many projects the summary lists (one count on the stored ranking)."""
    return stored_ranking.ranked(round).count()


def first_rows(round: GrantRound, limit: int) -> list[list]:
    """The summary's first `limit` rows as the page shows them (display cells), read through the
    stored ranking's index: the same cells as Summary.rows[:limit], whatever the round's size."""
    aggregates = list(stored_ranking.with_projects(stored_ranking.ranked(round)[:limit]))
    rows = stored_ranking.rows_for(round, aggregates, start=1, money=None, cumulative=Decimal("0.00"))
    return [row_cells(row, display=True) for row in rows]


def build(round: GrantRound) -> Summary:
    ranked = stored_ranking.whole(round, experts=True)  # the stored aggregates: no score is aggregated here
    reviewers = sorted(set(Assignment.objects.filter(project__round=round, state=AssignmentState.SUBMITTED)
                           .values_list("expert__name", flat=True)))
    panel = list(DefensePanelMember.objects.filter(round=round).order_by("expert__name")
                 .values_list("expert__name", flat=True))
    return Summary(round, ranked, policy_for(round).defense_weight, reviewers, panel)


def _put(ws, row: int, col: int, value) -> None:
    cell = ws.cell(row=row, column=col, value=value)
    if is_formula_like(value):
        cell.data_type = "s"  # text, never evaluated; the quote prefix keeps it text when edited
        cell.quotePrefix = True


def to_xlsx(summary: Summary) -> bytes:
    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = "评审汇总表"
    _put(ws, 1, 1, f"{summary.round.name} 评审汇总表")
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    weight = summary.defense_weight
    _put(ws, 2, 1, f"综合得分 = 书面评审得分 × {100 - weight}% + 答辩得分 × {weight}%；排序得分含优先加分"
         if weight else "本批次未设现场答辩权重；排序得分为书面评审得分（含优先加分）")
    for col, header in enumerate(HEADERS, start=1):
        ws.cell(row=4, column=col, value=header).font = Font(bold=True)
    r = 5
    for r, row in enumerate(summary.ranking.rows, start=5):
        for col, value in enumerate(row_cells(row), start=1):
            _put(ws, r, col, value)
            if isinstance(value, Decimal):
                ws.cell(row=r, column=col).number_format = "#,##0.00" if col == len(HEADERS) else "0.00"
    r += 2
    _put(ws, r, 1, "评审专家签名：")
    for name in summary.reviewers:
        r += 1
        _put(ws, r, 1, name)
        _put(ws, r, 2, "签名：____________　日期：__________")
    if summary.defense_panel:
        r += 2
        _put(ws, r, 1, "答辩评委签名：")
        for name in summary.defense_panel:
            r += 1
            _put(ws, r, 1, name)
            _put(ws, r, 2, "签名：____________　日期：__________")
    for letter, width in zip("ABCDEFGHIJKL", (6, 16, 30, 26, 40, 12, 10, 14, 40, 10, 12, 14), strict=True):
        ws.column_dimensions[letter].width = width
    # Expert by expert, one row per score: the long form of column E, for sorting and pivoting.
    detail = wb.create_sheet("专家评分明细")
    for col, header in enumerate(["项目编号", "项目名称", "评审专家", "评分"], start=1):
        detail.cell(row=1, column=col, value=header).font = Font(bold=True)
    n = 2
    for row in summary.ranking.rows:
        for e in row.experts:
            for col, value in enumerate([row.project.code, row.project.title, e.expert, e.total], start=1):
                _put(detail, n, col, value)
            n += 1
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


TEMPLATE = "reviewers/panel/summary_print.html"


def to_pdf(summary: Summary, *, progress=None) -> bytes:
    """In chunks (documents.long_pdf), so a round of thousands of projects renders in bounded memory."""
    rows = summary.rows
    return render_chunked(TEMPLATE, {
        "summary": summary, "round": summary.round, "headers": HEADERS, "count": len(rows),
        "printed": timezone.now(), "weight": summary.defense_weight,
        "hundred_minus": 100 - summary.defense_weight,
    }, rows, progress=progress)
