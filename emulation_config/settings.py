"""Settings for thi đua BHXH.

Everything that differs between machines comes from the environment through the
typed readers in ``emulation_config.env``; a bad value stops the start with a
message naming the variable. Without any variable set, the app runs on the
embedded default: a SQLite file in the project and Celery tasks run eagerly.
``emulation_config.production`` tightens these for a real deployment.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from emulation_config.env import (
    env_bool,
    env_database,
    env_int,
    env_list,
    env_redis_url,
    env_size,
    env_str,
    env_time_zone,
)

BASE_DIR = Path(__file__).resolve().parent.parent

# Only for the embedded default and tests; production requires SECRET_KEY.
SECRET_KEY = env_str("SECRET_KEY", "insecure-embedded-default-key-change-me-in-production-0123456789")
DEBUG = env_bool("DEBUG", True)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "core",
    "accounts",
    "collectors",
    "campaigns",
    "enrollments",
    "awards",
    "reports",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "core.middleware.SiteLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Under /api/, an unknown URL answers the API's JSON 404 even while DEBUG shows its own page.
    "core.error_views.ApiNotFoundMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a login it locked out into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "emulation_config.urls"
WSGI_APPLICATION = "emulation_config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so concurrent writers
    # queue on the timeout instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # The standings index includes extra columns on PostgreSQL only; SQLite keeps its keys.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
else:
    # Parameters travel apart from the SQL text instead of being quoted into it:
    # bulk inserts pass whole columns as arrays, which client-side quoting slows down.
    # A statement run several times on a connection is prepared once and its plan kept: the ORM's
    # statements and the standings' recount repeat on every request, and planning them is most of their cost.
    DATABASES["default"]["OPTIONS"] = {
        "server_side_binding": env_bool("DATABASE_SERVER_SIDE_BINDING", True),
        "prepare_threshold": env_int("DATABASE_PREPARE_THRESHOLD", 2, minimum=0) or None,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery broker and shared cache ----------------------------------
REDIS_URL = env_redis_url("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
# Without a broker, tasks run in the calling process (the embedded default).
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", REDIS_URL is None)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 1500, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 1800, minimum=1)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Asia/Ho_Chi_Minh"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Finalizing a national phase takes seconds; these bound a stuck one.
FINALIZE_SOFT_TIME_LIMIT = env_int("FINALIZE_SOFT_TIME_LIMIT", 600, minimum=1)
FINALIZE_TIME_LIMIT = env_int("FINALIZE_TIME_LIMIT", 660, minimum=1)
# PostgreSQL sort memory for the finalizing transaction only.
FINALIZE_WORK_MEM = env_str("FINALIZE_WORK_MEM", "64MB")
# Export jobs (Excel workbooks built by a worker): a national enrollment export takes minutes.
EXPORT_SOFT_TIME_LIMIT = env_int("EXPORT_SOFT_TIME_LIMIT", 1200, minimum=1)
EXPORT_TIME_LIMIT = env_int("EXPORT_TIME_LIMIT", 1260, minimum=1)
# Enrollment exports up to this many rows are answered inline; larger ones become export jobs.
EXPORT_INLINE_MAX_ROWS = env_int("EXPORT_INLINE_MAX_ROWS", 20_000, minimum=0)
# A running export beats every EXPORT_HEARTBEAT_SECONDS; an attempt silent for EXPORT_STALE_SECONDS is lost and
# queued again by the sweep (every EXPORT_SWEEP_SECONDS), at most EXPORT_MAX_ATTEMPTS attempts in all.
EXPORT_HEARTBEAT_SECONDS = env_int("EXPORT_HEARTBEAT_SECONDS", 5, minimum=1)
EXPORT_STALE_SECONDS = env_int("EXPORT_STALE_SECONDS", 30, minimum=2)
EXPORT_MAX_ATTEMPTS = env_int("EXPORT_MAX_ATTEMPTS", 3, minimum=1)
EXPORT_SWEEP_SECONDS = env_int("EXPORT_SWEEP_SECONDS", 30, minimum=5)
# Enrollment imports (enrollments.history): read and written in chunks of ENROLLMENT_IMPORT_CHUNK_ROWS rows, each
# committed with the import's progress; an import with no progress for ENROLLMENT_IMPORT_STALE_SECONDS lost its worker
# and is resumed by the sweep, at most ENROLLMENT_IMPORT_MAX_ATTEMPTS attempts in all.
ENROLLMENT_IMPORT_CHUNK_ROWS = env_int("ENROLLMENT_IMPORT_CHUNK_ROWS", 1000, minimum=1)
ENROLLMENT_IMPORT_STALE_SECONDS = env_int("ENROLLMENT_IMPORT_STALE_SECONDS", 300, minimum=5)
ENROLLMENT_IMPORT_MAX_ATTEMPTS = env_int("ENROLLMENT_IMPORT_MAX_ATTEMPTS", 5, minimum=1)
ENROLLMENT_IMPORT_MAX_ROWS = env_int("ENROLLMENT_IMPORT_MAX_ROWS", 1_000_000, minimum=1)
ENROLLMENT_IMPORT_MAX_SIZE = env_size("ENROLLMENT_IMPORT_MAX_SIZE", 256 * 1024 * 1024, minimum=1024)
# Redis hands a task not acknowledged within the visibility timeout to another worker: that is how long the
# tasks of a worker that died wait. Tasks are acknowledged late, so it exceeds the longest hard time limit (a
# task still running is never run a second time beside it).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": max(CELERY_TASK_TIME_LIMIT, FINALIZE_TIME_LIMIT, EXPORT_TIME_LIMIT) + 300
}
# Celery beat: open and close phases on time, start finalizing after review periods, queue lost exports again.
CELERY_BEAT_SCHEDULE = {
    "advance-phases": {"task": "awards.advance_phases", "schedule": env_int("PHASE_CHECK_SECONDS", 60, minimum=5)},
    "requeue-lost-exports": {"task": "core.requeue_lost_exports", "schedule": EXPORT_SWEEP_SECONDS},
    # Notices to agents (reports.notices): who entered or left the prize places; phases ending within a day.
    "notices-prize-places": {
        "task": "reports.check_prize_places",
        "schedule": env_int("NOTICE_PRIZE_CHECK_SECONDS", 300, minimum=30),
    },
    "notices-closing-phases": {
        "task": "reports.remind_closing_phases",
        "schedule": env_int("NOTICE_CLOSING_CHECK_SECONDS", 600, minimum=30),
    },
    "resume-lost-enrollment-imports": {"task": "enrollments.resume_lost_imports", "schedule": 60},
}

# --- E-mail (notices to agents) ------------------------------------------------
# Django's e-mail backend: SMTP once EMAIL_HOST is set; without it (the embedded default, the demo) each message
# is written as a file under EMAIL_FILE_PATH instead of being sent.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if env_str("EMAIL_HOST", "")
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on: choose one.")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "thidua@localhost")
# The site's address as agents open it (e.g. https://thidua.example.vn): e-mails end with a link to the page.
SITE_URL = env_str("SITE_URL", "")

# --- Authentication ---------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # Refuses a username locked out from the client's address before any password is compared.
    "accounts.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Hears every password change: revokes the user's API tokens, clears an initial password's mark.
    {"NAME": "accounts.validators.PasswordChangeHook"},
]
LOGIN_URL = "admin:login"

# The client's address (accounts.addresses): how many proxies in front of the app append to
# X-Forwarded-For. 0 ignores the header; behind one proxy (nginx, a load balancer) set 1.
TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0, minimum=0)

# Login lockout (django-axes), for the pages' login, the admin's and the API token alike:
# LOGIN_FAILURE_LIMIT failures of one username from one address, each within
# LOGIN_LOCKOUT_MINUTES of the last, lock that username out from that address for
# LOGIN_LOCKOUT_MINUTES after the last one. A success clears the count; the admin's
# "Access attempts" list unlocks (delete the row), as does `manage.py axes_reset_username`.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "accounts.addresses.client_address"
AXES_LOCKOUT_CALLABLE = "accounts.views.lockout_response"
AXES_RESET_ON_SUCCESS = True
# Tries during a lockout are refused without being counted, so the lockout ends on time.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Failures and lockouts are logged as warnings; no banner at every start.
AXES_VERBOSE = False

# --- Content-Security-Policy (django-csp) -----------------------------------
# Scripts, styles, fonts and images come from the site itself (Chart.js and Swagger UI
# are served locally); no inline script, style attribute or event handler runs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Language and time ------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["emulation_config.formats"]
USE_I18N = True
# Numbers shown grouped as the language writes them (1.234.567 in Vietnamese), the admin's
# lists and forms included; a number a template puts in a URL or an attribute is |unlocalize'd.
USE_THOUSAND_SEPARATOR = True
TIME_ZONE = env_time_zone("TIME_ZONE", "Asia/Ho_Chi_Minh")
USE_TZ = True

# --- Static files -----------------------------------------------------------
STATIC_URL = "static/"
# Collected files (production, `collectstatic`); during development the app
# directories are served directly, so the folder only exists once collected.
STATIC_ROOT = BASE_DIR / "staticfiles"
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = BASE_DIR / "var" / "media"
MEDIA_URL = "media/"

# --- Bounds on input ---------------------------------------------------------
# An uploaded file's bytes beyond this are read and thrown away; the form or API
# field that receives it answers with a message naming the limit (core.parsers).
UPLOAD_MAX_SIZE = env_size("UPLOAD_MAX_SIZE", 10 * 1024 * 1024, minimum=1024)
FILE_UPLOAD_HANDLERS = [
    "core.parsers.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# The most rows (below the header) and columns an Excel import reads (core.spreadsheets).
SPREADSHEET_MAX_ROWS = env_int("SPREADSHEET_MAX_ROWS", 100_000, minimum=1)
SPREADSHEET_MAX_COLUMNS = env_int("SPREADSHEET_MAX_COLUMNS", 200, minimum=1)
# How deeply an API request's JSON may nest (core.parsers); the body itself is
# held to Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB).
JSON_MAX_DEPTH = env_int("JSON_MAX_DEPTH", 32, minimum=2)

# --- API ---------------------------------------------------------------------
# API tokens, one per device (django-rest-knox, accounts.ApiToken): "Authorization: Token …", valid API_TOKEN_DAYS.
KNOX_TOKEN_MODEL = "accounts.ApiToken"  # noqa: S105 - a model name, not a secret
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 30, minimum=1)
REST_KNOX = {"TOKEN_TTL": timedelta(days=API_TOKEN_DAYS), "AUTH_HEADER_PREFIX": "Token", "AUTO_REFRESH": False}
# knox's own migrations make its AuthToken table even though accounts.ApiToken takes its place: none is wanted.
MIGRATION_MODULES = {"knox": None}
REST_FRAMEWORK = {
    # JSON of bounded depth, forms, and multipart files within the upload limit.
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "core.parsers.BoundedMultiPartParser",
    ],
    # DRF's token and session authentication, refusing a password that must be changed.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.TokenAuthentication",
        "accounts.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Filters that refuse, on a list, a parameter nothing reads and report every bad value at once.
    "DEFAULT_FILTER_BACKENDS": ["core.listing.StrictFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # ``page`` and ``page_size`` (at most API_MAX_PAGE_SIZE) on every list.
    "DEFAULT_PAGINATION_CLASS": "core.listing.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.api.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {"token": env_str("TOKEN_THROTTLE_RATE", "10/minute")},
    # Throttles count per client address (accounts.addresses): X-Forwarded-For only behind trusted proxies.
    "NUM_PROXIES": TRUSTED_PROXIES,
}
# The most rows a list of the API answers a page (its ``page_size`` parameter).
API_MAX_PAGE_SIZE = env_int("API_MAX_PAGE_SIZE", 200, minimum=1)
SPECTACULAR_SETTINGS = {
    "TITLE": "Thi đua BHXH API",
    "DESCRIPTION": "Enrollment intake, progress and standings for emulation campaigns.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI is served from the installed sidecar package, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Tags, summaries (in the request's language) and the error answers of every operation.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "emulation_config.schema.postprocess",
    ],
    # Choice sets whose field name ("kind", "status") other models use too.
    "ENUM_NAME_OVERRIDES": {
        "NoticeKindEnum": "reports.models.NoticeKind.choices",
        "ExportKindEnum": "core.export_kinds.export_kind_choices",
        "CampaignStatusEnum": "campaigns.models.Campaign.Status",
        "PhaseStatusEnum": "campaigns.models.Phase.Status",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # django-axes tells of every login at INFO; failures and lockouts are its warnings.
    # Celery tells of every task that succeeds at INFO: run eagerly (the demo), that is a line per write.
    "loggers": {"axes": {"level": "WARNING"}, "celery.app.trace": {"level": "WARNING"}},
}
