"""The API, the page and the ranking workbook read a leaderboard from the same
selectors: for the same phase they show the same positions, scores, eligibility
(with the reason of a bar from commendation) and prizes, provisional and final."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from awards.models import Award
from awards.services import award_reject, phase_finalize
from awards.workbooks import write_ranking
from campaigns.services import phase_close
from collectors.models import CommendationBar
from tests.factories import UserFactory
from tests.intake_fixtures import client_for

pytestmark = pytest.mark.django_db


def from_api(user, contest, cluster) -> list[tuple]:
    body = client_for(user).get(f"/api/v1/phases/{contest['phase'].pk}/standings/", {"cluster": cluster.pk}).json()
    return [
        (
            row["position"],
            row["code"],
            Decimal(str(row["score"])),
            row["eligible"],
            (row.get("prize") or {}).get("title"),
        )
        for row in body["results"]
    ]


def from_page(client, contest, cluster) -> list[tuple]:
    url = f"/campaigns/{contest['campaign'].code}/phases/{contest['phase'].number}/leaderboard/"
    rows = client.get(url, {"cluster": cluster.pk}).context["board"].rows
    return [(row.position, row.code, row.score, row.eligible, row.prize.title if row.prize else None) for row in rows]


def from_workbook(contest, cluster) -> list[tuple]:
    buffer = io.BytesIO()
    write_ranking(buffer, phase=contest["phase"])
    sheet = load_workbook(buffer)[cluster.name]
    # Columns C (position), D (code), H (score), K (eligible) and M (prize), after STT and rank.
    return [
        (row[2], row[3], Decimal(str(row[7])), row[10] == "Có", row[12])
        for row in sheet.iter_rows(min_row=6, values_only=True)
    ]


def readings(client, user, contest) -> dict[str, list[list[tuple]]]:
    return {
        "api": [from_api(user, contest, cluster) for cluster in contest["clusters"]],
        "page": [from_page(client, contest, cluster) for cluster in contest["clusters"]],
        "workbook": [from_workbook(contest, cluster) for cluster in contest["clusters"]],
    }


def test_a_provisional_board_reads_the_same_everywhere(client, campaign_manager, sold):
    client.force_login(campaign_manager)

    seen = readings(client, campaign_manager, sold)

    assert seen["api"] == seen["page"] == seen["workbook"]
    assert seen["api"] == [
        [
            (1, "E1", 5, True, None),
            (2, "E2", 3, True, None),
            (3, "E4", 3, True, None),
            (4, "E3", 2, False, None),
        ],
        [(1, "W3", 6, True, None), (2, "W2", 2, True, None), (3, "W1", 1, True, None)],
    ]


def test_a_final_board_reads_the_same_everywhere_prizes_included(client, campaign_manager, sold):
    phase_close(phase=sold["phase"])
    phase_finalize(phase_id=sold["phase"].pk)
    sold["phase"].refresh_from_db()
    award_reject(award=Award.objects.get(competitor_code="W1"), by=UserFactory(username="director"), reason="Thiếu")
    client.force_login(campaign_manager)

    seen = readings(client, campaign_manager, sold)

    assert seen["api"] == seen["page"] == seen["workbook"]
    assert seen["api"] == [
        [
            (1, "E1", 5, True, "Giải 1"),
            (2, "E2", 3, True, "Giải 2"),
            (3, "E4", 3, True, "Giải 3"),
            (4, "E3", 2, False, None),
        ],
        # W3's sales were never confirmed; W1's award was rejected.
        [(1, "W2", 2, True, "Giải 1"), (2, "W1", 1, True, None), (3, "W3", 0, False, None)],
    ]


def barred_everywhere(client, user, contest) -> dict[str, list[tuple]]:
    """Cluster 1's (code, eligible, reason of the bar) as the API, the page and the workbook give them."""
    cluster = contest["clusters"][0]
    body = client_for(user).get(f"/api/v1/phases/{contest['phase'].pk}/standings/", {"cluster": cluster.pk}).json()
    url = f"/campaigns/{contest['campaign'].code}/phases/{contest['phase'].number}/leaderboard/"
    page = client.get(url, {"cluster": cluster.pk}).context["board"].rows
    buffer = io.BytesIO()
    write_ranking(buffer, phase=contest["phase"])  # in Vietnamese, the language the API and the page speak here
    sheet = load_workbook(buffer)[cluster.name]
    return {
        "api": [(row["code"], row["eligible"], row["barred"]) for row in body["results"]],
        "page": [(row.code, row.eligible, row.barred) for row in page],
        # Columns D (code), K (eligible) and N (the reason of a bar), after STT.
        "workbook": [(row[3], row[10] == "Có", row[13]) for row in sheet.iter_rows(min_row=6, values_only=True)],
    }


@pytest.mark.parametrize("final", [False, True], ids=["provisional", "final"])
def test_a_barred_competitor_reads_the_same_everywhere(client, campaign_manager, sold, final):
    start = timezone.localtime(sold["phase"].start, sold["campaign"].tzinfo).date()
    CommendationBar.objects.create(
        agent=sold["agents"]["E1"], reason=CommendationBar.Reason.DISCIPLINE, note="QĐ 9", start_date=start
    )
    if final:
        phase_close(phase=sold["phase"])
        phase_finalize(phase_id=sold["phase"].pk)
        sold["phase"].refresh_from_db()
    client.force_login(campaign_manager)

    seen = barred_everywhere(client, campaign_manager, sold)

    assert seen["api"] == seen["page"] == seen["workbook"]
    reason = CommendationBar.describe(CommendationBar.Reason.DISCIPLINE, "QĐ 9")
    assert seen["api"] == [("E2", True, None), ("E4", True, None), ("E1", False, reason), ("E3", False, None)]
