from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import views as accounts_views
from accounts.api import TokenListView, TokenRevokeView, TokenView
from reports.pages.common import vietnamese_unless_chosen

admin.site.site_header = _("Emulation campaigns — Vietnam Social Security")
admin.site.site_title = _("Emulation campaigns")
admin.site.index_title = _("Campaign administration")


api_v1 = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("auth/tokens/", TokenListView.as_view(), name="tokens"),
    path("auth/tokens/<str:token_key>/", TokenRevokeView.as_view(), name="token-revoke"),
    path("", include("reports.api_urls")),
    path("", include("enrollments.api_urls")),
    path("", include("awards.api_urls")),
    path("", include("core.api_urls")),
    path("", include("collectors.api_urls")),
]

# Changing one's password (an initial one must be, DESIGN §13); a page, so in the pages' language.
accounts_pages = [
    path(
        "password/change/",
        vietnamese_unless_chosen(accounts_views.PasswordChangeView.as_view()),
        name="password_change",
    ),
    path(
        "password/change/done/",
        vietnamese_unless_chosen(accounts_views.PasswordChangeDoneView.as_view()),
        name="password_change_done",
    ),
]

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file, as the Content-Security-Policy asks.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("", include((accounts_pages, "accounts"))),
    # The web pages (login, campaigns, leaderboards, agents) at the site root.
    path("", include("reports.urls")),
]

# Errors raised outside the API's views answer JSON under /api/, Django's pages elsewhere.
handler400 = "core.error_views.bad_request"
handler403 = "core.error_views.permission_denied"
handler404 = "core.error_views.page_not_found"
handler500 = "core.error_views.server_error"
