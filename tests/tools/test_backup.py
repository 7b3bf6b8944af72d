"""`manage.py backup` takes the media files with a manifest of checksums; `manage.py restore`
verifies every file (and the database file before loading it); old backups are pruned."""
import io
import json
import os
import tarfile
import time

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from projects import services
from projects.models import Attachment
from tests.builders import PDF
from tools.backups import companions, prune, unpack_media, verify_media


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def backed_up(world, media, tmp_path):
    project = world.draft()
    attachment = services.add_attachment(actor=world.member, project_id=project.pk, kind="charter",
                                         uploaded_file=SimpleUploadedFile("章程.pdf", PDF, "application/pdf"))
    (media / "jobs" / "7" / "work").mkdir(parents=True)
    (media / "jobs" / "7" / "work" / "half.pdf").write_bytes(b"partial")  # a job's scratch: not backed up
    (media / "jobs" / "7" / "result.zip").write_bytes(b"PK result")
    target = tmp_path / "backups" / "yichuang-test.jsonl.gz"
    target.parent.mkdir()
    out = io.StringIO()
    call_command("backup", output=str(target), stdout=out)
    return target, attachment, out.getvalue()


@pytest.mark.django_db
def test_the_backup_holds_every_media_file_with_its_checksum(backed_up, media):
    target, attachment, output = backed_up
    tar_path, manifest_path = companions(target)
    manifest = json.loads(manifest_path.read_text())
    paths = {f["path"] for f in manifest["media"]["files"]}
    stored = {a.file.name for a in Attachment.objects.all()}
    assert attachment.file.name in stored
    assert paths == stored | {"jobs/7/result.zip"}
    assert manifest["database"]["path"] == target.name and manifest["encrypted"] is False
    with tarfile.open(tar_path) as tar:
        assert set(tar.getnames()) == paths
    for path in (target, tar_path, manifest_path):
        assert path.stat().st_mode & 0o777 == 0o600
    assert f"{len(paths)} media files" in output


@pytest.mark.django_db
def test_verification_lists_missing_and_mismatched_files(backed_up, media):
    target, attachment, _ = backed_up
    (media / attachment.file.name).unlink()
    (media / "jobs" / "7" / "result.zip").write_bytes(b"PK changed")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 missing and 1 mismatched of"):
        call_command("restore", str(target), verify_only=True, stderr=err)
    assert f"missing: {attachment.file.name}" in err.getvalue()
    assert "checksum mismatch: jobs/7/result.zip" in err.getvalue()


@pytest.mark.django_db
def test_unpacking_brings_back_every_file(backed_up, media, tmp_path):
    target, _, _ = backed_up
    fresh = tmp_path / "restored-media"
    unpack_media(target, FileSystemStorage(location=fresh))
    manifest = json.loads(companions(target)[1].read_text())
    result = verify_media(manifest, FileSystemStorage(location=fresh))
    assert result.ok and result.checked == len(manifest["media"]["files"]) >= 2


@pytest.mark.django_db
def test_a_database_file_that_does_not_match_its_manifest_is_not_restored(backed_up):
    target, _, _ = backed_up
    with open(target, "ab") as fh:
        fh.write(b"tampered")
    with pytest.raises(CommandError, match="does not match its manifest"):
        call_command("restore", str(target))


def test_only_the_newest_backups_are_kept(tmp_path):
    for i in range(5):
        base = tmp_path / f"yichuang-2026010{i}.dump"
        for path in (base, *companions(base)):
            path.write_text("x")
            os.utime(path, (time.time() - 100 + i, time.time() - 100 + i))
    removed = prune(tmp_path, keep=2)
    assert len(removed) == 9
    assert sorted(p.name for p in tmp_path.glob("*.dump")) == ["yichuang-20260103.dump", "yichuang-20260104.dump"]
    assert len(list(tmp_path.iterdir())) == 6
