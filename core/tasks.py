"""Celery tasks of the shared machinery: building export workbooks, and queueing
again those whose worker was lost.

The task only passes the job's id to ``core.exports.export_job_run``, which
claims the job with a conditional update: delivered twice, or to two workers
at once, it builds the workbook once. Acks late, and rejected (so delivered
again) when the pool loses the process running it; a job whose worker died is
claimed again once its heartbeat has stopped, which the periodic sweep waits
for (see ``core.exports``)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from core.exports import export_job_run, export_jobs_requeue_lost


@shared_task(
    # Queued messages carry this name: changing it would strand the jobs waiting in the broker.
    name="campaigns.run_export",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    soft_time_limit=settings.EXPORT_SOFT_TIME_LIMIT,
    time_limit=settings.EXPORT_TIME_LIMIT,
)
def run_export(job_id: int) -> dict:
    job = export_job_run(job_id=job_id)
    if job is None:
        return {"job": job_id, "ran": False}
    return {"job": job_id, "ran": True, "status": job.status, "rows": job.rows}


@shared_task(name="core.requeue_lost_exports", ignore_result=True)
def requeue_lost_exports() -> list[int]:
    """Run by beat (``requeue-lost-exports``): queue again the exports whose worker was lost."""
    return export_jobs_requeue_lost()
