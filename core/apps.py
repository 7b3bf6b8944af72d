from django import forms
from django.apps import AppConfig
from django.db.models import fields
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    # An app, so that its template tags (money_tags, pagination, style_tags) load in every template.
    name = "core"
    verbose_name = "core"

    def ready(self) -> None:
        blank_choice_in_chinese()


def blank_choice_in_chinese() -> None:
    """Every select's empty choice reads "请选择" instead of Django's "---------". Django has no setting
    for it: model choice fields take the module list BLANK_CHOICE_DASH (bound as a default argument, so it
    is changed in place) and ModelChoiceField a keyword default; both are set once here, for every form."""
    fields.BLANK_CHOICE_DASH[:] = [("", _("Please choose"))]  # type: ignore[list-item]  # lazy: read per request
    defaults = forms.ModelChoiceField.__init__.__kwdefaults__
    if defaults is not None and defaults.get("empty_label") == "---------":
        defaults["empty_label"] = _("Please choose")
