"""Running a benchmark script at a tiny scale, in a database of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from bench import benchdb

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def run_bench():
    """``run_bench(script, name, *args)``: run ``bench/<script>`` on the PostgreSQL
    server the tests use, with ``--database`` naming a database of its own (this
    run's database name, the test process and ``name``; dropped afterwards), and
    return its standard output once it has exited 0."""
    made = []

    def run(script: str, name: str, *args: str, timeout: float = 300) -> str:
        base = settings.DATABASES["default"]["NAME"].removeprefix("test_")
        database = f"{base}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{name}"[:63]
        made.append(benchdb.bench_database_url(database))
        env = {**os.environ}
        env.pop("REDIS_URL", None)  # the scripts need no broker: Celery runs eagerly
        done = subprocess.run(  # noqa: S603 - this interpreter and a script of the repository
            [sys.executable, str(ROOT / "bench" / script), "--database", database, *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, f"{script} exited {done.returncode}:\n{done.stdout}\n{done.stderr[-3000:]}"
        return done.stdout

    yield run
    for url in made:
        benchdb.drop_database(url)
