"""Input at the edges: request size limits answer with a Chinese page, a budget of 300 rows is
accepted, indicator values refuse NaN and infinities, and spreadsheet imports refuse oversized
files, too many rows and decompression bombs before parsing them."""
import io
import time
import zipfile

import pytest
from django.test import Client
from django.urls import reverse

from core.error_pages import TOO_BIG, TOO_MANY_FIELDS
from core.spreadsheets import Limits, SpreadsheetRefused, load_dataset
from core.validation import SINGLE_LINE_MESSAGE
from grants.errors import GrantsError
from grants.models import Organization
from grants.services import register_organization
from projects import services as project_services
from projects.drafting import BUDGET_COLUMNS
from projects.errors import ProjectError
from projects.models import BudgetLine, Category, Indicator, Source
from projects.states import State
from reviewers.models import Expert


def budget_post(rows: int) -> dict:
    row = {"category": Category.values[0], "item": "志愿者交通补贴", "unit_price": "10.00", "quantity": "1",
           "source": Source.GRANT, "explanation": "每人每次"}
    return {f"b_{name}": [row[name]] * rows for name in BUDGET_COLUMNS}


@pytest.mark.django_db
def test_a_budget_of_300_rows_is_saved(client, world):
    project = world.draft()
    client.force_login(world.member)
    response = client.post(reverse("applicant:section", args=[project.pk, "budget"]), budget_post(300))
    assert response.status_code in (200, 302), response.status_code
    assert BudgetLine.objects.filter(project=project).count() == 300


@pytest.mark.django_db
def test_too_many_fields_is_a_chinese_400_page(world, settings):
    project = world.draft()
    client = Client(raise_request_exception=False)
    client.force_login(world.member)
    data = {f"f{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = client.post(reverse("applicant:section", args=[project.pk, "budget"]), data)
    assert response.status_code == 400
    assert TOO_MANY_FIELDS in response.content.decode()


@pytest.mark.django_db
def test_a_body_over_the_size_limit_is_a_chinese_400_page(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    project = world.draft()
    client = Client(raise_request_exception=False)
    client.force_login(world.member)
    response = client.post(reverse("applicant:section", args=[project.pk, "basic"]), {"summary": "长" * 20_000})
    assert response.status_code == 400
    assert TOO_BIG in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e30", "-5", "sNaN"])
def test_indicator_values_refuse_nan_infinity_and_out_of_range(client, world, value):
    project = world.advance(world.draft(), State.IN_PROGRESS)
    indicator = Indicator.objects.filter(project=project).first()
    assert indicator is not None
    client.force_login(world.member)
    response = client.post(reverse("applicant:reports", args=[project.pk]),
                           {"kind": "progress", "narrative": "进展", f"achieved_{indicator.pk}": value})
    assert response.status_code in (200, 302)
    indicator.refresh_from_db()
    assert indicator.achieved is None or indicator.achieved.is_finite() and 0 <= indicator.achieved < 10 ** 12


# ---------------------------------------------------------------- spreadsheets

def bomb(uncompressed: int = 200 * 1024 * 1024) -> bytes:
    """An xlsx-shaped zip whose sheet inflates to `uncompressed` bytes of zeros (about 200 KB on disk)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            block = b"0" * (1024 * 1024)
            for _ in range(uncompressed // len(block)):
                sheet.write(block)
    return buffer.getvalue()


def test_a_decompression_bomb_is_refused_from_its_directory_in_milliseconds():
    content = bomb()
    assert len(content) < 1024 * 1024
    started = time.perf_counter()
    with pytest.raises(SpreadsheetRefused, match="压缩炸弹"):
        load_dataset("experts.xlsx", content)
    assert time.perf_counter() - started < 1


def test_files_over_the_size_and_row_caps_are_refused():
    limits = Limits(max_bytes=1000, max_rows=3)
    with pytest.raises(SpreadsheetRefused, match="文件超过"):
        load_dataset("a.csv", b"x" * 1001, limits=limits)
    with pytest.raises(SpreadsheetRefused, match="超过 3 行"):
        load_dataset("a.csv", "姓名\n1\n2\n3\n4\n".encode(), limits=limits)
    assert len(load_dataset("a.csv", "姓名\n1\n2\n3\n".encode(), limits=limits)) == 3
    with pytest.raises(SpreadsheetRefused, match="只支持"):
        load_dataset("a.xls", b"x", limits=limits)


@pytest.mark.django_db
def test_the_expert_import_page_refuses_a_bomb_with_a_chinese_message(client, world):
    client.force_login(world.officer)
    upload = io.BytesIO(bomb())
    upload.name = "experts.xlsx"
    before = Expert.objects.count()
    response = client.post(reverse("reviewers:experts"), {"file": upload}, follow=True)
    assert response.status_code == 200
    assert "压缩炸弹" in response.content.decode()
    assert Expert.objects.count() == before


# ---------------------------------------------------------------- single-line fields

@pytest.mark.django_db
def test_an_organization_registered_with_a_newline_in_its_name_is_refused(world):
    organization = Organization(name="某某社工\r\n服务中心", credit_code=world.org.credit_code[:-1] + "X")
    with pytest.raises(GrantsError) as refused:
        register_organization(actor=None, organization=organization, username="neworg", password="Xk3#pw-long-9",
                              email="a@example.com")
    assert any(SINGLE_LINE_MESSAGE in e for e in refused.value.errors)
    assert not Organization.objects.filter(name__contains="某某社工").exists()


@pytest.mark.django_db
def test_budget_items_and_milestones_refuse_control_characters_but_texts_keep_newlines(world):
    project = world.draft()
    row = {"category": Category.values[0], "item": "交通\n补贴", "unit_price": "10.00", "quantity": "1",
           "source": Source.GRANT, "explanation": ""}
    with pytest.raises(ProjectError, match="不能包含换行"):
        project_services.replace_budget(actor=world.member, project_id=project.pk, lines=[row])
    with pytest.raises(ProjectError, match="不能包含换行"):
        project_services.update_project(actor=world.member, project_id=project.pk, title="标\x0b题")
    project_services.update_project(actor=world.member, project_id=project.pk, summary="第一段\n第二段\t完")

