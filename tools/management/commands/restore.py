"""`manage.py restore FILE [--verify-only] [--skip-media]`: loads a backup made by `manage.py backup`
into the configured database and its media files into the configured storage, then checks every file against
the manifest and lists the missing and mismatched ones (the command then fails). The database file
is checked before anything is loaded. `--verify-only` only compares the stored files with the manifest.

PostgreSQL: pg_restore --clean --if-exists in one transaction (the database must exist; what it
holds is replaced). SQLite: the database is migrated, must hold no data of ours (refused
otherwise), the content types and permissions migrate just made are replaced by the backup's, so
every primary key and reference is the original one, and the fixture is loaded in one transaction.
"""
import shutil
import subprocess
import time
from pathlib import Path

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from accounts.models import User
from core import storage
from projects.models import Project
from tools import backup_crypto
from tools.backups import companions, database_matches, pg_env, pg_tool, read_manifest, unpack_media, verify_media


class Command(BaseCommand):
    help = "Restores a backup made by `manage.py backup` (pg_restore on PostgreSQL, loaddata on SQLite)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--verify-only", action="store_true",
                            help="Only compare the stored media files with the backup's manifest.")
        parser.add_argument("--skip-media", action="store_true", help="Restore the database only.")

    def handle(self, *args, file: str, verify_only=False, skip_media=False, **options):
        path = Path(file.removesuffix(backup_crypto.SUFFIX))  # the backup's name, encrypted or not
        manifest = read_manifest(path)
        encrypted = bool(manifest and manifest.get("encrypted"))
        stored = path.with_name(path.name + backup_crypto.SUFFIX) if encrypted else path
        if not stored.exists():
            raise CommandError(f"No such backup file: {stored}")
        store = storage.protected()
        if verify_only:
            if manifest is None:
                raise CommandError(f"No manifest next to {path}: nothing to verify against.")
            self._report(verify_media(manifest, store))
            return
        if not encrypted:
            self._restore(path, manifest, store, skip_media=skip_media)
            return
        # Decrypted into a private folder beside the backup, removed whatever happens.
        folder = backup_crypto.private_folder(path.parent)
        try:
            plain = backup_crypto.decrypt(stored, folder)
            tar_path = companions(path)[0]
            encrypted_tar = tar_path.with_name(tar_path.name + backup_crypto.SUFFIX)
            if not skip_media and encrypted_tar.exists():
                backup_crypto.decrypt(encrypted_tar, folder)
            self._restore(plain, manifest, store, skip_media=skip_media)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _restore(self, path: Path, manifest: dict | None, store, *, skip_media: bool) -> None:
        if manifest is None:
            self.stderr.write(f"No manifest next to {path} (a backup older than media backups): "
                              "restoring the database only, unverified.")
        elif not database_matches(path, manifest):
            raise CommandError(f"{path.name} does not match its manifest (size or SHA-256): refusing to restore it.")
        started = time.perf_counter()
        self._restore_database(path)
        self.stdout.write(f"Restored {path.name} in {time.perf_counter() - started:.1f} s.")
        if manifest is not None and not skip_media:
            if not companions(path)[0].exists():
                raise CommandError(f"The media archive {companions(path)[0].name} is missing.")
            unpack_media(path, store, results_store=storage.results())
            self._report(verify_media(manifest, store))

    def _report(self, result) -> None:
        for name in result.missing:
            self.stderr.write(f"missing: {name}")
        for name in result.mismatched:
            self.stderr.write(f"checksum mismatch: {name}")
        if not result.ok:
            raise CommandError(f"{len(result.missing)} missing and {len(result.mismatched)} mismatched of "
                               f"{result.checked} media files.")
        self.stdout.write(f"All {result.checked} media files present with matching checksums.")

    def _restore_database(self, path: Path) -> None:
        if connection.vendor == "postgresql":
            if not path.name.endswith(".dump"):
                raise CommandError("On PostgreSQL restore a pg_dump file (*.dump) made by `manage.py backup`.")
            db = connection.settings_dict
            connection.close()  # pg_restore --clean drops tables this process may hold open
            result = subprocess.run(
                [pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
                 "--single-transaction", "--exit-on-error", "--dbname", db["NAME"], str(path)],
                env=pg_env(db), capture_output=True, text=True)
            if result.returncode != 0:
                raise CommandError(f"pg_restore failed: {result.stderr.strip()}")
        elif connection.vendor == "sqlite":
            if not path.name.endswith(".jsonl.gz"):
                raise CommandError("On SQLite restore a fixture (*.jsonl.gz) made by `manage.py backup`.")
            call_command("migrate", verbosity=0, interactive=False)
            if Project.objects.exists() or User.objects.exists():
                raise CommandError("The database already holds data: restore into a new, empty database.")
            with transaction.atomic():
                Permission.objects.all().delete()
                ContentType.objects.all().delete()
                call_command("loaddata", str(path), verbosity=0)
        else:
            raise CommandError(f"No restore method for {connection.vendor}.")
