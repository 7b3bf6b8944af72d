"""Backups encrypted to a gpg public key (issue 17: "optionally encrypted"): nothing readable is left
on disk, restore decrypts into a private folder it removes, and the checksums still hold."""
import io
import json
import os
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection

from projects import services
from tests.builders import PDF
from tools import backup_crypto
from tools.backups import companions, database_matches, prune, unpack_media, verify_media

RECIPIENT = "backup@example.org"
MARK = b"%% a sentence only this attachment holds %%"


@pytest.fixture
def gnupg_home(monkeypatch):
    # Short path: gpg-agent's socket path must stay under ~100 characters.
    home = Path(tempfile.mkdtemp(prefix="yc-gpg-"))
    home.chmod(0o700)
    monkeypatch.setenv("GNUPGHOME", str(home))
    run = lambda *args: subprocess.run(["gpg", "--batch", "--quiet", "--passphrase", "", *args],  # noqa: E731
                                       check=True, capture_output=True, text=True)
    run("--quick-gen-key", f"Backup Test <{RECIPIENT}>", "ed25519", "sign", "never")
    fingerprint = [line.split(":")[9] for line in run("--with-colons", "--list-keys", RECIPIENT).stdout.splitlines()
                   if line.startswith("fpr")][0]
    run("--quick-add-key", fingerprint, "cv25519", "encr", "never")
    yield home
    subprocess.run(["gpgconf", "--kill", "gpg-agent"], capture_output=True)


@pytest.fixture
def encrypted_backup(world, settings, tmp_path, gnupg_home):
    settings.MEDIA_ROOT = tmp_path / "media"
    project = world.draft()
    services.add_attachment(actor=world.member, project_id=project.pk, kind="charter",
                            uploaded_file=SimpleUploadedFile("章程.pdf", PDF + MARK, "application/pdf"))
    # the backup's format follows the database: a pg_dump file on PostgreSQL, a fixture on SQLite
    target = tmp_path / "backups" / ("yichuang-test.dump" if connection.vendor == "postgresql" else "yichuang-test.jsonl.gz")
    target.parent.mkdir()
    out = io.StringIO()
    call_command("backup", output=str(target), encrypt_to=RECIPIENT, stdout=out)
    return target, out.getvalue()


@pytest.mark.django_db
def test_an_encrypted_backup_leaves_nothing_readable(encrypted_backup):
    target, output = encrypted_backup
    tar_path, manifest_path = companions(target)
    assert not target.exists() and not tar_path.exists()  # the plain files are gone
    encrypted_db = target.with_name(target.name + ".gpg")
    encrypted_tar = tar_path.with_name(tar_path.name + ".gpg")
    assert encrypted_db.exists() and encrypted_tar.exists() and "encrypted to backup@example.org" in output
    assert MARK not in encrypted_tar.read_bytes() and b"auth.user" not in encrypted_db.read_bytes()
    for path in (encrypted_db, encrypted_tar, manifest_path):
        assert path.stat().st_mode & 0o777 == 0o600
    manifest = json.loads(manifest_path.read_text())
    assert manifest["encrypted"] is True and manifest["recipient"] == RECIPIENT


@pytest.mark.django_db
def test_restore_decrypts_checks_the_manifest_and_removes_the_plain_copy(encrypted_backup):
    target, _ = encrypted_backup
    # A manifest that names another database file: restore decrypts (a wrong key would stop it there,
    # with gpg's message), compares, refuses, and leaves no plain copy behind. The real restore of a
    # matching file is tested in test_backup; here the test database must not be replaced.
    _, manifest_path = companions(target)
    manifest = json.loads(manifest_path.read_text())
    manifest["database"]["sha256"] = "0" * 64
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match="does not match its manifest"):
        call_command("restore", str(target) + ".gpg", stdout=io.StringIO())
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".restore-")]


@pytest.mark.django_db
def test_the_decrypted_media_pass_verification(encrypted_backup, tmp_path):
    target, _ = encrypted_backup
    folder = tmp_path / "plain"
    folder.mkdir()
    tar_path, manifest_path = companions(target)
    plain = backup_crypto.decrypt(target.with_name(target.name + ".gpg"), folder)
    backup_crypto.decrypt(tar_path.with_name(tar_path.name + ".gpg"), folder)
    assert database_matches(plain, json.loads(manifest_path.read_text()))  # the database file survives exactly
    fresh = FileSystemStorage(location=tmp_path / "restored")
    unpack_media(plain, fresh)
    result = verify_media(json.loads(manifest_path.read_text()), fresh)
    assert result.ok and result.checked >= 1


def test_without_the_private_key_nothing_is_restored(tmp_path, monkeypatch):
    monkeypatch.setenv("GNUPGHOME", tempfile.mkdtemp(prefix="yc-gpg-empty-"))
    stray = tmp_path / "x.jsonl.gz.gpg"
    stray.write_bytes(b"\x85\x01\x0c not really encrypted")
    with pytest.raises(CommandError, match="gpg could not decrypt"):
        backup_crypto.decrypt(stray, tmp_path)


def test_pruning_removes_encrypted_backups_with_their_companions(tmp_path):
    for n, when in ((1, 100), (2, 200)):
        base = tmp_path / f"yichuang-{n}.jsonl.gz"
        tar_path, manifest_path = companions(base)
        for path in (base.with_name(base.name + ".gpg"), tar_path.with_name(tar_path.name + ".gpg"), manifest_path):
            path.write_bytes(b"x")
            os.utime(path, (when, when))
    removed = prune(tmp_path, keep=1)
    assert sorted(p.name for p in removed) == ["yichuang-1.jsonl.gz.gpg", "yichuang-1.jsonl.gz.manifest.json",
                                               "yichuang-1.jsonl.gz.media.tar.gpg"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["yichuang-2.jsonl.gz.gpg", "yichuang-2.jsonl.gz.manifest.json",
                                                          "yichuang-2.jsonl.gz.media.tar.gpg"]
