"""The 公示 list as files: built by a background job when what the notice lists changes, stored once
per content, and streamed to anyone; no request renders a PDF (reviewers.publicity_documents)."""
import datetime
import io
from urllib.parse import unquote

import openpyxl
import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader
from weasyprint import HTML

from documents import long_pdf, published
from documents.models import Job, JobState, PublishedFile, job_storage
from documents.tasks import run_job_task
from projects import services as project_services
from projects.states import State
from reviewers import publicity_documents, services
from reviewers.tasks import refresh_publicity_documents
from tests.documents.pdfcheck import page_count, pdf_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _approved(world, count=2):
    return [world.advance(world.draft(*world.new_org()), State.APPROVED) for _ in range(count)]


def _urls(world):
    return (reverse("reviewers:publicity_pdf", args=[world.round.pk]),
            reverse("reviewers:publicity_xlsx", args=[world.round.pk]))


def _published_files() -> list[str]:
    try:
        return sorted(job_storage().listdir("published")[1])
    except FileNotFoundError:
        return []


@pytest.fixture(autouse=True)
def own_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # files of other tests' rounds (the same ids, rolled back) stay out


@pytest.fixture
def no_rendering(monkeypatch):
    """Fails the test if anything lays out or writes a PDF."""
    def refuse(*args, **kwargs):
        raise AssertionError("a request rendered a PDF")

    monkeypatch.setattr(HTML, "render", refuse)
    monkeypatch.setattr(HTML, "write_pdf", refuse)


@pytest.fixture
def counted(monkeypatch):
    calls = []
    real = publicity_documents.render_pdf

    def render(context, progress=None):
        calls.append(len(context["rows"]))
        return real(context, progress)

    monkeypatch.setattr(publicity_documents, "render_pdf", render)
    return calls


def test_an_anonymous_request_never_renders_and_says_the_file_is_being_generated(world, no_rendering,
                                                                                  django_capture_on_commit_callbacks):
    _approved(world)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:  # the jobs are not started yet
        services.publish_round(actor=world.officer, round_id=world.round.pk)
    assert callbacks  # one refresh for the round, after commit
    for url in _urls(world):
        response = Client().get(url)
        assert response.status_code == 202 and response["Retry-After"] == "60"
        body = response.content.decode()
        assert 'data-testid="document-pending"' in body and reverse("reviewers:publicity", args=[world.round.pk]) in body
        assert response["Content-Type"].startswith("text/html")


def test_after_publishing_the_job_builds_both_files_and_they_are_served_with_a_chinese_name(
        world, django_capture_on_commit_callbacks, monkeypatch, settings):
    first, second = _approved(world)
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_round(actor=world.officer, round_id=world.round.pk)
    jobs = Job.objects.filter(kind__in=publicity_documents.KINDS.values())
    assert sorted(j.kind for j in jobs) == ["publicity_pdf", "publicity_xlsx"]  # one per format for 2 projects
    assert {j.state for j in jobs} == {JobState.DONE} and {j.owner for j in jobs} == {world.officer}

    def refuse(*args, **kwargs):
        raise AssertionError("a request rendered a PDF")

    monkeypatch.setattr(HTML, "render", refuse)
    pdf_url, xlsx_url = _urls(world)
    pdf = Client().get(pdf_url)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert unquote(pdf["Content-Disposition"].split("filename*=utf-8''")[1]) == f"{world.round.code}-公示名单.pdf"
    data = b"".join(pdf.streaming_content)
    text = "".join(pdf_text(data).split())
    assert first.code in text and second.code in text and settings.YICHUANG_FUNDER_NAME in text
    assert f"第1页/共{page_count(data)}页" in text  # the footer stamped on the joined chunks

    xlsx = Client().get(xlsx_url)
    assert xlsx.status_code == 200 and xlsx["Content-Type"] == XLSX
    assert unquote(xlsx["Content-Disposition"].split("filename*=utf-8''")[1]) == f"{world.round.code}-公示名单.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    assert {sheet.cell(row=r, column=2).value for r in (2, 3)} == {first.code, second.code}


def test_running_the_task_twice_or_a_second_job_gives_one_stored_file(world, counted, django_capture_on_commit_callbacks):
    _approved(world, 1)
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_round(actor=world.officer, round_id=world.round.pk)
    job = Job.objects.get(kind=publicity_documents.PDF_KIND)
    run_job_task.delay(job.pk)  # a second delivery of the same message: the job is done, nothing runs
    with django_capture_on_commit_callbacks(execute=True):  # a second job for the same content
        again = publicity_documents.refresh(actor=world.officer, round_id=world.round.pk)
    assert {j.state for j in Job.objects.filter(pk__in=[j.pk for j in again])} == {JobState.DONE}
    assert counted == [1]  # rendered once
    files = _published_files()
    assert len([f for f in files if f.endswith(".pdf")]) == 1 and len([f for f in files if f.endswith(".xlsx")]) == 1
    record = PublishedFile.objects.get(key=publicity_documents.key(world.round.pk, "pdf"))
    assert record.ready and record.built == record.requested == 2
    assert Client().get(_urls(world)[0]).status_code == 200


def test_a_change_of_the_list_builds_a_new_file_and_the_stale_one_is_not_served(
        world, counted, django_capture_on_commit_callbacks):
    first, second = _approved(world)
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_round(actor=world.officer, round_id=world.round.pk)
    pdf_url, xlsx_url = _urls(world)
    before = b"".join(Client().get(pdf_url).streaming_content)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        project_services.raise_objection(actor=world.officer, project_id=second.pk, comment="群众反映")
        project_services.uphold_objection(actor=world.officer, project_id=second.pk, comment="经核实异议成立")
    refreshes = [c for c in callbacks if isinstance(c, publicity_documents._Refresh)]
    assert len(refreshes) == 1  # two transitions, one refresh
    with django_capture_on_commit_callbacks(execute=True):
        refreshes[0]()  # the refresh: versions announced, then jobs started (in-process) and finished
    after = Client().get(pdf_url)
    assert after.status_code == 200
    data = b"".join(after.streaming_content)
    assert data != before and second.code not in pdf_text(data) and first.code in pdf_text(data)
    assert counted == [2, 1]
    assert len([f for f in _published_files() if f.endswith(".pdf")]) == 1  # the old version is removed


def test_a_change_announced_but_not_built_yet_is_pending(world, no_rendering):
    _approved(world, 1)
    services.publish_round(actor=world.officer, round_id=world.round.pk)  # its after-commit work is not run
    key = publicity_documents.key(world.round.pk, "pdf")
    published.store(key, version=published.request_version(key), digest="a" * 32,
                    produce=lambda: b"%PDF-1.7 old\n", download_name="x.pdf")
    assert Client().get(_urls(world)[0]).status_code == 200
    published.request_version(key)  # a change committed; its job has not run
    assert Client().get(_urls(world)[0]).status_code == 202


def test_an_old_build_finishing_late_does_not_replace_a_newer_one(db):
    key = "publicity-999.pdf"
    v1 = published.request_version(key)
    v2 = published.request_version(key)
    published.store(key, version=v2, digest="b" * 32, produce=lambda: b"new", download_name="n.pdf")
    published.store(key, version=v1, digest="a" * 32, produce=lambda: b"old", download_name="o.pdf")
    record = published.ready(key)
    assert record is not None and record.digest == "b" * 32 and record.file.read() == b"new"


def test_the_daily_pass_rebuilds_the_files_of_a_notice_that_ended_yesterday(world, counted, time_machine,
                                                                            django_capture_on_commit_callbacks):
    project = _approved(world, 1)[0]
    project_services.publish_project(actor=world.officer, project_id=project.pk)
    project.refresh_from_db()
    time_machine.move_to(f"{project.publicity_end.isoformat()} 12:00 +08:00")
    # the publication's after-commit jobs never ran here: the daily pass builds a notice with no file on record
    with django_capture_on_commit_callbacks(execute=True):
        assert refresh_publicity_documents.delay().get() == [world.round.pk]
    assert refresh_publicity_documents.delay().get() == []
    time_machine.shift(24 * 3600)
    with django_capture_on_commit_callbacks(execute=True):
        assert refresh_publicity_documents.delay().get() == [world.round.pk]
    assert Job.objects.filter(kind=publicity_documents.XLSX_KIND, state=JobState.DONE).exists()


def test_a_long_list_is_rendered_in_chunks_with_one_title_and_continuous_page_numbers(world):
    rows = [{"position": n, "code": f"YC-{n:05d}", "title": "社区居家养老服务项目" * 2, "organization": "温州市服务中心",
             "domain": "为老服务", "score": "88.00", "amount": "100,000.00"} for n in range(1, 81)]
    context = {"round": world.round, "round_name": world.round.name, "rows": rows, "issuer": "发布单位甲",
               "contact": {"department": "联系处"}, "start": None, "end": None}
    data = long_pdf.render_chunked(publicity_documents.TEMPLATE, {**context, **publicity_documents.printed(context)},
                                   publicity_documents.cells(rows), chunk_rows=30)
    pages = page_count(data)
    text = "".join(pdf_text(data).split())
    assert pages >= 3 and text.count("拟资助项目公示") == 1 and text.count("发布单位甲") == 1
    assert all(f"第{n}页/共{pages}页" in text for n in range(1, pages + 1))
    assert all(f"YC-{n:05d}" in text for n in (1, 30, 31, 80))


def test_the_footers_of_a_long_list_are_rendered_in_parts_and_numbered_on(world, monkeypatch):
    monkeypatch.setattr(long_pdf, "FOOTER_PAGES_TO_SHARE", 2)
    rows = [{"position": n, "code": f"YC-{n:05d}", "title": "社区居家养老服务项目" * 2, "organization": "温州市服务中心",
             "domain": "为老服务", "score": "88.00", "amount": "100,000.00"} for n in range(1, 81)]
    context = {"round": world.round, "round_name": world.round.name, "rows": rows, "issuer": "发布单位甲",
               "contact": {"department": "联系处"}, "start": None, "end": None}
    data = long_pdf.render_chunked(publicity_documents.TEMPLATE, {**context, **publicity_documents.printed(context)},
                                   publicity_documents.cells(rows), chunk_rows=30, workers=2)
    pages = page_count(data)
    text = "".join(pdf_text(data).split())
    assert pages >= 3 and [text.count(f"第{n}页/共{pages}页") for n in range(1, pages + 1)] == [1] * pages
    assert all(f"YC-{n:05d}" in text for n in (1, 30, 31, 80))


def test_a_round_without_a_notice_has_no_file(world, no_rendering):
    for url in _urls(world):
        assert Client().get(url).status_code == 404


def test_the_command_builds_the_files_of_rounds_published_before_the_jobs_existed(
        world, counted, django_capture_on_commit_callbacks):
    _approved(world, 1)
    services.publish_round(actor=world.officer, round_id=world.round.pk)  # its after-commit work never ran
    assert Client().get(_urls(world)[0]).status_code == 202
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("build_publicity_documents", stdout=out)
    assert f"round {world.round.pk}: 2 job(s) started" in out.getvalue()
    assert counted == [1] and all(Client().get(url).status_code == 200 for url in _urls(world))


def _notice(world, rows):
    return {"round": world.round, "round_name": world.round.name, "rows": rows, "issuer": "发布单位甲",
            "contact": {"department": "联系处", "phone": "0577-1"}, "start": datetime.date(2026, 6, 1),
            "end": datetime.date(2026, 6, 5)}


def test_the_list_is_written_directly_with_the_pages_weasyprint_printed(world, monkeypatch):
    rows = [{"position": n, "code": f"YC-{n:05d}", "title": "社区居家养老服务项目" * (3 if n == 5 else 1),
             "organization": "温州市服务中心", "domain": "为老服务", "score": "88.00", "amount": "100,000.00"}
            for n in range(1, 41)]
    weasyprint = publicity_documents.render_pdf_weasyprint(_notice(world, rows))
    chunked = []
    monkeypatch.setattr(long_pdf, "render_chunked", lambda *args, **kwargs: chunked.append(1))
    direct = publicity_documents.render_pdf(_notice(world, rows))
    assert chunked == [] and PdfReader(io.BytesIO(direct)).metadata.producer == "益创 documents.long_table"
    assert page_count(direct) == page_count(weasyprint) >= 2
    assert "".join(pdf_text(direct).split()) == "".join(pdf_text(weasyprint).split())  # the same words, in order
    text = "".join(pdf_text(direct).split())
    assert "公示期：2026年06月01日至2026年06月05日" in text and "联系单位：联系处电话：0577-1" in text  # split() took the ideographic space


def test_text_the_direct_writer_cannot_print_goes_to_weasyprint(world, monkeypatch):
    rows = [{"position": 1, "code": "YC-00001", "title": "社区项目 مرحبا", "organization": "温州市服务中心",
             "domain": "为老服务", "score": "88.00", "amount": "100,000.00"}]
    chunked = []
    monkeypatch.setattr(long_pdf, "render_chunked", lambda *args, **kwargs: chunked.append(args[2]) or b"%PDF-")
    assert publicity_documents.render_pdf(_notice(world, rows)) == b"%PDF-"
    assert chunked == [[["1", "YC-00001", "社区项目 مرحبا", "温州市服务中心", "为老服务", "88.00", "100,000.00"]]]
