"""Export tasks on a real Celery worker on Redis, whose pool process is killed
mid-export: the job is picked up again once its heartbeat has stopped, and ends
with one whole workbook, or fails after its last attempt; nothing half-written.

The worker is a process of its own (``serve``), started by these tests with the
project's Celery app, its prefork pool and embedded beat, against the test
database: a kind of export that writes slowly is registered in it, and its
heartbeat and sweep are made short. These tests commit for real (transactional).
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django import forms
from django.conf import settings
from django.db import connection
from django.utils import translation
from django.utils.translation import ngettext
from openpyxl import Workbook, load_workbook

from core.export_kinds import ExportKind, register_export_kind
from core.models import ExportJob
from core.tasks import requeue_lost_exports, run_export
from emulation_config.celery import app
from tests.factories import UserFactory

ROWS = 30
ROW_SECONDS = 0.1  # three seconds a workbook: long enough to be killed in the middle
WAIT_SECONDS = 40


class _MarkerParams(forms.Form):
    """The slow kind's one parameter: the file each attempt appends its process id to."""

    marker = forms.CharField()

    def stored(self) -> dict:
        return dict(self.cleaned_data)


def _write_slowly(output, params, user) -> int:
    with open(params.cleaned_data["marker"], "a") as marker:
        marker.write(f"{os.getpid()}\n")
    workbook = Workbook()
    sheet = workbook.active
    for n in range(ROWS):
        sheet.append([n, os.getpid()])
        time.sleep(ROW_SECONDS)
    workbook.save(output)
    return ROWS


SLOW = ExportKind(
    name="slow",
    label="Slow",
    params=_MarkerParams,
    check=lambda user, params: None,
    full_access="core.view_exportjob",
    write=_write_slowly,
    filename=lambda params: "slow.xlsx",
)


def serve(schedule: str) -> None:
    """The worker process: the project's app with the slow kind, a heartbeat every
    0.2 s, an attempt lost after 2 s without one, two attempts at most, and beat
    sweeping every 0.5 s. Django is set up already (see ``worker``)."""
    register_export_kind(SLOW)
    settings.EXPORT_HEARTBEAT_SECONDS = 0.2
    settings.EXPORT_STALE_SECONDS = 2
    settings.EXPORT_MAX_ATTEMPTS = 2
    sweep = app.conf.beat_schedule["requeue-lost-exports"]
    app.conf.beat_schedule = {"requeue-lost-exports": {**sweep, "schedule": 0.5}}
    app.worker_main(
        [
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "--beat",
            f"--schedule-filename={schedule}",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
        ]
    )


class Worker:
    """The worker process, its output and its temporary directory."""

    def __init__(self, process: subprocess.Popen, log: Path, tmp: Path) -> None:
        self.process, self.log, self.tmp = process, log, tmp

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


@pytest.fixture
def worker(tmp_path, celery_eager):
    """The worker process (``serve``) on the test database and the test's Redis,
    stopped with its pool and beat at the end."""
    celery_eager.conf.task_always_eager = False
    app.control.purge()  # nothing left over from an earlier run
    database = urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{connection.settings_dict['NAME']}")
    tmp = tmp_path / "worker-tmp"
    tmp.mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": urlunsplit(database),
        "REDIS_URL": settings.REDIS_URL,  # under pytest-xdist, this test process's own Redis database
        "TMPDIR": str(tmp),
    }
    log = tmp_path / "worker.log"
    code = f"import django; django.setup(); from tests.core.test_tasks import serve; serve({str(tmp_path / 'beat')!r})"
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603 - this interpreter, this module
            [sys.executable, "-c", code],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the pool and beat are stopped with it
        )
    try:
        yield Worker(process, log, tmp)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        app.control.purge()


def _slow_job(tmp_path) -> tuple[ExportJob, Path]:
    marker = tmp_path / "attempts"
    marker.touch()
    job = ExportJob.objects.create(
        kind="slow", params={"marker": str(marker)}, requested_by=UserFactory(), filename="slow.xlsx"
    )
    return job, marker


def _attempts(marker: Path) -> list[int]:
    return [int(line) for line in marker.read_text().split()]


def _wait_for(condition, worker: Worker, what: str):
    deadline = time.monotonic() + WAIT_SECONDS
    while not (result := condition()):
        assert worker.process.poll() is None, f"the worker stopped:\n{worker.output()}"
        assert time.monotonic() < deadline, f"{what} did not happen within {WAIT_SECONDS} s:\n{worker.output()}"
        time.sleep(0.05)
    return result


def _kill_attempt(marker: Path, worker: Worker, number: int) -> int:
    """Kill -9 the pool process running attempt ``number`` once it has started writing."""
    pid = _wait_for(lambda: len(_attempts(marker)) >= number and _attempts(marker)[number - 1], worker, "the attempt")
    os.kill(pid, signal.SIGKILL)
    return pid


def _job(job: ExportJob) -> ExportJob:
    return ExportJob.objects.get(pk=job.pk)


# --- The schedule and the broker ----------------------------------------------------------


def test_beat_sweeps_the_exports_whose_worker_was_lost_every_half_minute():
    assert app.conf.beat_schedule["requeue-lost-exports"] == {"task": requeue_lost_exports.name, "schedule": 30}


def test_redis_hands_a_task_to_another_worker_only_once_it_is_past_its_hard_time_limit():
    limits = {name: task.time_limit or app.conf.task_time_limit for name, task in app.tasks.items()}
    assert limits["campaigns.run_export"] == settings.EXPORT_TIME_LIMIT
    assert app.conf.broker_transport_options["visibility_timeout"] > max(limits.values())


# --- A real worker, killed -------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_an_export_whose_worker_process_is_killed_finishes_with_one_whole_workbook(tmp_path, worker):
    job, marker = _slow_job(tmp_path)
    run_export.delay(job.pk)

    killed = _kill_attempt(marker, worker, 1)
    lost = _job(job)
    assert (lost.status, lost.content, lost.error) == ("running", None, "")

    done = _wait_for(lambda: (row := _job(job)).status != "running" and row, worker, "the second attempt")
    assert done.status == "done", done.error
    first, second = _attempts(marker)  # one attempt killed, one that finished, no more
    assert first == killed
    assert second != killed
    assert done.started_at > lost.started_at
    content = bytes(done.content)
    assert (done.size, done.rows) == (len(content), ROWS)
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert rows == [(n, second) for n in range(ROWS)]  # every row from the attempt that finished
    assert ExportJob.objects.count() == 1
    # The killed attempt's workbook died with its process (the pool keeps a directory there).
    assert [path for path in worker.tmp.rglob("*") if not path.is_dir()] == []


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_an_export_whose_worker_is_killed_at_every_attempt_fails_after_the_last(tmp_path, worker):
    job, marker = _slow_job(tmp_path)
    run_export.delay(job.pk)

    killed = [_kill_attempt(marker, worker, 1), _kill_attempt(marker, worker, 2)]

    failed = _wait_for(lambda: (row := _job(job)).status != "running" and row, worker, "giving up")
    assert failed.status == "failed"
    with translation.override(settings.LANGUAGE_CODE):  # the worker's language
        expected = ngettext(
            "The export was interrupted %(n)d time: its worker stopped before it finished.",
            "The export was interrupted %(n)d times: its worker stopped before it finished.",
            2,
        )
    assert failed.error == expected % {"n": 2}
    assert (failed.content, failed.size, failed.rows) == (None, None, None)
    assert failed.finished_at is not None
    assert _attempts(marker) == killed  # no third attempt
