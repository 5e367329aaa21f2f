"""The Celery application. Configuration comes from Django settings (``CELERY_*``),
the broker's visibility timeout and the sweep of lost exports included."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emulation_config.settings")

app = Celery("emulation")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
