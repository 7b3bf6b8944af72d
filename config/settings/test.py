"""Test run: fast hashing, in-memory mail, eager Celery unless a broker is given."""
from .base import *  # noqa: F401,F403
from .base import BASE_DIR, env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ALLOWED_HOSTS = ["*"]
DEBUG = False
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": env("LOG_LEVEL", "ERROR")}}
