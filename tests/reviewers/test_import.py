from io import BytesIO

import openpyxl
import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Role, User
from reviewers import services
from reviewers.errors import ReviewError
from reviewers.models import Expert
from reviewers.resources import ExpertImportResource, read_dataset

HEADER = "姓名,手机,邮箱,工作单位,职称,专业领域,所在区县,财务专家"
CSV = "\n".join([
    HEADER,
    "王芳,13800000001,wangfang@example.com,温州大学,副教授,为老服务、社区治理,鹿城区,否",
    ",13800000002,nobody@example.com,温州大学,讲师,为老服务,鹿城区,否",  # row 3: no name
    "李强,123,liqiang@example,会计师事务所,注册会计师,困难帮扶,瓯海区,是",  # row 4: bad phone and e-mail
    "赵敏,13800000004,zhaomin@example.com,社工协会,,宠物服务,龙湾区,也许",  # row 5: bad domain and flag
    "陈刚,13800000005,WANGFANG@example.com,温州医科大学,教授,助残服务,鹿城区,否",  # row 6: duplicate e-mail
    "周杰,13800000006,zhoujie@example.com,财政局,高级会计师,社区治理,鹿城区,是",
])


def parse(text: str):
    return ExpertImportResource().parse(read_dataset("experts.csv", text.encode("utf-8-sig")))


def test_bad_rows_reported_with_row_number_good_rows_imported(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = services.import_experts(actor=world.officer, rows=parse(CSV))
    assert sorted(e.name for e in report.imported) == ["周杰", "王芳"]
    errors = {}
    for number, reason in report.errors:
        errors.setdefault(number, []).append(reason)
    assert errors == {
        3: ["缺少姓名"],
        4: ["邮箱格式不正确：liqiang@example", "手机号码格式不正确：123"],
        5: ["未知的专业领域：宠物服务", "「财务专家」应填写 是 或 否，而不是「也许」"],
        6: ["邮箱 wangfang@example.com 与第2行重复"],
    }
    zhou = Expert.objects.get(name="周杰")
    assert zhou.is_finance and zhou.domains == ["community"] and zhou.user.role == Role.EXPERT
    assert zhou.user.username == "zhoujie@example.com" and not zhou.user.has_usable_password()
    assert sorted(m.to[0] for m in mail.outbox) == ["wangfang@example.com", "zhoujie@example.com"]
    assert "/reset/" in mail.outbox[0].body


def test_existing_email_is_a_row_error_and_reimport_is_harmless(world):
    services.import_experts(actor=world.officer, rows=parse(CSV))
    again = services.import_experts(actor=world.officer, rows=parse(CSV))
    assert again.imported == []
    assert (2, "邮箱 wangfang@example.com 已在专家库或系统中") in again.errors
    assert Expert.objects.filter(name="王芳").count() == 1


def test_nothing_half_written_when_a_write_fails(world, monkeypatch):
    calls = []
    original = services.register_expert

    def failing(*, actor, data):
        calls.append(data.name)
        if len(calls) == 2:
            raise ReviewError("模拟写入失败")
        return original(actor=actor, data=data)

    monkeypatch.setattr(services, "register_expert", failing)
    with pytest.raises(ReviewError):
        services.import_experts(actor=world.officer, rows=parse(CSV))
    assert not Expert.objects.filter(name__in=["王芳", "周杰"]).exists()
    assert not User.objects.filter(username="wangfang@example.com").exists()


def test_missing_required_column():
    rows = parse("姓名,手机\n王芳,13800000001")
    assert rows == [(1, None, ["表头缺少必需的列：邮箱、专业领域"])]


def test_only_officers_import(world):
    with pytest.raises(ReviewError, match="只有项目管理员"):
        services.import_experts(actor=world.expert.user, rows=parse(CSV))


def test_xlsx_upload_through_the_page_and_new_expert_can_log_in(client, world):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(["孙丽", 13900000001, "sunli@example.com", "温州大学", "教授", "青少年成长", "鹿城区", "是"])
    sheet.append(["孙丽2", 13900000002, "", "温州大学", "教授", "青少年成长", "鹿城区", "否"])
    buffer = BytesIO()
    book.save(buffer)
    client.force_login(world.officer)
    upload = SimpleUploadedFile("experts.xlsx", buffer.getvalue())
    page = client.post(reverse("reviewers:experts"), {"file": upload}).content.decode()
    assert 'data-count="1"' in page and 'data-row="3"' in page
    expert = Expert.objects.get(name="孙丽")
    assert expert.phone == "13900000001" and expert.is_finance
    expert.user.set_password("a-new-pass-123")
    expert.user.save()
    client.logout()
    assert client.login(username="sunli@example.com", password="a-new-pass-123")


def test_other_file_types_refused():
    with pytest.raises(ValueError, match="只支持 xlsx 或 csv"):
        read_dataset("experts.xls", b"x")
