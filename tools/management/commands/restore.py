"""`manage.py restore FILE`: loads a backup made by `manage.py backup` into the configured database.

PostgreSQL: pg_restore --clean --if-exists in one transaction (the database must exist; what it
holds is replaced). SQLite: the database is migrated, must hold no data of ours (refused
otherwise), the content types and permissions migrate just made are replaced by the backup's, so
every primary key and reference is the original one, and the fixture is loaded in one transaction.
"""
import subprocess
import time
from pathlib import Path

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from accounts.models import User
from projects.models import Project
from tools.backups import pg_env, pg_tool


class Command(BaseCommand):
    help = "Restores a backup made by `manage.py backup` (pg_restore on PostgreSQL, loaddata on SQLite)."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file: str, **options):
        path = Path(file)
        if not path.exists():
            raise CommandError(f"No such backup file: {path}")
        started = time.perf_counter()
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
        self.stdout.write(f"Restored {path} in {time.perf_counter() - started:.1f} s.")
