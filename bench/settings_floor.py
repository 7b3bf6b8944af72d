"""Settings for the benchmark's own gunicorn only (bench/pages.py): the local settings, DEBUG off, plus
bench/urls_floor.py (the project's URLs and one floor view). Production and tests never load this module."""
from config.settings.local import *  # noqa: F401,F403

DEBUG = False
ROOT_URLCONF = "bench.urls_floor"
