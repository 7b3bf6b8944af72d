"""Job kind: every agreement of a round as one zip, one progress step per document.

Each finished PDF is kept in the run's work directory (written atomically), so a job restarted
after a crash renders only what is missing; the zip is built from those files at the end, in the
order fixed when the job was started, so it holds each agreement exactly once.

Registered from ProjectsConfig.ready, in the web process (the jobs page labels and offers it) and in
the Celery worker (which runs it).
"""
import zipfile

from django.utils.translation import gettext_lazy as _

from accounts import security
from accounts.models import Role
from documents.kinds import Starter, register
from documents.runs import JobResult, JobRun, write_atomically
from grants.models import GrantRound
from projects import agreements
from projects.selectors_agreements import agreement_projects, signable
from projects.services.agreements import AGREEMENT_BATCH


def _is_officer(user) -> bool:
    return user.has_role(Role.OFFICER)


def _record_download(*, request, job) -> None:
    """The zip holds every payee's bank account: each download goes into the security log."""
    security.record(security.Kind.MONEY_FILE_EXPORTED, request=request, job=job.pk, job_kind=job.kind,
                    round=job.params.get("round_id"), file=job.result_name or job.result.name.rsplit("/", 1)[-1])


@register(AGREEMENT_BATCH, _("Grant agreements of a round (zip)"), start=Starter(
    "documents:new_agreement_batch", _("Generate all agreements of a round"), may_start=_is_officer,
    testid="new-agreement-batch"), on_download=_record_download)
def round_agreements(run: JobRun) -> JobResult:
    ids: list[int] = run.params["project_ids"]
    round = GrantRound.objects.get(pk=run.params["round_id"])
    parts = run.workdir / "parts"
    parts.mkdir(exist_ok=True)
    # Checked again when printed: an objection upheld or a signature since the job started.
    projects = {p.pk: p for p in agreement_projects(ids) if signable(p)}
    ready = {pid for pid in ids if (parts / f"{pid}.pdf").exists()}
    done = len(ready)
    run.progress(done, total=len(ids))
    for pid in ids:
        if pid in ready:
            continue
        project = projects.get(pid)
        if project is not None:  # no longer signable: nothing to print
            write_atomically(parts / f"{pid}.pdf", agreements.render_agreement(project))
        done += 1
        run.progress(done)
    archive = run.workdir / f"agreements.{run.attempt}.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as zf:
        for pid in ids:
            if pid in projects:
                zf.write(parts / f"{pid}.pdf", arcname=agreements.filename(projects[pid]))
    return JobResult(path=archive, name=f"{round.code}-资助协议书.zip")
