from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewersConfig(AppConfig):
    name = "reviewers"
    verbose_name = _("Expert review")

    def ready(self) -> None:
        from reviewers import (
            jobs,  # noqa: F401  registers the assignment-run job kind
            panel_jobs,  # noqa: F401  registers the round summary job kind
            receivers,
        )

        receivers.connect()  # the review's checks on the project lifecycle (projects.signals)
