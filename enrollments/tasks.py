"""Celery tasks of the enrollments: running an enrollment import, and resuming
those whose worker was lost (see ``enrollments.history.jobs``)."""

from __future__ import annotations

from celery import shared_task

from enrollments.history.jobs import enrollment_import_run, enrollment_imports_resume_lost


@shared_task(name="enrollments.run_import", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def run_enrollment_import(job_id: int) -> dict:
    job = enrollment_import_run(job_id=job_id)
    if job is None:
        return {"job": job_id, "ran": False}
    return {"job": job_id, "ran": True, "status": job.status, "rows": job.processed_rows}


@shared_task(name="enrollments.resume_lost_imports", ignore_result=True)
def resume_lost_imports() -> list[int]:
    """Run by beat (``resume-lost-enrollment-imports``)."""
    return enrollment_imports_resume_lost()
