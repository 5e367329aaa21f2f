"""Agent standings: scores, quotas, eligibility, tie policies, provisional and final."""

from __future__ import annotations

from datetime import timedelta

import pytest

from awards.scoring import agent_standings
from campaigns.models import AwardRule, Quota
from tests.contest import build_contest
from tests.factories import (
    AgentFactory,
    AwardRuleFactory,
    CampaignFactory,
    EnrollmentFactory,
    PhaseFactory,
    UnitFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def board():
    """The shared contest (``tests.contest``) with agents A1–A4 in cluster 1, none in
    cluster 2, no quota and a VSI rule without prizes."""
    board = build_contest(east=("A1", "A2", "A3", "A4"), west=(), quota=None, tiers=(), rule={"product": "VSI"})
    board["cluster"] = board.clusters[0]
    return board


def standings(board, **kwargs):
    return agent_standings(rule=board["rule"], phase=board["phase"], cluster=board["cluster"], **kwargs)


def ranks(rows):
    return [(row.code, int(row.score), row.rank) for row in rows]


def test_agents_are_ranked_by_count_high_to_low(board):
    board.sell("A1", 2)
    board.sell("A2", 5)
    board.sell("A3", 3)
    assert ranks(standings(board)) == [("A2", 5, 1), ("A3", 3, 2), ("A1", 2, 3), ("A4", 0, None)]


def test_a_tie_goes_to_who_reached_the_score_first(board):
    board.sell("A1", 3, hours=5)
    board.sell("A2", 3, hours=1)
    rows = standings(board)
    assert [(row.code, row.rank) for row in rows[:2]] == [("A2", 1), ("A1", 2)]
    assert rows[0].reached_at < rows[1].reached_at


def test_a_tie_at_the_same_moment_goes_by_code(board):
    board.sell("A2", 2)
    board.sell("A1", 2)
    assert [row.code for row in standings(board)[:2]] == ["A1", "A2"]


def test_a_sharing_rule_gives_tied_agents_the_same_rank(board):
    board["rule"].tie_policy = AwardRule.TiePolicy.SHARE
    board["rule"].save()
    board.sell("A1", 3, hours=5)
    board.sell("A2", 3, hours=1)
    board.sell("A3", 1)
    assert [(row.code, row.rank) for row in standings(board)[:3]] == [("A2", 1), ("A1", 1), ("A3", 3)]


def test_an_agent_one_short_of_the_quota_is_not_eligible(board):
    Quota.objects.create(campaign=board["campaign"], cluster=board["cluster"], product="VSI", minimum=3)
    board.sell("A1", 3)
    board.sell("A2", 2, hours=-1)
    rows = {row.code: row for row in standings(board)}
    assert (rows["A1"].eligible, rows["A1"].rank, rows["A1"].quota_counts) == (True, 1, (3,))
    assert (rows["A2"].eligible, rows["A2"].rank) == (False, None)
    assert rows["A1"].position < rows["A2"].position


def test_a_quota_of_another_cluster_does_not_apply(board):
    _one, other = board["clusters"]
    Quota.objects.create(campaign=board["campaign"], cluster=other, product="VSI", minimum=90)
    board.sell("A1", 1)
    assert standings(board)[0].rank == 1


def test_a_rule_without_quota_requirement_ignores_quotas(board):
    Quota.objects.create(campaign=board["campaign"], product="VSI", minimum=90)
    board["rule"].requires_quota = False
    board["rule"].save()
    board.sell("A1", 1)
    assert standings(board)[0].rank == 1


def test_role_quotas_bind_only_their_role(db):
    city = UnitFactory(code="HP")
    campaign = CampaignFactory(code="hp", organizer=city, products=["VSI", "HHI"])
    phase = PhaseFactory(campaign=campaign, number=1)
    Quota.objects.create(campaign=campaign, role="leader", product="VSI", minimum=2)
    Quota.objects.create(campaign=campaign, role="staff", product="VSI", minimum=1)
    rule = AwardRuleFactory(campaign=campaign, code="TEN", product="VSI", min_payment_months=3)
    leader = AgentFactory(code="L1", organization=None, unit=city, role="leader", locality=None)
    staff = AgentFactory(code="S1", organization=None, unit=city, role="staff", locality=None)
    for agent in (leader, staff):
        EnrollmentFactory(phase=phase, agent=agent, payment_months=3, receipt_at=phase.start + timedelta(days=2))
    rows = {row.code: row for row in agent_standings(rule=rule, phase=phase, cluster=None)}
    assert rows["S1"].eligible is True
    assert rows["L1"].eligible is False  # a leader needs two


def test_the_rule_filters_on_product_and_payment_period(board):
    board["rule"].min_payment_months = 3
    board["rule"].save()
    board.sell("A1", 2, payment_months=3)
    board.sell("A1", 4, payment_months=1)
    board.sell("A1", 5, product="HHI", declared_income=None, household_member_order=1, payment_months=3)
    assert standings(board)[0].score == 2


def test_enrollments_that_do_not_count_are_left_out(board):
    board.sell("A1", 2)
    board.sell("A1", 3, counted=False, not_counted_reason="duplicate")
    board.sell("A1", 1, status="rejected", counted=False, not_counted_reason="rejected")
    assert standings(board)[0].score == 2


def test_final_standings_count_confirmed_enrollments_only(board):
    board.sell("A1", 2, status="confirmed")
    board.sell("A1", 3, status="submitted")
    assert standings(board)[0].score == 5
    assert standings(board, final=True)[0].score == 2


def test_the_revenue_metric_sums_the_amounts_due(board):
    board["rule"].metric = AwardRule.Metric.REVENUE
    board["rule"].save()
    board.sell("A1", 2, amount_due=100_000)
    board.sell("A2", 1, amount_due=300_000)
    assert ranks(standings(board))[:2] == [("A2", 300_000, 1), ("A1", 200_000, 2)]


def test_agents_of_other_clusters_are_not_on_the_board(board):
    elsewhere = board["clusters"][1].localities.get()
    AgentFactory(code="Z9", locality=elsewhere)
    assert "Z9" not in [row.code for row in standings(board)]


def test_the_board_costs_the_same_queries_for_many_agents(board, django_assert_max_num_queries):
    district = board["agents"]["A1"].locality
    for n in range(40):
        AgentFactory(code=f"X{n:02d}", locality=district)
    board.sell("A1", 3)
    with django_assert_max_num_queries(4):
        rows = standings(board)
    assert len(rows) == 44


def test_a_page_of_the_board_is_the_same_slice_of_the_whole_board(board):
    from awards.scoring import LiveBoard, standings_page

    board.sell("A1", 2)
    board.sell("A2", 5)
    board.sell("A3", 3)
    whole = standings(board)
    page, size = standings_page(rule=board["rule"], phase=board["phase"], cluster=board["cluster"], limit=2, offset=1)
    assert (page, size) == (whole[1:3], 4)
    assert standings_page(rule=board["rule"], phase=board["phase"], cluster=board["cluster"], limit=2, offset=9) == (
        [],
        None,
    )
    live = LiveBoard(rule=board["rule"], phase=board["phase"], cluster=board["cluster"], page_size=2, page=2)
    assert live.count() == 4
    assert list(live[2:4]) == whole[2:4]
    assert list(live[0:2]) == whole[0:2]
