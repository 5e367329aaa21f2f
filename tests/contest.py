"""The small contest that every board, award and page test shares.

``build_contest`` makes campaign ``qn``: phase 1 (40 days ago until 2 days ago, a
day of grace, still open until a test closes it), optionally phase 2 (open now),
cluster 1 (district D-E, a quota of 3) and cluster 2 (district D-W), a ranked
rule ``TOP`` with three fixed prizes per cluster, and agents named by cluster
(``E…`` east, ``W…`` west). Its options keep the figures a test reads: another
campaign code, no quota, other tiers (none at all), other fields of the rule.
``prize_rule`` and ``sell`` are the two steps other fixtures take on a campaign
of their own.

The contest reads like the dict the tests have always used: ``contest["phase"]``,
``contest["agents"]["E1"]``, ``contest["clusters"]``, ``contest["rule"]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from campaigns.models import AwardRule, Campaign, Cluster, Phase, Quota
from collectors.models import Agent, ServiceOrganization, Unit
from enrollments.choices import EnrollmentStatus
from enrollments.models import Enrollment
from tests.factories import (
    AgentFactory,
    AwardRuleFactory,
    CampaignFactory,
    ClusterFactory,
    DistrictFactory,
    EnrollmentFactory,
    PhaseFactory,
    PrizeTierFactory,
    UserFactory,
)

# (title, amount in VND) per position, first prize first.
NAMED_TIERS = (("Giải Nhất", 3_000_000), ("Giải Nhì", 2_000_000), ("Giải Ba", 1_000_000))
NUMBERED_TIERS = (("Giải 1", 3_000_000), ("Giải 2", 2_000_000), ("Giải 3", 1_000_000))


def prize_rule(
    campaign: Campaign, *, code: str = "TOP", tiers: Sequence[tuple[str, int]] = NUMBERED_TIERS, **fields
) -> AwardRule:
    """A ranked rule of ``campaign`` with one winner per tier, fixed amounts."""
    rule = AwardRuleFactory(campaign=campaign, code=code, **fields)
    for position, (title, amount) in enumerate(tiers, start=1):
        PrizeTierFactory(rule=rule, position=position, title=title, money="fixed", amount=amount, winners=1)
    return rule


def sell(
    phase: Phase,
    agent: Agent,
    count: int,
    *,
    hours: int = 0,
    day: int = 1,
    every: timedelta = timedelta(minutes=1),
    status: str = EnrollmentStatus.CONFIRMED,
    **fields,
) -> list[Enrollment]:
    """``count`` counted receipts of ``agent`` in ``phase``, ``every`` apart (a
    minute) from ``day`` days and ``hours`` hours after the phase's start."""
    start = phase.start + timedelta(days=day, hours=hours)
    return [
        EnrollmentFactory(phase=phase, agent=agent, status=status, receipt_at=start + n * every, **fields)
        for n in range(count)
    ]


@dataclass
class Contest:
    campaign: Campaign
    phases: tuple[Phase, ...]
    clusters: tuple[Cluster, Cluster]
    rule: AwardRule
    agents: dict[str, Agent]
    extra: dict = field(default_factory=dict)

    @property
    def phase(self) -> Phase:
        return self.phases[0]

    def sell(self, code: str, count: int, **options) -> list[Enrollment]:
        """``count`` receipts of agent ``code`` in phase 1 (or ``phase=``)."""
        phase = options.pop("phase", self.phase)
        return sell(phase, self.agents[code], count, **options)

    # The tests read the contest as a dict, and may add their own keys.
    def __getitem__(self, key: str):
        if key in self.extra:
            return self.extra[key]
        return getattr(self, key)

    def __setitem__(self, key: str, value) -> None:
        self.extra[key] = value


def build_contest(
    *,
    code: str = "qn",
    east: Sequence[str] = ("E1", "E2", "E3", "E4"),
    west: Sequence[str] = ("W1", "W2", "W3"),
    products: Sequence[str] = ("VSI", "HHI"),
    second_phase: bool = False,
    tiers: Sequence[tuple[str, int]] = NUMBERED_TIERS,
    quota: int | None = 3,
    cluster_names: tuple[str, str] = ("Cụm 1", "Cụm 2"),
    rule: dict | None = None,
    names: dict[str, str] | None = None,
    organizations: dict[str, ServiceOrganization] | None = None,
    logins: bool = False,
    organizer: Unit | None = None,
    districts: tuple[str, str] = ("D-E", "D-W"),
) -> Contest:
    """The contest described in this module's docstring. ``quota`` is cluster 1's
    minimum (``None``: no quota); ``rule`` holds other fields of rule ``TOP``
    (its name, product, ``requires_quota`` …). ``names`` and ``organizations``
    map agent codes to a full name and an organization; ``logins`` gives each
    agent a user named after their code in lower case. ``organizer`` is the
    campaign's unit (default: a new one); ``districts`` the codes of the east and
    west districts (another contest's agents compete where their district is listed)."""
    east_district = DistrictFactory(code=districts[0], name="Huyện Đông")
    west_district = DistrictFactory(code=districts[1], name="Huyện Tây")
    campaign_fields = {"organizer": organizer} if organizer is not None else {}
    campaign = CampaignFactory(code=code, name="Thi đua Quảng Nam", products=list(products), **campaign_fields)
    now = timezone.now()
    phases = [
        PhaseFactory(
            campaign=campaign,
            number=1,
            name="Đợt 1",
            start=now - timedelta(days=40),
            cutoff=now - timedelta(days=2),
            grace=timedelta(days=1),
            status=Phase.Status.OPEN,
        )
    ]
    if second_phase:
        phases.append(
            PhaseFactory(
                campaign=campaign,
                number=2,
                name="Đợt 2",
                start=now - timedelta(days=2),
                cutoff=now + timedelta(days=60),
                status=Phase.Status.OPEN,
            )
        )
    one = ClusterFactory(campaign=campaign, number=1, name=cluster_names[0])
    one.localities.add(east_district)
    two = ClusterFactory(campaign=campaign, number=2, name=cluster_names[1])
    two.localities.add(west_district)
    if quota is not None:
        Quota.objects.create(campaign=campaign, cluster=one, minimum=quota)
    ranked = prize_rule(campaign, tiers=tiers, **(rule or {}))
    names, organizations = names or {}, organizations or {}
    agents = {}
    for codes, district in ((east, east_district), (west, west_district)):
        for agent_code in codes:
            fields = {"locality": district}
            if agent_code in organizations:
                fields["organization"] = organizations[agent_code]
            if agent_code in names:
                fields["full_name"] = names[agent_code]
            if logins:
                fields["user"] = UserFactory(username=agent_code.lower())
            agents[agent_code] = AgentFactory(code=agent_code, **fields)
    return Contest(campaign=campaign, phases=tuple(phases), clusters=(one, two), rule=ranked, agents=agents)
