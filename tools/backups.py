"""What `manage.py backup` and `manage.py restore` share: how to call the PostgreSQL tools, and the
media files with their manifest."""
import hashlib
import json
import os
import shutil
import tarfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.core.management.base import CommandError


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
# A backup is the database file plus, next to it, `<file>.media.tar` (every file under MEDIA_ROOT
# the database may name: attachments, signed agreements, certificates, job results) and
# `<file>.manifest.json` (path, size and SHA-256 of the database file and of every media file).
# Restore checks the database file against the manifest before loading it and every media file
# after unpacking. Not encrypted: no well-kept encryption library is installed here; keep backups
# on an encrypted volume (or pipe them through gpg) until one is.

MEDIA_SUFFIX = ".media.tar"
MANIFEST_SUFFIX = ".manifest.json"
# Regenerable or transient: the public PDF cache, lock and temporary files, a job's work directory.
SKIPPED_TOP = {"published"}
CHUNK = 1024 * 1024


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _skipped(relative: Path) -> bool:
    parts = relative.parts
    return (parts[0] in SKIPPED_TOP or relative.name.startswith(".")
            or (len(parts) >= 3 and parts[0] == "jobs" and parts[2] == "work"))


def media_files(root: Path) -> list[Path]:
    """Relative paths of the files to back up, sorted (symlinks are not followed)."""
    if not root.is_dir():
        return []
    found = []
    for dirpath, _dirnames, filenames in os.walk(root):
        for name in filenames:
            full = Path(dirpath) / name
            relative = full.relative_to(root)
            if full.is_file() and not full.is_symlink() and not _skipped(relative):
                found.append(relative)
    return sorted(found)


def entry(root: Path, relative: Path) -> dict:
    full = root / relative
    return {"path": relative.as_posix(), "size": full.stat().st_size, "sha256": sha256_file(full)}


def companions(database_file: Path) -> tuple[Path, Path]:
    return (database_file.with_name(database_file.name + MEDIA_SUFFIX),
            database_file.with_name(database_file.name + MANIFEST_SUFFIX))


def write_media(database_file: Path, media_root: Path) -> dict:
    """Writes the media tar and the manifest next to `database_file`; returns the manifest."""
    tar_path, manifest_path = companions(database_file)
    files = []
    with tarfile.open(tar_path, "w") as tar:
        for relative in media_files(media_root):
            files.append(entry(media_root, relative))
            tar.add(media_root / relative, arcname=relative.as_posix(), recursive=False)
    manifest = {
        "format": 1,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "encrypted": False,
        "database": {"path": database_file.name, "size": database_file.stat().st_size,
                     "sha256": sha256_file(database_file)},
        "media": {"path": tar_path.name, "files": files},
    }
    tmp = manifest_path.with_name(manifest_path.name + ".tmp")
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, manifest_path)
    for path in (database_file, tar_path, manifest_path):
        os.chmod(path, 0o600)  # bank accounts and identity documents
    return manifest


def read_manifest(database_file: Path) -> dict | None:
    _, manifest_path = companions(database_file)
    if not manifest_path.exists():
        return None
    return json.loads(manifest_path.read_text(encoding="utf-8"))


def database_matches(database_file: Path, manifest: dict) -> bool:
    expected = manifest["database"]
    return database_file.stat().st_size == expected["size"] and sha256_file(database_file) == expected["sha256"]


def unpack_media(database_file: Path, media_root: Path) -> None:
    tar_path, _ = companions(database_file)
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tar_path, "r") as tar:
        tar.extractall(media_root, filter="data")  # no absolute paths, no `..`, no device files


@dataclass
class Verification:
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    mismatched: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.mismatched


def verify_media(manifest: dict, media_root: Path) -> Verification:
    """Every file of the manifest present under media_root with its size and checksum."""
    result = Verification()
    for item in manifest["media"]["files"]:
        result.checked += 1
        full = media_root / item["path"]
        if not full.is_file():
            result.missing.append(item["path"])
        elif full.stat().st_size != item["size"] or sha256_file(full) != item["sha256"]:
            result.mismatched.append(item["path"])
    return result


def prune(folder: Path, *, keep: int, pattern: str = "yichuang-*") -> list[Path]:
    """Keeps the newest `keep` backups in `folder` (with their media and manifest); returns what went."""
    if keep <= 0 or not folder.is_dir():
        return []
    databases = sorted(
        (p for p in folder.glob(pattern) if p.is_file() and not p.name.endswith((MEDIA_SUFFIX, MANIFEST_SUFFIX))),
        key=lambda p: (p.stat().st_mtime, p.name), reverse=True)
    removed = []
    for old in databases[keep:]:
        for path in (old, *companions(old)):
            if path.exists():
                path.unlink()
                removed.append(path)
    return removed
