from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    """PDF rendering and background-job records.

    A small app of its own because every other app produces documents and long jobs (agreements
    in projects, score sheets in reviewers, 拨付审批表 and exports in finance), and none of them
    should own the machinery the others depend on.
    """

    name = "documents"
    verbose_name = _("Documents and background jobs")

    def ready(self) -> None:
        from documents import batch, checks  # noqa: F401  registers the job kinds and the font check
