"""The standings, phase and awards API under ``/api/v1/`` (included by ``emulation_config.urls``)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from awards.api.awards import AwardViewSet
from awards.api.catalog import CampaignViewSet, ClusterViewSet, TeamViewSet
from awards.api.documents import CouncilMeetingViewSet, PhaseDocumentView
from awards.api.nominations import NominationViewSet
from awards.api.phases import PhaseViewSet
from awards.api.workbooks import AwardListWorkbookView, PhaseRankingWorkbookView
from awards.appeals.api import AppealViewSet, NoticeView

router = SimpleRouter()
router.register("phases", PhaseViewSet, basename="phase")
router.register("awards", AwardViewSet, basename="award")
router.register("appeals", AppealViewSet, basename="appeal")
router.register("nominations", NominationViewSet, basename="nomination")
router.register("council-meetings", CouncilMeetingViewSet, basename="council-meeting")
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("clusters", ClusterViewSet, basename="cluster")
router.register("teams", TeamViewSet, basename="team")

urlpatterns = [
    # Before the router, whose "awards/<pk>.<format>" would take "awards/export.xlsx".
    path("phases/<int:pk>/ranking.xlsx", PhaseRankingWorkbookView.as_view(), name="phase-ranking-workbook"),
    path("phases/<int:pk>/documents/<str:kind>.docx", PhaseDocumentView.as_view(), name="phase-document"),
    path("awards/export.xlsx", AwardListWorkbookView.as_view(), name="award-export"),
    path("phases/<int:pk>/notice/", NoticeView.as_view(), name="phase-notice"),
    path("", include(router.urls)),
]
