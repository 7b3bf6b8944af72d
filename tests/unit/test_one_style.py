"""One style on every page: money, figures, colons, the empty choice and Django's stock messages in
natural Chinese (from our catalog, which comes before Django's)."""
from decimal import Decimal

import pytest
from django import forms
from django.template import Context, Template
from django.utils import translation

from core.templatetags.money_tags import figure, yuan
from projects.drafting import ProjectFieldsForm


def test_money_is_shown_one_way_whatever_it_comes_as():
    assert yuan(Decimal("74000")) == yuan("74000.00") == yuan(74000) == "74,000.00"
    assert yuan(None) == "" and yuan("") == ""


def test_figures_keep_only_their_own_decimals():
    assert figure(Decimal("2000.00")) == "2,000" and figure(Decimal("2.50")) == "2.5"


def test_label_colon_follows_the_language():
    template = Template('{% load style_tags %}金额{% colon %}')
    with translation.override("zh-hans"):
        assert template.render(Context()) == "金额："
    with translation.override("en"):
        assert template.render(Context()) == "金额: "


def test_selects_offer_a_chinese_empty_choice():
    with translation.override("zh-hans"):
        choices = [str(label) for _value, label in ProjectFieldsForm().fields["domain"].choices]
    assert choices[0] == "请选择" and "---------" not in choices


def _message(field, value) -> str:
    with translation.override("zh-hans"), pytest.raises(forms.ValidationError) as exc:
        field.clean(value)
    return exc.value.messages[0]


def test_stock_validation_messages_read_naturally():
    long_message = _message(forms.CharField(max_length=3), "四个汉字")
    required_message = _message(forms.CharField(), "")
    date_message = _message(forms.DateField(), "2024-13-45")
    assert long_message == "最多 3 个字（现在是 4 个字），请删减。"
    assert required_message == "请填写此项。"
    assert date_message == "请输入有效的日期（年-月-日）。"
    assert "确保" not in long_message + required_message + date_message
