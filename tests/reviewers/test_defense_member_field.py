"""The defense panel's member is typed as an e-mail or a full name (issue 18: a select of every expert
listed 2,000 at national size)."""
import pytest

from reviewers.panel_forms import DefenseMemberForm
from tests.factories import ExpertFactory

pytestmark = pytest.mark.django_db


def _clean(text: str):
    form = DefenseMemberForm({"expert": text})
    return form.cleaned_data["expert"] if form.is_valid() else form.errors["expert"][0]


def test_an_email_a_unique_name_or_an_id_finds_the_expert_and_anything_else_is_a_chinese_error(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    judge = ExpertFactory(name="答辩评委甲", email="Judge@example.org")
    twins = [ExpertFactory(name="王芳", email=f"wang{i}@example.org") for i in range(2)]
    ExpertFactory(name="离库专家", email="gone@example.org", active=False)
    assert _clean(" judge@example.org ") == judge  # e-mail in any case, spaces around
    assert _clean("答辩评委甲") == judge
    assert _clean(str(judge.pk)) == judge
    assert _clean("wang1@example.org") == twins[1]
    assert "同名" in str(_clean("王芳"))
    assert "没有" in str(_clean("离库专家")) and "没有" in str(_clean("nobody@example.org"))
    assert "<option" not in DefenseMemberForm().as_p()
