"""The standings, phase and awards API under ``/api/v1/`` (included by ``emulation_config.urls``)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from awards.api.awards import AwardViewSet
from awards.api.phases import PhaseViewSet
from awards.api.workbooks import AwardListWorkbookView, PhaseRankingWorkbookView

router = SimpleRouter()
router.register("phases", PhaseViewSet, basename="phase")
router.register("awards", AwardViewSet, basename="award")

urlpatterns = [
    # Before the router, whose "awards/<pk>.<format>" would take "awards/export.xlsx".
    path("phases/<int:pk>/ranking.xlsx", PhaseRankingWorkbookView.as_view(), name="phase-ranking-workbook"),
    path("awards/export.xlsx", AwardListWorkbookView.as_view(), name="award-export"),
    path("", include(router.urls)),
]
