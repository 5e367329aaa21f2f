"""The shared contest (``tests.contest``) for the awards tests: two clusters of
agents E1–E4 and W1–W3, a ranked rule with three prizes per cluster and a quota
of 3 in cluster 1; and the sales the board tests read."""

from __future__ import annotations

import pytest

from enrollments.choices import EnrollmentStatus
from tests.contest import build_contest


@pytest.fixture
def contest(db):
    return build_contest()


@pytest.fixture
def sold(contest):
    """Cluster 1: E1 5, E2 3 (earlier) and E4 3 (later) tie on count, E3 2 is short of the quota of 3.
    Cluster 2: W2 2, W1 1, and W3's 6 sales are submitted, never confirmed."""
    contest.sell("E1", 5)
    contest.sell("E2", 3, hours=1)
    contest.sell("E3", 2)
    contest.sell("E4", 3, hours=2)
    contest.sell("W1", 1)
    contest.sell("W2", 2)
    contest.sell("W3", 6, status=EnrollmentStatus.SUBMITTED)
    return contest
