from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.routers import DefaultRouter
from rest_framework.throttling import ScopedRateThrottle

from awards.views import AwardListWorkbookView, AwardViewSet, PhaseRankingWorkbookView, PhaseViewSet
from campaigns.export_views import EnrollmentExportView, ExportJobViewSet, ProgressWorkbookView
from enrollments.views import EnrollmentViewSet, QuoteView
from reports.api import MyProgressView

admin.site.site_header = _("Emulation campaigns — Vietnam Social Security")
admin.site.site_title = _("Emulation campaigns")
admin.site.index_title = _("Campaign administration")


class TokenView(ObtainAuthToken):
    """Exchange a username and password for an API token. Throttled per client address."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"


router = DefaultRouter()
router.register("enrollments", EnrollmentViewSet, basename="enrollment")
router.register("phases", PhaseViewSet, basename="phase")
router.register("awards", AwardViewSet, basename="award")
router.register("exports", ExportJobViewSet, basename="export")

api_v1 = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("me/progress/", MyProgressView.as_view(), name="my-progress"),
    path("quote/", QuoteView.as_view(), name="quote"),
    # Before the router: its "enrollments/<pk>.<format>" would take "enrollments/export.xlsx".
    path("enrollments/export.xlsx", EnrollmentExportView.as_view(), name="enrollment-export"),
    path("campaigns/<slug:code>/progress.xlsx", ProgressWorkbookView.as_view(), name="campaign-progress-workbook"),
    # Also before the router, whose "awards/<pk>.<format>" would take "awards/export.xlsx".
    path("phases/<int:pk>/ranking.xlsx", PhaseRankingWorkbookView.as_view(), name="phase-ranking-workbook"),
    path("awards/export.xlsx", AwardListWorkbookView.as_view(), name="award-export"),
    path("", include(router.urls)),
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
