from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnrollmentsConfig(AppConfig):
    name = "enrollments"
    verbose_name = _("Participants and enrollments")

    def ready(self):
        # Registers the enrollment export with the export jobs (core.export_kinds).
        from enrollments import exports  # noqa: F401
