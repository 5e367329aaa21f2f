"""Export jobs: Excel workbooks built by a Celery worker, tracked in ``ExportJob``.

A job moves queued → running → done | failed (``EXPORT_MOVES``). Requesting one
validates its parameters and the requester's right to them, stores the job and
queues ``core.tasks.run_export`` once the transaction commits. Running one
claims it with a conditional update (queued → running: one worker wins, a job
already running or finished is left alone), writes the workbook into a
temporary file and stores it in the row — done, with its rows and size — or
records why it failed. Web and worker machines share no disk, only the
database, which is why the file lives in the row.

A worker killed mid-job leaves the job running with no file. While an attempt
runs, a heartbeat in the shared cache says it is alive (``Heartbeat``); once the
heartbeat has stopped for ``EXPORT_STALE_SECONDS``, the attempt is lost and a
delivery of the task may claim the job again (running → running, a new start).
The delivery that comes at once, when the worker's pool lost the process, finds
the heartbeat still fresh and leaves the job; the periodic sweep
(``export_jobs_requeue_lost``, run by beat) queues the task again once the
attempt is lost, and so also when a whole worker machine died and its
unacknowledged task waits for the broker's visibility timeout. After
``EXPORT_MAX_ATTEMPTS`` attempts a lost job fails instead: an export that kills
its worker each time is not tried forever. Each attempt has its start as its
token: only the attempt that holds the job stores its outcome, so a lost
attempt that was in fact still going finishes without writing. Nothing is
half-written: the workbook is built in an anonymous temporary file that dies
with its process, and the file and the done status are stored in one update.
(The workbook writer keeps its sheets' rows in temporary files of a directory
of its own, removed when the workbook is written or given up; a killed process
leaves that directory behind in the temporary directory.)

What a kind takes, who may ask for it and what it writes come from the registry
(``core.export_kinds``) that each app fills with the kinds of its own data. A
kind's check holds the requester to their reach (``core.reach``): it runs when
the job is asked for and again when it runs, as the requester's rights and
units may have changed in between; and the writer reads through the same
reach-scoped selectors as the API.
"""

from __future__ import annotations

import logging
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from enum import Enum
from functools import partial
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache, caches
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.errors import InvalidTransition
from core.export_kinds import (
    ExportKind,
    ExportParams,
    export_kind,
    export_kind_choices,
    export_kinds,
    register_export_kind,
)
from core.models import ExportJob
from core.reach import reach_allows, reach_of

__all__ = [
    "EXPORT_MOVES",
    "ExportKind",
    "ExportParams",
    "Heartbeat",
    "export_job_alive",
    "export_job_request",
    "export_job_run",
    "export_job_visible",
    "export_jobs_of",
    "export_jobs_requeue_lost",
    "export_kind",
    "export_kind_choices",
    "export_kinds",
    "export_params",
    "fully_readable_kinds",
    "inline_max_rows",
    "register_export_kind",
]

logger = logging.getLogger(__name__)

ERROR_MAX_CHARS = 2_000

EXPORT_MOVES: dict[str, set[str]] = {
    ExportJob.Status.QUEUED: {ExportJob.Status.RUNNING, ExportJob.Status.FAILED},
    # running → running: a lost attempt's job is claimed again; running → failed: after the last
    # attempt is lost, as when the workbook cannot be written (see the module docstring).
    ExportJob.Status.RUNNING: {ExportJob.Status.RUNNING, ExportJob.Status.DONE, ExportJob.Status.FAILED},
    ExportJob.Status.DONE: set(),
    ExportJob.Status.FAILED: set(),
}


# --- Parameters ------------------------------------------------------------------------


def _parsed(kind: ExportKind, params: Any) -> ExportParams:
    """The parameters, validated; ValidationError with a message per parameter."""
    if not isinstance(params, dict):
        raise ValidationError({"params": [_("The parameters must be an object.")]})
    form = kind.params(params)
    unknown = sorted(set(params) - set(form.fields))
    errors = {name: [_("Unknown parameter.")] for name in unknown}
    if not form.is_valid():
        for name, messages in form.errors.items():
            errors.setdefault(name, []).extend(str(message) for message in messages)
    if errors:
        raise ValidationError(errors)
    return form


def export_params(*, kind: str, params: Any) -> ExportParams:
    """The parameters of a ``kind`` job, validated (ValidationError with a message per parameter)."""
    return _parsed(export_kind(kind), params)


# --- Services ---------------------------------------------------------------------------


def _enqueue(job_id: int) -> None:
    from core.tasks import run_export

    run_export.delay(job_id)


@transaction.atomic
def export_job_request(*, kind: str, params: Any, by) -> ExportJob:
    """Validate and store a job for ``by``, and queue it once the transaction commits.

    Raises ValidationError (unknown kind; a message per bad parameter) or
    PermissionDenied (``by`` may not have this export)."""
    try:
        spec = export_kind(kind)
    except LookupError:
        raise ValidationError({"kind": [_("Unknown export kind.")]}) from None
    form = _parsed(spec, params if params is not None else {})
    spec.check(by, form)
    job = ExportJob(kind=kind, params=form.stored(), requested_by=by, filename=spec.filename(form))
    job.full_clean()
    job.save()
    transaction.on_commit(partial(_enqueue, job.pk))
    return job


def _move(job_id: int, *, from_status: str, to_status: str, only: Q | None = None, **fields) -> bool:
    """Move the job from ``from_status`` (and matching ``only``) to ``to_status``
    in one conditional update; False when it was not in that state (someone else moved it)."""
    if to_status not in EXPORT_MOVES[from_status]:
        raise InvalidTransition(f"An export job cannot go from {from_status} to {to_status}.")
    condition = Q(pk=job_id, status=from_status) & (only or Q())
    return ExportJob.objects.filter(condition).update(status=to_status, **fields) == 1


# --- Attempts: heartbeats, lost attempts, claims ---------------------------------------------

# How long the cache keeps a job's count of attempts and the mark that its lost attempt was queued again.
_MEMORY_SECONDS = 24 * 3600


def _setting(name: str):
    """EXPORT_HEARTBEAT_SECONDS, EXPORT_STALE_SECONDS or EXPORT_MAX_ATTEMPTS, read when used (tests change them)."""
    return getattr(settings, name)


def _token(started_at: datetime) -> str:
    return started_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%f")


def _alive_key(job_id: int, started_at: datetime) -> str:
    return f"core.export:{job_id}:{_token(started_at)}:alive"


def _requeued_key(job_id: int, started_at: datetime) -> str:
    return f"core.export:{job_id}:{_token(started_at)}:requeued"


def _attempts_key(job_id: int) -> str:
    return f"core.export:{job_id}:attempts"


class Heartbeat:
    """While open, says that the attempt at the job started at ``started_at`` is
    alive: a cache key, set again every ``EXPORT_HEARTBEAT_SECONDS`` by a thread
    and expiring ``EXPORT_STALE_SECONDS`` after the last time. A thread beats, so
    a long query or a slow writer does not stop it; its process dying does.
    Closed, the key is removed."""

    def __init__(self, job_id: int, started_at: datetime) -> None:
        self.key = _alive_key(job_id, started_at)
        # The beating thread borrows this thread's cache: Django would give it a connection
        # of its own, which nothing closes when the thread ends.
        self._cache = caches["default"]
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"export-heartbeat-{job_id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._beat()
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stopped.set()
        self._thread.join()
        try:
            self._cache.delete(self.key)
        except Exception:
            logger.warning("Could not remove the export heartbeat %s", self.key, exc_info=True)

    def _run(self) -> None:
        while not self._stopped.wait(_setting("EXPORT_HEARTBEAT_SECONDS")):
            self._beat()

    def _beat(self) -> None:
        try:
            self._cache.set(self.key, 1, timeout=_setting("EXPORT_STALE_SECONDS"))
        except Exception:
            # A missed beat or two are harmless; the attempt is lost only after EXPORT_STALE_SECONDS without one.
            logger.warning("Could not record the export heartbeat %s", self.key, exc_info=True)


def export_job_alive(*, job_id: int, started_at: datetime) -> bool:
    """Whether the attempt at the job started at ``started_at`` beat within ``EXPORT_STALE_SECONDS``."""
    return cache.get(_alive_key(job_id, started_at)) is not None


def _lost(job_id: int, started_at: datetime, now: datetime) -> bool:
    """The attempt started at ``started_at`` is lost: it has not beaten for
    ``EXPORT_STALE_SECONDS`` (its first beat follows its start at once), or it
    started further back than the task's hard time limit."""
    if started_at < now - timedelta(seconds=settings.EXPORT_TIME_LIMIT):
        return True
    stale = started_at < now - timedelta(seconds=_setting("EXPORT_STALE_SECONDS"))
    return stale and not export_job_alive(job_id=job_id, started_at=started_at)


class _Claim(Enum):
    NOT_OURS = "not ours"  # no such job, running elsewhere or finished
    RUN = "run"  # claimed for an attempt started now
    GAVE_UP = "gave up"  # failed: its last attempt was lost


def _claim(job_id: int, now: datetime) -> _Claim:
    """Claim the job for an attempt started ``now``: a queued job, or a running one
    whose attempt is lost. A lost job that had its last attempt fails instead."""
    if _move(job_id, from_status=ExportJob.Status.QUEUED, to_status=ExportJob.Status.RUNNING, started_at=now):
        cache.set(_attempts_key(job_id), 1, timeout=_MEMORY_SECONDS)
        return _Claim.RUN
    running = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.RUNNING)
    started_at = running.values_list("started_at", flat=True).first()
    if started_at is None or not _lost(job_id, started_at, now):
        return _Claim.NOT_OURS
    attempts = cache.get(_attempts_key(job_id)) or 1
    if attempts >= _setting("EXPORT_MAX_ATTEMPTS"):
        logger.error("Export job %s lost its worker %d times; it is not tried again", job_id, attempts)
        message = ngettext(
            "The export was interrupted %(n)d time: its worker stopped before it finished.",
            "The export was interrupted %(n)d times: its worker stopped before it finished.",
            attempts,
        )
        _fail(job_id, started_at, message % {"n": attempts})
        return _Claim.GAVE_UP
    claimed = _move(
        job_id,
        from_status=ExportJob.Status.RUNNING,
        to_status=ExportJob.Status.RUNNING,
        only=Q(started_at=started_at),
        started_at=now,
    )
    if claimed:
        logger.warning("Export job %s lost its worker; attempt %d starts", job_id, attempts + 1)
        cache.set(_attempts_key(job_id), attempts + 1, timeout=_MEMORY_SECONDS)
        return _Claim.RUN
    return _Claim.NOT_OURS


def export_jobs_requeue_lost(*, now: datetime | None = None) -> list[int]:
    """Queue the task again for each running job whose attempt is lost (beat runs
    this every ``EXPORT_SWEEP_SECONDS``); returns their ids. Once per lost
    attempt: the broker keeps that message until a worker takes it, and the
    claim decides again whether the job is lost."""
    now = now or timezone.now()
    since = now - timedelta(seconds=_setting("EXPORT_STALE_SECONDS"))
    candidates = ExportJob.objects.filter(status=ExportJob.Status.RUNNING, started_at__lt=since)
    requeued = []
    for job_id, started_at in candidates.values_list("pk", "started_at").order_by("pk"):
        if _lost(job_id, started_at, now) and cache.add(_requeued_key(job_id, started_at), 1, _MEMORY_SECONDS):
            logger.warning("Export job %s lost its worker; its task is queued again", job_id)
            _enqueue(job_id)
            requeued.append(job_id)
    return requeued


def _fail(job_id: int, started_at: datetime, message: str) -> None:
    _move(
        job_id,
        from_status=ExportJob.Status.RUNNING,
        to_status=ExportJob.Status.FAILED,
        only=Q(started_at=started_at),
        error=message[:ERROR_MAX_CHARS],
        finished_at=timezone.now(),
    )


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or type(exc).__name__


def export_job_run(*, job_id: int) -> ExportJob | None:
    """Build the job's workbook, once. Returns the job as it ends (done or
    failed), or None when this call did nothing (no such job, or it is running
    elsewhere or already finished). While it runs, its heartbeat beats."""
    now = timezone.now()
    claim = _claim(job_id, now)
    if claim is _Claim.NOT_OURS:
        return None
    if claim is _Claim.RUN:
        with Heartbeat(job_id, now):
            _build(job_id, now)
    return ExportJob.objects.defer("content").get(pk=job_id)


def _build(job_id: int, now: datetime) -> None:
    """Write the workbook of the job claimed at ``now`` and store it with the done
    status in one update, or record why it failed."""
    job = ExportJob.objects.defer("content").select_related("requested_by").get(pk=job_id)
    try:
        spec = export_kind(job.kind)
        user = job.requested_by
        if user is None or not user.is_active:
            raise PermissionDenied(_("The user who asked for this export no longer has an account."))
        # Checked again: the phase may be gone, the requester's rights taken away since.
        form = _parsed(spec, job.params)
        spec.check(user, form)
        with tempfile.TemporaryFile() as output:
            rows = spec.write(output, form, user)
            size = output.seek(0, 2)
            output.seek(0)
            content = output.read()
    except SoftTimeLimitExceeded:
        _fail(job_id, now, _("The export took longer than %(n)d seconds.") % {"n": settings.EXPORT_SOFT_TIME_LIMIT})
    except (ValidationError, PermissionDenied) as exc:
        _fail(job_id, now, _message(exc))
    except Exception as exc:
        logger.exception("Export job %s (%s) failed", job_id, job.kind)
        _fail(job_id, now, f"{type(exc).__name__}: {exc}")
    else:
        _move(
            job_id,
            from_status=ExportJob.Status.RUNNING,
            to_status=ExportJob.Status.DONE,
            only=Q(started_at=now),
            content=content,
            size=size,
            rows=rows,
            finished_at=timezone.now(),
        )


def inline_max_rows() -> int:
    """Exports larger than this are built by a worker, not inline in a request."""
    return settings.EXPORT_INLINE_MAX_ROWS


# --- Reads -------------------------------------------------------------------------------


def export_jobs_of(user) -> QuerySet[ExportJob]:
    """The user's own jobs, newest first, without their files."""
    return ExportJob.objects.filter(requested_by=user).defer("content").order_by("-created_at", "-pk")


def fully_readable_kinds(user) -> list[str]:
    """The kinds of which ``user`` may read anybody's jobs (given the view permission on export jobs)."""
    return [kind.name for kind in export_kinds() if user.has_perm(kind.full_access)]


def export_job_visible(*, job: ExportJob, user) -> bool:
    """The requester sees their job; staff with the view permission see others'
    jobs of a kind they hold the full right to (e.g. every enrollment), asked
    for by staff of a unit within their reach (``core.reach``)."""
    if not user.is_authenticated:
        return False
    if job.requested_by_id == user.pk:
        return True
    try:
        spec = export_kind(job.kind)
    except LookupError:
        return False
    return (
        user.has_perm("core.view_exportjob") and user.has_perm(spec.full_access) and reach_allows(job, reach_of(user))
    )
