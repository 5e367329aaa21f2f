"""The export jobs in the admin: read-only, with a download link for finished ones.

The apps' export actions (enrollments, progress) queue their large exports as
jobs and link to a job's page here."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin_helpers import ReachAdminMixin, local_datetime
from core.exports import export_job_visible, fully_readable_kinds
from core.models import ExportJob
from core.reach import reach_q
from core.workbooks import XLSX_CONTENT_TYPE, attachment_header


@admin.register(ExportJob)
class ExportJobAdmin(ReachAdminMixin, admin.ModelAdmin):
    """Export jobs, read-only: they are made by the API and the admin's export actions.

    A user reads their own jobs; staff read others' jobs of the kinds they may read
    in full, asked for by staff of the units they reach (``core.exports``)."""

    reach_needs_a_unit = False  # one's own jobs, with or without a unit

    list_display = [
        "id",
        "kind",
        "status",
        "requested_by",
        "rows",
        "size_display",
        "created",
        "started",
        "finished",
        "download_link",
    ]
    list_display_links = ["id", "kind"]
    list_filter = ["status", "kind"]
    list_select_related = ["requested_by"]
    search_fields = ["requested_by__username", "filename"]
    search_help_text = gettext_lazy("Search by user name or file name.")
    date_hierarchy = "created_at"
    fields = [
        "kind",
        "params",
        "status",
        "requested_by",
        "created_at",
        "started_at",
        "finished_at",
        "rows",
        "size",
        "filename",
        "error",
        "download_link",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        # Never the workbooks themselves.
        return super().get_queryset(request).defer("content")

    def reaches_object(self, request, obj) -> bool:
        if not isinstance(obj, ExportJob):
            return True
        return export_job_visible(job=obj, user=request.user)

    def reach_queryset(self, request, queryset):
        # Of others' jobs only the kinds the user may read in full, asked for within their reach.
        if request.user.is_superuser:
            return queryset
        others = Q(kind__in=fully_readable_kinds(request.user)) & reach_q(ExportJob, self.request_reach(request))
        return queryset.filter(Q(requested_by=request.user) | others)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<int:pk>/download/",
                self.admin_site.admin_view(self.download_view),
                name="{}_{}_download".format(*info),
            ),
            *super().get_urls(),
        ]

    def download_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = get_object_or_404(ExportJob.objects.defer("content"), pk=pk)
        if not self.has_view_permission(request, job) or not export_job_visible(job=job, user=request.user):
            raise PermissionDenied
        if job.status != ExportJob.Status.DONE:
            self.message_user(
                request,
                _("The export is %(status)s, not done yet.") % {"status": job.get_status_display()},
                messages.WARNING,
            )
            return redirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[job.pk]))
        content = ExportJob.objects.filter(pk=job.pk).values_list("content", flat=True).get()
        response = HttpResponse(bytes(content), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = attachment_header(job.filename or f"export-{job.pk}.xlsx")
        return response

    @admin.display(description=gettext_lazy("size"), ordering="size")
    def size_display(self, obj):
        if obj.size is None:
            return None
        return _("%(kb)s KB") % {"kb": number_format(max(obj.size // 1024, 1), force_grouping=True)}

    @admin.display(description=gettext_lazy("created at"), ordering="created_at")
    def created(self, obj):
        return local_datetime(obj.created_at)

    @admin.display(description=gettext_lazy("started at"), ordering="started_at")
    def started(self, obj):
        return local_datetime(obj.started_at)

    @admin.display(description=gettext_lazy("finished at"), ordering="finished_at")
    def finished(self, obj):
        return local_datetime(obj.finished_at)

    @admin.display(description=gettext_lazy("workbook"))
    def download_link(self, obj):
        if obj.pk is None or obj.status != ExportJob.Status.DONE:
            return None
        url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download"))
