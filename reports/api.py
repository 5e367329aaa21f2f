"""The agent's own progress in the campaigns they take part in."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from core.conditional import ConditionalGetMixin
from enrollments.selectors import agent_of
from reports.agent_progress import agent_progress
from reports.serializers import MyProgressSerializer


class MyProgressView(ConditionalGetMixin, APIView):
    """Per running or closed campaign the caller takes part in, and per phase:
    what counts so far, each quota and what remains, the caller's place on the
    leaderboard of the first agent rule ranking them (final once the phase is
    finalized, provisional before) and their award for the phase, if any.

    The answer carries an `ETag`: sent back in `If-None-Match`, it gets an empty
    `304 Not Modified` while the progress is unchanged."""

    reach_scope = "own"  # the calling agent's own progress

    @extend_schema(responses={200: MyProgressSerializer, 304: None})
    def get(self, request):
        agent = agent_of(request.user)
        if agent is None:
            raise exceptions.PermissionDenied()
        # The same reader as the agent's page: both show the same figures.
        progress = {"agent": agent, "campaigns": agent_progress(agent=agent)}
        return Response(MyProgressSerializer(progress).data)
