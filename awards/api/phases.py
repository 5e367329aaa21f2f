"""A phase and its leaderboard, and the phase lifecycle for staff.

- ``GET /phases/{id}/``: the phase, its status and its current final version;
- ``GET /phases/{id}/standings/``: its leaderboard (``awards.selectors``), final
  once the phase is finalized, provisional before; conditional (``core.conditional``:
  an ETag, and 304 while the page read is unchanged);
- ``POST /phases/{id}/close|finalize|reopen/``: the lifecycle, through the services.

Staff reach the phases of the campaigns of their offices (``core.reach``): any
other phase is not found (404) for them, and the services check the reach again.
"""

from __future__ import annotations

import django_filters
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.utils.urls import remove_query_param, replace_query_param

from awards.models import Finalization
from awards.permissions import (
    LeaderboardAccess,
    campaign_accesses,
    readable_phases,
    require_leaderboard_access,
    require_perm,
)
from awards.selectors import BoardChoice, NoRanking, leaderboard_page, leaderboard_resolve
from awards.serializers import (
    FinalizeAcceptedSerializer,
    PhaseSerializer,
    ReasonInSerializer,
    RequiredReasonSerializer,
    StandingsPageSerializer,
    StandingsQuerySerializer,
)
from awards.services import phase_finalize_request, phase_reopen
from campaigns.models import Phase
from campaigns.services import phase_close
from core.api import ErrorSerializer as ERROR
from core.conditional import ConditionalGetMixin
from core.listing import query_errors
from core.reach import reach_filter, reach_of

# Rows of a leaderboard page.
PAGE_SIZE = 50
# The highest page a reader may ask for: far past the end of any board (50,000
# agents fill 1,000 pages), and low enough that its first row is one the database can count to.
MAX_PAGE = 100_000

_PHASE_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Phase id.")
# The staff's lifecycle actions: only on phases within the caller's reach.
LIFECYCLE = frozenset({"close", "finalize", "reopen"})


def resolve_board(phase: Phase, access: LeaderboardAccess, **asked) -> BoardChoice:
    """``leaderboard_resolve`` for the API: a phase no rule ranks is not found (404),
    a board the reader may not see is refused (403), a rule or cluster that is not
    the phase's is a field error (400, by the exception handler). A reader of one
    cluster's board only gets it when they name none."""
    # A reader who may see one cluster's board only (an agent: their own) need not name it.
    only_one = not access.everything and len(access.clusters - {None}) <= 1
    first_allowed = asked.pop("first_allowed", False) or only_one
    try:
        return leaderboard_resolve(phase=phase, allows=access.allows, first_allowed=first_allowed, **asked)
    except NoRanking as error:
        raise exceptions.NotFound(str(error)) from error
    except PermissionDenied as error:
        raise exceptions.PermissionDenied(str(error)) from error


class StandingsPageQuerySerializer(StandingsQuerySerializer):
    """The board asked for and the page of it: a page that is not a whole number
    from 1 to ``MAX_PAGE`` is a field error (400), one past the end of the board not found (404)."""

    page = serializers.IntegerField(
        required=False,
        default=1,
        min_value=1,
        max_value=MAX_PAGE,
        help_text=gettext_lazy("Page number, from 1."),
    )
    page_size = serializers.IntegerField(
        required=False,
        default=PAGE_SIZE,
        min_value=1,
        max_value=settings.API_MAX_PAGE_SIZE,
        help_text=gettext_lazy("Rows a page (default 50)."),
    )


def _page_link(request, number: int) -> str:
    url = request.build_absolute_uri()
    return remove_query_param(url, "page") if number == 1 else replace_query_param(url, "page", number)


class PhaseFilter(django_filters.FilterSet):
    campaign = django_filters.CharFilter(field_name="campaign__code", label=gettext_lazy("campaign code"))
    status = django_filters.MultipleChoiceFilter(choices=Phase.Status.choices, label=gettext_lazy("status"))

    class Meta:
        model = Phase
        fields = []


class PhaseViewSet(ConditionalGetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Phases, a phase's leaderboard, and its lifecycle for staff."""

    conditional_actions = frozenset({"standings"})
    reach_scope = "reach"

    serializer_class = PhaseSerializer
    filterset_class = PhaseFilter
    queryset = Phase.objects.select_related("campaign")
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        phases = super().get_queryset()
        user = self.request.user
        if self.action == "list":
            # The phases of the campaigns the caller reads (as the campaign list): in order.
            return phases.filter(pk__in=readable_phases(campaign_accesses(user)).values("pk")).order_by(
                "campaign_id", "number"
            )
        if self.action in LIFECYCLE or user.has_perm("campaigns.view_phase"):
            # Staff: the phases of the campaigns within their reach; any other is not found.
            return reach_filter(phases, reach_of(user))
        # Agents and organization managers: the leaderboard's rules decide (require_leaderboard_access).
        return phases

    def _answer(self, phase: Phase, *, fresh: bool = True) -> Response:
        if fresh:
            phase = self.get_queryset().get(pk=phase.pk)
        phase.current_finalization = Finalization.objects.filter(phase=phase, current=True).first()
        return Response(PhaseSerializer(phase, context=self.get_serializer_context()).data)

    def list(self, request, *args, **kwargs):
        """The phases of the campaigns you may read (staff: of the offices they reach; an agent:
        the campaigns they take part in), by campaign and number."""
        phases = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        # The current finalization of every phase of the page, in one query.
        current = {f.phase_id: f for f in Finalization.objects.filter(phase__in=phases, current=True)}
        for phase in phases:
            phase.current_finalization = current.get(phase.pk)
            if phase.current_finalization is not None:
                phase.current_finalization.phase = phase
        return self.get_paginated_response(self.get_serializer(phases, many=True).data)

    @extend_schema(parameters=[_PHASE_ID], responses={200: PhaseSerializer, 403: ERROR, 404: ERROR})
    def retrieve(self, request, pk=None):
        """A phase: its status and the version of its current final standings."""
        phase = self.get_object()
        require_leaderboard_access(request.user, phase.campaign)
        return self._answer(phase, fresh=False)

    @extend_schema(
        parameters=[_PHASE_ID, StandingsPageQuerySerializer],
        responses={200: StandingsPageSerializer, 304: None, 400: ERROR, 403: ERROR, 404: ERROR},
    )
    @action(detail=True, methods=["get"])
    def standings(self, request, pk=None):
        """The leaderboard of a phase: final once the phase is finalized (with the prize
        each competitor won), provisional before.

        Staff read every board; an organization's managers the boards of its agents'
        clusters; an agent taking part the board of their own cluster.

        The answer carries an `ETag`: sent back in `If-None-Match`, it gets an empty
        `304 Not Modified` while the page read is unchanged."""
        phase = self.get_object()
        access = require_leaderboard_access(request.user, phase.campaign)
        query = StandingsPageQuerySerializer(data=request.query_params)
        # Every unknown parameter and every bad value, together.
        errors = query_errors(request, query.fields)
        if not query.is_valid() or errors:
            raise exceptions.ValidationError({**errors, **query.errors})
        asked = dict(query.validated_data)
        number = asked.pop("page")
        size = asked.pop("page_size")
        choice = resolve_board(phase, access, **asked)
        board = leaderboard_page(phase=phase, rule=choice.rule, cluster=choice.cluster, page=number, page_size=size)
        if number > board.pages:
            raise exceptions.NotFound(PageNumberPagination.invalid_page_message)
        page = {
            "choice": choice,
            "board": board,
            "next": _page_link(request, number + 1) if board.has_next else None,
            "previous": _page_link(request, number - 1) if board.has_previous else None,
        }
        return Response(StandingsPageSerializer(page).data)

    @extend_schema(
        parameters=[_PHASE_ID],
        request=ReasonInSerializer,
        responses={200: PhaseSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Staff: close a phase by hand (early, with the reason; or before the periodic task has run)."""
        require_perm(request.user, "campaigns.close_phase", _("You may not close phases."))
        phase = self.get_object()
        body = ReasonInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        phase_close(phase=phase, by=request.user, reason=body.validated_data["reason"], reach=reach_of(request.user))
        return self._answer(phase)

    @extend_schema(
        parameters=[_PHASE_ID],
        request=None,
        responses={202: FinalizeAcceptedSerializer, 403: ERROR, 404: ERROR, 409: ERROR},
    )
    @action(detail=True, methods=["post"])
    def finalize(self, request, pk=None):
        """Staff: finalize a closed phase. Queued: read the phase at `status_url` until it is finalized."""
        require_perm(request.user, "campaigns.finalize_phase", _("You may not finalize phases."))
        phase = self.get_object()
        phase_finalize_request(phase=phase, by=request.user, reach=reach_of(request.user))
        url = reverse("api:phase-detail", args=[phase.pk], request=request)
        body = {"message": _("Finalizing has been queued."), "status_url": url, "phase": self._answer(phase).data}
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": url})

    @extend_schema(
        parameters=[_PHASE_ID],
        request=RequiredReasonSerializer,
        responses={200: PhaseSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Staff, with the reason: open again a phase closed before its submission deadline, or close again a
        finalized phase before any of its awards is approved."""
        require_perm(request.user, "campaigns.reopen_phase", _("You may not reopen phases."))
        phase = self.get_object()
        body = RequiredReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        phase_reopen(phase=phase, by=request.user, reason=body.validated_data["reason"], reach=reach_of(request.user))
        return self._answer(phase)
