"""The agents' logins API under ``/api/v1/`` (included by ``emulation_config.urls``)."""

from django.urls import path

from collectors.api import AgentLoginView

urlpatterns = [path("agents/<str:code>/login/", AgentLoginView.as_view(), name="agent-login")]
