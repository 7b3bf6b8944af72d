from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Projects")

    def ready(self) -> None:
        # Django's idiom: registers the agreement-batch job kind (documents.kinds) once the apps are ready.
        from projects import jobs, open_data_files, public_receivers, queues  # noqa: F401

        public_receivers.connect()  # new version tokens for the public pages' cache
        open_data_files.connect()  # the stored open-data files are rebuilt when a token is renewed
        queues.connect()  # the officers', evaluators' and applicants' work queues (accounts.queues)
