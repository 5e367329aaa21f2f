"""Settings come from the environment and fail loudly on bad values.

The readers are tested directly with an explicit ``environ``; starting Django
with a bad value, and the production module, are tested in a subprocess, since
settings are read once per process.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

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

PROJECT_DIR = Path(__file__).resolve().parents[2]

# Every variable the settings modules read: cleared from the inherited
# environment so that a subprocess sees only what a test gives it.
SETTINGS_VARIABLES = (
    "ALLOWED_HOSTS",
    "CELERY_TASK_ALWAYS_EAGER",
    "CELERY_TASK_SOFT_TIME_LIMIT",
    "CELERY_TASK_TIME_LIMIT",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_CONN_MAX_AGE",
    "DATABASE_URL",
    "DEBUG",
    "DEFAULT_FROM_EMAIL",
    "DJANGO_SETTINGS_MODULE",
    "EMAIL_BACKEND",
    "EMAIL_FILE_PATH",
    "EMAIL_HOST",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_HOST_USER",
    "EMAIL_PORT",
    "EMAIL_TIMEOUT",
    "EMAIL_USE_SSL",
    "EMAIL_USE_TLS",
    "JSON_MAX_DEPTH",
    "LOG_LEVEL",
    "LOGIN_FAILURE_LIMIT",
    "LOGIN_LOCKOUT_MINUTES",
    "NOTICE_CLOSING_CHECK_SECONDS",
    "NOTICE_PRIZE_CHECK_SECONDS",
    "REDIS_URL",
    "SECRET_KEY",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_HSTS_SECONDS",
    "SECURE_SSL_REDIRECT",
    "SITE_URL",
    "SPREADSHEET_MAX_COLUMNS",
    "SPREADSHEET_MAX_ROWS",
    "TIME_ZONE",
    "TOKEN_THROTTLE_RATE",
    "TRUSTED_PROXIES",
    "UPLOAD_MAX_SIZE",
)

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "emulation_config.production",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "thidua.bhxh.example.vn",
    # Nothing here connects: the checks below do not touch the database or Redis.
    "DATABASE_URL": "postgres://emulation:secret@db.example.vn:5432/emulation",
    "REDIS_URL": "redis://cache.example.vn:6379/0",
}


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if key not in SETTINGS_VARIABLES}
    clean.setdefault("DJANGO_SETTINGS_MODULE", "emulation_config.settings")
    clean.update(env)
    # The command is this interpreter and code written in this file: nothing untrusted.
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=PROJECT_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    code = "from django.core.management import execute_from_command_line; "
    code += f"execute_from_command_line(['manage.py', *{list(args)!r}])"
    return run_python(code, **env)


DJANGO_SETUP = "import django; django.setup()"


def printing(*expressions: str) -> str:
    """Code that starts Django and prints the given expressions over ``settings``, one per line."""
    lines = ", ".join(expressions)
    return DJANGO_SETUP + f"; from django.conf import settings; print(*[{lines}], sep=chr(10))"


# --- env_str --------------------------------------------------------------------------------------


def test_env_str_returns_the_stripped_value():
    assert env_str("LOG_LEVEL", "INFO", environ={"LOG_LEVEL": "  DEBUG "}) == "DEBUG"


def test_env_str_falls_back_to_the_default_when_unset_or_blank():
    assert env_str("LOG_LEVEL", "INFO", environ={}) == "INFO"
    assert env_str("LOG_LEVEL", "INFO", environ={"LOG_LEVEL": "   "}) == "INFO"


def test_env_str_without_default_requires_the_variable():
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        env_str("SECRET_KEY", environ={})


# --- env_bool -------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["1", "true", "TRUE", "yes", "On"])
def test_env_bool_reads_true_words(raw):
    assert env_bool("DEBUG", False, environ={"DEBUG": raw}) is True


@pytest.mark.parametrize("raw", ["0", "false", "False", "no", "off"])
def test_env_bool_reads_false_words(raw):
    assert env_bool("DEBUG", True, environ={"DEBUG": raw}) is False


def test_env_bool_falls_back_to_the_default_when_unset():
    assert env_bool("DEBUG", True, environ={}) is True


@pytest.mark.parametrize("raw", ["maybe", "2", "enabled"])
def test_env_bool_rejects_other_words_naming_the_variable(raw):
    with pytest.raises(ImproperlyConfigured, match=r"^DEBUG="):
        env_bool("DEBUG", False, environ={"DEBUG": raw})


# --- env_int --------------------------------------------------------------------------------------


def test_env_int_reads_a_whole_number():
    assert env_int("CELERY_TASK_TIME_LIMIT", 1800, minimum=1, environ={"CELERY_TASK_TIME_LIMIT": " 60 "}) == 60


def test_env_int_accepts_the_minimum_itself():
    assert env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0, environ={"DATABASE_CONN_MAX_AGE": "0"}) == 0


def test_env_int_falls_back_to_the_default_when_unset():
    assert env_int("CELERY_TASK_TIME_LIMIT", 1800, minimum=1, environ={}) == 1800


@pytest.mark.parametrize("raw", ["ten", "1.5", "60s"])
def test_env_int_rejects_what_is_not_a_whole_number(raw):
    with pytest.raises(ImproperlyConfigured, match=r"CELERY_TASK_TIME_LIMIT.*not a whole number"):
        env_int("CELERY_TASK_TIME_LIMIT", 1800, minimum=1, environ={"CELERY_TASK_TIME_LIMIT": raw})


def test_env_int_rejects_a_number_below_the_minimum():
    with pytest.raises(ImproperlyConfigured, match=r"CELERY_TASK_TIME_LIMIT=0 must be at least 1"):
        env_int("CELERY_TASK_TIME_LIMIT", 1800, minimum=1, environ={"CELERY_TASK_TIME_LIMIT": "0"})


# --- env_list -------------------------------------------------------------------------------------


def test_env_list_splits_on_commas_and_strips_items():
    hosts = env_list("ALLOWED_HOSTS", [], environ={"ALLOWED_HOSTS": "thidua.example.vn, 10.0.0.5 ,localhost"})
    assert hosts == ["thidua.example.vn", "10.0.0.5", "localhost"]


def test_env_list_returns_a_copy_of_the_default_when_unset():
    default = ["localhost"]
    hosts = env_list("ALLOWED_HOSTS", default, environ={})
    assert hosts == ["localhost"]
    assert hosts is not default


@pytest.mark.parametrize("raw", ["a,,b", "a,", ",a"])
def test_env_list_rejects_empty_items(raw):
    with pytest.raises(ImproperlyConfigured, match=r"ALLOWED_HOSTS.*empty item"):
        env_list("ALLOWED_HOSTS", [], environ={"ALLOWED_HOSTS": raw})


# --- env_size -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "size"),
    [
        ("2048", 2048),
        ("512KB", 512 * 1024),
        ("10MB", 10 * 1024 * 1024),
        ("10 mb", 10 * 1024 * 1024),
        ("10MiB", 10 * 1024 * 1024),
        ("1G", 1024**3),
        ("700B", 700),
    ],
)
def test_env_size_reads_bytes_or_a_number_with_a_unit(raw, size):
    assert env_size("UPLOAD_MAX_SIZE", 1, environ={"UPLOAD_MAX_SIZE": raw}) == size


def test_env_size_falls_back_to_the_default_when_unset():
    assert env_size("UPLOAD_MAX_SIZE", 10 * 1024 * 1024, environ={}) == 10 * 1024 * 1024


@pytest.mark.parametrize("raw", ["ten megabytes", "1.5MB", "10TB", "-5", "MB"])
def test_env_size_rejects_what_is_not_a_size_naming_the_variable(raw):
    with pytest.raises(ImproperlyConfigured, match=r"^UPLOAD_MAX_SIZE=.*not a size"):
        env_size("UPLOAD_MAX_SIZE", 1, environ={"UPLOAD_MAX_SIZE": raw})


def test_env_size_rejects_a_size_below_the_minimum():
    with pytest.raises(ImproperlyConfigured, match=r"UPLOAD_MAX_SIZE=100 must be at least 1024 bytes"):
        env_size("UPLOAD_MAX_SIZE", 2048, minimum=1024, environ={"UPLOAD_MAX_SIZE": "100"})


# --- env_database ---------------------------------------------------------------------------------


def test_env_database_reads_a_postgres_url():
    config = env_database(
        "DATABASE_URL", "sqlite:///x.db", environ={"DATABASE_URL": "postgres://emul:pw@db.local:5433/emulation"}
    )
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["USER"], config["PASSWORD"]) == ("emulation", "emul", "pw")
    assert (config["HOST"], config["PORT"]) == ("db.local", 5433)


def test_env_database_falls_back_to_the_sqlite_default():
    config = env_database("DATABASE_URL", "sqlite:////srv/emulation/db.sqlite3", environ={})
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == "/srv/emulation/db.sqlite3"


@pytest.mark.parametrize(
    "raw",
    [
        "mysql://u@db.local/emulation",
        "oracle://u@db.local/emulation",
        "not a url",
        "postgres://u@db.local:notaport/emulation",
        "postgres://u@db.local:5432",
    ],
)
def test_env_database_rejects_unusable_urls_naming_the_variable(raw):
    with pytest.raises(ImproperlyConfigured, match=r"^DATABASE_URL "):
        env_database("DATABASE_URL", "sqlite:///x.db", environ={"DATABASE_URL": raw})


# --- env_redis_url --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", ["redis://127.0.0.1:6379/0", "rediss://:secret@cache.example.vn:6380/1", "unix:///run/redis.sock"]
)
def test_env_redis_url_accepts_redis_schemes(raw):
    assert env_redis_url("REDIS_URL", environ={"REDIS_URL": raw}) == raw


def test_env_redis_url_is_none_when_unset():
    assert env_redis_url("REDIS_URL", environ={}) is None
    assert env_redis_url("REDIS_URL", environ={"REDIS_URL": ""}) is None


@pytest.mark.parametrize("raw", ["http://127.0.0.1:6379", "127.0.0.1:6379", "memcached://cache:11211"])
def test_env_redis_url_rejects_other_schemes_naming_the_variable(raw):
    with pytest.raises(ImproperlyConfigured, match=r"^REDIS_URL="):
        env_redis_url("REDIS_URL", environ={"REDIS_URL": raw})


# --- env_time_zone --------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["Asia/Ho_Chi_Minh", "UTC", "Asia/Bangkok"])
def test_env_time_zone_accepts_known_zones(raw):
    assert env_time_zone("TIME_ZONE", "Asia/Ho_Chi_Minh", environ={"TIME_ZONE": raw}) == raw


def test_env_time_zone_falls_back_to_the_default():
    assert env_time_zone("TIME_ZONE", "Asia/Ho_Chi_Minh", environ={}) == "Asia/Ho_Chi_Minh"


@pytest.mark.parametrize("raw", ["Mars/Base", "GMT+7 please", "../etc/passwd"])
def test_env_time_zone_rejects_unknown_zones_naming_the_variable(raw):
    with pytest.raises(ImproperlyConfigured, match=r"^TIME_ZONE=.*not a known time zone"):
        env_time_zone("TIME_ZONE", "Asia/Ho_Chi_Minh", environ={"TIME_ZONE": raw})


# --- Starting Django ------------------------------------------------------------------------------


def test_notice_emails_go_to_smtp_with_a_host_and_to_files_without():
    backend = printing("settings.EMAIL_BACKEND")
    assert run_python(backend).stdout.strip() == "django.core.mail.backends.filebased.EmailBackend"
    assert (
        run_python(backend, EMAIL_HOST="smtp.example.vn").stdout.strip()
        == "django.core.mail.backends.smtp.EmailBackend"
    )


def test_django_refuses_tls_and_ssl_together():
    result = run_python(DJANGO_SETUP, EMAIL_USE_TLS="true", EMAIL_USE_SSL="true")
    assert result.returncode != 0
    assert "EMAIL_USE_TLS" in result.stderr and "EMAIL_USE_SSL" in result.stderr


def test_django_starts_with_no_variable_set():
    result = run_python(printing("settings.DATABASES['default']['ENGINE']"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.sqlite3"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DEBUG", "maybe"),
        ("DATABASE_URL", "mysql://emul@db.local/emulation"),
        ("REDIS_URL", "http://127.0.0.1:6379/0"),
        ("TIME_ZONE", "Mars/Base"),
        ("ALLOWED_HOSTS", "a,,b"),
        ("CELERY_TASK_TIME_LIMIT", "0"),
        ("UPLOAD_MAX_SIZE", "lots"),
        ("SPREADSHEET_MAX_ROWS", "0"),
        ("SPREADSHEET_MAX_COLUMNS", "many"),
        ("JSON_MAX_DEPTH", "1"),
        ("TRUSTED_PROXIES", "-1"),
        ("TRUSTED_PROXIES", "one"),
        ("LOGIN_FAILURE_LIMIT", "0"),
        ("LOGIN_LOCKOUT_MINUTES", "0"),
        ("EMAIL_PORT", "smtp"),
        ("EMAIL_USE_TLS", "maybe"),
        ("NOTICE_PRIZE_CHECK_SECONDS", "5"),
        ("NOTICE_CLOSING_CHECK_SECONDS", "often"),
    ],
)
def test_django_refuses_to_start_with_a_bad_value_naming_the_variable(variable, value):
    result = run_python(DJANGO_SETUP, **{variable: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr


def test_manage_py_check_fails_on_a_bad_value_naming_the_variable():
    result = run_manage("check", TIME_ZONE="Mars/Base")
    assert result.returncode != 0
    assert "TIME_ZONE" in result.stderr


def test_input_bounds_have_defaults_and_come_from_the_environment():
    bounds = printing(
        "settings.UPLOAD_MAX_SIZE",
        "settings.SPREADSHEET_MAX_ROWS",
        "settings.SPREADSHEET_MAX_COLUMNS",
        "settings.JSON_MAX_DEPTH",
        "settings.FILE_UPLOAD_HANDLERS[0]",
        "settings.REST_FRAMEWORK['DEFAULT_PARSER_CLASSES'][0]",
    )
    defaults = run_python(bounds)
    assert defaults.returncode == 0, defaults.stderr
    assert defaults.stdout.splitlines() == [
        str(10 * 1024 * 1024),
        "100000",
        "200",
        "32",
        "core.parsers.UploadLimitHandler",
        "core.parsers.BoundedJSONParser",
    ]
    changed = run_python(
        bounds, UPLOAD_MAX_SIZE="25MB", SPREADSHEET_MAX_ROWS="500000", SPREADSHEET_MAX_COLUMNS="50", JSON_MAX_DEPTH="16"
    )
    assert changed.returncode == 0, changed.stderr
    assert changed.stdout.splitlines()[:4] == [str(25 * 1024 * 1024), "500000", "50", "16"]


def test_logins_have_defaults_and_come_from_the_environment():
    logins = printing(
        "settings.TRUSTED_PROXIES",
        "settings.REST_FRAMEWORK['NUM_PROXIES']",
        "settings.AXES_FAILURE_LIMIT",
        "int(settings.AXES_COOLOFF_TIME.total_seconds())",
        "settings.AXES_CLIENT_IP_CALLABLE",
    )
    defaults = run_python(logins)
    assert defaults.returncode == 0, defaults.stderr
    assert defaults.stdout.splitlines() == ["0", "0", "5", "900", "accounts.addresses.client_address"]
    changed = run_python(logins, TRUSTED_PROXIES="1", LOGIN_FAILURE_LIMIT="10", LOGIN_LOCKOUT_MINUTES="60")
    assert changed.returncode == 0, changed.stderr
    assert changed.stdout.splitlines()[:4] == ["1", "1", "10", "3600"]


def test_celery_runs_tasks_eagerly_without_redis():
    result = run_python(printing("settings.CELERY_TASK_ALWAYS_EAGER"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_celery_uses_redis_as_broker_when_redis_url_is_set():
    code = printing(
        "settings.CELERY_TASK_ALWAYS_EAGER", "settings.CELERY_BROKER_URL", "settings.CACHES['default']['BACKEND']"
    )
    result = run_python(code, REDIS_URL="redis://127.0.0.1:6379/3")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "False",
        "redis://127.0.0.1:6379/3",
        "django.core.cache.backends.redis.RedisCache",
    ]


# --- Production -----------------------------------------------------------------------------------


def test_production_passes_the_deployment_checks():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_turns_debug_off_and_secures_cookies():
    code = printing(
        "settings.DEBUG",
        "settings.SESSION_COOKIE_SECURE",
        "settings.CSRF_COOKIE_SECURE",
        "settings.SECURE_SSL_REDIRECT",
        "settings.SECURE_HSTS_SECONDS",
        "settings.ALLOWED_HOSTS",
    )
    result = run_python(code, **PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["False", "True", "True", "True", "31536000", "['thidua.bhxh.example.vn']"]


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"SECRET_KEY": "too-short"}, "SECRET_KEY"),
        ({"DEBUG": "true"}, "DEBUG"),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS"),
        ({"DATABASE_URL": "sqlite:////srv/emulation/db.sqlite3"}, "DATABASE_URL"),
        ({"DATABASE_URL": None}, "DATABASE_URL"),
        ({"REDIS_URL": None}, "REDIS_URL"),
    ],
    ids=[
        "no-secret-key",
        "short-secret-key",
        "debug-on",
        "no-allowed-hosts",
        "sqlite",
        "no-database-url",
        "no-redis-url",
    ],
)
def test_production_refuses_to_start_without_what_it_needs(change, named):
    env = {**PRODUCTION_ENV, **{key: value for key, value in change.items() if value is not None}}
    for key, value in change.items():
        if value is None:
            del env[key]
    result = run_python(DJANGO_SETUP, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr
