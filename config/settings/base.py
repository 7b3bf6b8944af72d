"""Settings shared by every environment; everything that differs comes from the environment."""
import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

# templates/, static/ and locale/ are top-level folders of the source checkout (also in an editable install);
# an installed wheel carries them inside the config package (setup.py) and keeps its data (the default
# SQLite file, var/) in the working directory unless DATABASE_URL, MEDIA_ROOT and STATIC_ROOT say otherwise.
CONFIG_DIR = Path(__file__).resolve().parent.parent
if (CONFIG_DIR / "templates").is_dir():
    ASSETS_DIR, BASE_DIR = CONFIG_DIR, Path.cwd()
else:
    ASSETS_DIR = BASE_DIR = CONFIG_DIR.parent


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = env("SECRET_KEY", "insecure-dev-key-only-for-local-use-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = [h.strip() for h in (env("ALLOWED_HOSTS", "127.0.0.1,localhost") or "").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in (env("CSRF_TRUSTED_ORIGINS", "") or "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_fsm",
    "import_export",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "core",
    "accounts",
    "grants",
    "projects",
    "reviewers",
    "finance",
    "documents",
    "tools",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.language.ExplicitLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.session_policy.AccountPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "accounts.middleware.SecurityHeadersMiddleware",
    "accounts.middleware.RejectNulCharactersMiddleware",
    "accounts.middleware.DatabaseUnavailableMiddleware",
    "core.middleware.NoStoreMiddleware",
    "core.middleware.MissingFileMiddleware",
    "core.middleware.MethodNotAllowedPageMiddleware",
]

ROOT_URLCONF = "config.urls"
# Django's form renderer with the commonest widget templates written out in Python (same output).
FORM_RENDERER = "core.form_renderer.FastWidgetRenderer"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [ASSETS_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "accounts.navigation.nav_items",
            ],
        },
    },
]

# Each gunicorn thread keeps its connection for a minute (config/gunicorn.conf.py: workers × threads
# connections per web server); a kept connection is checked before a request reuses it, so a database
# restart or failover costs no failed request.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"), conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Waiting on a lock beats failing at once when a Celery task and a request overlap.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    # The covering index of the 公示 list (INCLUDE columns, projects/0010) is a plain index on SQLite,
    # which is what the embedded default needs; the warning would print on every manage.py command.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
# A page left open too long: "页面已过期，请重新提交" with everything typed kept (core/error_pages.py).
CSRF_FAILURE_VIEW = "core.error_pages.csrf_failure"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# ---- accounts: passwords, sessions, second factor, login lockout (等保 2.0 level 3; owner: accounts) ----
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "accounts.passwords.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Days a password stays valid; 0 (the default) turns expiry off. When on, a person whose password is
# older is sent to the change-password page after login and can do nothing else until it is changed.
PASSWORD_MAX_AGE_DAYS = int(env("PASSWORD_MAX_AGE_DAYS", "0") or 0)
# A session ends after this long without a request, and in any case this long after login.
SESSION_IDLE_TIMEOUT_SECONDS = int(env("SESSION_IDLE_TIMEOUT_MINUTES", "30") or 30) * 60
SESSION_ABSOLUTE_TIMEOUT_SECONDS = int(env("SESSION_ABSOLUTE_TIMEOUT_HOURS", "12") or 12) * 3600
# The stored session outlives the absolute limit a little, so that the middleware (not the cookie's
# expiry) ends it and can say so on the login page.
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT_SECONDS + SESSION_IDLE_TIMEOUT_SECONDS
# Database sessions, read with one plain query instead of an ORM query on every request (accounts.session_store).
SESSION_ENGINE = "accounts.session_store"
# Django's ModelBackend, the request's user read by one plain query (accounts.backends). Changing this
# path ends sessions started under the previous one (their users log in again once).
AUTHENTICATION_BACKENDS = ["accounts.backends.ModelBackend"]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Roles that must verify a one-time code (TOTP app, or a recovery code) after the password. The other
# roles may enrol voluntarily. REQUIRE_SECOND_FACTOR=0 turns the requirement off (demo machines only;
# `check --deploy` under production settings warns about it).
REQUIRE_SECOND_FACTOR = env_bool("REQUIRE_SECOND_FACTOR", True)
OTP_REQUIRED_ROLES = ("officer", "finance", "admin") if REQUIRE_SECOND_FACTOR else ()
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", "益创")
OTP_RECOVERY_CODES = 10
# Login lockout (accounts.throttle, counted in the database): LOGIN_LOCK_FAILURES failures of one user
# name from one address lock that pair for LOGIN_LOCK_MINUTES; an address failing across many names
# waits a doubling delay (capped) after LOGIN_ADDRESS_FREE_FAILURES, except in a browser that has
# logged in to the account typed before.
LOGIN_LOCK_FAILURES = 5
LOGIN_LOCK_MINUTES = 15
LOGIN_ADDRESS_FREE_FAILURES = 10
LOGIN_ADDRESS_MAX_DELAY_SECONDS = 300
# Password-reset requests per address and per e-mail address per hour.
PASSWORD_RESET_RATE = "5/h"
# ---- end of the accounts block ----

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [ASSETS_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [ASSETS_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "var" / "staticfiles")))
# Uploads live outside the web root and are only served through permission-checked views.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
PROTECTED_UPLOAD_MAX_BYTES = int(env("UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
FILE_UPLOAD_PERMISSIONS = 0o640


def file_storages(staticfiles_backend: str, bucket: str | None) -> dict:
    """Django's STORAGES: the aliases of core/storage.py on this server's disk, or in an S3-compatible
    object store (django-storages) when S3_BUCKET is set, which several web servers and workers share.
    Credentials come from S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY (or the usual AWS_* variables)."""
    staticfiles = {"BACKEND": staticfiles_backend}
    if not bucket:
        disk = "django.core.files.storage.FileSystemStorage"
        return {
            "default": {"BACKEND": disk},
            "protected": {"BACKEND": disk},
            # bank accounts and signed amounts: readable by the application's user only
            "results": {"BACKEND": disk, "OPTIONS": {"file_permissions_mode": 0o600}},
            "staticfiles": staticfiles,
        }
    options = {
        "bucket_name": bucket,
        "endpoint_url": env("S3_ENDPOINT_URL") or None,
        "region_name": env("S3_REGION") or None,
        "access_key": env("S3_ACCESS_KEY_ID") or None,
        "secret_key": env("S3_SECRET_ACCESS_KEY") or None,
        "default_acl": "private",  # never public: every file is served through a permission-checked view
        "querystring_auth": True,
        "file_overwrite": False,
    }
    s3 = "storages.backends.s3.S3Storage"
    return {
        "default": {"BACKEND": s3, "OPTIONS": {**options, "location": "media"}},
        "protected": {"BACKEND": s3, "OPTIONS": {**options, "location": "media"}},
        "results": {"BACKEND": s3, "OPTIONS": {**options, "location": "media"}},
        "staticfiles": staticfiles,
    }


STORAGES = file_storages("django.contrib.staticfiles.storage.StaticFilesStorage", env("S3_BUCKET"))
# The largest legitimate form is a budget of several hundred rows (6 fields a row); beyond this, and
# beyond the body size, Django answers 400 with core.error_pages' Chinese page.
DATA_UPLOAD_MAX_NUMBER_FIELDS = int(env("DATA_UPLOAD_MAX_NUMBER_FIELDS", "5000"))
DATA_UPLOAD_MAX_MEMORY_SIZE = int(env("DATA_UPLOAD_MAX_MEMORY_SIZE", str(5 * 1024 * 1024)))
# Staff spreadsheet imports (core.spreadsheets): refused before parsing beyond these.
SPREADSHEET_MAX_BYTES = int(env("SPREADSHEET_MAX_BYTES", str(5 * 1024 * 1024)))
SPREADSHEET_MAX_ROWS = int(env("SPREADSHEET_MAX_ROWS", "5000"))
# Background jobs left queued (broker down) are sent again by the sweep after this many minutes.
YICHUANG_JOB_SWEEP_MINUTES = int(env("YICHUANG_JOB_SWEEP_MINUTES", "5"))
# `manage.py backup` keeps the newest N backups in its default folder (0 keeps all).
BACKUP_KEEP = int(env("BACKUP_KEEP", "14"))
# A gpg recipient (its public key in the keyring of the user running `manage.py backup`): backups are then
# encrypted to it; restore needs the private key (tools.backup_crypto).
BACKUP_GPG_RECIPIENT = env("BACKUP_GPG_RECIPIENT", "") or ""

# Shared by workers for speed only: login lockouts and rate limits count in the database.
CACHE_URL = env("CACHE_URL")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
# Behind a reverse proxy every request comes from the proxy: name the header with the client's address.
LOGIN_THROTTLE_IP_HEADER = env("LOGIN_THROTTLE_IP_HEADER")

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "yichuang@localhost")

# Celery: a real broker when one is configured, otherwise tasks run in-process so the
# embedded SQLite default needs nothing else running.
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}

# Spreadsheet cells starting with =, +, -, @ are escaped so they never run as formulas.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
    # WeasyPrint narrates every layout step at INFO; a batch of 200 agreements would bury the worker log.
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

# Where `manage.py build_print_fonts` (run by `make install`) puts the GB2312 cuts of the Noto CJK faces
# that PDFs are printed with (documents.print_fonts); without them PDFs use the full faces, more slowly.
YICHUANG_PRINT_FONT_DIR = Path(env("YICHUANG_PRINT_FONT_DIR") or BASE_DIR / "var" / "fonts")

# The funding body named as 甲方 in agreements.
YICHUANG_FUNDER_NAME = env("YICHUANG_FUNDER_NAME", "XX市民政局")

YICHUANG_SITE_NAME = _("Yichuang public-interest venture philanthropy")

# Whether the day a 公示 is published counts as its first working day. False (the common practice
# and the default): a notice published on Monday for 5 working days runs Tuesday to the next Monday.
# Holidays and 调休 make-up days follow the official calendar (core.calendar, grants.workdays).
PUBLICITY_COUNTS_START_DAY = env_bool("PUBLICITY_COUNTS_START_DAY", False)

# A self-registered organization is checked by a program officer against its registration certificate
# before it can submit an application (grants.organization_services). On by default; an installation
# where organizations are entered by officers only may turn it off.
ORGANIZATION_VERIFICATION_REQUIRED = env_bool("ORGANIZATION_VERIFICATION_REQUIRED", True)

# Who publishes the 公示 and whom the public contacts about it (shown on the public notice pages).
YICHUANG_PUBLICITY_CONTACT = {
    "department": env("YICHUANG_PUBLICITY_DEPARTMENT", "XX市民政局社会组织管理处"),
    "phone": env("YICHUANG_PUBLICITY_PHONE", "0577-00000000"),
    "address": env("YICHUANG_PUBLICITY_ADDRESS", "XX市XX区XX路1号"),
    "email": env("YICHUANG_PUBLICITY_EMAIL", ""),
}

# Online objections to a 公示 per client address (accounts.ratelimit).
OBJECTION_RATE = env("OBJECTION_RATE") or "5/h"

# The public pages (公示 list, open data) per client address (accounts.ratelimit): they are cached, so
# this protects the database from a scraper, not the pages from readers.
PUBLIC_PAGE_RATE = env("PUBLIC_PAGE_RATE") or "120/m"
