"""The site's language rule outside the API."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation


class SiteLanguageMiddleware:
    """The admin and the pages speak the site's language (Vietnamese) unless the user
    chose one with the language switch (its cookie): a browser's Accept-Language is
    not a choice there. The API keeps following Accept-Language (a field app asks
    for its language). Comes right after Django's ``LocaleMiddleware``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES and not request.path_info.startswith("/api/"):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
        return self.get_response(request)
