"""Files: finance pages and downloads are never cached, a file missing on disk is a 410 page,
public PDFs are rendered once per content version (by the job, never by a request)."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from core.middleware import FILE_MISSING
from projects import services
from projects.states import State
from reviewers import publicity_documents
from tests.builders import PDF


@pytest.mark.django_db
def test_finance_pages_and_downloads_carry_no_store(client, world):
    client.force_login(world.finance)
    response = client.get(reverse("finance:home"))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    client.force_login(world.officer)
    download = client.get(reverse("reviewers:experts_template"))
    assert download.status_code == 200 and "no-store" in download["Cache-Control"]
    page = client.get(reverse("projects:officer_list"))
    assert "no-store" not in page.get("Cache-Control", "")


@pytest.mark.django_db
def test_an_attachment_missing_on_disk_is_a_410_page(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    project = world.draft()
    attachment = services.add_attachment(actor=world.member, project_id=project.pk, kind="charter",
                                         uploaded_file=SimpleUploadedFile("章程.pdf", PDF, "application/pdf"))
    (tmp_path / attachment.file.name).unlink()
    client.force_login(world.member)
    response = client.get(reverse("applicant:file", args=[project.pk, attachment.pk]))
    assert response.status_code == 410 and FILE_MISSING in response.content.decode()


@pytest.fixture
def counted_renders(monkeypatch):
    calls = []

    def fake(context, progress=None):
        calls.append(len(context["rows"]))
        return b"%PDF-1.7 fake\n"

    monkeypatch.setattr(publicity_documents, "render_pdf", fake)
    return calls


@pytest.mark.django_db
def test_the_public_pdf_is_rendered_once_per_content_version(world, counted_renders, settings, tmp_path,
                                                             django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    with django_capture_on_commit_callbacks(execute=True):  # the job runs after commit
        world.advance(world.draft(), State.PUBLICITY)
    url = reverse("reviewers:publicity_pdf", args=[world.round.pk])
    first, second = Client().get(url), Client().get(url)
    assert first.status_code == second.status_code == 200
    assert b"".join(first.streaming_content) == b"".join(second.streaming_content) == b"%PDF-1.7 fake\n"
    assert len(counted_renders) == 1
    files = list((tmp_path / "published").glob("publicity-*.pdf"))
    assert len(files) == 1 and files[0].stat().st_mode & 0o777 == 0o600

    with django_capture_on_commit_callbacks(execute=True):
        world.advance(world.draft(*world.new_org()), State.PUBLICITY)  # the list changes: a new version
    assert Client().get(url).status_code == 200
    assert len(counted_renders) == 2
    assert len(list((tmp_path / "published").glob("publicity-*.pdf"))) == 1  # the old version is gone
