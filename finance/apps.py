from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "finance"
    verbose_name = _("Finance")

    def ready(self) -> None:
        # Django's idiom: receivers import models, so they are connected once the apps are ready.
        from finance import export_jobs, queues, receivers  # noqa: F401  export_jobs registers its job kinds

        receivers.connect()
        queues.connect()  # the finance officers' work queue (accounts.queues)
