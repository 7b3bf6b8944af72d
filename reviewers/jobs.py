"""Job kinds: an automatic assignment run, tracked like every long operation (progress in projects
done / total, error) on the jobs page, which the round page links to; and its result file, a Chinese
workbook: every panel of the round, every project left short with the reason, and the run's figures.

The run's job ends when its panels are committed: the workbook (100,000 rows at province scale,
several seconds of CPU, more than the run itself) is a second job the officer starts from the run's
finished job page or the round page, so nobody waits for it to see the panels."""
import tablib
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from documents.kinds import FollowUp, Link, register
from documents.runs import JobResult, JobRun, single_file
from projects.models import Project
from projects.states import State
from reviewers import services
from reviewers.models import Assignment, AssignmentRun, AssignmentState, Expert, RunState
from reviewers.resources import xlsx_book

A = AssignmentState


def _result_step(job) -> FollowUp:
    return FollowUp(_("Result workbook (xlsx)"), reverse("reviewers:run_result", args=[job.params["run_id"]]),
                    "run-result")


# Problems listed one by one on the job's page; the rest are in the result workbook.
SHOWN_UNSTAFFED = 10


def _back_to_round(job) -> Link | None:
    round_id = AssignmentRun.objects.filter(pk=job.params.get("run_id")).values_list("round_id", flat=True).first()
    if round_id is None:
        return None
    return Link(_("Back to the round's expert assignment"), reverse("reviewers:round", args=[round_id]))


def run_summary(job) -> list[str]:
    """What the finished run did, from what it recorded on its AssignmentRun (figures and problems)."""
    run = AssignmentRun.objects.filter(pk=job.params.get("run_id")).first()
    if run is None or run.state != RunState.DONE:
        return []
    stats = run.stats or {}
    projects, short = stats.get("projects", 0), len(run.unstaffed)
    lines = [
        gettext("Projects under review: %(n)s; fully staffed: %(staffed)s.") % {"n": projects,
                                                                               "staffed": projects - short},
        gettext("Seats written by this run: %(n)s.") % {"n": run.created},
    ]
    if "moved" in stats:
        lines.append(gettext("Seats moved to balance the experts' load: %(n)s.") % {"n": stats["moved"]})
    if stats.get("experts"):
        lines.append(gettext("Experts with seats: %(experts)s; proposals per expert: min %(min)s, max %(max)s, "
                             "mean %(mean)s.") % {k: stats.get(k, 0) for k in ("experts", "min", "max", "mean")})
    if not short:
        lines.append(gettext("Every project has a full panel."))
        return lines
    lines.append(ngettext("%(n)s project is not fully staffed:", "%(n)s projects are not fully staffed:", short)
                 % {"n": short})
    lines.extend(f"{u['code']}：{'；'.join(u['reasons'])}" for u in run.unstaffed[:SHOWN_UNSTAFFED])
    if short > SHOWN_UNSTAFFED:
        lines.append(gettext("… and %(n)s more: see the result workbook.") % {"n": short - SHOWN_UNSTAFFED})
    return lines


@register(services.ASSIGNMENT_RUN, _("Automatic expert assignment"), follow_up=_result_step, back=_back_to_round,
          summary=run_summary)
def assignment_job(run: JobRun) -> JobResult:
    """Done when the panels are: no file of its own (the result workbook is the follow-up)."""
    run_id = run.params["run_id"]
    try:
        services.run_auto_assignment(
            run_id=run_id, progress=lambda done, total: run.progress(done, total=total))
    except Exception as exc:  # the run record must not stay "waiting": the officer sees the error
        services.mark_run_failed(run_id=run_id, error=str(exc))
        raise
    return JobResult(path=None, name="")


def download_name(run: AssignmentRun) -> str:
    return f"{run.round.code}-专家自动分配结果.xlsx"


@register(services.ASSIGNMENT_RESULT, _("Result workbook of an automatic assignment"), back=_back_to_round)
def result_job(run: JobRun) -> JobResult:
    """The round's panels as they are when the job runs (the seats this run made are marked)."""
    assignment_run = AssignmentRun.objects.select_related("round").get(pk=run.params["run_id"])
    return single_file(run, stem="assignment", suffix="xlsx", name=download_name(assignment_run),
                       produce=lambda: result_workbook(assignment_run))


def _source(run_of_seat: int | None, run_id: int) -> str:
    if run_of_seat == run_id:
        return "本次自动分配"
    if run_of_seat:
        return "此前自动分配"
    return "手动分配（保留）"


def result_workbook(run) -> bytes:
    """Read as plain rows (a province-wide run has 100,000 seats: model instances would cost more than
    the workbook itself)."""
    round = run.round
    panels = tablib.Dataset(headers=["项目编号", "项目名称", "申报机构", "评审专家", "分配方式", "专家状态", "评审组人数",
                                     "应配人数"])
    panels.title = "评审组"
    waiting = Project.objects.filter(round=round, state=State.UNDER_REVIEW)
    projects = list(waiting.order_by("code").values_list("id", "code", "title", "organization__name"))
    members: dict[int, list[tuple]] = {}
    labels = {state: str(label) for state, label in AssignmentState.choices}
    for project_id, name, run_of_seat, state in (
            Assignment.objects.filter(project__in=waiting).exclude(state=A.RECUSED).order_by("created_at", "id")
            .values_list("project_id", "expert__name", "run_id", "state")):
        members.setdefault(project_id, []).append((name, _source(run_of_seat, run.pk), labels[state]))
    for project_id, code, title, organization in projects:
        panel = members.get(project_id, [])
        head = [code, title, organization]
        if not panel:
            panels.append([*head, "（无）", "", "", 0, round.experts_per_project])
        for seat in panel:
            panels.append([*head, *seat, len(panel), round.experts_per_project])
    short = tablib.Dataset(headers=["项目编号", "项目名称", "已配专家数", "应配人数", "未配齐原因"])
    short.title = "未配齐项目"
    titles = dict(Project.objects.filter(pk__in=[u["project_id"] for u in run.unstaffed]).values_list("id", "title"))
    for u in run.unstaffed:
        short.append([u["code"], titles.get(u["project_id"], ""), u["found"], u.get("needed", round.experts_per_project),
                      "；".join(u["reasons"])])
    stats = run.stats or {}
    summary = tablib.Dataset(headers=["项目", "数值"])
    summary.title = "概况"
    for label, value in (
        ("批次", round.name), ("随机种子", run.seed), ("评审中的项目", stats.get("projects", 0)),
        ("本次新建分配", run.created), ("未配齐项目", len(run.unstaffed)), ("参与专家人数", stats.get("experts", 0)),
        ("每位专家评审件数：最少", stats.get("min", 0)), ("最多", stats.get("max", 0)), ("平均", stats.get("mean", 0)),
        ("尚未就申报机构名单申报利益冲突的在册专家",
         Expert.objects.filter(active=True).exclude(round_declarations__round=round).count()),
    ):
        summary.append([label, value])
    return xlsx_book([summary, panels, short])
