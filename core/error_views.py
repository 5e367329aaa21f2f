"""Error pages for errors raised outside the API's views: an unknown URL, a
permission refused or a fault in a middleware. Under /api/ they answer the
API's error contract in JSON (``core.api``), elsewhere Django's own pages.

``emulation_config.urls`` names them as ``handler400``, ``handler403``,
``handler404`` and ``handler500``.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from rest_framework import exceptions

from core.api import SERVER_ERROR, error_body

API_PREFIX = "/api/"


def _is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def _api_error(message, code: str, status: int) -> JsonResponse:
    # Unescaped, as the API's own renderer writes it.
    return JsonResponse(error_body(message, code), status=status, json_dumps_params={"ensure_ascii": False})


def bad_request(request, exception):
    if _is_api(request):
        return _api_error(_("The request is malformed."), "bad_request", 400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if _is_api(request):
        return _api_error(exceptions.PermissionDenied.default_detail, "permission_denied", 403)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    if _is_api(request):
        return _api_error(exceptions.NotFound.default_detail, "not_found", 404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return _api_error(SERVER_ERROR, "server_error", 500)
    return defaults.server_error(request)


class ApiNotFoundMiddleware:
    """Under /api/, a 404 that is not already JSON (Django's debug page for an unknown URL,
    shown instead of ``handler404`` while ``DEBUG`` is on) answers the API's JSON 404."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 404
            and _is_api(request)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return _api_error(exceptions.NotFound.default_detail, "not_found", 404)
        return response
