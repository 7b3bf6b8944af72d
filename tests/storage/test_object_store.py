"""Files through Django's storage API in an S3-compatible object store (django-storages): uploads,
downloads, job results, the published 公示 PDF, readiness, and backup/restore all work with no file on
the web server's disk, so a second web server sees the same files."""
import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from config import readiness
from core import storage
from documents.models import Job, JobState
from projects.models import Attachment
from projects.services.agreements import start_agreement_batch
from projects.states import State
from reviewers import publicity_documents
from tests.builders import PDF
from tests.documents.conftest import approved_projects, big_world  # noqa: F401  (a fixture)
from tests.storage.conftest import keys
from tools.backups import companions, verify_media

pytestmark = pytest.mark.django_db


def test_an_upload_lands_in_the_bucket_privately_and_downloads_through_the_checked_view(s3, world, client):
    project = world.draft()
    client.force_login(world.member)
    response = client.post(reverse("applicant:attachments", args=[project.pk]),
                           {"kind": "other", "file": SimpleUploadedFile("说明.pdf", PDF)}, follow=True)
    assert response.status_code == 200
    attachment = Attachment.objects.filter(project=project, original_name="说明.pdf").get()
    assert f"media/{attachment.file.name}" in keys(s3)
    assert not storage.is_local(storage.protected())
    grants = s3.get_object_acl(Bucket=s3.bucket, Key=f"media/{attachment.file.name}")["Grants"]
    assert all("AllUsers" not in str(grant.get("Grantee")) for grant in grants)  # never public-read

    download = client.get(reverse("applicant:file", args=[project.pk, attachment.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert Client().get(reverse("applicant:file", args=[project.pk, attachment.pk])).status_code in (302, 404)


def test_a_job_result_is_stored_in_the_bucket_and_served_to_its_owner(s3, big_world, django_capture_on_commit_callbacks):
    approved_projects(big_world, 1)
    with django_capture_on_commit_callbacks(execute=True):
        job = start_agreement_batch(actor=big_world.officer, round_id=big_world.round.pk)
    job = Job.objects.get(pk=job.pk)
    assert job.state == JobState.DONE
    assert f"media/{job.result.name}" in keys(s3)
    client = Client()
    client.force_login(big_world.officer)
    response = client.get(reverse("documents:job_download", args=[job.pk]))
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as zf:
        assert len(zf.namelist()) == 1


def test_the_public_pdf_is_stored_in_the_bucket(s3, world, monkeypatch, django_capture_on_commit_callbacks):
    renders = []
    monkeypatch.setattr(publicity_documents, "render_pdf", lambda context, progress=None: renders.append(1) or b"%PDF-1.7 s3\n")
    with django_capture_on_commit_callbacks(execute=True):  # the job builds it after commit
        world.advance(world.draft(), State.PUBLICITY)
    url = reverse("reviewers:publicity_pdf", args=[world.round.pk])
    for _ in range(2):
        response = Client().get(url)
        assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.7 s3\n"
    assert len(renders) == 1
    assert [k for k in keys(s3) if k.startswith("media/published/")]


def test_readiness_writes_and_reads_the_object_store(s3):
    readiness.check_media()
    assert not [k for k in keys(s3) if "readyz" in k]  # the probe is removed


def test_readiness_fails_when_the_object_store_is_unreachable(s3, settings, monkeypatch):
    from config.settings.base import file_storages

    monkeypatch.setenv("S3_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
    settings.STORAGES = file_storages("django.contrib.staticfiles.storage.StaticFilesStorage", s3.bucket)
    assert readiness.run_checks()["media"] != "ok"


def test_backup_and_restore_bring_back_every_object(s3, world, tmp_path):
    world.draft()
    target = tmp_path / "backup.jsonl.gz"
    call_command("backup", output=str(target), stdout=io.StringIO())
    manifest = json.loads(companions(target)[1].read_text())
    names = [item["path"] for item in manifest["media"]["files"]]
    assert names and all(f"media/{name}" in keys(s3) for name in names)

    lost = names[0]
    s3.delete_object(Bucket=s3.bucket, Key=f"media/{lost}")
    assert verify_media(manifest, storage.protected()).missing == [lost]
    err = io.StringIO()
    with pytest.raises(Exception, match="1 missing"):
        call_command("restore", str(target), verify_only=True, stderr=err)

    documents_before = len(names)
    from tools.backups import unpack_media

    unpack_media(target, storage.protected(), results_store=storage.results())
    result = verify_media(manifest, storage.protected())
    assert result.ok and result.checked == documents_before
