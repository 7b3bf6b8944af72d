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
            queues,
            receivers,
        )

        queues.connect()  # the experts' queue and the officers' overdue reviews (accounts.queues)

        receivers.connect()  # the review's checks on the project lifecycle (projects.signals)
        panel_receivers.connect()  # no decision on a shortlisted project before its defense score
