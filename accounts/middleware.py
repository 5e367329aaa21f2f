"""A page user whose password is initial is sent to change it first."""

from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

from accounts.selectors import password_must_change
from core.error_views import API_PREFIX

# Views a user with an initial password may still open, by URL name (in any namespace:
# the pages' and the admin's logout alike).
ALLOWED_VIEWS = frozenset({"password_change", "password_change_done", "logout", "set_language"})


class PasswordChangeRequiredMiddleware:
    """After ``AuthenticationMiddleware``: until a logged-in user with an initial password
    (``accounts.models.PasswordState``) changes it, every page but the password change,
    logout and the language switch redirects to the password change, which then returns
    to the page asked for. Under /api/ the API's authentication answers 403 instead
    (``accounts.authentication``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith(API_PREFIX):
            return None
        if not password_must_change(user=request.user):
            return None
        match = request.resolver_match
        if match is not None and match.url_name in ALLOWED_VIEWS:
            return None
        return redirect(f"{reverse('accounts:password_change')}?{urlencode({'next': request.get_full_path()})}")
