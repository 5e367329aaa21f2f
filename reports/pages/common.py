"""What every page shares: the language rule, the refusal page, login and logout."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse_lazy
from django.utils import translation

from campaigns.models import Campaign


def vietnamese_unless_chosen(view):
    """Serve the page in the site's language (Vietnamese) unless the user chose
    one with the language switch: a browser's Accept-Language is not a choice."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
        return view(request, *args, **kwargs)

    return wrapped


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "pages/forbidden.html", {"message": message}, status=403)


class LoginView(auth_views.LoginView):
    template_name = "pages/login.html"
    redirect_authenticated_user = True
    next_page = reverse_lazy("pages:campaigns")


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("pages:login")


def campaign_or_404(code: str) -> Campaign:
    return get_object_or_404(Campaign.objects.select_related("organizer"), code=code)


def cluster_param(request: HttpRequest) -> int | None:
    value = request.GET.get("cluster", "")
    if not value:
        return None
    if not value.isdecimal() or len(value) > 18:
        raise Http404("No such cluster.")
    return int(value)
