"""The shared contest (``tests.contest``) for the awards tests: two clusters of
agents E1–E4 and W1–W3, a ranked rule with three prizes per cluster and a quota
of 3 in cluster 1."""

from __future__ import annotations

import pytest

from tests.contest import build_contest


@pytest.fixture
def contest(db):
    return build_contest()


def sell(contest, code, count, **options):
    return contest.sell(code, count, **options)
