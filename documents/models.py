"""Background jobs: one row per long operation, with its progress, result file and audit trail."""
from django.conf import settings
from django.core.files.storage import Storage
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin

from core import storage
from core.fsm import Machine, Transition


def job_storage() -> Storage:
    # Results hold bank accounts and signed amounts: the "results" storage (core/storage.py), served
    # only by the permission-checked download view, never by a static/media web server.
    return storage.results()


class JobState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


J = JobState

# Only documents.services and the worker pull these, on a row locked with select_for_update; a claim
# of a running job is a worker taking over one whose lease ran out.
JOB = Machine(
    name="job",
    field="state",
    states=J.choices,
    transitions=[
        Transition("claim", (J.QUEUED, J.RUNNING), J.RUNNING, "开始运行"),
        Transition("finish", J.RUNNING, J.DONE, "完成"),
        Transition("fail", (J.QUEUED, J.RUNNING), J.FAILED, "失败"),
    ],
    groups={"finished": {J.DONE, J.FAILED}, "live": {J.QUEUED, J.RUNNING}},
)


class Job(JOB.model_mixin(), FSMModelMixin, models.Model):  # type: ignore[misc]  # generated base
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE,
                              related_name="jobs")
    # A registered kind (documents.kinds); no choices so other apps can add kinds without a migration here.
    kind = models.CharField(_("kind"), max_length=50, db_index=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    state = FSMField(_("state"), default=J.QUEUED, choices=J.choices, protected=True, db_index=True)
    progress_done = models.PositiveIntegerField(_("done"), default=0)
    progress_total = models.PositiveIntegerField(_("total"), default=0)
    result = models.FileField(_("result file"), storage=job_storage, upload_to="jobs/", max_length=300, blank=True)
    result_name = models.CharField(_("download name"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    celery_task_id = models.CharField(_("Celery task id"), max_length=100, blank=True)
    # What the job works on (its kind's parameters, hashed): one live job per owner, kind and target,
    # so a second click or a retry while it is queued or running gets the same job back.
    target = models.CharField(_("job target"), max_length=64, blank=True, db_index=True)
    # Fencing: each claim increments `attempt`; a runner whose attempt is no longer current
    # (another worker took the job over) may neither report progress nor finish.
    attempt = models.PositiveIntegerField(_("attempt"), default=0)
    claimed_by = models.CharField(_("claimed by"), max_length=200, blank=True)
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress_done__lte=models.F("progress_total")),
                                   name="job_progress_within_total"),
            models.UniqueConstraint(fields=["owner", "kind", "target"], condition=models.Q(state__in=sorted(JOB.group("live"))),
                                    name="one_live_job_per_owner_kind_target"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def percent(self) -> int:
        if self.state == J.DONE:
            return 100
        return self.progress_done * 100 // self.progress_total if self.progress_total else 0

    @property
    def finished(self) -> bool:
        return self.state in JOB.group("finished")


class JobEvent(models.Model):
    """Append-only: who ran the job when, and how each attempt ended."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"), auto_now_add=True)
    action = models.CharField(_("action"), max_length=20)
    attempt = models.PositiveIntegerField(_("attempt"), default=0)
    worker = models.CharField(_("worker"), max_length=200, blank=True)
    detail = models.TextField(_("detail"), blank=True)

    class Meta:
        verbose_name = _("job event")
        verbose_name_plural = _("job events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.job} {self.action}"


class PublishedFile(models.Model):
    """One document anyone may download (the 公示 list of a round, as PDF or xlsx), produced by a job
    and served as a stored file (documents.published).

    `requested` counts the changes of its content that the owning app announced; `built` is the
    change the stored file includes. While built < requested a newer file is on its way and the
    public page says so instead of serving outdated content."""

    key = models.CharField(_("document"), max_length=100, unique=True)
    requested = models.PositiveIntegerField(_("requested version"), default=0)
    built = models.PositiveIntegerField(_("built version"), default=0)
    file = models.FileField(_("file"), storage=job_storage, upload_to="published/", max_length=300, blank=True)
    digest = models.CharField(_("content digest"), max_length=64, blank=True)
    download_name = models.CharField(_("download name"), max_length=200, blank=True)
    built_at = models.DateTimeField(_("built at"), null=True, blank=True)

    class Meta:
        verbose_name = _("published document")
        verbose_name_plural = _("published documents")

    def __str__(self) -> str:
        return self.key

    @property
    def ready(self) -> bool:
        return bool(self.file) and self.built >= self.requested
