"""Admin for localities, BHXH units, service organizations and agents."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from collectors.imports import AGENT_COLUMNS, agents_import
from collectors.models import Agent, Locality, ServiceOrganization, Unit
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


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent", "locality", "headcount", "active"]
    list_filter = ["kind", "active"]
    list_select_related = ["parent", "locality"]
    search_fields = ["code", "name"]
    search_help_text = _("Search by code or name.")
    autocomplete_fields = ["parent", "locality"]


@admin.register(ServiceOrganization)
class ServiceOrganizationAdmin(admin.ModelAdmin):
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
class AgentAdmin(ExcelImportAdminMixin, admin.ModelAdmin):
    excel_imports = (AGENTS_IMPORT,)
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
