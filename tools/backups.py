"""What `manage.py backup` and `manage.py restore` share: how to call the PostgreSQL tools."""
import os
import shutil

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
