"""Test run: fast hashing, in-memory mail, eager Celery unless a broker is given."""
import os

from .base import *  # noqa: F401,F403
from .base import BASE_DIR, env, file_storages

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Uploads: one folder per test process, so that pytest-xdist's workers (gw0, gw1, …) and other test runs
# in the same checkout never see each other's files. The run's id is the first test process's pid, put
# in the environment so that xdist workers and the processes a test starts (a Celery worker) inherit it:
# a worker started by a test writes where its test reads. tests/conftest.py removes the folder at the end.
TEST_RUN = os.environ.setdefault("YICHUANG_TEST_RUN", str(os.getpid()))
MEDIA_ROOT = BASE_DIR / "var" / "test-media" / f"{TEST_RUN}-{env('PYTEST_XDIST_WORKER') or 'main'}"
# On disk even when S3_BUCKET is set: tests/storage/ switch to the object store themselves (.ci/run starts
# a local S3-compatible server and sets S3_TEST_ENDPOINT_URL for them).
STORAGES = file_storages("django.contrib.staticfiles.storage.StaticFilesStorage", None)
ALLOWED_HOSTS = ["*"]
DEBUG = False
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": env("LOG_LEVEL", "ERROR")}}

# ---- accounts (owner: accounts) ----
# The second factor is off for the suite as a whole: tests log staff in with force_login or the login
# form. tests/accounts/test_two_factor.py turns it on (settings.OTP_REQUIRED_ROLES) and checks it.
OTP_REQUIRED_ROLES = ()

# Tests build organizations with factories; the verification gate has its own tests, which turn it on.
ORGANIZATION_VERIFICATION_REQUIRED = False
