from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "finance"
    verbose_name = _("Finance")

    def ready(self) -> None:
        # Django's idiom: receivers import models, so they are connected once the apps are ready.
        from finance import queues, receivers

        receivers.connect()
        queues.connect()  # the finance officers' work queue (accounts.queues)
