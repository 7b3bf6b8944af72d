from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Projects")

    def ready(self) -> None:
        # Django's idiom: registers the agreement-batch job kind (documents.kinds) once the apps are ready.
        from projects import jobs, queues  # noqa: F401

        queues.connect()  # the officers', evaluators' and applicants' work queues (accounts.queues)
