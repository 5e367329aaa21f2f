"""Money shown early (awards.money, DESIGN §5 *Money*, §11): a salary-based prize
reads, until the director's decision, as an estimate at today's base salary,
marked as such, in the API, the admin and the award list workbook; once
approved, as the amount of the decision date, which is what is stored.

Base salaries (enrollments' reference parameters): 1,490,000 from 1 July 2019,
1,800,000 from 1 July 2023, 2,340,000 from 1 July 2024. A tier of 0.6 × the base
salary, rounded up to the next 10,000 VND, is therefore 900,000 when finalized
on 5 January 2022, 1,080,000 on a decision of 1 August 2023, and 1,410,000
today."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from awards.models import Award
from awards.money import award_money
from awards.selectors import leaderboard_page
from awards.services import award_approve, award_review, phase_finalize
from awards.workbooks import ESTIMATE_NOTE, write_award_list
from campaigns.models import PrizeTier
from campaigns.services import phase_close
from tests.contest import build_contest, prize_rule
from tests.factories import ParameterFactory
from tests.intake_fixtures import client_for

pytestmark = pytest.mark.django_db

FINALIZED_ON = datetime(2022, 1, 5, 3, tzinfo=UTC)
AT_FINALIZING, AT_DECISION, TODAY = 900_000, 1_080_000, 1_410_000
DECIDED = {"decision_number": "QĐ-35/QĐ-BHXH", "decision_date": "2023-08-01"}


@pytest.fixture
def salary_contest(db):
    """Cluster 1's best (E1) wins 0.6 × the base salary; cluster 2's (W2) a fixed 2,000,000."""
    contest = build_contest(tiers=(), quota=None)
    contest.rule.cluster = contest.clusters[0]
    contest.rule.save()
    PrizeTier.objects.create(
        rule=contest.rule, position=1, title="Giải Nhất", money="salary_coefficient", coefficient="0.6", winners=1
    )
    prize_rule(contest.campaign, code="FIXED", tiers=(("Giải Nhất", 2_000_000),), cluster=contest.clusters[1])
    contest.sell("E1", 3)
    contest.sell("W2", 2)
    # A base salary decided for the future is no one's today.
    ParameterFactory(effective_from=date(2100, 1, 1), value=3_000_000)
    phase_close(phase=contest.phase)
    phase_finalize(phase_id=contest.phase.pk, now=FINALIZED_ON)
    return contest


def awarded(code: str) -> Award:
    return Award.objects.select_related("tier", "phase__campaign").get(competitor_code=code)


def api_rows(user, contest) -> tuple[dict, dict]:
    body = client_for(user).get("/api/v1/awards/", {"phase": contest.phase.pk}).json()
    return {row["competitor"]["code"]: row for row in body["results"]}, body["totals"]


def test_finalizing_stores_the_amount_of_its_own_day(salary_contest):
    assert awarded("E1").amount == AT_FINALIZING


def test_before_the_decision_a_salary_prize_is_an_estimate_at_todays_base_salary(salary_contest):
    money = award_money(awarded("E1"))

    assert (money.amount, money.estimate) == (TODAY, True)
    assert money.text.startswith("≈ 1.410.000 đ")  # Vietnamese grouping, the estimate marked


def test_the_api_marks_the_estimate_and_totals_it(salary_contest, council_member):
    rows, totals = api_rows(council_member, salary_contest)

    estimate, fixed = rows["E1"], rows["W2"]
    assert (estimate["amount"], estimate["amount_estimate"]) == (TODAY, True)
    assert estimate["amount_text"].startswith("≈ 1.410.000 đ")
    assert (fixed["amount"], fixed["amount_estimate"], fixed["amount_text"]) == (2_000_000, False, "2.000.000 đồng")
    assert (totals["amount"], totals["estimate"]) == (TODAY + 2_000_000, True)
    assert totals["by_status"]["proposed"] == {"count": 2, "amount": TODAY + 2_000_000}


def test_after_approval_the_api_carries_the_amount_of_the_decision_date(salary_contest, council_member, director):
    award = awarded("E1")
    reviewed = client_for(council_member).post(f"/api/v1/awards/{award.pk}/review/", {"minutes": "BB-02"})
    assert reviewed.status_code == 200 and reviewed.json()["amount"] == TODAY  # still an estimate at review

    approved = client_for(director).post(f"/api/v1/awards/{award.pk}/approve/", DECIDED)

    assert approved.status_code == 200
    body = approved.json()
    assert (body["amount"], body["amount_estimate"]) == (AT_DECISION, False)
    assert awarded("E1").amount == AT_DECISION  # stored on approval
    rows, totals = api_rows(council_member, salary_contest)
    assert rows["E1"]["amount"] == AT_DECISION
    assert totals["by_status"]["approved"] == {"count": 1, "amount": AT_DECISION}


def test_a_revoked_prize_keeps_the_amount_of_its_decision(salary_contest, council_member, director):
    award = awarded("E1")
    award_review(award=award, by=council_member, minutes="BB-02")
    award_approve(award=award, by=director, decision_number="QĐ-35", decision_date=date(2023, 8, 1))
    client_for(director).post(f"/api/v1/awards/{award.pk}/revoke/", {"reason": "Sai sót"})

    money = award_money(awarded("E1"))

    assert (awarded("E1").status, money.amount, money.estimate) == ("revoked", AT_DECISION, False)


def test_the_admin_shows_the_estimate_at_review_and_the_decided_amount_after(
    salary_contest, client, council_member, director
):
    award = awarded("E1")
    client.force_login(council_member)

    listed = client.get("/admin/awards/award/").content.decode()
    opened = client.get(f"/admin/awards/award/{award.pk}/change/").content.decode()

    assert "≈ 1.410.000 đ" in listed and "≈ 1.410.000 đ" in opened
    award_review(award=award, by=council_member, minutes="BB-02")
    award_approve(award=award, by=director, decision_number="QĐ-35", decision_date=date(2023, 8, 1))
    after = client.get(f"/admin/awards/award/{award.pk}/change/").content.decode()
    assert "≈" not in after and "1.080.000" in after


def read_award_list(contest) -> list[list]:
    buffer = io.BytesIO()
    write_award_list(buffer, phase=contest.phase, statuses=["proposed", "reviewed", "approved"])
    sheet = load_workbook(buffer)["Danh sách khen thưởng"]
    assert sheet["N5"].value == "Ghi chú số tiền"
    return [[sheet[f"{col}{row}"].value for col in "BFIN"] for row in range(6, sheet.max_row + 1)]


def test_the_award_list_marks_the_estimate_before_approval(salary_contest):
    rows = read_award_list(salary_contest)

    assert sorted(rows[:2]) == [["Đợt 1", "E1", TODAY, ESTIMATE_NOTE], ["Đợt 1", "W2", 2_000_000, None]]
    # The totals include the estimate, and say so.
    assert ["Cộng giải thưởng", None, TODAY + 2_000_000, ESTIMATE_NOTE] in rows
    assert ["Tổng cộng", None, TODAY + 2_000_000, ESTIMATE_NOTE] in rows


def test_the_award_list_carries_the_amount_of_the_decision_date_after_approval(
    salary_contest, council_member, director
):
    award = awarded("E1")
    award_review(award=award, by=council_member, minutes="BB-02")
    award_approve(award=award, by=director, decision_number="QĐ-35", decision_date=date(2023, 8, 1))

    rows = read_award_list(salary_contest)

    assert sorted(rows[:2]) == [["Đợt 1", "E1", AT_DECISION, None], ["Đợt 1", "W2", 2_000_000, None]]
    assert ["Tổng cộng", None, AT_DECISION + 2_000_000, None] in rows


def test_the_coefficient_of_the_tier_drives_the_estimate(salary_contest):
    award = awarded("E1")
    PrizeTier.objects.filter(pk=award.tier_id).update(coefficient=Decimal("1.5"))

    assert award_money(awarded("E1")).amount == 3_510_000  # 1.5 × 2,340,000


def test_the_final_board_prices_the_prize_like_the_award_list(salary_contest, council_member, director):
    phase, cluster = salary_contest.phase, salary_contest.clusters[0]
    phase.refresh_from_db()

    before = leaderboard_page(phase=phase, rule=salary_contest.rule, cluster=cluster).rows[0].prize
    query = {"cluster": cluster.pk, "rule": "TOP"}
    api = client_for(council_member).get(f"/api/v1/phases/{phase.pk}/standings/", query).json()
    award = awarded("E1")
    award_review(award=award, by=council_member, minutes="BB-02")
    award_approve(award=award, by=director, decision_number="QĐ-35", decision_date=date(2023, 8, 1))
    after = leaderboard_page(phase=phase, rule=salary_contest.rule, cluster=cluster).rows[0].prize

    assert (before.amount, before.estimate) == (TODAY, True)
    assert api["results"][0]["prize"] | {"status_display": None} == {
        "title": "Giải Nhất",
        "amount": TODAY,
        "amount_estimate": True,
        "status": "proposed",
        "status_display": None,
    }
    assert (after.amount, after.estimate) == (AT_DECISION, False)


def test_the_leaderboard_and_the_agents_page_mark_the_estimate(salary_contest, client, council_member):
    client.force_login(council_member)
    campaign = salary_contest.campaign

    board = client.get(
        f"/campaigns/{campaign.code}/phases/1/leaderboard/", {"cluster": salary_contest.clusters[0].pk, "rule": "TOP"}
    ).content.decode()
    agent_page = client.get("/agents/E1/").content.decode()

    for page in (board, agent_page):
        assert 'data-testid="estimate"' in page and "1.410.000" in page
