"""What `manage.py backup` and `manage.py restore` share: how to call the PostgreSQL tools, and the
media files with their manifest."""
import hashlib
import json
import os
import shutil
import tarfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from django.core.files import File
from django.core.files.storage import Storage
from django.core.management.base import CommandError

from core.storage import walk
from tools import backup_crypto


def pg_tool(name: str) -> str:
    """The client tool on PATH; pg_dump must not be older than the server."""
    found = shutil.which(name)
    if found:
        return found
    raise CommandError(f"{name} is not installed (Debian: apt-get install postgresql-client)")


def pg_env(db: dict) -> dict:
    """Connection settings for libpq through the environment, so no password is on a command line."""
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[var] = str(db[key])
    return env


# ---------------------------------------------------------------- media files and the manifest
# A backup is the database file plus, next to it, `<file>.media.tar` (every stored file the database
# may name: attachments, signed agreements, certificates, job results, read through the storage API so
# an object store is backed up like a disk) and `<file>.manifest.json` (path, size and SHA-256 of the
# database file and of every media file). Restore checks the database file against the manifest before
# loading it and every media file after writing it back. With a recipient (`backup --encrypt-to` or
# BACKUP_GPG_RECIPIENT) the database file and the media archive are encrypted to that public key with
# gpg (tools.backup_crypto) after their checksums are taken; the manifest says so.

MEDIA_SUFFIX = ".media.tar"
MANIFEST_SUFFIX = ".manifest.json"
# Regenerable or transient: the public PDF cache, lock and temporary files, a job's work directory.
SKIPPED_TOP = {"published"}
CHUNK = 1024 * 1024


def _sha256_of(fh) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    for block in iter(lambda: fh.read(CHUNK), b""):
        digest.update(block)
        size += len(block)
    return size, digest.hexdigest()


def sha256_file(path: Path) -> str:
    with open(path, "rb") as fh:
        return _sha256_of(fh)[1]


def _skipped(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return (parts[0] in SKIPPED_TOP or parts[-1].startswith(".")
            or (len(parts) >= 3 and parts[0] == "jobs" and parts[2] == "work"))


def media_files(store: Storage) -> list[str]:
    """Names of the stored files to back up, sorted."""
    return [name for name in walk(store) if not _skipped(name)]


def companions(database_file: Path) -> tuple[Path, Path]:
    return (database_file.with_name(database_file.name + MEDIA_SUFFIX),
            database_file.with_name(database_file.name + MANIFEST_SUFFIX))


def write_media(database_file: Path, store: Storage, *, encrypt_to: str = "") -> dict:
    """Writes the media tar and the manifest next to `database_file`; returns the manifest. With
    `encrypt_to`, the database file and the tar are then encrypted to that gpg recipient."""
    tar_path, manifest_path = companions(database_file)
    files = []
    with tarfile.open(tar_path, "w") as tar:
        for name in media_files(store):
            with store.open(name, "rb") as fh:
                size, digest = _sha256_of(fh)
                fh.seek(0)
                info = tarfile.TarInfo(name)
                info.size, info.mode = size, 0o600
                tar.addfile(info, fh)
            files.append({"path": name, "size": size, "sha256": digest})
    for path in (database_file, tar_path):
        os.chmod(path, 0o600)  # bank accounts and identity documents
    manifest = {
        "format": 1,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "encrypted": bool(encrypt_to),
        "database": {"path": database_file.name, "size": database_file.stat().st_size,
                     "sha256": sha256_file(database_file)},
        "media": {"path": tar_path.name, "files": files},
    }
    if encrypt_to:
        manifest["recipient"] = encrypt_to
        for path in (database_file, tar_path):
            backup_crypto.encrypt(path, encrypt_to)
    tmp = manifest_path.with_name(manifest_path.name + ".tmp")
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, manifest_path)
    os.chmod(manifest_path, 0o600)
    return manifest


def read_manifest(database_file: Path) -> dict | None:
    _, manifest_path = companions(database_file)
    if not manifest_path.exists():
        return None
    return json.loads(manifest_path.read_text(encoding="utf-8"))


def database_matches(database_file: Path, manifest: dict) -> bool:
    expected = manifest["database"]
    return database_file.stat().st_size == expected["size"] and sha256_file(database_file) == expected["sha256"]


def unpack_media(database_file: Path, store: Storage, *, results_store: Storage | None = None) -> None:
    """Writes every archived file back under its own name (replacing what is there); job results go
    to `results_store` (kept readable by the application's user only)."""
    tar_path, _ = companions(database_file)
    with tarfile.open(tar_path, "r") as tar:
        for member in tar:
            name = PurePosixPath(member.name)
            if not member.isfile() or name.is_absolute() or ".." in name.parts:
                continue  # no absolute paths, no `..`, no links or device files
            source = tar.extractfile(member)
            if source is None:
                continue
            target = results_store if results_store is not None and name.parts[0] == "jobs" else store
            if target.exists(member.name):
                target.delete(member.name)
            target.save(member.name, File(source))


@dataclass
class Verification:
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    mismatched: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.mismatched


def verify_media(manifest: dict, store: Storage) -> Verification:
    """Every file of the manifest present in the storage with its size and checksum."""
    result = Verification()
    for item in manifest["media"]["files"]:
        result.checked += 1
        if not store.exists(item["path"]):
            result.missing.append(item["path"])
            continue
        with store.open(item["path"], "rb") as fh:
            if _sha256_of(fh) != (item["size"], item["sha256"]):
                result.mismatched.append(item["path"])
    return result


def prune(folder: Path, *, keep: int, pattern: str = "yichuang-*") -> list[Path]:
    """Keeps the newest `keep` backups in `folder` (with their media and manifest); returns what went."""
    if keep <= 0 or not folder.is_dir():
        return []
    companion_ends = tuple(end + extra for end in (MEDIA_SUFFIX, MANIFEST_SUFFIX) for extra in ("", backup_crypto.SUFFIX))
    databases = sorted(
        (p for p in folder.glob(pattern) if p.is_file() and not p.name.endswith(companion_ends)),
        key=lambda p: (p.stat().st_mtime, p.name), reverse=True)
    removed = []
    for old in databases[keep:]:
        plain = old.with_name(old.name.removesuffix(backup_crypto.SUFFIX))
        tar_path, manifest_path = companions(plain)
        for path in (old, tar_path, tar_path.with_name(tar_path.name + backup_crypto.SUFFIX), manifest_path):
            if path.exists():
                path.unlink()
                removed.append(path)
    return removed
