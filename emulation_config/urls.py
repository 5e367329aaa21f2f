from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

admin.site.site_header = _("Emulation campaigns — Vietnam Social Security")
admin.site.site_title = _("Emulation campaigns")
admin.site.index_title = _("Campaign administration")


class TokenView(ObtainAuthToken):
    """Exchange a username and password for an API token. Throttled per client address."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"
    # ObtainAuthToken names its own parsers: the bounded ones (core.parsers) apply here too.
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES


api_v1 = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("", include("reports.api_urls")),
    path("", include("enrollments.api_urls")),
    path("", include("awards.api_urls")),
    path("", include("core.api_urls")),
]

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    # The web pages (login, campaigns, leaderboards, agents) at the site root.
    path("", include("reports.urls")),
]

# Errors raised outside the API's views answer JSON under /api/, Django's pages elsewhere.
handler400 = "core.error_views.bad_request"
handler403 = "core.error_views.permission_denied"
handler404 = "core.error_views.page_not_found"
handler500 = "core.error_views.server_error"
