"""Bank file formats are configuration the admin edits, saved and deleted through finance.services;
money rows are shown and refuse a POST."""
import json

import pytest
from django.urls import reverse

from accounts.models import Role
from finance.models import BankFormat
from tests.admin_forms import staff_with_model_permissions, superuser

pytestmark = pytest.mark.django_db

COLUMNS = [{"header": "收款人账号", "source": "account_no"}, {"header": "收款人户名", "source": "account_name"},
           {"header": "金额", "source": "amount"}]


def post_format(client, **fields):
    data = {"name": "工商银行", "file_format": "csv", "encoding": "gbk", "columns": json.dumps(COLUMNS)} | fields
    return client.post(reverse("admin:finance_bankformat_add"), data)


def test_a_bank_format_is_saved_only_by_a_system_administrator(client):
    client.force_login(staff_with_model_permissions(Role.FINANCE, "finance"))
    response = post_format(client)
    assert response.status_code == 200 and "只有系统管理员可以配置银行文件格式" in response.content.decode()
    assert not BankFormat.objects.exists()

    client.force_login(superuser())
    response = post_format(client, encoding="no-such-codec")
    assert response.status_code == 200 and "未知的字符编码" in response.content.decode()
    assert post_format(client).status_code == 302
    bank = BankFormat.objects.get()
    assert (bank.name, bank.encoding, bank.columns) == ("工商银行", "gbk", COLUMNS)

    delete = reverse("admin:finance_bankformat_delete", args=[bank.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not BankFormat.objects.exists()


def test_money_rows_refuse_a_post(client, world):
    client.force_login(superuser())
    url = reverse("admin:finance_ledgerentry_changelist")
    assert client.get(url).status_code == 200
    assert client.get(reverse("admin:finance_tranche_add")).status_code == 403
