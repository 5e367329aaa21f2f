"""Export jobs: Excel workbooks built by a Celery worker, tracked in ``ExportJob``.

A job moves queued → running → done | failed (``EXPORT_MOVES``). Requesting one
validates its parameters and the requester's right to them, stores the job and
queues ``core.tasks.run_export`` once the transaction commits. Running one
claims it with a conditional update (queued → running: one worker wins, a job
already running or finished is left alone), writes the workbook into a
temporary file and stores it in the row — done, with its rows and size — or
records why it failed. Web and worker machines share no disk, only the
database, which is why the file lives in the row.

A worker killed mid-job leaves the job running with no file. The task is
delivered again (acks late); a running job whose start lies further back than
the task's hard time limit cannot still be running anywhere, so that delivery
may claim it again. Nothing is half-written: the file and the done status are
stored in one update.

What a kind takes, who may ask for it and what it writes come from the registry
(``core.export_kinds``) that each app fills with the kinds of its own data.
"""

from __future__ import annotations

import logging
import tempfile
from datetime import timedelta
from functools import partial
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

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

__all__ = [
    "EXPORT_MOVES",
    "ExportKind",
    "ExportParams",
    "export_job_request",
    "export_job_run",
    "export_job_visible",
    "export_jobs_of",
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
    # running → running: a job whose worker died is claimed again (see the module docstring).
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


def _claim(job_id: int, now) -> bool:
    if _move(job_id, from_status=ExportJob.Status.QUEUED, to_status=ExportJob.Status.RUNNING, started_at=now):
        return True
    # A job still running after the task's hard time limit lost its worker.
    stale = Q(started_at__lt=now - timedelta(seconds=settings.EXPORT_TIME_LIMIT))
    return _move(
        job_id, from_status=ExportJob.Status.RUNNING, to_status=ExportJob.Status.RUNNING, only=stale, started_at=now
    )


def _fail(job_id: int, started_at, message: str) -> None:
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
    elsewhere or already finished)."""
    now = timezone.now()
    if not _claim(job_id, now):
        return None
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
    return ExportJob.objects.defer("content").get(pk=job_id)


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
    jobs of a kind they hold the full right to (e.g. every enrollment)."""
    if not user.is_authenticated:
        return False
    if job.requested_by_id == user.pk:
        return True
    try:
        spec = export_kind(job.kind)
    except LookupError:
        return False
    return user.has_perm("core.view_exportjob") and user.has_perm(spec.full_access)
