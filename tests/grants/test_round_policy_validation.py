"""A round's forbidden-expense list and unfinished states are checked when the round is saved."""
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from grants.defaults import DEFAULT_FORBIDDEN_EXPENSES
from grants.models import GrantRound
from tests.admin_forms import form_values, superuser
from tests.factories import RoundFactory

pytestmark = pytest.mark.django_db


def errors_of(round) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as invalid:
        round.full_clean()
    return invalid.value.message_dict


def test_a_new_round_gets_the_seeded_list_and_passes():
    round = RoundFactory()
    assert round.forbidden_expenses == DEFAULT_FORBIDDEN_EXPENSES
    round.full_clean()


def test_a_rule_needs_a_name_and_a_keyword():
    round = RoundFactory.build(forbidden_expenses=[{"rule": "", "keywords": ["礼品卡"]},
                                                   {"rule": "购买礼品", "keywords": []}])
    assert errors_of(round)["forbidden_expenses"] == ["第1项缺少用途名称", "第2项「购买礼品」至少需要一个关键词"]


def test_the_admin_shows_the_problem_and_saves_nothing(client):
    round = RoundFactory()
    client.force_login(superuser())
    url = reverse("admin:grants_grantround_change", args=[round.pk])
    data = form_values(client, url)
    data["change_reason"] = "按新政策调整"
    data["forbidden_expenses"] = json.dumps([{"rule": "购买礼品", "keywords": ["  "]}], ensure_ascii=False)
    data["unfinished_states"] = json.dumps(["publicity", "已签约"], ensure_ascii=False)
    response = client.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "第1项「购买礼品」的关键词不能为空" in page and "未知的项目状态：已签约" in page
    assert GrantRound.objects.get(pk=round.pk).forbidden_expenses == DEFAULT_FORBIDDEN_EXPENSES
    data["forbidden_expenses"] = json.dumps([{"rule": "购买礼品", "keywords": ["礼品卡"]}], ensure_ascii=False)
    data["unfinished_states"] = json.dumps(["publicity"])
    assert client.post(url, data).status_code == 302
    round.refresh_from_db()
    assert (round.forbidden_expenses, round.unfinished_states) == ([{"rule": "购买礼品", "keywords": ["礼品卡"]}],
                                                                  ["publicity"])
