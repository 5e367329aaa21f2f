"""The standings, phase and awards API under ``/api/v1/`` (included by ``emulation_config.urls``)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from awards.api.awards import AwardViewSet
from awards.api.phases import PhaseViewSet
from awards.api.workbooks import AwardListWorkbookView, PhaseRankingWorkbookView
from awards.appeals.api import AppealViewSet, NoticeView

router = SimpleRouter()
router.register("phases", PhaseViewSet, basename="phase")
router.register("awards", AwardViewSet, basename="award")
router.register("appeals", AppealViewSet, basename="appeal")

urlpatterns = [
    # Before the router, whose "awards/<pk>.<format>" would take "awards/export.xlsx".
    path("phases/<int:pk>/ranking.xlsx", PhaseRankingWorkbookView.as_view(), name="phase-ranking-workbook"),
    path("awards/export.xlsx", AwardListWorkbookView.as_view(), name="award-export"),
    path("phases/<int:pk>/notice/", NoticeView.as_view(), name="phase-notice"),
    path("", include(router.urls)),
]
