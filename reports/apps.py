from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        # Registers the progress export with the export jobs (core.export_kinds).
        from reports import exports  # noqa: F401
        from reports.notices.receivers import connect

        # Tells agents of their events (reports.notices) as the apps below announce them.
        connect()
