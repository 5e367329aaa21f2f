"""Admin for localities, BHXH units, service organizations, agents and the
units staff members work for.

Units, organizations, agents and staff units are scoped to the offices the
user reaches (``core.admin_helpers.ReachAdminMixin``); localities are the
country's administrative map, shared by every office.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from collectors.imports import AGENT_COLUMNS, agents_import
from collectors.models import Agent, CommendationBar, Locality, ServiceOrganization, StaffAssignment, Unit
from core.admin_helpers import ReachAdminMixin
from core.admin_imports import ExcelImport, ExcelImportAdminMixin


@admin.register(Locality)
class LocalityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "active"]
    list_filter = ["level", "active"]
    list_select_related = ["parent"]
    search_fields = ["code", "name"]
    search_help_text = _("Search by code or name.")
    autocomplete_fields = ["parent"]
    ordering = ["code"]


class CommendationBarInline(ReachAdminMixin, admin.TabularInline):
    """The periods an agent or a unit may not be commended, newest first (DESIGN §11.3)."""

    model = CommendationBar
    fields = ["reason", "note", "start_date", "end_date"]
    extra = 0


@admin.register(Unit)
class UnitAdmin(ReachAdminMixin, admin.ModelAdmin):
    inlines = [CommendationBarInline]
    list_display = ["code", "name", "kind", "parent", "locality", "headcount", "active"]
    list_filter = ["kind", "active"]
    list_select_related = ["parent", "locality"]
    search_fields = ["code", "name"]
    search_help_text = _("Search by code or name.")
    autocomplete_fields = ["parent", "locality"]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        reach = self.request_reach(request)
        if obj is not None and obj.parent_id is not None and not reach.allows_unit(obj.parent_id):
            # The top unit of the user's reach stays under the unit above it, which they cannot choose.
            readonly.append("parent")
        return readonly

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "parent" and not self.request_reach(request).everything:
            # A unit with no parent would stand outside every office, the user's own included.
            formfield.required = True
        return formfield


@admin.register(ServiceOrganization)
class ServiceOrganizationAdmin(ReachAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "kind", "contracting_unit", "locality", "active"]
    list_filter = ["kind", "active"]
    list_select_related = ["contracting_unit", "locality"]
    search_fields = ["code", "name"]
    search_help_text = _("Search by code or name.")
    autocomplete_fields = ["contracting_unit", "locality", "managers"]


AGENTS_IMPORT = ExcelImport(
    slug="agents",
    title=_("Import agents and their logins from Excel"),
    columns=AGENT_COLUMNS,
    run=agents_import,
    permission="collectors.add_agent",
    example=["QN-TK-001", "Nguyễn Thị Thu Hà", "Nhân viên thu", "BD-49", "", "20194", "0905123456", "qn-tk-001", "Có"],
)


@admin.register(Agent)
class AgentAdmin(ReachAdminMixin, ExcelImportAdminMixin, admin.ModelAdmin):
    excel_imports = (AGENTS_IMPORT,)
    inlines = [CommendationBarInline]
    list_display = ["code", "full_name", "role", "organization", "unit", "locality", "phone", "active"]
    list_filter = ["role", "active", "organization__kind"]
    list_select_related = ["organization", "unit", "locality"]
    search_fields = ["code", "full_name", "phone"]
    search_help_text = _("Search by code, full name or phone.")
    autocomplete_fields = ["organization", "unit", "locality", "user"]
    fieldsets = [
        (None, {"fields": ["code", "full_name", "role", "phone", "active"]}),
        (_("Where the agent works"), {"fields": ["organization", "unit", "locality"]}),
        (_("Login"), {"fields": ["user"]}),
    ]


@admin.register(CommendationBar)
class CommendationBarAdmin(ReachAdminMixin, admin.ModelAdmin):
    """Every bar from commendation of the offices the user reaches; each is also
    edited on its agent's or unit's page."""

    list_display = ["__str__", "agent", "unit", "start_date", "end_date"]
    list_filter = ["reason"]
    list_select_related = ["agent", "unit"]
    search_fields = ["agent__code", "agent__full_name", "unit__code", "unit__name", "note"]
    search_help_text = _("Search by agent or unit code or name, or the details.")
    autocomplete_fields = ["agent", "unit"]
    date_hierarchy = "start_date"


@admin.register(StaffAssignment)
class StaffAssignmentAdmin(ReachAdminMixin, admin.ModelAdmin):
    """The unit each staff member works for: where they read and act (DESIGN §10).
    Staff without a unit reach nothing; Vietnam Social Security's staff reach everything."""

    list_display = ["user", "unit"]
    list_select_related = ["user", "unit"]
    list_filter = ["unit__kind"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "unit__code", "unit__name"]
    search_help_text = _("Search by user name or unit code or name.")
    autocomplete_fields = ["user", "unit"]
