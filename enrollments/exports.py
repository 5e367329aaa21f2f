"""The enrollment export: the caller's visible enrollments, with the list's
filters (``EnrollmentFilter``), as a workbook.

Three doors lead to it, and each answers up to ``EXPORT_INLINE_MAX_ROWS`` rows
at once and queues a larger export as a job: ``GET /enrollments/export.xlsx``,
the enrollment admin's action, and ``POST /exports/`` with kind "enrollments"
(registered from ``EnrollmentsConfig.ready()``).
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics

from campaigns.models import Campaign
from core.exports import ExportKind, export_job_request, inline_max_rows, register_export_kind
from core.listing import StrictFilterBackend
from core.models import ExportJob
from core.reach import reach_of
from core.views import ERROR, XLSX, XLSX_FILE, ExportJobSerializer, FileDownloadMixin, export_job_accepted
from core.workbooks import workbook_response
from enrollments.filters import EnrollmentFilter
from enrollments.models import Enrollment
from enrollments.selectors import agent_of, enrollments_visible_to
from enrollments.workbooks import write_enrollments

# --- The kind --------------------------------------------------------------------------------


class EnrollmentParams:
    """The enrollment filters of the API (``EnrollmentFilter``), by the same names."""

    def __init__(self, data: dict[str, Any]):
        # A single status may come as a string; the filter takes a list.
        self.data = {name: value for name, value in data.items() if value not in (None, "", [])}
        if isinstance(self.data.get("status"), str):
            self.data["status"] = [self.data["status"]]
        self.filterset = EnrollmentFilter(data=self.data, queryset=Enrollment.objects.none())
        self.errors: dict[str, list[str]] = {}

    def is_valid(self) -> bool:
        if not self.filterset.is_valid():
            self.errors = {
                name: [str(message) for message in messages] for name, messages in self.filterset.errors.items()
            }
        return not self.errors

    @property
    def fields(self):
        return self.filterset.form.fields

    def stored(self) -> dict[str, Any]:
        return dict(self.data)

    def filter(self, queryset: QuerySet[Enrollment]) -> QuerySet[Enrollment]:
        return EnrollmentFilter(data=self.data, queryset=queryset).qs


def _check(user, params: EnrollmentParams) -> None:
    if not user.is_authenticated:
        raise PermissionDenied(_("Log in to export enrollments."))
    # Staff export what they reach (the writer reads enrollments_visible_to): without a unit, nothing.
    if user.has_perm("enrollments.view_enrollment") and not reach_of(user).nothing:
        return
    if agent_of(user) is not None:
        return
    if user.managed_organizations.exists():
        return
    raise PermissionDenied(_("You have no enrollments to export."))


def _write(output, params: EnrollmentParams, user) -> int:
    return write_enrollments(output, queryset=params.filter(enrollments_visible_to(user)))


def enrollments_filename(params: EnrollmentParams | None = None) -> str:
    return f"Hồ sơ thu {timezone.localtime():%d-%m-%Y %Hh%M}.xlsx"


ENROLLMENTS = register_export_kind(
    ExportKind(
        name="enrollments",
        label=gettext_lazy("Enrollments"),
        params=EnrollmentParams,
        check=_check,
        full_access="enrollments.view_enrollment",
        write=_write,
        filename=enrollments_filename,
        params_help="the filters of `GET /enrollments/`",
    )
)


# --- The API's download ----------------------------------------------------------------------


class EnrollmentExportView(FileDownloadMixin, generics.GenericAPIView):
    reach_scope = "reach"  # enrollments_visible_to, as the list
    filterset_class = EnrollmentFilter
    filter_backends = [StrictFilterBackend]

    def get_queryset(self):
        return enrollments_visible_to(self.request.user)

    @extend_schema(
        filters=True,
        responses={
            (200, XLSX): XLSX_FILE,
            202: OpenApiResponse(ExportJobSerializer, description="Too many rows: an export job to follow."),
            400: ERROR,
        },
    )
    def get(self, request):
        """The caller's visible enrollments with the list's filters, as Excel:
        inline up to `EXPORT_INLINE_MAX_ROWS` rows, else an export job (202)."""
        queryset = self.filter_queryset(self.get_queryset())
        limit = inline_max_rows()
        if queryset[: limit + 1].count() > limit:
            params = {}
            for name in EnrollmentFilter.base_filters:
                if name in request.query_params:
                    values = request.query_params.getlist(name)
                    params[name] = values if name == "status" else values[-1]
            job = export_job_request(kind=ENROLLMENTS.name, params=params, by=request.user)
            return export_job_accepted(request, job)
        return workbook_response(
            lambda output: write_enrollments(output, queryset=queryset), filename=enrollments_filename()
        )


# --- The admin's action ----------------------------------------------------------------------

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
    job = export_job_request(kind=ENROLLMENTS.name, params=params, by=request.user)
    opts = ExportJob._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[job.pk])
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
