"""The reading API for people under ``/api/v1/`` (included by ``emulation_config.urls``)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from reports.api import CampaignProgressView, MyProgressView
from reports.downloads import ProgressWorkbookView
from reports.notices.api import MyNoticePreferencesView, MyNoticeViewSet

router = SimpleRouter()
router.register("me/notices", MyNoticeViewSet, basename="my-notice")

urlpatterns = [
    path("me/progress/", MyProgressView.as_view(), name="my-progress"),
    path("me/notice-preferences/", MyNoticePreferencesView.as_view(), name="my-notice-preferences"),
    path("campaigns/<slug:code>/progress/", CampaignProgressView.as_view(), name="campaign-progress"),
    path("", include(router.urls)),
    path("campaigns/<slug:code>/progress.xlsx", ProgressWorkbookView.as_view(), name="campaign-progress-workbook"),
]
