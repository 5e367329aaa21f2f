"""The export jobs API, and what every workbook download shares.

- ``POST /exports/`` ``{kind, params}`` → 202 with the job and its status URL;
  ``GET /exports/`` the caller's own jobs; ``GET /exports/{id}/`` a job's status;
  ``GET /exports/{id}/download/`` its workbook (409 until it is done).

Thin adapters over ``core.exports``. The apps' own direct downloads answer
their large requests with a job, through ``export_job_accepted``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.reverse import reverse

from core import exports
from core.api import Conflict, ErrorSerializer
from core.listing import StrictFilterBackend
from core.models import ExportJob
from core.workbooks import XLSX_CONTENT_TYPE, attachment_header

XLSX = XLSX_CONTENT_TYPE
XLSX_FILE = OpenApiResponse(OpenApiTypes.BINARY, description="An Excel workbook (.xlsx).")
ERROR = ErrorSerializer  # the error contract's body, documented once as the "Error" component


class FileDownloadMixin:
    """Views answering a file: whatever the client accepts, their errors are JSON."""

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)


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
    kind = serializers.ChoiceField(choices=[])
    params = serializers.DictField(required=False, default=dict)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = exports.export_kind_choices()


def _create_description() -> str:
    kinds = "; ".join(f"{kind.name}: {kind.params_help}" for kind in exports.export_kinds() if kind.params_help)
    return f"Queue a workbook. `params` by kind — {kinds}."


def export_job_accepted(request, job: ExportJob) -> Response:
    """202 with the job, and its status URL as the Location."""
    job.refresh_from_db(fields=["status", "rows", "size", "error", "started_at", "finished_at"])
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

    # The caller's own jobs; others' within the caller's reach (core.exports.export_job_visible);
    # a job's kind checks the requester's reach when it is asked for and when it runs.
    reach_scope = "reach"
    serializer_class = ExportJobSerializer
    filter_backends = [StrictFilterBackend]  # no filters: any query parameter but the page's is refused

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return ExportJob.objects.none()
        if self.action == "list":
            return exports.export_jobs_of(self.request.user).select_related("requested_by")
        return ExportJob.objects.defer("content").select_related("requested_by")

    def get_object(self):
        job = super().get_object()
        if not exports.export_job_visible(job=job, user=self.request.user):
            raise exceptions.NotFound()
        return job

    @extend_schema(
        description=lazy(_create_description, str)(),
        request=ExportRequestSerializer,
        responses={202: ExportJobSerializer, 400: ERROR, 403: ERROR},
    )
    def create(self, request):
        """Queue a workbook of a registered kind."""
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
        return export_job_accepted(request, job)

    @extend_schema(responses={(200, XLSX): XLSX_FILE, 404: ERROR, 409: ERROR})
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
