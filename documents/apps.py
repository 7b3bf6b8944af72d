from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    """PDF rendering and background-job records.

    Infrastructure of its own because every other app produces documents and long jobs (agreements
    in projects, score sheets in reviewers, 拨付审批表 in finance): it imports none of them, and
    they register their job kinds here (documents.kinds).
    """

    name = "documents"
    verbose_name = _("Documents and background jobs")

    def ready(self) -> None:
        # Django's idiom: checks and receivers are registered by importing them once the apps are ready.
        from documents import checks  # noqa: F401
