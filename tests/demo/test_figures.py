"""Every figure of the demo campaign agrees wherever it is shown: the overview
page, the progress workbook, the leaderboards of the API and each agent's
``me/progress``, for the whole campaign and phase by phase, through real
requests."""

from __future__ import annotations

import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from openpyxl import load_workbook

from collectors.models import Agent
from demo.loader import DEMO_CAMPAIGN_CODE
from tests.workbooks import table

pytestmark = pytest.mark.django_db

CLUSTER_SHEET = "Theo cụm thi đua"
SUMMARY_SHEET = "Tổng hợp"
TOTAL_LABEL = "Tổng cộng"


def _workbook(client, campaign, phase=None):
    query = {"phase": phase.pk} if phase else {}
    response = client.get(f"/api/v1/campaigns/{campaign.code}/progress.xlsx", query)
    assert response.status_code == 200
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def _sheet(book, name: str) -> dict[str, tuple]:
    """(counted, plan, percent to one decimal) by the text of each row's name column."""
    headers, rows = table(book[name])
    counted = headers.index("Thực hiện BHXH tự nguyện")
    plan = headers.index("Kế hoạch BHXH tự nguyện")
    ratio = headers.index("Tỷ lệ % kế hoạch BHXH tự nguyện")
    figures = {}
    for row in rows:
        percent = Decimal(row[ratio] * 100).quantize(Decimal("0.1")) if row[ratio] is not None else None
        figures[str(row[1])] = (row[counted], row[plan], percent)
    return figures


def _figure(cell) -> tuple:
    return (cell.counted, cell.plan, cell.percent)


@pytest.fixture
def staff(client, demo):
    client.force_login(get_user_model().objects.get(username="admin"))
    return client


@pytest.fixture
def overview(staff, campaign):
    response = staff.get(f"/campaigns/{campaign.code}/")
    assert response.status_code == 200
    return response.context


def test_the_demo_is_the_campaign_these_figures_are_of(campaign):
    assert campaign.code == DEMO_CAMPAIGN_CODE
    assert campaign.plan_targets.exists()


def test_the_overview_and_the_workbook_agree_on_the_whole_demo_campaign(staff, campaign, overview):
    book = _workbook(staff, campaign)
    clusters = _sheet(book, CLUSTER_SHEET)

    assert [row.label for row in overview["clusters"]] == [name for name in clusters if name != TOTAL_LABEL]
    for row in overview["clusters"]:
        assert clusters[row.label] == _figure(row.total), row.label
        assert row.total.plan  # the clusters' plans are set per phase: the whole campaign sums them
    total = _figure(overview["total"].total)
    assert clusters[TOTAL_LABEL] == total
    assert _sheet(book, SUMMARY_SHEET)[TOTAL_LABEL] == total
    assert _figure(overview["summary"]) == total
    assert total[0] > 0 and total[1] > 0


def test_the_overview_and_the_workbook_agree_phase_by_phase(staff, campaign, overview):
    whole = _sheet(_workbook(staff, campaign), SUMMARY_SHEET)
    for n, phase in enumerate(overview["phases"]):
        clusters = _sheet(_workbook(staff, campaign, phase), CLUSTER_SHEET)
        for row in overview["clusters"]:
            assert clusters[row.label] == _figure(row.cells[n]), (phase.name, row.label)
        assert clusters[TOTAL_LABEL] == _figure(overview["total"].cells[n]), phase.name
        assert whole[phase.name] == _figure(overview["total"].cells[n]), phase.name


def _board(client, phase, cluster) -> list[dict]:
    rows, page = [], 1
    while page:
        response = client.get(f"/api/v1/phases/{phase.pk}/standings/", {"cluster": cluster.pk, "page": page})
        assert response.status_code == 200, response.json()
        body = response.json()
        rows += body["results"]
        page = page + 1 if body["next"] else None
    return rows


def test_the_leaderboards_and_every_agents_progress_agree_with_the_overview(client, staff, campaign, overview):
    now = timezone.now()
    clusters = {cluster.name: cluster for cluster in campaign.clusters.all()}
    scores: dict[tuple[int, str], int] = {}
    for n, phase in enumerate(overview["phases"]):
        if phase.start > now:
            continue
        for row in overview["clusters"]:
            board = _board(staff, phase, clusters[row.label])
            assert sum(int(line["score"]) for line in board) == row.cells[n].counted, (phase.name, row.label)
            scores |= {(phase.pk, line["code"]): int(line["score"]) for line in board}
    assert scores

    progress: dict[tuple[int, str], int] = defaultdict(int)
    agents = Agent.objects.filter(user__isnull=False).select_related("user").order_by("code")
    for agent in agents:
        client.force_login(agent.user)
        response = client.get("/api/v1/me/progress/")
        assert response.status_code == 200
        page = client.get(f"/agents/{agent.code}/")
        assert page.status_code == 200
        on_page = {phase.phase.pk: phase.counted for item in page.context["campaigns"] for phase in item.phases}
        for item in response.json()["campaigns"]:
            if item["code"] != campaign.code:
                continue
            for phase in item["phases"]:
                progress[(phase["id"], agent.code)] = phase["counted"]
                assert on_page[phase["id"]] == phase["counted"], (agent.code, phase["name"])
    assert {key: value for key, value in progress.items() if key in scores} == scores
