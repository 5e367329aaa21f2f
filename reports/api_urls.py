"""The reading API for people under ``/api/v1/`` (included by ``emulation_config.urls``)."""

from django.urls import path

from reports.api import MyProgressView
from reports.downloads import ProgressWorkbookView

urlpatterns = [
    path("me/progress/", MyProgressView.as_view(), name="my-progress"),
    path("campaigns/<slug:code>/progress.xlsx", ProgressWorkbookView.as_view(), name="campaign-progress-workbook"),
]
