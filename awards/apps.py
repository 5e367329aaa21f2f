from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AwardsConfig(AppConfig):
    name = "awards"
    verbose_name = _("Standings and awards")

    def ready(self):
        # Registers the ranking and award list exports with the export jobs (core.export_kinds).
        from awards import exports  # noqa: F401
        from awards.receivers import connect

        # Keeps the standings on write (awards.tally) as enrollments and set-ups change.
        connect()
