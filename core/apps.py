from django.apps import AppConfig


class CoreConfig(AppConfig):
    # An app only so that its template tags (money_tags, pagination) load in every template.
    name = "core"
    verbose_name = "core"
