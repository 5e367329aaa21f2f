"""A small contest shared by the finalizing tests: two clusters of agents and a ranked rule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.models import Phase, Quota
from enrollments.choices import EnrollmentStatus
from tests.factories import (
    AgentFactory,
    AwardRuleFactory,
    CampaignFactory,
    ClusterFactory,
    DistrictFactory,
    EnrollmentFactory,
    PhaseFactory,
    PrizeTierFactory,
)


@pytest.fixture
def contest():
    """Two clusters of agents, a ranked rule with three prizes per cluster and a quota in cluster 1."""
    east, west = DistrictFactory(code="D-E"), DistrictFactory(code="D-W")
    campaign = CampaignFactory(code="qn", products=["VSI", "HHI"])
    now = timezone.now()
    phase = PhaseFactory(
        campaign=campaign,
        number=1,
        start=now - timedelta(days=40),
        cutoff=now - timedelta(days=2),
        grace=timedelta(days=1),
        status=Phase.Status.OPEN,
    )
    one = ClusterFactory(campaign=campaign, number=1, name="Cụm 1")
    one.localities.add(east)
    two = ClusterFactory(campaign=campaign, number=2, name="Cụm 2")
    two.localities.add(west)
    Quota.objects.create(campaign=campaign, cluster=one, minimum=3)
    rule = AwardRuleFactory(campaign=campaign, code="TOP")
    for position, amount in ((1, 3_000_000), (2, 2_000_000), (3, 1_000_000)):
        PrizeTierFactory(rule=rule, position=position, money="fixed", amount=amount, winners=1)
    agents = {f"E{n}": AgentFactory(code=f"E{n}", locality=east) for n in range(1, 5)}
    agents |= {f"W{n}": AgentFactory(code=f"W{n}", locality=west) for n in range(1, 4)}
    return {"campaign": campaign, "phase": phase, "rule": rule, "agents": agents, "clusters": (one, two)}


def sell(contest, code, count, *, hours=0, status=EnrollmentStatus.CONFIRMED):
    phase = contest["phase"]
    return [
        EnrollmentFactory(
            phase=phase,
            agent=contest["agents"][code],
            status=status,
            receipt_at=phase.start + timedelta(days=1, hours=hours, minutes=n),
        )
        for n in range(count)
    ]
