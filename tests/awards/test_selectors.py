"""Reading a leaderboard through ``awards.selectors``: which board, a page of it,
all of it, and the totals of awards."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from awards.models import Award
from awards.nominations import nomination_outside
from awards.selectors import (
    NoRanking,
    Prize,
    award_totals,
    leaderboard_page,
    leaderboard_resolve,
    leaderboard_stream,
)
from awards.services import award_reject, phase_finalize, phase_reopen
from campaigns.models import Quota
from campaigns.services import phase_close
from tests.factories import AwardRuleFactory, CampaignFactory, ClusterFactory, PhaseFactory, UserFactory

pytestmark = pytest.mark.django_db


def finalize(contest):
    phase_close(phase=contest["phase"])
    phase_finalize(phase_id=contest["phase"].pk)
    contest["phase"].refresh_from_db()


def page(contest, cluster, **kwargs):
    return leaderboard_page(phase=contest["phase"], rule=contest["rule"], cluster=cluster, **kwargs)


def summary(rows) -> list[tuple]:
    return [(row.position, row.rank, row.code, int(row.score), row.eligible) for row in rows]


# --- Which board ------------------------------------------------------------------------


def test_the_default_rule_and_the_cluster_asked_for(sold):
    one = sold["clusters"][0]

    choice = leaderboard_resolve(phase=sold["phase"], cluster=one.pk)

    assert (choice.rule, choice.cluster) == (sold["rule"], one)
    assert choice.rules == [sold["rule"]]
    assert choice.boards == list(sold["clusters"])


def test_a_rule_is_named_by_its_code_or_its_id(sold):
    one = sold["clusters"][0]
    other = AwardRuleFactory(campaign=sold["campaign"], code="ALL", position=5, per_cluster=False)

    assert leaderboard_resolve(phase=sold["phase"], rule="ALL").rule == other
    assert leaderboard_resolve(phase=sold["phase"], rule=str(other.pk)).cluster is None
    assert leaderboard_resolve(phase=sold["phase"], rule=sold["rule"].pk, cluster=one.pk).rule == sold["rule"]


def test_a_rule_not_ranking_the_phase_is_a_field_error(sold):
    with pytest.raises(ValidationError) as refused:
        leaderboard_resolve(phase=sold["phase"], rule="NOPE")
    assert list(refused.value.message_dict) == ["rule"]


def test_a_phase_without_a_rule_has_no_ranking():
    phase = PhaseFactory(campaign=CampaignFactory(code="empty"))
    with pytest.raises(NoRanking):
        leaderboard_resolve(phase=phase)


def test_a_rule_ranking_each_cluster_needs_one_of_the_campaigns_clusters(sold):
    with pytest.raises(ValidationError) as missing:
        leaderboard_resolve(phase=sold["phase"])
    assert list(missing.value.message_dict) == ["cluster"]
    foreign = ClusterFactory(campaign=CampaignFactory(code="elsewhere"), number=1)
    with pytest.raises(ValidationError) as elsewhere:
        leaderboard_resolve(phase=sold["phase"], cluster=foreign.pk)
    assert list(elsewhere.value.message_dict) == ["cluster"]


def test_a_reader_gets_the_first_board_they_may_see_or_is_refused_another(sold):
    one, two = sold["clusters"]

    def only_two(cluster_id):
        return cluster_id == two.pk

    choice = leaderboard_resolve(phase=sold["phase"], allows=only_two, first_allowed=True)
    assert (choice.cluster, choice.boards) == (two, [two])
    with pytest.raises(PermissionDenied):
        leaderboard_resolve(phase=sold["phase"], cluster=one.pk, allows=only_two)
    with pytest.raises(PermissionDenied):
        leaderboard_resolve(phase=sold["phase"], allows=lambda cluster_id: False, first_allowed=True)


# --- A page, and all of it -------------------------------------------------------------------


def test_a_provisional_page_counts_submitted_sales_and_carries_no_prize(sold):
    one, two = sold["clusters"]

    board = page(sold, two)

    assert (board.final, board.version, board.count, board.pages) == (False, None, 3, 1)
    assert summary(board.rows) == [(1, 1, "W3", 6, True), (2, 2, "W2", 2, True), (3, 3, "W1", 1, True)]
    assert all(row.prize is None for row in board.rows)
    first = page(sold, one).rows[0]
    agent = sold["agents"]["E1"]
    assert (first.kind, first.id, first.quota_counts) == ("agent", agent.pk, [5])
    assert (first.affiliation, first.organization_id, first.locality) == (
        agent.organization.name,
        agent.organization_id,
        agent.locality.name,
    )


def test_a_final_page_reads_the_stored_standings_and_the_prizes_won(sold):
    finalize(sold)
    one, two = sold["clusters"]

    board = page(sold, one)

    assert (board.final, board.version, board.count) == (True, 1, 4)
    assert [quota.minimum for quota in board.quotas] == [3]
    assert summary(board.rows) == [
        (1, 1, "E1", 5, True),
        (2, 2, "E2", 3, True),
        (3, 3, "E4", 3, True),
        (4, None, "E3", 2, False),
    ]
    assert [row.quota_counts for row in board.rows] == [[5], [3], [3], [2]]
    assert board.rows[1].prize == Prize(title="Giải 2", amount=2_000_000, status=Award.Status.PROPOSED)
    assert board.rows[3].prize is None
    # W3's sales were never confirmed: last, not eligible, and no quota binds cluster 2.
    west = page(sold, two)
    assert (west.quotas, summary(west.rows)[-1]) == ([], (3, None, "W3", 0, False))


def test_counts_stored_before_the_quotas_changed_are_shown_against_no_quota(sold):
    finalize(sold)
    Quota.objects.create(campaign=sold["campaign"], minimum=1)

    board = page(sold, sold["clusters"][0])

    assert board.quotas == []
    assert [row.quota_counts for row in board.rows] == [[5], [3], [3], [2]]


def test_an_award_that_no_longer_stands_is_no_prize(sold):
    finalize(sold)
    award = Award.objects.get(competitor_code="E2")
    award_reject(award=award, by=UserFactory(username="director"), reason="Hồ sơ thiếu")

    rows = page(sold, sold["clusters"][0]).rows

    assert [row.prize.title if row.prize else None for row in rows] == ["Giải 1", None, "Giải 3", None]


def test_pages_split_the_board_and_a_page_past_the_end_is_empty(sold):
    one = sold["clusters"][0]
    whole = page(sold, one).rows

    first, second = page(sold, one, page=1, page_size=3), page(sold, one, page=2, page_size=3)
    assert first.rows + second.rows == whole
    assert (first.pages, first.has_next, first.has_previous) == (2, True, False)
    assert (second.has_next, second.has_previous) == (False, True)
    beyond = page(sold, one, page=5, page_size=3)
    assert (beyond.rows, beyond.count) == ([], 4)


@pytest.mark.parametrize("final", [False, True])
def test_the_whole_board_streams_the_rows_of_its_pages(sold, final):
    if final:
        finalize(sold)
    one = sold["clusters"][0]

    stream = leaderboard_stream(phase=sold["phase"], rule=sold["rule"], cluster=one, batch=3)

    assert stream.final is final
    assert stream.quotas == page(sold, one).quotas
    assert list(stream.rows) == page(sold, one, page=1, page_size=2).rows + page(sold, one, page=2, page_size=2).rows


def test_reopening_makes_the_board_provisional_again(sold):
    finalize(sold)
    phase_reopen(phase=sold["phase"], by=UserFactory(username="manager"), reason="Sai số liệu")
    sold["phase"].refresh_from_db()

    board = page(sold, sold["clusters"][1])

    assert board.final is False
    assert [row.code for row in board.rows] == ["W3", "W2", "W1"]


# --- Totals of awards -----------------------------------------------------------------------------


def test_award_totals_by_status_tier_and_nominations(sold):
    finalize(sold)
    award_reject(award=Award.objects.get(competitor_code="W1"), by=UserFactory(username="d"), reason="Thiếu")
    nomination_outside(campaign=sold["campaign"], full_name="Người ngoài ngành", amount=7_000_000)

    totals = award_totals(Award.objects.filter(phase=sold["phase"]))

    assert (totals["count"], totals["amount"]) == (5, 11_000_000)
    assert totals["by_status"]["proposed"] == {"count": 4, "amount": 9_000_000}
    assert totals["by_status"]["rejected"] == {"count": 1, "amount": 2_000_000}
    assert totals["active"] == {"count": 4, "amount": 9_000_000}
    assert [(tier["tier"], tier["count"], tier["amount"]) for tier in totals["by_tier"]] == [
        ("Giải 1", 2, 6_000_000),
        ("Giải 2", 2, 4_000_000),
        ("Giải 3", 1, 1_000_000),
    ]
    # A nomination from outside the sector in these awards' phase is listed and counted with them.
    outside = {"count": 1, "amount": 7_000_000}
    assert totals["nominations"] == {**outside, "outside": outside}
    assert award_totals(Award.objects.none())["by_tier"] == []
