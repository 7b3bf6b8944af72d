"""`manage.py backup [--output FILE] [--keep N]`: the whole database to one file, the media files
(attachments, signed agreements, certificates, job results) to `FILE.media.tar` and a manifest of
every file's size and SHA-256 to `FILE.manifest.json` (tools.backups); restorable with `manage.py
restore FILE`, which verifies every file.

PostgreSQL: pg_dump in its custom format (compressed, exact, restored with pg_restore).
SQLite: a portable fixture, every model in dependency order (dumpdata's natural ordering) with
original primary keys, as gzip-compressed JSON lines so neither side holds it whole in memory.

Retention: in the default folder (var/backups) only the newest BACKUP_KEEP backups are kept.
Encrypted to a gpg public key with --encrypt-to or BACKUP_GPG_RECIPIENT (tools.backup_crypto).
"""
import subprocess
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from core import storage
from tools import backup_crypto
from tools.backups import pg_env, pg_tool, prune, write_media


class Command(BaseCommand):
    help = "Backs up the database: pg_dump on PostgreSQL, a gzip JSON-lines fixture on SQLite."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="File to write (default: var/backups/yichuang-<time>.<ext>).")
        parser.add_argument("--encrypt-to", default=None,
                            help="gpg recipient (key id, fingerprint or e-mail in the keyring) to encrypt the backup to "
                                 "(default: BACKUP_GPG_RECIPIENT; empty: not encrypted).")
        parser.add_argument("--keep", type=int, default=None,
                            help="Backups to keep in the default folder (default: BACKUP_KEEP; 0 keeps all).")

    def handle(self, *args, output=None, keep=None, encrypt_to=None, **options):
        recipient = settings.BACKUP_GPG_RECIPIENT if encrypt_to is None else encrypt_to
        vendor = connection.vendor
        if vendor not in ("postgresql", "sqlite"):
            raise CommandError(f"No backup method for {vendor}.")
        ext = "dump" if vendor == "postgresql" else "jsonl.gz"
        folder = Path(settings.BASE_DIR) / "var" / "backups"
        path = Path(output) if output else folder / f"yichuang-{timezone.now():%Y%m%d-%H%M%S}.{ext}"
        if vendor == "sqlite" and not path.name.endswith(".jsonl.gz"):
            raise CommandError("On SQLite the backup is a fixture: the file name must end in .jsonl.gz")
        path.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        if vendor == "postgresql":
            db = connection.settings_dict
            result = subprocess.run(
                [pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(path),
                 db["NAME"]], env=pg_env(db), capture_output=True, text=True)
            if result.returncode != 0:
                raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
        else:
            # Original primary keys, no natural keys: restore replaces the content types and
            # permissions too, so every reference stays valid and no row needs a lookup.
            call_command("dumpdata", format="jsonl", output=str(path), verbosity=0)
        size = path.stat().st_size
        manifest = write_media(path, storage.protected(), encrypt_to=recipient)
        files = manifest["media"]["files"]
        written = path.with_name(path.name + backup_crypto.SUFFIX) if recipient else path
        self.stdout.write(f"Backup written to {written} ({size / 1048576:.1f} MiB"
                          f"{', encrypted to ' + recipient if recipient else ''}) and "
                          f"{len(files)} media files ({sum(f['size'] for f in files) / 1048576:.1f} MiB) "
                          f"in {time.perf_counter() - started:.1f} s.")
        if not output:
            for old in prune(folder, keep=settings.BACKUP_KEEP if keep is None else keep):
                self.stdout.write(f"Removed old backup file {old.name}")
