"""The notice and the appeals in the API (``/api/v1/``, routed by ``awards.api_urls``).

- ``GET /phases/{id}/notice/?rule=&cluster=&page=``: a finalized phase's
  proposed results under notice, a board at a time, with each competitor's
  eligibility and its reason, and when the notice period ends;
- ``GET /appeals/`` (``?phase=&status=``), ``GET /appeals/{id}/``: the appeals
  the caller sees (``selectors.appeals_visible_to``);
- ``POST /appeals/``: file one (JSON, or multipart with an ``attachment``);
- ``POST /appeals/{id}/uphold|dismiss/``: the council's answer, with the ``reply``;
- ``GET /appeals/{id}/attachment/``: the file, to whoever sees the appeal.
"""

from __future__ import annotations

import io

import django_filters
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from awards.api.phases import PAGE_SIZE, StandingsPageQuerySerializer, _page_link
from awards.appeals.models import Appeal, AppealEvent
from awards.appeals.rules import (
    CONTENT_TYPES,
    Subject,
    appealable_agents,
    appealable_teams,
    appealable_units,
    attachment_error,
)
from awards.appeals.selectors import (
    appeals_visible_to,
    ineligibility_reason,
    notice_readable,
    phase_notice,
)
from awards.appeals.services import TEXT_MAX, appeal_answer, appeal_file
from awards.permissions import require_perm
from awards.selectors import NoRanking, leaderboard_page, leaderboard_resolve
from awards.serializers import (
    CampaignBriefSerializer,
    PhaseBriefSerializer,
    StandingRowSerializer,
    StandingsPageSerializer,
)
from campaigns.models import CompetitorKind, Phase
from core.api import ErrorSerializer as ERROR
from core.reach import reach_of
from enrollments.models import Enrollment

_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Appeal id.")
_PHASE_ID = OpenApiParameter("pk", int, OpenApiParameter.PATH, description="Phase id.")


# --- The notice ----------------------------------------------------------------------


class NoticeRow:
    """A row of the final board, with why it is not eligible."""

    def __init__(self, row, reason: str):
        self._row, self.eligibility_reason = row, reason

    def __getattr__(self, name):
        return getattr(self._row, name)


class PublicNoticeRowSerializer(StandingRowSerializer):
    eligibility_reason = serializers.CharField(
        help_text=gettext_lazy("Why the competitor is not eligible; empty when eligible.")
    )


class PublicNoticeSerializer(StandingsPageSerializer):
    """A page of a board of the proposed results under notice."""

    results = PublicNoticeRowSerializer(source="rows", many=True)
    notice_ends_at = serializers.DateTimeField(source="notice.ends_at", allow_null=True)
    notice_running = serializers.BooleanField(source="running")
    open_appeals = serializers.IntegerField()


def readable_phase(user, pk) -> Phase:
    """The phase, when ``user`` reads the notices of its campaign (404 otherwise: nothing is told of it)."""
    phase = Phase.objects.select_related("campaign").filter(pk=pk).first()
    if phase is None or not notice_readable(user, phase.campaign):
        raise exceptions.NotFound()
    return phase


class NoticeView(APIView):
    reach_scope = "reach"

    @extend_schema(
        parameters=[_PHASE_ID, StandingsPageQuerySerializer],
        responses={200: PublicNoticeSerializer, 400: ERROR, 404: ERROR},
    )
    def get(self, request, pk: int):
        """The proposed results of a finalized phase under public notice: every board of it is public to
        whoever takes part in the campaign. Until `notice_ends_at` (`notice_running`), appeals are taken."""
        phase = readable_phase(request.user, pk)
        notice = phase_notice(phase)
        if notice is None:
            raise exceptions.NotFound(_("The results of %(phase)s are not published yet.") % {"phase": phase.name})
        query = StandingsPageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        asked = dict(query.validated_data)
        number = asked.pop("page")
        size = asked.pop("page_size", None) or PAGE_SIZE
        try:
            choice = leaderboard_resolve(phase=phase, first_allowed=True, **asked)
        except NoRanking as error:
            raise exceptions.NotFound(str(error)) from error
        board = leaderboard_page(phase=phase, rule=choice.rule, cluster=choice.cluster, page=number, page_size=size)
        if number > board.pages:
            raise exceptions.NotFound(PageNumberPagination.invalid_page_message)
        rows = [NoticeRow(row, ineligibility_reason(row, rule=choice.rule, quotas=board.quotas)) for row in board.rows]
        page = {
            "choice": choice,
            "board": board,
            "rows": rows,
            "notice": notice,
            "running": notice.running(),
            "open_appeals": notice.open_appeals,
            "next": _page_link(request, number + 1) if board.has_next else None,
            "previous": _page_link(request, number - 1) if board.has_previous else None,
        }
        return Response(PublicNoticeSerializer(page).data)


# --- Appeals -------------------------------------------------------------------------


_STATUSES = gettext_lazy("open, upheld or dismissed")


class AppealEventSerializer(serializers.ModelSerializer):
    from_status = serializers.CharField(help_text=_STATUSES)
    to_status = serializers.CharField(help_text=_STATUSES)
    by = serializers.CharField(source="by.get_username", allow_null=True, default=None)

    class Meta:
        model = AppealEvent
        fields = ["from_status", "to_status", "at", "by", "note"]


class AppealSerializer(serializers.ModelSerializer):
    campaign = CampaignBriefSerializer(source="phase.campaign")
    phase = PhaseBriefSerializer()
    competitor_kind = serializers.CharField(help_text=gettext_lazy("agent, team or unit"))
    status = serializers.CharField(help_text=_STATUSES)
    status_display = serializers.CharField(source="get_status_display")
    version = serializers.IntegerField(source="finalization.version", help_text=gettext_lazy("The version appealed."))
    corrected_by_version = serializers.IntegerField(source="correction.version", allow_null=True, default=None)
    filed_by = serializers.CharField(source="filed_by.get_username")
    attachment_url = serializers.SerializerMethodField()
    events = AppealEventSerializer(many=True)

    class Meta:
        model = Appeal
        fields = [
            "id",
            "campaign",
            "phase",
            "version",
            "competitor_kind",
            "competitor_code",
            "competitor_name",
            "enrollment",
            "text",
            "attachment_name",
            "attachment_url",
            "status",
            "status_display",
            "reply",
            "filed_by",
            "filed_at",
            "answered_at",
            "corrected_by_version",
            "events",
        ]

    def get_attachment_url(self, appeal) -> str | None:
        if not appeal.has_attachment:
            return None
        return reverse("api:appeal-attachment", args=[appeal.pk], request=self.context.get("request"))


class AppealInSerializer(serializers.Serializer):
    """An appeal as filed. Every field is checked, and every problem answered at once."""

    phase = serializers.IntegerField(help_text=gettext_lazy("Phase id: a finalized phase under notice."))
    agent = serializers.CharField(
        required=False,
        max_length=50,
        help_text=gettext_lazy(
            "Code of the agent the appeal is about: yourself (the default) or one of your organization's."
        ),
    )
    team = serializers.IntegerField(required=False, help_text=gettext_lazy("Id of a team of yours, for its result."))
    unit = serializers.CharField(
        required=False, max_length=50, help_text=gettext_lazy("Code of the unit you work for, for its result.")
    )
    enrollment = serializers.IntegerField(
        required=False, help_text=gettext_lazy("Id of the enrollment the appeal is about, if one.")
    )
    text = serializers.CharField(max_length=TEXT_MAX, help_text=gettext_lazy("What is wrong, and why."))
    attachment = serializers.FileField(
        required=False, help_text=gettext_lazy("PDF, JPEG, PNG, Word (.docx) or Excel (.xlsx), up to UPLOAD_MAX_SIZE.")
    )

    @property
    def user(self):
        return self.context["request"].user

    def validate_phase(self, value):
        phase = Phase.objects.select_related("campaign").filter(pk=value).first()
        if phase is None or not notice_readable(self.user, phase.campaign):
            raise serializers.ValidationError(_("There is no such phase among your campaigns."))
        return phase

    def validate_agent(self, value):
        agent = appealable_agents(self.user).filter(code=value).first()
        if agent is None:
            raise serializers.ValidationError(_("You may appeal only about yourself or your organization's agents."))
        return agent

    def validate_team(self, value):
        team = appealable_teams(self.user).filter(pk=value).first()
        if team is None:
            raise serializers.ValidationError(_("You may appeal only about a team you belong to."))
        return team

    def validate_unit(self, value):
        unit = appealable_units(self.user).filter(code=value).first()
        if unit is None:
            raise serializers.ValidationError(_("You may appeal only about the unit you work for."))
        return unit

    def validate_enrollment(self, value):
        enrollment = Enrollment.objects.filter(pk=value, agent__in=appealable_agents(self.user)).first()
        if enrollment is None:
            raise serializers.ValidationError(_("You may appeal only about your own enrollments or your agents'."))
        return enrollment

    def validate_text(self, value):
        if not value.strip():
            raise serializers.ValidationError(_("Say what the appeal is about."))
        return value

    def validate_attachment(self, value):
        problem = attachment_error(value)
        if problem:
            raise serializers.ValidationError(problem)
        return value

    def validate(self, data):
        named = [kind for kind in (CompetitorKind.AGENT, CompetitorKind.TEAM, CompetitorKind.UNIT) if kind in data]
        if len(named) > 1:
            raise serializers.ValidationError({named[1]: [_("Name one competitor only.")]})
        enrollment = data.get("enrollment")
        agent = data.get("agent")
        if not named:
            agent = (
                enrollment.agent
                if enrollment is not None
                else appealable_agents(self.user).filter(user=self.user).first()
            )
            if agent is None:
                raise serializers.ValidationError({"agent": [_("Say whose result the appeal is about.")]})
        kind = named[0] if named else CompetitorKind.AGENT
        if enrollment is not None and kind != CompetitorKind.AGENT:
            raise serializers.ValidationError({"enrollment": [_("An enrollment is appealed about its agent.")]})
        data["subject"] = Subject(
            kind=kind, agent=agent, team=data.get("team"), unit=data.get("unit"), enrollment=enrollment
        )
        return data


class AppealFilter(django_filters.FilterSet):
    phase = django_filters.NumberFilter(field_name="phase_id", label=gettext_lazy("phase"))
    campaign = django_filters.CharFilter(field_name="phase__campaign__code", label=gettext_lazy("campaign code"))
    status = django_filters.ChoiceFilter(choices=Appeal.Status.choices, label=gettext_lazy("status"))

    class Meta:
        model = Appeal
        fields = []


class ReplyInSerializer(serializers.Serializer):
    reply = serializers.CharField(max_length=TEXT_MAX, help_text=gettext_lazy("The council's written reply."))


class AppealViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Appeals against proposed results: filed by those they concern, answered by the council."""

    reach_scope = "reach"
    serializer_class = AppealSerializer
    filterset_class = AppealFilter

    def get_queryset(self):
        return (
            appeals_visible_to(self.request.user)
            .defer("attachment")
            .select_related("phase__campaign", "finalization", "correction", "filed_by")
            .prefetch_related("events__by")
            .order_by("-filed_at", "-pk")
        )

    def _answer(self, appeal: Appeal, status: int = 200) -> Response:
        fresh = self.get_queryset().get(pk=appeal.pk)
        return Response(AppealSerializer(fresh, context=self.get_serializer_context()).data, status=status)

    @extend_schema(
        request={"application/json": AppealInSerializer, "multipart/form-data": AppealInSerializer},
        responses={201: AppealSerializer, 400: ERROR, 409: ERROR},
    )
    def create(self, request):
        """File an appeal during the notice period of a phase's results: about your own result (an agent),
        one of your enrollments, your organization's agents (a manager), your team or your unit."""
        body = AppealInSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        appeal = appeal_file(
            by=request.user,
            phase=data["phase"],
            text=data["text"],
            subject=data["subject"],
            attachment=data.get("attachment"),
        )
        return self._answer(appeal, status=201)

    def _decide(self, request, upheld: bool):
        require_perm(request.user, "awards.answer_appeal", _("Only the council answers appeals."))
        appeal = self.get_object()
        body = ReplyInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        appeal_answer(
            appeal=appeal,
            by=request.user,
            upheld=upheld,
            reply=body.validated_data["reply"],
            reach=reach_of(request.user),
        )
        return self._answer(appeal)

    @extend_schema(
        parameters=[_ID],
        request=ReplyInSerializer,
        responses={200: AppealSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
    )
    @action(detail=True, methods=["post"])
    def uphold(self, request, pk=None):
        """The council upholds the appeal, with its reply: the phase is reopened for the correction."""
        return self._decide(request, upheld=True)

    @extend_schema(
        parameters=[_ID],
        request=ReplyInSerializer,
        responses={200: AppealSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
    )
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        """The council dismisses the appeal, with its reply."""
        return self._decide(request, upheld=False)

    @extend_schema(parameters=[_ID], responses={(200, "application/octet-stream"): bytes, 404: ERROR})
    @action(detail=True, methods=["get"])
    def attachment(self, request, pk=None):
        """The appeal's attached file, to whoever sees the appeal."""
        return attachment_response(self.get_object())


def attachment_response(appeal: Appeal) -> FileResponse:
    """The appeal's file as a download, of the type its content was recognized as."""
    if not appeal.has_attachment or appeal.attachment is None:
        raise Http404(_("The appeal has no attachment."))
    response = FileResponse(
        io.BytesIO(bytes(appeal.attachment)),
        as_attachment=True,
        filename=appeal.attachment_name,
        content_type=CONTENT_TYPES.get(appeal.attachment_type, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
