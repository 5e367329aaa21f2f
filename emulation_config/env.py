"""Typed readers for settings taken from the environment.

Every reader raises ``ImproperlyConfigured`` with the variable's name and what
was wrong, so that a bad deployment fails at start instead of misbehaving later.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_UNSET = object()


def _raw(name: str, environ: Mapping[str, str] | None) -> str | None:
    value = (os.environ if environ is None else environ).get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def env_str(name: str, default: Any = _UNSET, *, environ: Mapping[str, str] | None = None) -> str:
    value = _raw(name, environ)
    if value is None:
        if default is _UNSET:
            raise ImproperlyConfigured(f"{name} must be set.")
        return default
    return value


def env_bool(name: str, default: bool, *, environ: Mapping[str, str] | None = None) -> bool:
    value = _raw(name, environ)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean; use one of {sorted(_TRUE | _FALSE)}.")


def env_int(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    value = _raw(name, environ)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} must be at least {minimum}.")
    return number


_SIZE = re.compile(r"(\d+)\s*(?:([kmg])i?)?b?", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def env_size(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    """A size in bytes, written as a whole number of bytes or with a unit: ``10MB``,
    ``512 KB``, ``1G`` (units count in 1024s)."""
    value = _raw(name, environ)
    if value is None:
        return default
    match = _SIZE.fullmatch(value)
    if match is None:
        raise ImproperlyConfigured(f"{name}={value!r} is not a size; write bytes or e.g. 512KB, 10MB, 1GB.")
    size = int(match.group(1)) * _SIZE_UNITS[(match.group(2) or "").lower()]
    if minimum is not None and size < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be at least {minimum} bytes.")
    return size


def env_list(name: str, default: list[str], *, environ: Mapping[str, str] | None = None) -> list[str]:
    value = _raw(name, environ)
    if value is None:
        return list(default)
    items = [item.strip() for item in value.split(",")]
    if any(not item for item in items):
        raise ImproperlyConfigured(f"{name}={value!r} has an empty item; separate values with single commas.")
    return items


def env_database(name: str, default: str, *, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Parse a database URL (``postgres://…``, ``sqlite:///…``) into a DATABASES entry."""
    value = _raw(name, environ) or default
    try:
        config = dj_database_url.parse(value, conn_max_age=0)
    except (ValueError, KeyError) as exc:
        raise ImproperlyConfigured(f"{name} is not a usable database URL: {exc}") from None
    engine = config.get("ENGINE", "")
    if engine not in {"django.db.backends.postgresql", "django.db.backends.sqlite3"}:
        raise ImproperlyConfigured(f"{name} must point at PostgreSQL or SQLite, not {engine or value!r}.")
    if engine.endswith("postgresql") and not config.get("NAME"):
        raise ImproperlyConfigured(f"{name} must name a database, e.g. postgres://user@host:5432/emulation.")
    return config


def env_redis_url(name: str, *, environ: Mapping[str, str] | None = None) -> str | None:
    value = _raw(name, environ)
    if value is None:
        return None
    if not value.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(f"{name}={value!r} must start with redis://, rediss:// or unix://.")
    return value


def env_time_zone(name: str, default: str, *, environ: Mapping[str, str] | None = None) -> str:
    value = _raw(name, environ) or default
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(f"{name}={value!r} is not a known time zone.") from None
    return value
