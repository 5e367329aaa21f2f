"""Logins for agents through the API: ``POST /api/v1/agents/{code}/login/``.

Staff who may change agents give a login to an agent of the offices they reach
(``core.reach``; any other agent is not found); the answer shows the initial password
once, and the agent must change it at their first login (``collectors.services``)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from collectors.models import Agent
from collectors.services import agent_login_create
from core.reach import reach_filter, reach_of


class AgentLoginInSerializer(serializers.Serializer):
    username = serializers.CharField(
        max_length=150,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("The login's name; default: the agent's code in lower case."),
    )


class AgentLoginSerializer(serializers.Serializer):
    agent = serializers.CharField(help_text=gettext_lazy("The agent's code."))
    username = serializers.CharField()
    password = serializers.CharField(help_text=gettext_lazy("The initial password, shown only this once."))
    must_change = serializers.BooleanField(help_text=gettext_lazy("Always true: changed at the first login."))


class AgentLoginView(APIView):
    """Staff: give an agent of their offices a login with an initial password."""

    reach_scope = "reach"

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "code", str, OpenApiParameter.PATH, description=gettext_lazy("Agent code."), pattern=r"^[^/]+$"
            )
        ],
        request=AgentLoginInSerializer,
        responses={201: AgentLoginSerializer},
    )
    def post(self, request, code: str):
        if not request.user.has_perm("collectors.change_agent"):
            raise exceptions.PermissionDenied(_("You may not give agents logins."))
        agent = get_object_or_404(reach_filter(Agent.objects.all(), reach_of(request.user)), code=code)
        body = AgentLoginInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user, password = agent_login_create(
            agent=agent, username=body.validated_data["username"], by=request.user, reach=reach_of(request.user)
        )
        answer = {"agent": agent.code, "username": user.username, "password": password, "must_change": True}
        # The password is shown once: no cache keeps it.
        headers = {"Cache-Control": "no-store"}
        return Response(AgentLoginSerializer(answer).data, status=status.HTTP_201_CREATED, headers=headers)
