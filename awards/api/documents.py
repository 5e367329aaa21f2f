"""The award dossier as Word files, and the council meetings it reads.

- ``GET /phases/{id}/documents/{kind}.docx`` (``submission``, ``minutes``,
  ``decision``): the document filled from the phase's final results
  (``awards.documents``); ``number`` and ``signer`` fill what the system does
  not keep;
- ``GET|POST /council-meetings/``, ``GET /council-meetings/{id}/``: the
  council's meetings on a phase, with their votes.

Staff reach the phases of the campaigns of their offices (``core.reach``):
another office's phase or meeting is not found (404).
"""

from __future__ import annotations

import django_filters
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.response import Response

from awards.api.workbooks import WorkbookView
from awards.documents.render import KINDS, MIME, render_document
from awards.documents.services import council_meeting_record
from awards.models import CouncilMeeting
from awards.permissions import require_perm
from campaigns.models import Phase
from core.api import ErrorSerializer as ERROR
from core.reach import NOTHING, reach_filter, reach_of
from core.workbooks import attachment_header

_DOCX = OpenApiResponse(OpenApiTypes.BINARY, description="A Word document (.docx).")


class DocumentQuerySerializer(serializers.Serializer):
    number = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default="", help_text=_("Number and symbol to print.")
    )
    signer = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text=_("Name of the signing director.")
    )


class PhaseDocumentView(WorkbookView):
    reach_scope = "reach"

    @extend_schema(
        operation_id="phases_document",
        parameters=[
            OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=list(KINDS), description="The document."),
            DocumentQuerySerializer,
        ],
        responses={(200, MIME): _DOCX, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
    )
    def get(self, request, pk: int, kind: str):
        """Staff: a document of the phase's award dossier, from its final results: the submission with
        the proposed list, the council minutes with the votes, or the award decision with its annex list."""
        require_perm(request.user, "awards.view_award", _("You may not see awards."))
        if kind not in KINDS:
            raise exceptions.NotFound()
        phase = get_object_or_404(reach_filter(Phase.objects.select_related("campaign"), reach_of(request.user)), pk=pk)
        query = DocumentQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        document = render_document(phase=phase, kind=kind, **query.validated_data)
        response = HttpResponse(document.content, content_type=MIME)
        response["Content-Disposition"] = attachment_header(document.filename)
        return response


class CouncilMeetingSerializer(serializers.ModelSerializer):
    phase = serializers.PrimaryKeyRelatedField(queryset=Phase.objects.none())

    class Meta:
        model = CouncilMeeting
        fields = [
            "id",
            "phase",
            "minutes_number",
            "held_at",
            "place",
            "chair",
            "chair_title",
            "secretary",
            "members_total",
            "members_present",
            "votes_for",
            "votes_against",
            "votes_abstaining",
            "conclusion",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]
        # The database's constraints are checked by the service (full_clean), every problem at once.
        validators = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phase"].queryset = reach_filter(Phase.objects.all(), self.context.get("reach", NOTHING))


class CouncilMeetingFilter(django_filters.FilterSet):
    phase = django_filters.NumberFilter(field_name="phase_id", label=gettext_lazy("phase"))

    class Meta:
        model = CouncilMeeting
        fields = []


class CouncilMeetingViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """The council's meetings on a phase's proposals, with their votes (read by the minutes)."""

    reach_scope = "reach"
    serializer_class = CouncilMeetingSerializer
    filterset_class = CouncilMeetingFilter

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "reach": reach_of(self.request.user)}

    def get_queryset(self):
        return reach_filter(CouncilMeeting.objects.all(), reach_of(self.request.user)).order_by("-held_at", "-pk")

    def list(self, request, *args, **kwargs):
        """Council meetings, filtered by phase."""
        require_perm(request.user, "awards.view_councilmeeting", _("You may not see council meetings."))
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        """One council meeting."""
        require_perm(request.user, "awards.view_councilmeeting", _("You may not see council meetings."))
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(responses={201: CouncilMeetingSerializer, 400: ERROR, 403: ERROR, 409: ERROR})
    def create(self, request, *args, **kwargs):
        """The council records its meeting on a finalized phase, with the votes."""
        require_perm(request.user, "awards.add_councilmeeting", _("Only the council records its meetings."))
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = {key: value for key, value in body.validated_data.items() if key != "phase"}
        meeting = council_meeting_record(
            phase=body.validated_data["phase"], by=request.user, reach=reach_of(request.user), **data
        )
        return Response(self.get_serializer(meeting).data, status=status.HTTP_201_CREATED)
