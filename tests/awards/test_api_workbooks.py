"""The Excel downloads of the API: a phase's ranking and the award list, through real HTTP requests."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from awards.services import phase_finalize
from campaigns.services import phase_close
from tests.contest import NUMBERED_TIERS, prize_rule, sell
from tests.factories import AgentFactory, CampaignFactory, ClusterFactory, DistrictFactory, UserFactory
from tests.intake_fixtures import client_for

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def ranking_url(phase) -> str:
    return f"/api/v1/phases/{phase.pk}/ranking.xlsx"


def workbook(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


@pytest.fixture
def rule(campaign):
    """Two prizes per cluster; cluster 1's quota of 3 VSI applies."""
    return prize_rule(campaign, name="Giải đợt", position=1, tiers=NUMBERED_TIERS[:2])


@pytest.fixture
def far_agent(campaign, rule):
    """An agent with a login in a second cluster of the campaign."""
    district = DistrictFactory(code="D-FAR", name="Huyện Nam Giang")
    ClusterFactory(campaign=campaign, number=2, name="Cụm 2").localities.add(district)
    return AgentFactory(code="F01", locality=district, user=UserFactory(username="f01"))


@pytest.fixture
def sales(rule, open_phase, agent1, agent2, far_agent):
    """A01 4 confirmed VSI sales, A02 1, F01 2 in phase 2."""
    for agent, count in ((agent1, 4), (agent2, 1), (far_agent, 2)):
        sell(open_phase, agent, count)


# --- the ranking ------------------------------------------------------------------------


def test_staff_download_the_ranking_of_every_cluster(reviewer_api, sales, open_phase):
    response = reviewer_api.get(ranking_url(open_phase))

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="Bang-xep-hang-qn-Dot-2-TOP.xlsx"; ')
    assert "filename*=UTF-8''B%E1%BA%A3ng%20x%E1%BA%BFp%20h%E1%BA%A1ng%20qn%20%C4%90%E1%BB%A3t%202%20TOP.xlsx" in (
        disposition
    )
    book = workbook(response)
    assert book.sheetnames == ["Cụm 1", "Cụm 2"]
    sheet = book["Cụm 1"]
    assert sheet["A1"].value == "Thi đua Quảng Nam"
    assert sheet["A4"].value.startswith("Tạm tính")
    assert [sheet[f"D{row}"].value for row in (6, 7)] == ["A01", "A02"]
    assert [sheet[f"K{row}"].value for row in (6, 7)] == ["Có", "Không"]  # the quota of 3 VSI


def test_the_url_without_a_trailing_slash_answers_whatever_the_client_accepts(reviewer_api, sales, open_phase):
    for accept in (XLSX, "application/json", "text/html", "*/*"):
        response = reviewer_api.get(ranking_url(open_phase), HTTP_ACCEPT=accept)
        assert response.status_code == 200, accept
        assert response["Content-Type"] == XLSX


def test_a_session_login_works_too(superuser, sales, open_phase):
    client = APIClient()
    client.force_login(superuser)
    response = client.get(ranking_url(open_phase), {"rule": "TOP"})
    assert response.status_code == 200
    assert workbook(response).sheetnames == ["Cụm 1", "Cụm 2"]


def test_an_agent_downloads_the_sheet_of_their_own_cluster_only(api1, far_agent, sales, open_phase):
    book = workbook(api1.get(ranking_url(open_phase)))
    assert book.sheetnames == ["Cụm 1"]

    far = workbook(client_for(far_agent.user).get(ranking_url(open_phase)))
    assert far.sheetnames == ["Cụm 2"]
    assert far["Cụm 2"]["D6"].value == "F01"


def test_an_organization_manager_downloads_the_sheets_of_their_agents_clusters(post_office, sales, open_phase):
    manager = UserFactory(username="truong-buu-dien")
    post_office.managers.add(manager)

    book = workbook(client_for(manager).get(ranking_url(open_phase)))

    assert book.sheetnames == ["Cụm 1"]  # A01 of the post office competes in cluster 1 only


def test_the_final_ranking_is_served_once_the_phase_is_finalized(reviewer_api, sales, open_phase):
    phase_close(phase=open_phase, reason="Đóng sớm")
    phase_finalize(phase_id=open_phase.pk)

    sheet = workbook(reviewer_api.get(ranking_url(open_phase)))["Cụm 1"]

    assert sheet["A4"].value.startswith("Chính thức — phiên bản 1")
    assert [sheet[f"{col}6"].value for col in "ABCDM"] == [1, 1, 1, "A01", "Giải 1"]


def test_an_agent_of_another_campaign_is_refused(sales, open_phase):
    other = CampaignFactory(code="other")
    stranger = AgentFactory(code="X01", locality=DistrictFactory(code="D-X"), user=UserFactory(username="x01"))
    ClusterFactory(campaign=other, number=1).localities.add(stranger.locality)

    response = client_for(stranger.user).get(ranking_url(open_phase))

    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "permission_denied"


def test_anonymous_callers_must_authenticate(sales, open_phase):
    response = APIClient().get(ranking_url(open_phase))
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_an_unknown_rule_or_phase_is_a_json_error(reviewer_api, sales, open_phase):
    response = reviewer_api.get(ranking_url(open_phase), {"rule": "NOPE"}, HTTP_ACCEPT=XLSX)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "rule" in response.json()["errors"]

    missing = reviewer_api.get("/api/v1/phases/999999/ranking.xlsx")
    assert missing.status_code == 404


def test_a_phase_without_rules_is_not_found(reviewer_api, closed_phase):
    response = reviewer_api.get(ranking_url(closed_phase))
    assert response.status_code == 404


# --- the award list -----------------------------------------------------------------------


@pytest.fixture
def proposed(sales, open_phase):
    phase_close(phase=open_phase, reason="Đóng sớm")
    return phase_finalize(phase_id=open_phase.pk)


def test_staff_who_see_awards_download_the_award_list(council_member, proposed, open_phase):
    response = client_for(council_member).get("/api/v1/awards/export.xlsx", {"phase": open_phase.pk})

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    book = workbook(response)
    sheet = book["Danh sách khen thưởng"]
    assert [sheet[f"F{row}"].value for row in (6, 7)] == ["A01", "F01"]
    assert sheet["B8"].value is None  # the blank row before the totals
    assert [sheet["B9"].value, sheet["I9"].value] == ["Cộng giải thưởng", 6_000_000]
    assert [book["Tổng hợp"][f"{col}6"].value for col in "CDE"] == ["Giải 1", 2, 6_000_000]


def test_the_award_list_is_filtered_by_status(council_member, proposed, open_phase):
    response = client_for(council_member).get(
        "/api/v1/awards/export.xlsx", {"phase": open_phase.pk, "status": "approved"}
    )

    sheet = workbook(response)["Danh sách khen thưởng"]
    assert sheet["A3"].value == "Trạng thái: Đã phê duyệt"
    assert sheet["B6"].value is None  # no award approved yet: the totals follow the blank row


def test_a_bad_filter_is_a_json_error(council_member, proposed):
    response = client_for(council_member).get("/api/v1/awards/export.xlsx", {"status": "won"})
    assert response.status_code == 400
    assert "status" in response.json()["errors"]


def test_staff_without_the_award_permission_are_refused(reviewer_api, proposed):
    response = reviewer_api.get("/api/v1/awards/export.xlsx")
    assert response.status_code == 403


def test_agents_are_refused_the_award_list(api1, proposed):
    assert api1.get("/api/v1/awards/export.xlsx").status_code == 403
