"""The Celery application. Configuration comes from Django settings (``CELERY_*``);
the broker's visibility timeout and the sweep of lost exports have defaults here
for settings that leave them out."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emulation_config.settings")

app = Celery("emulation")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Seconds the broker's visibility timeout adds to the longest hard time limit of any task.
VISIBILITY_MARGIN = 300
# Seconds between two sweeps of export jobs whose worker was lost (``core.requeue_lost_exports``).
EXPORT_SWEEP_SECONDS = 30


@app.on_after_configure.connect
def _defaults(sender, source, **kwargs) -> None:
    """Fill in what the settings leave out.

    Redis hands a task that is not acknowledged within ``visibility_timeout`` of
    its delivery to a worker again: that is how long the tasks of a worker that
    died wait (a process lost by a living worker's pool is rejected, and so
    delivered again, at once). Acknowledged late, a task stays unacknowledged
    while it runs, so the timeout exceeds the longest hard time limit: a task
    still running is not run a second time beside it.

    Beat sweeps the export jobs whose worker was lost."""
    from django.conf import settings

    options = source.broker_transport_options or {}
    if "visibility_timeout" not in options:
        longest = max(settings.CELERY_TASK_TIME_LIMIT, settings.EXPORT_TIME_LIMIT, settings.FINALIZE_TIME_LIMIT)
        source.broker_transport_options = {**options, "visibility_timeout": longest + VISIBILITY_MARGIN}
    every = getattr(settings, "EXPORT_SWEEP_SECONDS", EXPORT_SWEEP_SECONDS)
    sweep = {"task": "core.requeue_lost_exports", "schedule": every}
    source.beat_schedule = {"requeue-lost-exports": sweep, **source.beat_schedule}
