"""Excel exports in the admin: the export jobs' list, the campaign progress
workbook action and the enrollment export action.

``campaigns/admin.py`` adds ``download_progress`` to the campaign admin's
actions and ``enrollments/admin.py`` adds ``export_enrollments`` to the
enrollment admin's; importing this module registers the export job admin.
"""

from __future__ import annotations

import calendar
import io
import zipfile
from datetime import date

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

from campaigns.exports import (
    EXPORTS,
    enrollments_filename,
    export_job_request,
    export_job_visible,
    inline_max_rows,
)
from campaigns.models import Campaign, ExportJob
from core.admin_helpers import local_datetime
from core.workbooks import XLSX_CONTENT_TYPE, attachment_header, workbook_response
from enrollments.workbooks import write_enrollments
from reports.workbooks import write_progress


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    """Export jobs, read-only: they are made by the API and the admin's export actions."""

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
        # Never the workbooks themselves; and of others' jobs only the kinds the user may read in full.
        jobs = super().get_queryset(request).defer("content")
        if request.user.is_superuser:
            return jobs
        kinds = [kind for kind, spec in EXPORTS.items() if request.user.has_perm(spec.full_access)]
        return jobs.filter(Q(requested_by=request.user) | Q(kind__in=kinds))

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


# --- Campaigns: the progress workbook ---------------------------------------------------


@admin.action(description=gettext_lazy("Progress workbook (Excel)"), permissions=["view"])
def download_progress(modeladmin, request: HttpRequest, queryset) -> HttpResponse:
    """The whole-campaign progress workbook; several campaigns come as a ZIP of workbooks."""
    campaigns: list[Campaign] = list(queryset.order_by("code"))
    if len(campaigns) == 1:
        return workbook_response(
            lambda output: write_progress(output, campaign=campaigns[0]),
            filename=f"Tiến độ {campaigns[0].code}.xlsx",
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for campaign in campaigns:
            workbook = io.BytesIO()  # aggregated figures: a few hundred rows each
            write_progress(workbook, campaign=campaign)
            archive.writestr(f"Tiến độ {campaign.code}.xlsx", workbook.getvalue())
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = attachment_header("Tiến độ.zip")
    return response


# --- Enrollments: the export ----------------------------------------------------------------

# The enrollment changelist's filters (list_filter, date_hierarchy), as the API's filter names.
_PASSTHROUGH = {
    "phase__id__exact": "phase",
    "product__exact": "product",
    "not_counted_reason__exact": "not_counted_reason",
}
_IGNORED = {"o", "p", "all", "_changelist_filters"}


class Unmappable(Exception):
    """A changelist filter the API's enrollment filters cannot express."""


def _date_range(year: str, month: str | None, day: str | None) -> tuple[date, date]:
    y = int(year)
    if day and month:
        one = date(y, int(month), int(day))
        return one, one
    if month:
        m = int(month)
        return date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1])
    return date(y, 1, 1), date(y, 12, 31)


def changelist_filters(request: HttpRequest) -> dict:
    """The enrollment changelist's current filters (its query string) as
    ``EnrollmentFilter`` parameters; Unmappable for a search or a filter they cannot express."""
    params: dict = {}
    query = request.GET
    for name in query:
        value = query.get(name)
        if name in _IGNORED or name.startswith("receipt_at__"):
            continue
        if name == "q":
            if value.strip():
                raise Unmappable(name)
        elif name in _PASSTHROUGH:
            params[_PASSTHROUGH[name]] = value
        elif name == "campaign__id__exact":
            campaign = (
                Campaign.objects.filter(pk=value).values_list("code", flat=True).first() if value.isdigit() else None
            )
            if campaign is None:
                raise Unmappable(name)
            params["campaign"] = campaign
        elif name == "status__exact":
            params["status"] = [value]
        elif name == "counted__exact":
            params["counted"] = "true" if value == "1" else "false"
        else:
            raise Unmappable(name)
    if query.get("receipt_at__year"):
        try:
            start, end = _date_range(
                query["receipt_at__year"], query.get("receipt_at__month"), query.get("receipt_at__day")
            )
        except ValueError:
            raise Unmappable("receipt_at") from None
        params["date_from"], params["date_to"] = start.isoformat(), end.isoformat()
    return params


@admin.action(description=gettext_lazy("Export the selected enrollments to Excel"), permissions=["view"])
def export_enrollments(modeladmin, request: HttpRequest, queryset):
    """The selected enrollments as a workbook, at once; a selection of every
    filtered row over ``EXPORT_INLINE_MAX_ROWS`` becomes an export job."""
    limit = inline_max_rows()
    select_across = request.POST.get("select_across") == "1"
    # Rows ticked by hand are at most a page; only "select all" can be large.
    if not select_across or queryset[: limit + 1].count() <= limit:
        return workbook_response(
            lambda output: write_enrollments(output, queryset=queryset), filename=enrollments_filename()
        )
    try:
        params = changelist_filters(request)
    except Unmappable:
        modeladmin.message_user(
            request,
            _(
                "More than %(limit)s enrollments are selected, and the search or one of the filters cannot be "
                "passed to an export job. Remove the search, or narrow the list down with the filters."
            )
            % {"limit": number_format(limit, force_grouping=True)},
            messages.ERROR,
        )
        return None
    job = export_job_request(kind=ExportJob.Kind.ENROLLMENTS, params=params, by=request.user)
    url = reverse("admin:campaigns_exportjob_change", args=[job.pk])
    modeladmin.message_user(
        request,
        format_html(
            '{} <a href="{}">{}</a>',
            _("More than %(limit)s enrollments: the export was queued.")
            % {"limit": number_format(limit, force_grouping=True)},
            url,
            _("Follow export job #%(id)s.") % {"id": job.pk},
        ),
        messages.SUCCESS,
    )
    return None
