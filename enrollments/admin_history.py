"""Admin of enrollment imports (``enrollments.history``): the upload page, each
import's page with its progress bar (polling ``<id>/status/``), its row-by-row
report (``<id>/report.xlsx``) and, for a failed one, the button that resumes it.

Staff see and start imports of the campaigns within their reach only
(``core.admin_helpers.ReachAdminMixin``; the services check it again).
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from campaigns.models import Campaign
from core.admin_actions import ObjectAction, ObjectActionsAdminMixin, apply_each
from core.admin_helpers import ReachAdminMixin, local_datetime
from core.errors import InvalidTransition
from core.reach import OutOfReach, reach_filter, reach_of
from core.spreadsheets import template_workbook
from core.workbooks import attachment_header, workbook_response
from enrollments.history.columns import COLUMNS, EXAMPLE
from enrollments.history.intake import IMPORTABLE
from enrollments.history.jobs import enrollment_import_request, enrollment_import_resume
from enrollments.history.report import report_filename, write_import_report
from enrollments.models import EnrollmentImport

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class EnrollmentImportForm(forms.Form):
    campaign = forms.ModelChoiceField(label=_("Campaign"), queryset=Campaign.objects.none())
    file = forms.FileField(
        label=_("File"),
        help_text=_("The collection software's export: CSV (UTF-8) or Excel (.xlsx), one receipt per row."),
    )

    def __init__(self, *args, campaigns, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = campaigns


def _progress(job: EnrollmentImport) -> dict:
    if job.status == EnrollmentImport.Status.DONE:
        percent = 100
    elif job.estimated_rows:
        percent = min(99, job.processed_rows * 100 // job.estimated_rows)
    else:
        percent = 0
    return {
        "status": job.status,
        "status_display": str(job.get_status_display()),
        "finished": job.finished,
        "percent": percent,
        "processed_rows": job.processed_rows,
        "estimated_rows": job.estimated_rows,
        "created": job.created_count,
        "unchanged": job.unchanged_count,
        "errors": job.error_count,
        "error": job.error,
        "summary": str(
            _(
                "%(read)s of about %(total)s rows read: %(created)s created, %(unchanged)s unchanged, "
                "%(errors)s with errors."
            )
            % {
                "read": number_format(job.processed_rows, force_grouping=True),
                "total": number_format(max(job.estimated_rows, job.processed_rows), force_grouping=True),
                "created": number_format(job.created_count, force_grouping=True),
                "unchanged": number_format(job.unchanged_count, force_grouping=True),
                "errors": number_format(job.error_count, force_grouping=True),
            }
        ),
    }


def resume_imports(modeladmin, request, queryset):
    reach = reach_of(request.user)
    apply_each(
        modeladmin,
        request,
        queryset,
        lambda job: enrollment_import_resume(job=job, by=request.user, reach=reach),
        refused=(InvalidTransition, OutOfReach),
    )


resume_imports.short_description = _("Resume the selected failed imports")
resume_imports.allowed_permissions = ["change"]


@admin.register(EnrollmentImport)
class EnrollmentImportAdmin(ObjectActionsAdminMixin, ReachAdminMixin, admin.ModelAdmin):
    list_display = [
        "created",
        "campaign",
        "filename",
        "status",
        "progress",
        "created_count",
        "unchanged_count",
        "error_count",
        "requested_by",
    ]
    list_filter = ["status", "campaign"]
    list_select_related = ["campaign", "requested_by"]
    fields = [
        "campaign",
        "filename",
        "size",
        "status",
        "requested_by",
        "created_at",
        "started_at",
        "heartbeat_at",
        "finished_at",
        "estimated_rows",
        "processed_rows",
        "created_count",
        "unchanged_count",
        "error_count",
        "attempts",
        "error",
    ]
    readonly_fields = fields
    actions = [resume_imports]
    object_actions = (
        ObjectAction("resume_imports", _("Resume"), lambda job: job.status == EnrollmentImport.Status.FAILED),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content")

    def has_add_permission(self, request):
        return False  # the upload page starts imports

    def has_delete_permission(self, request, obj=None):
        return False

    def _may_upload(self, request) -> bool:
        return request.user.has_perm("enrollments.add_enrollmentimport") and self.has_view_permission(request)

    def _importable(self, request):
        return reach_filter(Campaign.objects.filter(status__in=IMPORTABLE), reach_of(request.user)).order_by("code")

    def _name(self, suffix: str) -> str:
        return f"enrollments_enrollmentimport_{suffix}"

    def get_urls(self):
        own = [
            path("upload/", self.admin_site.admin_view(self.upload_view), name=self._name("upload")),
            path("<path:object_id>/status/", self.admin_site.admin_view(self.status_view), name=self._name("status")),
            path(
                "<path:object_id>/report.xlsx",
                self.admin_site.admin_view(self.report_view),
                name=self._name("report"),
            ),
            path("template.xlsx", self.admin_site.admin_view(self.template_view), name=self._name("template")),
        ]
        return own + super().get_urls()

    def _url(self, suffix: str, *args) -> str:
        return reverse(f"admin:{self._name(suffix)}", args=args, current_app=self.admin_site.name)

    def changelist_view(self, request, extra_context=None):
        links = [(_("Import enrollments (CSV or Excel)"), self._url("upload"))] if self._may_upload(request) else []
        return super().changelist_view(request, {**(extra_context or {}), "excel_import_links": links})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        job = self.get_object(request, unquote(object_id))
        extra = {}
        if job is not None:
            extra = {
                "import_progress": _progress(job),
                "status_url": self._url("status", job.pk),
                "report_url": self._url("report", job.pk),
            }
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    @admin.display(description=_("created at"), ordering="created_at")
    def created(self, obj):
        return local_datetime(obj.created_at)

    @admin.display(description=_("progress"))
    def progress(self, obj):
        return f"{_progress(obj)['percent']}%"

    def _job(self, request, object_id) -> EnrollmentImport:
        job = self.get_object(request, unquote(object_id))
        if job is None:
            raise Http404
        return job

    def status_view(self, request, object_id):
        return JsonResponse(_progress(self._job(request, object_id)))

    def report_view(self, request, object_id):
        job = self._job(request, object_id)
        return workbook_response(lambda output: write_import_report(output, job=job), filename=report_filename(job))

    def template_view(self, request):
        if not self._may_upload(request):
            raise PermissionDenied
        response = HttpResponse(template_workbook(COLUMNS, title=str(_("Enrollments")), example=EXAMPLE), XLSX)
        response["Content-Disposition"] = attachment_header("mau-nhap-bien-lai.xlsx")
        return response

    # The file may be larger than other uploads: the limit is raised before the
    # request's body is read, which the CSRF check would otherwise do first.
    @method_decorator(csrf_exempt)
    def upload_view(self, request):
        request.upload_max_size = settings.ENROLLMENT_IMPORT_MAX_SIZE
        return csrf_protect(self._upload)(request)

    def _upload(self, request):
        if not self._may_upload(request):
            raise PermissionDenied
        campaigns = self._importable(request)
        form = EnrollmentImportForm(campaigns=campaigns)
        if request.method == "POST":
            form = EnrollmentImportForm(request.POST, request.FILES, campaigns=campaigns)
            if form.is_valid():
                try:
                    job = enrollment_import_request(
                        campaign=form.cleaned_data["campaign"],
                        file=form.cleaned_data["file"],
                        by=request.user,
                        reach=reach_of(request.user),
                    )
                except ValidationError as exc:
                    for field, errors in exc.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    self.message_user(request, _("The import has started."), messages.SUCCESS)
                    change = reverse(
                        "admin:enrollments_enrollmentimport_change", args=[job.pk], current_app=self.admin_site.name
                    )
                    return HttpResponseRedirect(change)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import enrollments"),
            "form": form,
            "template_url": self._url("template"),
            "columns": COLUMNS,
        }
        return TemplateResponse(request, "admin/enrollments/enrollmentimport/upload.html", context)
