"""Enrollment imports as tracked jobs: asked for by staff, run by a worker.

A job moves queued → running → done | failed. Running claims it with a
conditional update (one worker wins); the file is then read as a stream and
taken in chunks of ``ENROLLMENT_IMPORT_CHUNK_ROWS`` rows, each committed in one
transaction with the job's progress (rows read, created, unchanged, errors and
the rows' error reports) and its heartbeat. An attempt that stops — its worker
lost, its time limit reached — leaves the job where its last chunk left it:

- a running job whose heartbeat is older than ``ENROLLMENT_IMPORT_STALE_SECONDS``
  is claimed again by the next delivery of its task, which the periodic sweep
  (``enrollment_imports_resume_lost``) sends, and resumes after the rows read;
- a failed job is resumed by staff (``enrollment_import_resume``).

Since a receipt number already imported is unchanged, reading a chunk again
could never create a receipt twice either. The requester's reach is checked
when the job is asked for and again whenever it runs.
"""

from __future__ import annotations

import io
import logging
from datetime import datetime, timedelta
from functools import partial
from itertools import islice
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from campaigns.models import Campaign
from core.errors import InvalidTransition
from core.parsers import upload_size_error
from core.reach import Reach, reach_of, require_reach
from core.spreadsheets import Row, SpreadsheetError, is_workbook, stream_rows
from enrollments.history.columns import COLUMNS, HEADERS, row_item, shape_errors
from enrollments.history.intake import IMPORTABLE, Participants, conflict_message, enrollments_import
from enrollments.models import EnrollmentImport, EnrollmentImportError
from enrollments.signals import scores_reloading

logger = logging.getLogger(__name__)

ERROR_MAX_CHARS = 2_000

# Where the intake reports an item's errors: the file's columns, by the item's field names.
FIELD_HEADERS = HEADERS


def _rows(content: bytes) -> Any:
    return stream_rows(
        io.BytesIO(content),
        COLUMNS,
        max_rows=settings.ENROLLMENT_IMPORT_MAX_ROWS,
        max_size=settings.ENROLLMENT_IMPORT_MAX_SIZE,
    )


def _estimated_rows(content: bytes) -> int:
    """About how many rows the file has, for the progress bar (a workbook's declared size, a CSV's lines)."""
    if is_workbook(content[:4]):
        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True)
            try:
                return max((workbook.worksheets[0].max_row or 1) - 1, 0)
            finally:
                workbook.close()
        except Exception:  # the reader tells what is wrong when the job runs
            return 0
    return max(content.count(b"\n") - (1 if content.endswith(b"\n") else 0), 0)


def _enqueue(job_id: int) -> None:
    from enrollments.tasks import run_enrollment_import

    run_enrollment_import.delay(job_id)


# --- asking for an import -----------------------------------------------------------------


@transaction.atomic
def enrollment_import_request(*, campaign: Campaign, file, by, reach: Reach | None = None) -> EnrollmentImport:
    """Store the file as an import into ``campaign`` for ``by`` and queue it once the
    transaction commits. Raises OutOfReach for a campaign outside the user's reach,
    ValidationError (a message per field) for a campaign that takes no import or a
    file that is too large or cannot be read (its header is checked now; its rows
    when it runs)."""
    reach = reach if reach is not None else reach_of(by)
    require_reach(campaign, reach)
    errors: dict[str, list[str]] = {}
    if campaign.status not in IMPORTABLE:
        errors["campaign"] = [_("This campaign takes no enrollment import.")]
    size = getattr(file, "size", None)
    message = upload_size_error(size, limit=settings.ENROLLMENT_IMPORT_MAX_SIZE) if size is not None else None
    content = b"" if message else file.read()
    if not message:
        message = upload_size_error(len(content), limit=settings.ENROLLMENT_IMPORT_MAX_SIZE)
    if not message:
        rows = _rows(content)
        try:
            next(rows, None)
        except SpreadsheetError as exc:
            message = str(exc)
        finally:
            rows.close()
    if message:
        errors["file"] = [message]
    if errors:
        raise ValidationError(errors)
    job = EnrollmentImport(
        campaign=campaign,
        requested_by=by,
        filename=str(getattr(file, "name", "") or "import")[:200],
        content=content,
        size=len(content),
        estimated_rows=_estimated_rows(content),
    )
    job.full_clean(exclude=["content"])
    job.save()
    transaction.on_commit(partial(_enqueue, job.pk))
    return job


@transaction.atomic
def enrollment_import_resume(*, job: EnrollmentImport, by, reach: Reach | None = None) -> EnrollmentImport:
    """Queue a failed import again: it goes on after the rows it had read."""
    locked = EnrollmentImport.objects.select_for_update().select_related("campaign").get(pk=job.pk)
    require_reach(locked.campaign, reach if reach is not None else reach_of(by))
    if locked.status != EnrollmentImport.Status.FAILED:
        raise InvalidTransition(_("Only a failed import can be resumed."))
    locked.status, locked.error, locked.attempts, locked.finished_at = EnrollmentImport.Status.QUEUED, "", 0, None
    locked.save(update_fields=["status", "error", "attempts", "finished_at"])
    transaction.on_commit(partial(_enqueue, locked.pk))
    return locked


# --- running it ---------------------------------------------------------------------------


def _stale(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.ENROLLMENT_IMPORT_STALE_SECONDS)


def _claim(job_id: int, now: datetime) -> bool:
    """Claim the job for an attempt started ``now``: a queued job, or a running one
    whose worker went silent. One that has had its last attempt fails instead."""
    with transaction.atomic():
        claimable = Q(status=EnrollmentImport.Status.QUEUED) | Q(
            status=EnrollmentImport.Status.RUNNING, heartbeat_at__lt=_stale(now)
        )
        job = EnrollmentImport.objects.select_for_update().filter(claimable, pk=job_id).defer("content").first()
        if job is None:
            return False
        if job.attempts >= settings.ENROLLMENT_IMPORT_MAX_ATTEMPTS:
            logger.error("Enrollment import %s lost its worker %d times; it is not tried again", job_id, job.attempts)
            job.status, job.finished_at = EnrollmentImport.Status.FAILED, now
            job.error = _("The import was interrupted %(n)s times; resume it to go on.") % {"n": job.attempts}
            job.save(update_fields=["status", "finished_at", "error"])
            return False
        job.status, job.started_at, job.heartbeat_at = EnrollmentImport.Status.RUNNING, now, now
        job.attempts += 1
        job.save(update_fields=["status", "started_at", "heartbeat_at", "attempts"])
    return True


def _ours(job_id: int, started: datetime) -> Q:
    return Q(pk=job_id, status=EnrollmentImport.Status.RUNNING, started_at=started)


def _end(job_id: int, started: datetime, status: str, **fields) -> None:
    EnrollmentImport.objects.filter(_ours(job_id, started)).update(
        status=status, finished_at=timezone.now(), heartbeat_at=timezone.now(), **fields
    )


def enrollment_import_run(*, job_id: int) -> EnrollmentImport | None:
    """Run the import from where it stands. Returns it as it ends (done, failed, or
    queued again after its time limit), or None when this call did nothing (no such
    job, or running elsewhere, or finished)."""
    started = timezone.now()
    if not _claim(job_id, started):
        return None
    job = EnrollmentImport.objects.select_related("campaign", "requested_by").defer("content").get(pk=job_id)
    try:
        user = job.requested_by
        if user is None or not user.is_active:
            raise PermissionDenied(_("The user who asked for this import no longer has an account."))
        # Checked again: their unit or rights may have changed since they asked.
        require_reach(job.campaign, reach_of(user))
        if _process(job, started):
            scores_reloading.send(sender=None, campaign_id=job.campaign_id, done=True)
            _end(job_id, started, EnrollmentImport.Status.DONE, content=b"", estimated_rows=F("processed_rows"))
    except SoftTimeLimitExceeded:
        # What is committed stays; the job goes on in a new task.
        # A continuation, not a lost attempt: its count starts again.
        queued = EnrollmentImport.objects.filter(_ours(job_id, started))
        if queued.update(status=EnrollmentImport.Status.QUEUED, attempts=0):
            transaction.on_commit(partial(_enqueue, job_id))
    except (SpreadsheetError, PermissionDenied) as exc:
        _end(job_id, started, EnrollmentImport.Status.FAILED, error=str(exc)[:ERROR_MAX_CHARS])
    except Exception as exc:
        logger.exception("Enrollment import %s failed", job_id)
        _end(job_id, started, EnrollmentImport.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:ERROR_MAX_CHARS])
    return EnrollmentImport.objects.defer("content").get(pk=job_id)


def _process(job: EnrollmentImport, started: datetime) -> bool:
    """Take the file's rows after those already read, chunk by chunk; False when
    the job was taken from this attempt on the way."""
    people = Participants(job.campaign)
    # The file is read from the database once, as one bytes object the reader streams from.
    content = EnrollmentImport.objects.filter(pk=job.pk).values_list("content", flat=True).get()
    rows = islice(iter(_rows(content if isinstance(content, bytes) else bytes(content))), job.processed_rows, None)
    del content
    size = settings.ENROLLMENT_IMPORT_CHUNK_ROWS
    while chunk := list(islice(rows, size)):
        with transaction.atomic():
            mine = EnrollmentImport.objects.select_for_update().filter(_ours(job.pk, started)).values("pk")
            if not mine.exists():
                return False
            # The standings kept on write are rebuilt once at the end, not chunk by chunk.
            scores_reloading.send(sender=None, campaign_id=job.campaign_id)
            created, unchanged, errors = _take(job, people, chunk)
            EnrollmentImportError.objects.bulk_create(errors, ignore_conflicts=True, batch_size=500)
            EnrollmentImport.objects.filter(pk=job.pk).update(
                processed_rows=F("processed_rows") + len(chunk),
                created_count=F("created_count") + created,
                unchanged_count=F("unchanged_count") + unchanged,
                error_count=F("error_count") + len(errors),
                heartbeat_at=timezone.now(),
            )
    return True


def _messages(errors: Any, field: str = "") -> list[str]:
    """The intake's errors of an item ({field: [messages]}, nested for the person) as lines naming the column."""
    if isinstance(errors, dict):
        return [line for name, value in errors.items() for line in _messages(value, name)]
    if isinstance(errors, list | tuple):
        return [line for value in errors for line in _messages(value, field)]
    header = FIELD_HEADERS.get(field)
    return [f"{header}: {errors}" if header else str(errors)]


def _take(job: EnrollmentImport, people: Participants, rows: list[Row]) -> tuple[int, int, list]:
    """Take one chunk: (enrollments created, rows unchanged, the rows' error reports)."""
    campaign = job.campaign
    people.load({row.values["agent"] for row in rows if row.values.get("agent")})
    items, taken = [], []
    for row in rows:
        # Every check the row's readable cells allow; the intake's own checks need them all.
        row.errors.extend(shape_errors(row.values))
        agent = people.agent(row.values["agent"]) if row.values["agent"] else None
        if row.values["agent"] and agent is None:
            row.errors.append(_("No agent has the code %(code)s.") % {"code": row.values["agent"]})
        elif agent is not None and people.participation(agent) is None:
            row.errors.append(_("Agent %(code)s takes no part in this campaign.") % {"code": agent.code})
        if row.errors:
            continue
        item = row_item(row, campaign.tzinfo)
        item["agent"] = agent
        items.append(item)
        taken.append(row)
    created = unchanged = 0
    now = timezone.now()
    results = enrollments_import(campaign=campaign, items=items, people=people, now=now) if items else []
    for row, result in zip(taken, results, strict=True):
        if result.outcome == "created":
            created += 1
        elif result.outcome == "replayed":
            unchanged += 1
        elif result.outcome == "conflict" and result.enrollment is not None:
            row.errors.append(conflict_message(result.enrollment))
        elif result.outcome == "conflict":
            row.errors.append(_("This receipt number is earlier in the file with other details."))
        else:
            row.errors.extend(_messages(result.errors))
    reports = [
        EnrollmentImportError(
            job=job, row=row.number, receipt_no=str(row.values.get("receipt_no") or "")[:200], messages=row.errors
        )
        for row in rows
        if row.errors
    ]
    return created, unchanged, reports


def enrollment_imports_resume_lost(*, now: datetime | None = None) -> list[int]:
    """Send the task again for each running import whose worker went silent (beat
    runs this every minute); the claim decides again. Returns their ids."""
    now = now or timezone.now()
    lost = EnrollmentImport.objects.filter(status=EnrollmentImport.Status.RUNNING, heartbeat_at__lt=_stale(now))
    ids = list(lost.order_by("pk").values_list("pk", flat=True))
    for job_id in ids:
        logger.warning("Enrollment import %s lost its worker; it is resumed", job_id)
        _enqueue(job_id)
    return ids
