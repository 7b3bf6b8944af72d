"""The 公示 list of a round as files (PDF and xlsx), for anyone to download.

Built by a background job (documents) whenever what the notice publishes changes, stored once per
content (documents.published), and streamed by reviewers.views.public; no request renders them.
A change is any project transition into, out of or within the states the notice lists (publishing,
an objection raised, dismissed or upheld, a signature, a termination), and the daily pass after a
notice period ends (the xlsx says 公示中 or 公示期满). Every change in one transaction (publishing a
round of 10,000 projects) starts one job per format, after commit; a job already queued for the
round covers the change, since a job reads the content when it starts, not when it is queued.

The PDF is written straight to PDF by documents.long_table (a 10,000-row list in seconds, where laying
it out with WeasyPrint took minutes); a list with text that writer does not print as WeasyPrint would
(documents.long_table.supports) is rendered by WeasyPrint in chunks (documents.long_pdf) from the
template, which prints the same wording and columns: bench/pdf_publicity.py.
"""
import json
import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.template.loader import get_template
from django.utils.translation import gettext_lazy as _

from accounts.selectors import program_officers
from core import calendar
from documents import long_pdf, long_table, published
from documents.kinds import register
from documents.models import Job, JobState, PublishedFile
from documents.runs import JobResult, JobRun
from documents.services import start_job
from grants.models import GrantRound
from projects.lifecycle import TRANSITIONS
from projects.models import Project
from projects.signals import project_transitioned
from reviewers import objection_services, selectors
from reviewers.panel_selectors import panel_facts
from reviewers.resources import PublicityResource, xlsx_bytes
from reviewers.sheets import publicity_rows

logger = logging.getLogger(__name__)

PDF_KIND = "publicity_pdf"
XLSX_KIND = "publicity_xlsx"
KINDS = {"pdf": PDF_KIND, "xlsx": XLSX_KIND}
TEMPLATE = "reviewers/publicity_print.html"
# Transitions that change what the notice lists or says about a project.
NOTICE_TRANSITIONS = frozenset(
    t.name for t in TRANSITIONS.values()
    if t.target in selectors.PUBLIC_NOTICE_STATES or set(t.source) & set(selectors.PUBLIC_NOTICE_STATES)
)


def key(round_id: int, fmt: str) -> str:
    return f"publicity-{int(round_id)}.{fmt}"


def download_name(round: GrantRound, fmt: str) -> str:
    return f"{round.code}-公示名单.{fmt}"


def notice(round: GrantRound) -> dict:
    """What the printed notice says, as of today: the same selectors and rows as the public page."""
    projects = selectors.public_notice_projects(round)
    by_project: dict[int, list] = {}
    for a in selectors.submitted_for([p.pk for p in projects]):
        by_project.setdefault(a.project_id, []).append(a)
    today = calendar.today()
    rows = publicity_rows(projects, by_project, round.aggregation, today, extras=panel_facts(round))
    running = [p for p in projects if p.state in objection_services.NOTICE_STATES
               and (p.publicity_end is None or p.publicity_end >= today)] or projects
    return {"round": round, "round_name": round.name, "rows": rows,
            "issuer": settings.YICHUANG_FUNDER_NAME, "contact": settings.YICHUANG_PUBLICITY_CONTACT,
            "start": min((p.publicity_start for p in running if p.publicity_start), default=None),
            "end": max((p.publicity_end for p in running if p.publicity_end), default=None)}


def content_digest(context: dict, fmt: str) -> str:
    """Of everything the file shows (and the template's text): the same notice gives the same file."""
    shown = {k: v for k, v in context.items() if k != "round"}
    layout = ""
    if fmt == "pdf":  # the PDF shows neither the period nor the status of each row
        template = get_template(TEMPLATE).template.source  # type: ignore[attr-defined]  # Django engine's template
        wording = {k: v for k, v in printed(context).items() if k != "columns"}
        layout = json.dumps([template, long_table.VERSION, wording, [vars(c) for _f, c in COLUMNS]], ensure_ascii=False)
        shown["rows"] = [{k: v for k, v in row.items() if k not in ("period", "status")} for row in shown["rows"]]
    return published.digest_of(json.dumps([fmt, layout, shown], sort_keys=True, default=str, ensure_ascii=False))


# The printed list's columns: (field of a row of reviewers.sheets.publicity_rows, heading, width). The
# widths leave one line to a number, a code, a service area and an amount; a title and an organisation wrap.
COLUMNS = (("position", long_table.Column("序号", 0.06)), ("code", long_table.Column("项目编号", 0.16)),
           ("title", long_table.Column("项目名称", 0.27)), ("organization", long_table.Column("申报机构", 0.20)),
           ("domain", long_table.Column("服务领域", 0.12)), ("score", long_table.Column("评审得分", 0.07)),
           ("amount", long_table.Column("拟资助金额（元）", 0.12)))


def _date(day) -> str:
    return f"{day.year}年{day.month:02d}月{day.day:02d}日"


def printed(context: dict) -> dict:
    """The notice's wording around the table (policy text, Chinese only), for either way of printing it."""
    contact = context["contact"]
    contact_line = f"联系单位：{contact.get('department', '')}" + "".join(
        f"　{label}：{contact[key]}" for key, label in (("phone", "电话"), ("address", "地址"), ("email", "邮箱"))
        if contact.get(key))
    return {
        "heading": f"{context['round_name']}拟资助项目公示",
        "intro": [f"公示期：{_date(context['start'])} 至 {_date(context['end'])}"] if context.get("start") else [],
        "closing": ["公示期内，对上述项目有异议的，可通过益创平台公示页面在线提出，或以书面形式向主办单位反映。"
                    "异议须署真实姓名并留下联系方式。", f"发布单位：{context['issuer']}", contact_line],
        "columns": [column for _field, column in COLUMNS],
    }


def cells(rows: list[dict]) -> list[list[str]]:
    """Each row as the printed columns' text, as the template printed the values (None as nothing)."""
    return [["" if row[field] is None else str(row[field]) for field, _column in COLUMNS] for row in rows]


def render_pdf(context: dict, progress=None) -> bytes:
    text = printed(context)
    table = long_table.LongTable(title=text["heading"], running_header=context["round_name"],
                                 columns=text["columns"], rows=cells(context["rows"]), intro=text["intro"],
                                 closing=text["closing"])
    if long_table.supports(table):
        return long_table.render(table, progress=progress)
    return render_pdf_weasyprint(context, progress)


def render_pdf_weasyprint(context: dict, progress=None) -> bytes:
    """The same notice laid out by WeasyPrint, in chunks: for text the direct writer cannot print."""
    return long_pdf.render_chunked(TEMPLATE, {**context, **printed(context)}, cells(context["rows"]),
                                   progress=progress)


def render_xlsx(context: dict) -> bytes:
    dataset = PublicityResource().export(context["rows"])
    dataset.title = "公示名单"
    return xlsx_bytes(dataset)


def build(run: JobRun, fmt: str) -> JobResult:
    """The job: idempotent (the same content is stored once, whichever job or attempt builds it)."""
    round = GrantRound.objects.get(pk=run.params["round_id"])
    name = key(round.pk, fmt)
    version = published.requested_version(name)  # before the content is read: it includes this change
    context = notice(round)
    rows = len(context["rows"])
    run.progress(0, total=rows)

    def produce() -> bytes:
        if fmt == "pdf":
            return render_pdf(context, progress=lambda done, total: run.progress(done, total=total))
        return render_xlsx(context)

    stored = published.store(name, version=version, digest=content_digest(context, fmt), produce=produce,
                             download_name=download_name(round, fmt))
    run.progress(rows, total=rows)
    return JobResult(path=None, name=download_name(round, fmt), stored=stored)


@register(PDF_KIND, _("Public notice list (PDF)"))
def publicity_pdf_job(run: JobRun) -> JobResult:
    return build(run, "pdf")


@register(XLSX_KIND, _("Public notice list (xlsx)"))
def publicity_xlsx_job(run: JobRun) -> JobResult:
    return build(run, "xlsx")


def refresh(*, actor, round_id: int) -> list[Job]:
    """Announces a change of the round's notice and starts the jobs that build its files. Call it
    after the change is committed (schedule_refresh does): a job may start at once and must see it."""
    owner = actor if getattr(actor, "pk", None) else program_officers().order_by("pk").first()
    if owner is None:
        logger.warning("no officer to own the 公示 documents of round %s; not rebuilt", round_id)
        return []
    started = []
    for fmt, kind in KINDS.items():
        version = published.request_version(key(round_id, fmt))
        if Job.objects.filter(kind=kind, state=JobState.QUEUED, params__round_id=round_id).exists():
            continue  # it has not started yet, so it will read this change
        started.append(start_job(actor=owner, kind=kind, params={"round_id": round_id, "version": version}))
    return started


class _Refresh:
    def __init__(self, round_id: int, actor):
        self.round_id, self.actor, self.ran = round_id, actor, False

    def __call__(self) -> None:
        self.ran = True
        refresh(actor=self.actor, round_id=self.round_id)


def schedule_refresh(*, actor, round_id: int) -> None:
    """After commit, once per round however many projects of it the transaction changed."""
    connection = transaction.get_connection()
    if any(isinstance(func, _Refresh) and func.round_id == round_id and not func.ran
           for _ids, func, _robust in connection.run_on_commit):
        return
    transaction.on_commit(_Refresh(round_id, actor))


def on_transition(sender, *, project, name, actor=None, **kwargs) -> None:
    """In the transaction of the change: the stored files are outdated at once (never served with a
    project the change removed); the jobs start after commit."""
    if name in NOTICE_TRANSITIONS:
        published.outdate([key(project.round_id, fmt) for fmt in KINDS])
        schedule_refresh(actor=actor, round_id=project.round_id)


def connect() -> None:
    project_transitioned.connect(on_transition, sender=Project, dispatch_uid="reviewers.publicity_documents")


def has_notice(round_id: int) -> bool:
    return Project.objects.filter(round_id=round_id, state__in=selectors.PUBLIC_NOTICE_STATES,
                                  publicity_start__isnull=False).exists()


def rounds_with_notices() -> list[int]:
    return sorted(set(Project.objects.filter(state__in=selectors.PUBLIC_NOTICE_STATES, publicity_start__isnull=False)
                      .values_list("round_id", flat=True)))


def rounds_whose_notice_ended(today) -> list[int]:
    """Rounds where a notice period ended yesterday: the xlsx's 状态 turns 公示期满 today."""
    return sorted(set(Project.objects.filter(state__in=selectors.PUBLIC_NOTICE_STATES,
                                             publicity_end=today - timedelta(days=1))
                      .values_list("round_id", flat=True)))


def rounds_never_built() -> list[int]:
    """Rounds whose notice has no file on record at all: published before these documents were built by
    jobs (an upgraded database), or whose jobs never ran. The daily pass builds them, so no round waits
    on 正在生成 for an operator to run `build_publicity_documents`."""
    rounds = rounds_with_notices()
    announced = set(PublishedFile.objects.filter(key__in=[key(r, fmt) for r in rounds for fmt in KINDS])
                    .values_list("key", flat=True))
    return [r for r in rounds if any(key(r, fmt) not in announced for fmt in KINDS)]


def refresh_ended_notices() -> list[int]:
    rounds = sorted(set(rounds_whose_notice_ended(calendar.today())) | set(rounds_never_built()))
    for round_id in rounds:
        refresh(actor=None, round_id=round_id)
    return rounds
