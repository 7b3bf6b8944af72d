"""Django's form renderer, with its commonest templates written out in Python.

A widget rendered through the template engine (input.html including attrs.html; select.html including
select_option.html once per option) costs 0.05–0.1 ms an input and more for a select; an empty error
list costs a template render too. The pages of deadline day render dozens of them on every request
(the officers' list filter, the scoring form, the application form), about a fifth of those pages' CPU.

The output is the templates' own, character for character: tests/core/test_form_renderer.py renders
many widgets both ways. Anything not recognised here goes to the templates unchanged: another
template, a template of the same name that a project or app overrides, an option group, a value of
a type whose template output depends on localization (a number shown with {{ }}), a callable.
"""
from pathlib import Path

import django.forms
from django.forms.renderers import DjangoTemplates
from django.template import TemplateDoesNotExist
from django.utils.functional import Promise
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData

_WIDGETS = "django/forms/widgets/"
# The widget templates that are exactly {% include "django/forms/widgets/input.html" %}.
_INPUTS = {f"{_WIDGETS}{name}.html" for name in (
    "input", "text", "number", "hidden", "email", "password", "url", "tel", "search", "date", "time", "datetime",
    "checkbox", "color", "file")}
_TEXTAREA = f"{_WIDGETS}textarea.html"
_SELECT = f"{_WIDGETS}select.html"
_OPTION = f"{_WIDGETS}select_option.html"
_ERROR_LISTS = {"django/forms/errors/list/default.html", "django/forms/errors/list/ul.html"}
# The templates this module writes out, and every template they include: used only while each of them
# is still Django's own file (not overridden by a project or app template of the same name).
_OWN = (*_INPUTS, _TEXTAREA, _SELECT, _OPTION, *_ERROR_LISTS, f"{_WIDGETS}attrs.html")
_DJANGO_FORM_TEMPLATES = Path(django.forms.__file__).parent / "templates"


class _Fallback(Exception):
    """A value this module does not write out: the template renders the widget."""


def _shown(value) -> str:
    """{{ value }} for a text: autoescaped (safe text as it is). Other types are localized by the
    template (numbers, dates), so they go to it."""
    if isinstance(value, str):
        return conditional_escape(value)
    if isinstance(value, Promise):
        return conditional_escape(str(value))
    raise _Fallback


def _formatted(value) -> str:
    """{{ value|stringformat:'s' }}: "%s" of any value, escaped unless the value was safe text."""
    if callable(value) or isinstance(value, tuple):
        raise _Fallback  # the template would call it; stringformat treats tuples apart
    try:
        text = "%s" % value  # noqa: UP031  (the filter's own formatting: str(), not __format__)
    except (ValueError, TypeError):
        text = ""
    return text if isinstance(value, SafeData) else escape(text)


def _attrs(attrs: dict) -> str:
    """attrs.html: ` name="value"` each, a bare ` name` for True, nothing for False."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(f" {_shown(name)}" if value is True else f' {_shown(name)}="{_formatted(value)}"')
    return "".join(out)


def _input(widget: dict) -> str:
    value = "" if widget["value"] is None else f' value="{_formatted(widget["value"])}"'
    return f'<input type="{_shown(widget["type"])}" name="{_shown(widget["name"])}"{value}{_attrs(widget["attrs"])}>'


def _textarea(widget: dict) -> str:
    value = _shown(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_shown(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


def _select(widget: dict) -> str:
    options = []
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            raise _Fallback  # option groups: rare, left to the template
        for option in group_choices:
            if option["template_name"] != _OPTION:
                raise _Fallback
            options.append(f'\n  <option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
                           f'{_shown(option["label"])}</option>\n')
    return f'<select name="{_shown(widget["name"])}"{_attrs(widget["attrs"])}>{"".join(options)}\n</select>'


class FastWidgetRenderer(DjangoTemplates):
    """settings.FORM_RENDERER: DjangoTemplates, with the templates above written out."""

    def __init__(self):
        super().__init__()
        self._own: bool | None = None

    def _templates_are_djangos(self) -> bool:
        # Once per process: a project or app may override a widget template; then the template is used.
        if self._own is None:
            try:
                self._own = all(Path(self.get_template(name).origin.name).is_relative_to(_DJANGO_FORM_TEMPLATES)
                                for name in _OWN)
            except TemplateDoesNotExist:  # a Django version without one of them: the templates decide
                self._own = False
        return self._own

    def render(self, template_name, context, request=None):
        written = self._written(template_name, context)
        return written if written is not None else super().render(template_name, context, request)

    def _written(self, template_name, context) -> str | None:
        if template_name in _ERROR_LISTS:
            # Only the empty list (every field's {{ field.errors }} on a page without errors).
            return "" if not context["errors"] and self._templates_are_djangos() else None
        if template_name in _INPUTS:
            write = _input
        elif template_name == _TEXTAREA:
            write = _textarea
        elif template_name == _SELECT:
            write = _select
        else:
            return None
        if not self._templates_are_djangos():
            return None
        try:
            return write(context["widget"])
        except _Fallback:
            return None
