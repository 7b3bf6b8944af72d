from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewersConfig(AppConfig):
    name = "reviewers"
    verbose_name = _("Expert review")

    def ready(self) -> None:
        from reviewers import (
            jobs,  # noqa: F401  registers the assignment-run job kind
            panel_jobs,  # noqa: F401  registers the round summary job kind
            panel_receivers,
            publicity_documents,
            queues,
            receivers,
        )
        from reviewers.views import export_jobs  # noqa: F401  registers the ranking workbook job kind

        queues.connect()  # the experts' queue and the officers' overdue reviews (accounts.queues)

        receivers.connect()  # the review's checks on the project lifecycle (projects.signals)
        # The 公示 files (job kinds registered on import) are built again when what the notice lists changes.
        publicity_documents.connect()
        panel_jobs.connect()  # a decision makes the stored 评审汇总表 outdated
        panel_receivers.connect()  # no decision on a shortlisted project before its defense score
