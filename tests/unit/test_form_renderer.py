"""core.form_renderer writes the commonest widget templates in Python: its output must be the
templates' own, character for character, for every widget, value and attribute kind, and it must
hand anything else to the templates."""
from datetime import date
from decimal import Decimal

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.forms.utils import ErrorList
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from core.form_renderer import FastWidgetRenderer

pytestmark = pytest.mark.django_db(databases=[])

TEXTS = ["", "plain", "a < b & \"c\" 'd'", "中文 <b>粗</b>", mark_safe("<i>safe</i>"), gettext_lazy("Search"), "  \n x \n"]
ATTRS = [
    {}, {"class": "x", "maxlength": 200}, {"required": True, "disabled": False, "placeholder": gettext_lazy("Search")},
    {"data-x": "<&>", "min": "0", "max": 20, "step": Decimal("0.5")}, {"title": mark_safe("<b>")},
]


class _Choices(forms.Form):
    state = forms.ChoiceField(choices=[("", "All"), ("a", "A <1>"), ("b", gettext_lazy("Search")), (3, "three")],
                              required=False)
    many = forms.MultipleChoiceField(choices=[("x", "X"), ("y", "Y & y")], required=False)
    grouped = forms.ChoiceField(choices=[("G", [("g1", "one")]), ("h", "H")], required=False)
    numbers = forms.ChoiceField(choices=[(1, 1), (2, 2)], required=False)  # a number label: localized, left to templates
    flag = forms.BooleanField(required=False)
    radio = forms.ChoiceField(choices=[("r", "R")], widget=forms.RadioSelect, required=False)


def _widgets():
    for widget in (forms.TextInput, forms.NumberInput, forms.HiddenInput, forms.EmailInput, forms.PasswordInput,
                   forms.URLInput, forms.DateInput, forms.Textarea, forms.CheckboxInput, forms.Select,
                   forms.SelectMultiple, forms.FileInput, forms.ClearableFileInput):
        for attrs in ATTRS:
            yield widget, attrs


def _values(widget):
    if widget in (forms.Select, forms.SelectMultiple):
        return [None, "", "a", ["a", "b"]]
    if widget is forms.CheckboxInput:
        return [None, True, False, "on", "x<y"]
    return [None, 0, 12, Decimal("3.50"), date(2026, 12, 1), *TEXTS]


@pytest.mark.parametrize(("widget", "attrs"), list(_widgets()))
def test_widgets_render_as_the_templates_do(widget, attrs):
    fast, templates = FastWidgetRenderer(), DjangoTemplates()
    choices = {"choices": [("", "All"), ("a", "A & <a>"), ("b", gettext_lazy("Search")), ("c", mark_safe("<c>"))]} \
        if widget in (forms.Select, forms.SelectMultiple) else {}
    for value in _values(widget):
        w = widget(attrs=dict(attrs), **choices)
        for extra in (None, {"id": "id_x"}):
            assert w.render("f<x>", value, attrs=extra, renderer=fast) == \
                w.render("f<x>", value, attrs=extra, renderer=templates), (widget, attrs, value)


def test_forms_and_error_lists_render_as_the_templates_do():
    for data in (None, {"state": "b", "many": ["y"], "grouped": "g1", "numbers": "2", "flag": "on"}, {"state": "zz"}):
        fast_form = _Choices(data, renderer=FastWidgetRenderer())
        template_form = _Choices(data, renderer=DjangoTemplates())
        for name in fast_form.fields:
            assert str(fast_form[name]) == str(template_form[name]), name
            assert str(fast_form[name].errors) == str(template_form[name].errors), name
        assert str(fast_form) == str(template_form)
    for errors in ([], ["one <b>", "two"]):
        assert str(ErrorList(errors, renderer=FastWidgetRenderer())) == str(ErrorList(errors, renderer=DjangoTemplates()))


def test_option_groups_and_number_labels_go_to_the_templates():
    renderer = FastWidgetRenderer()
    grouped = forms.Select(choices=[("G", [("g1", "one")])])
    assert renderer._written("django/forms/widgets/select.html", grouped.get_context("g", "g1", {})) is None
    numbered = forms.Select(choices=[(1, 1)])
    assert renderer._written("django/forms/widgets/select.html", numbered.get_context("n", 1, {})) is None
    assert renderer._written("django/forms/widgets/radio.html", {"widget": {}}) is None
    assert "<optgroup" in grouped.render("g", "g1", renderer=renderer)


def test_an_overridden_widget_template_is_used(monkeypatch):
    """A project or app template of the same name wins over Django's: then this module steps aside."""
    renderer = FastWidgetRenderer()
    real = renderer.get_template

    class Overridden:
        def __init__(self, template):
            self.template, self.origin = template, type("Origin", (), {"name": "/srv/app/templates/x.html"})()

        def render(self, context, request=None):
            return self.template.render(context, request)

    monkeypatch.setattr(renderer, "get_template", lambda name: Overridden(real(name)))
    assert renderer._written("django/forms/widgets/text.html",
                             forms.TextInput().get_context("n", "v", None)) is None
