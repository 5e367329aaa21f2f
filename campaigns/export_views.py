"""The export API: tracked export jobs, and direct downloads of the smaller workbooks.

- ``POST /exports/`` ``{kind, params}`` → 202 with the job and its status URL;
  ``GET /exports/`` the caller's own jobs; ``GET /exports/{id}/`` a job's status;
  ``GET /exports/{id}/download/`` its workbook (409 until it is done);
- ``GET /campaigns/{code}/progress.xlsx?phase=`` the progress workbook, built
  inline (it is aggregated: a few hundred rows at national scale);
- ``GET /enrollments/export.xlsx?<filters>`` the caller's visible enrollments,
  filtered like ``GET /enrollments/``: inline up to ``EXPORT_INLINE_MAX_ROWS``
  rows, else 202 with an export job to follow.

Thin adapters over ``campaigns.exports`` and the workbook writers.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, generics, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from campaigns import exports
from campaigns.models import Campaign, ExportJob
from core.api import Conflict
from core.workbooks import XLSX_CONTENT_TYPE, attachment_header, workbook_response
from enrollments.filters import EnrollmentFilter
from enrollments.selectors import enrollments_visible_to
from enrollments.views import _ERROR as ERROR
from enrollments.workbooks import write_enrollments
from reports.workbooks import write_progress

XLSX = XLSX_CONTENT_TYPE
_FILE = OpenApiResponse(OpenApiTypes.BINARY, description="An Excel workbook (.xlsx).")


class FileDownloadMixin:
    """Views answering a file: whatever the client accepts, their errors are JSON."""

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)


# --- Export jobs ---------------------------------------------------------------------------


class ExportJobSerializer(serializers.ModelSerializer):
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    url = serializers.SerializerMethodField(help_text="Where to follow the job's status.")
    download_url = serializers.SerializerMethodField(help_text="Where to download the workbook, once done.")

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "kind",
            "params",
            "status",
            "rows",
            "size",
            "error",
            "filename",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
            "url",
            "download_url",
        ]
        read_only_fields = fields

    def get_url(self, job) -> str:
        return reverse("api:export-detail", args=[job.pk], request=self.context.get("request"))

    def get_download_url(self, job) -> str | None:
        if job.status != ExportJob.Status.DONE:
            return None
        return reverse("api:export-download", args=[job.pk], request=self.context.get("request"))


class ExportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ExportJob.Kind.choices)
    params = serializers.DictField(required=False, default=dict)


def _accepted(request, job: ExportJob) -> Response:
    body = ExportJobSerializer(job, context={"request": request}).data
    return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


@extend_schema_view(
    list=extend_schema(description="The caller's own export jobs, newest first."),
    retrieve=extend_schema(
        description="A job's status: queued, running, done (with rows, size and the download URL) or failed "
        "(with the error). The requester's, or staff's who may view export jobs of that kind.",
        responses={200: ExportJobSerializer, 404: ERROR},
    ),
)
class ExportJobViewSet(FileDownloadMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Excel workbooks built by a worker: ask for one, follow it, download it."""

    serializer_class = ExportJobSerializer
    filter_backends: list = []

    def get_queryset(self):
        if self.action == "list":
            return exports.export_jobs_of(self.request.user).select_related("requested_by")
        return ExportJob.objects.defer("content").select_related("requested_by")

    def get_object(self):
        job = super().get_object()
        if not exports.export_job_visible(job=job, user=self.request.user):
            raise exceptions.NotFound()
        return job

    @extend_schema(
        request=ExportRequestSerializer,
        responses={202: ExportJobSerializer, 400: ERROR, 403: ERROR},
    )
    def create(self, request):
        """Queue a workbook. `params` by kind — ranking: `phase` (id), `rule` (code, optional);
        progress: `campaign` (code), `phase` (id, optional); awards: `phase` and/or `campaign`,
        `statuses` (list, optional); enrollments: the filters of `GET /enrollments/`."""
        parsed = ExportRequestSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        try:
            job = exports.export_job_request(
                kind=parsed.validated_data["kind"], params=parsed.validated_data["params"], by=request.user
            )
        except DjangoValidationError as exc:
            errors = dict(exc.message_dict)
            if "__all__" in errors:
                errors["non_field_errors"] = errors.pop("__all__")
            raise serializers.ValidationError({"params": errors}) from None
        job.refresh_from_db(fields=["status", "rows", "size", "error", "started_at", "finished_at"])
        return _accepted(request, job)

    @extend_schema(responses={(200, XLSX): _FILE, 404: ERROR, 409: ERROR})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The workbook of a finished job: the requester's, or staff's who may view export jobs."""
        job = self.get_object()
        if job.status != ExportJob.Status.DONE:
            message = _("The export is %(status)s, not done yet.") % {"status": job.get_status_display()}
            raise Conflict(message, errors={"status": [message]})
        content = ExportJob.objects.filter(pk=job.pk).values_list("content", flat=True).get()
        response = HttpResponse(bytes(content), content_type=XLSX)
        response["Content-Disposition"] = attachment_header(job.filename or f"export-{job.pk}.xlsx")
        return response


# --- Direct downloads ------------------------------------------------------------------------


class ProgressWorkbookView(FileDownloadMixin, APIView):
    @extend_schema(
        parameters=[OpenApiParameter("phase", int, description="A phase id; without it, the whole campaign.")],
        responses={(200, XLSX): _FILE, 400: ERROR, 403: ERROR, 404: ERROR},
    )
    def get(self, request, code):
        """The campaign's progress against plan. Staff read every sheet; an
        organization's manager only the organization sheet with their own organizations."""
        campaign = get_object_or_404(Campaign, code=code)
        params = {"campaign": campaign.code}
        if request.query_params.get("phase"):
            params["phase"] = request.query_params["phase"]
        form = exports.export_params(kind=ExportJob.Kind.PROGRESS, params=params)
        organization_ids = exports.progress_scope(request.user, campaign)
        return workbook_response(
            lambda output: write_progress(
                output, campaign=campaign, phase=form.cleaned_data["phase"], organization_ids=organization_ids
            ),
            filename=exports.EXPORTS[ExportJob.Kind.PROGRESS].filename(form),
        )


class EnrollmentExportView(FileDownloadMixin, generics.GenericAPIView):
    filterset_class = EnrollmentFilter
    filter_backends = [DjangoFilterBackend]

    def get_queryset(self):
        return enrollments_visible_to(self.request.user)

    @extend_schema(
        filters=True,
        responses={
            (200, XLSX): _FILE,
            202: OpenApiResponse(ExportJobSerializer, description="Too many rows: an export job to follow."),
            400: ERROR,
        },
    )
    def get(self, request):
        """The caller's visible enrollments with the list's filters, as Excel:
        inline up to `EXPORT_INLINE_MAX_ROWS` rows, else an export job (202)."""
        queryset = self.filter_queryset(self.get_queryset())
        limit = exports.inline_max_rows()
        if queryset[: limit + 1].count() > limit:
            params = {}
            for name in EnrollmentFilter.base_filters:
                if name in request.query_params:
                    values = request.query_params.getlist(name)
                    params[name] = values if name == "status" else values[-1]
            job = exports.export_job_request(kind=ExportJob.Kind.ENROLLMENTS, params=params, by=request.user)
            job.refresh_from_db(fields=["status", "rows", "size", "error", "started_at", "finished_at"])
            return _accepted(request, job)
        return workbook_response(
            lambda output: write_enrollments(output, queryset=queryset), filename=exports.enrollments_filename()
        )
