"""The reading API for people under ``/api/v1/`` (included by ``emulation_config.urls``)."""

from django.urls import path

from campaigns.export_views import ProgressWorkbookView
from reports.api import MyProgressView

urlpatterns = [
    path("me/progress/", MyProgressView.as_view(), name="my-progress"),
    path("campaigns/<slug:code>/progress.xlsx", ProgressWorkbookView.as_view(), name="campaign-progress-workbook"),
]
