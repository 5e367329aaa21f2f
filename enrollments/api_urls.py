"""The enrollments API under ``/api/v1/`` (included by ``emulation_config.urls``)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from enrollments.exports import EnrollmentExportView
from enrollments.views import EnrollmentViewSet, QuoteView

router = SimpleRouter()
router.register("enrollments", EnrollmentViewSet, basename="enrollment")

urlpatterns = [
    path("quote/", QuoteView.as_view(), name="quote"),
    # Before the router: its "enrollments/<pk>.<format>" would take "enrollments/export.xlsx".
    path("enrollments/export.xlsx", EnrollmentExportView.as_view(), name="enrollment-export"),
    path("", include(router.urls)),
]
