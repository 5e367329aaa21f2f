from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollectorsConfig(AppConfig):
    name = "collectors"
    verbose_name = _("Localities, units and agents")

    def ready(self):
        from collectors.selectors import user_reach
        from core.models import ExportJob
        from core.reach import register_reach_path, register_user_reach

        # Who reaches which offices (core.reach): the staff's units, kept here.
        register_user_reach(user_reach)
        # An export job belongs to the unit of the staff member who asked for it: another
        # staff member reads it when that unit is within their reach (core.exports).
        register_reach_path(ExportJob, "requested_by__staff_assignment__unit")
