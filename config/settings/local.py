"""Developer and demo machine: debug on, SQLite unless DATABASE_URL says otherwise."""
from .base import *  # noqa: F401,F403
from .base import env_bool

DEBUG = env_bool("DEBUG", True)
