"""The account pages: changing one's password (where a user with an initial password is
sent), and the answer to a login locked out."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.lockout import LOCKED_OUT_CODE, lockout_message, lockout_seconds
from accounts.selectors import password_must_change
from core.api import error_body
from core.error_views import API_PREFIX


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else ""


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change (old password, new one twice, the validators' rules);
    saving it revokes the user's API tokens and clears an initial password's mark
    (``accounts.validators``)."""

    template_name = "accounts/password_change.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "next": _safe_next(self.request),
            "initial_password": password_must_change(user=self.request.user),
        }

    def get_success_url(self) -> str:
        done = reverse("accounts:password_change_done")
        target = _safe_next(self.request)
        return f"{done}?{urlencode({'next': target})}" if target else done


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "next": _safe_next(self.request) or "/"}


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """What a login locked out by django-axes is answered (``AXES_LOCKOUT_CALLABLE``): a page,
    or under /api/ the API's error contract; either way 429 with ``Retry-After``."""
    if request.path_info.startswith(API_PREFIX):
        body = error_body(lockout_message(), LOCKED_OUT_CODE)
        response = JsonResponse(body, status=429, json_dumps_params={"ensure_ascii": False})
    else:
        context = {"message": lockout_message(), "login_url": request.get_full_path()}
        response = render(request, "accounts/locked_out.html", context, status=429)
    response["Retry-After"] = str(lockout_seconds())
    return response
