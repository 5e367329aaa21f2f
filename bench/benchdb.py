"""The benchmarks' own PostgreSQL databases: each script works in a database of
its own, dropped and created afresh, on the server DATABASE_URL points at."""

from __future__ import annotations

import os
import sys
from urllib.parse import urlsplit, urlunsplit


def bench_database_url(name: str) -> str:
    """DATABASE_URL with its database replaced by ``name``; exits unless it is PostgreSQL."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres")
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _server(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def recreate_database(url: str) -> None:
    """Drop the database ``url`` names (ending its sessions) and create it empty."""
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(_server(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def database_exists(url: str) -> bool:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(_server(url), autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def drop_database(url: str) -> None:
    """Drop the database ``url`` names, if it exists (ending its sessions)."""
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(_server(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
