"""The export jobs API under ``/api/v1/`` (included by ``emulation_config.urls``)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from core.views import ExportJobViewSet

router = SimpleRouter()
router.register("exports", ExportJobViewSet, basename="export")

urlpatterns = [path("", include(router.urls))]
