"""An agent's progress: the one reader of what ``GET /api/v1/me/progress/``
answers and the agent's page shows (and of the quotas whose reaching
``reports.notices`` tells the agent, ``agent_quotas``).

Which campaigns: the running and closed ones (``awards.permissions.PUBLISHED``)
the agent takes part in, so that an agent still sees a closed campaign's
results and award. Per campaign and phase:

- what counts (``enrollments.selectors.counted_enrollments``: submitted or
  confirmed), in total and per product;
- each quota that applies to the agent (agents' quotas of the phase or of
  every phase, of their cluster or of every cluster, of their role or of every
  role), with what counts towards it and what remains, in the order the
  leaderboard lists quotas: the order they were set up in;
- their place on the board of the first agent rule ranking them
  (``awards.selectors.agent_standing``), once the phase has started: final
  when the phase is finalized, provisional before;
- their award for the phase (``awards.selectors.agent_awards``): tier, amount
  and status, or none.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, F
from django.utils import timezone

from awards.models import Award, Finalization
from awards.money import award_money
from awards.permissions import PUBLISHED
from awards.scoring import rule_applies
from awards.selectors import agent_awards, agent_standing
from campaigns.models import AwardRule, Campaign, Cluster, CompetitorKind, Phase, Quota
from campaigns.selectors import agent_participations
from collectors.models import Agent
from enrollments.selectors import counted_enrollments

NO_PLACE = {"rule": None, "rank": None, "position": None, "eligible": None, "competitors": None, "barred": None}


@dataclass
class QuotaProgress:
    """One quota that applies to the agent, and what counts towards it. Its
    figures read by name too, as in the API's answer: ``quota["remaining"]``."""

    FIGURES = ("product", "min_payment_months", "minimum", "counted", "remaining", "met", "percent")

    quota: Quota
    counted: int

    def __getitem__(self, name: str):
        if name not in self.FIGURES:
            raise KeyError(name)
        return getattr(self, name)

    @property
    def product(self) -> str | None:
        """None: the quota counts every product."""
        return self.quota.product or None

    @property
    def min_payment_months(self) -> int | None:
        return self.quota.min_payment_months

    @property
    def minimum(self) -> int:
        return self.quota.minimum

    @property
    def remaining(self) -> int:
        return max(self.quota.minimum - self.counted, 0)

    @property
    def met(self) -> bool:
        return self.counted >= self.quota.minimum

    @property
    def percent(self) -> Decimal:
        return (Decimal(self.counted) * 100 / self.quota.minimum).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class AwardSummary:
    """The agent's award for a phase: the tier's title, the amount (whole VND) and the status."""

    tier: str
    amount: int
    status: str
    estimate: bool = False  # a salary-based prize before its decision, at today's base salary (awards.money)

    @property
    def status_label(self) -> str:
        return str(Award.Status(self.status).label)

    @property
    def active(self) -> bool:
        return self.status in Award.ACTIVE


@dataclass
class PhaseProgress:
    phase: Phase
    counted: int
    by_product: dict[str, int]
    quotas: list[QuotaProgress]
    place: dict  # rule, rank, position, eligible, competitors, barred (``agent_standing``)
    version: int | None  # the current finalization's version, once finalized
    award: AwardSummary | None

    @property
    def final(self) -> bool:
        return self.version is not None

    @property
    def provisional(self) -> bool:
        return not self.final


@dataclass
class CampaignProgress:
    campaign: Campaign
    cluster: Cluster | None
    phases: list[PhaseProgress]


def _quota_applies(quota: Quota, agent: Agent, phase: Phase, cluster_id: int | None) -> bool:
    return (
        quota.competitor_kind == CompetitorKind.AGENT
        and quota.phase_id in (None, phase.pk)
        and quota.cluster_id in (None, cluster_id)
        and quota.role in ("", agent.role)
    )


def _reached(quota: Quota, tally: Counter) -> int:
    return sum(
        n
        for (product, months), n in tally.items()
        if quota.product in ("", product) and (quota.min_payment_months is None or months >= quota.min_payment_months)
    )


def _counted_by_phase(agent: Agent, phase_ids: list[int]) -> dict[int, Counter]:
    """Phase id → (product, payment months) → what counts of the agent's enrollments."""
    tallies: dict[int, Counter] = defaultdict(Counter)
    rows = (
        counted_enrollments()
        .filter(agent=agent, phase_id__in=phase_ids)
        .values_list("phase_id", "product", "payment_months")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for phase_id, product, months, n in rows:
        tallies[phase_id][(product, months)] += n
    return tallies


def agent_quotas(*, agent: Agent, phase_ids: list[int]) -> list[tuple[Campaign, Phase, list[QuotaProgress]]]:
    """The quotas that apply to the agent in these phases (of the campaigns they
    take part in), with what counts towards each: the figures of ``agent_progress``."""
    participations = agent_participations(agent=agent, statuses=PUBLISHED)
    wanted = set(phase_ids)
    phases = [(p, phase) for p in participations for phase in p.phases if phase.pk in wanted]
    if not phases:
        return []
    tallies = _counted_by_phase(agent, [phase.pk for _p, phase in phases])
    quotas = list(Quota.objects.filter(campaign_id__in={p.campaign.pk for p, _phase in phases}).order_by("pk"))
    result = []
    for participation, phase in phases:
        cluster_id = participation.cluster.pk if participation.cluster else None
        applying = [
            QuotaProgress(quota=quota, counted=_reached(quota, tallies[phase.pk]))
            for quota in quotas
            if quota.campaign_id == participation.campaign.pk and _quota_applies(quota, agent, phase, cluster_id)
        ]
        result.append((participation.campaign, phase, applying))
    return result


def agent_quotas_met(
    *, agent: Agent, phase_ids: list[int], unknown: Callable[[set[tuple[int, int]]], set[tuple[int, int]]] | None = None
) -> list[tuple[Campaign, Phase, list[QuotaProgress]]]:
    """The quotas of ``agent_quotas`` the agent has met in these phases, with the
    same figures, cheaply when there is none (after most writes): the quotas that
    could apply to the agent whatever their cluster (of the phases' campaigns, of
    their role) are read with what counts first, in two queries; the agent's
    campaigns and cluster (``agent_quotas``) are read only when one of them is
    met. ``unknown`` keeps, of the (quota id, phase id) pairs met, those still of
    interest (a caller told of the others already): none left, none read."""
    wanted = sorted(set(phase_ids))
    if not wanted:
        return []
    could = [
        (quota, phase_id) for quota, phase_id in _possible_quotas(agent, wanted) if quota.phase_id in (None, phase_id)
    ]
    if not could:
        return []
    tallies = _counted_by_phase(agent, sorted({phase_id for _quota, phase_id in could}))
    met = {(quota.pk, phase_id) for quota, phase_id in could if _reached(quota, tallies[phase_id]) >= quota.minimum}
    if met and unknown is not None:
        met = unknown(met)
    if not met:
        return []
    result = []
    for campaign, phase, quotas in agent_quotas(agent=agent, phase_ids=wanted):
        reached = [progress for progress in quotas if progress.met and (progress.quota.pk, phase.pk) in met]
        if reached:
            result.append((campaign, phase, reached))
    return result


def _possible_quotas(agent: Agent, phase_ids: list[int]) -> list[tuple[Quota, int]]:
    """(quota, phase id): the agents' quotas of the campaigns of these phases, of the agent's role or of every role,
    in one query (a superset of those ``_quota_applies`` keeps: neither the cluster nor the phase is checked)."""
    rows = (
        Quota.objects.filter(
            campaign__phases__in=phase_ids, competitor_kind=CompetitorKind.AGENT, role__in=("", agent.role)
        )
        .annotate(for_phase=F("campaign__phases__pk"))
        .order_by("pk")
    )
    return [(quota, quota.for_phase) for quota in rows]


def agent_progress(*, agent: Agent, now: datetime | None = None) -> list[CampaignProgress]:
    """The agent's progress per running or closed campaign they take part in, and per phase."""
    now = now or timezone.now()
    participations = agent_participations(agent=agent, statuses=PUBLISHED)
    phase_ids = [phase.pk for participation in participations for phase in participation.phases]
    campaign_ids = [participation.campaign.pk for participation in participations]
    tallies = _counted_by_phase(agent, phase_ids)  # phase id → (product, payment months) → counted
    quotas = list(Quota.objects.filter(campaign_id__in=campaign_ids).order_by("pk"))
    rules = list(AwardRule.objects.filter(campaign_id__in=campaign_ids).order_by("position", "code", "pk"))
    # The current finalizations: the final version of each finalized phase, and the phases that may have awards
    # (an award belongs to a current finalization): none in most phases, so no award is looked for.
    current = Finalization.objects.filter(phase_id__in=phase_ids, current=True)
    finalized = dict(current.values_list("phase_id", "version"))
    statuses = {phase.pk: phase.status for participation in participations for phase in participation.phases}
    versions = {pk: version for pk, version in finalized.items() if statuses[pk] == Phase.Status.FINALIZED}
    awards = agent_awards(agent=agent, phase_ids=sorted(finalized)) if finalized else {}
    result = []
    for participation in participations:
        campaign, cluster = participation.campaign, participation.cluster
        cluster_id = cluster.pk if cluster else None
        phases = []
        for phase in participation.phases:
            tally = tallies[phase.pk]
            place = dict(NO_PLACE)
            if phase.start <= now:  # a phase not started yet has no leaderboard
                applying = [rule for rule in rules if rule.campaign_id == campaign.pk and rule_applies(rule, phase)]
                place = agent_standing(phase=phase, agent=agent, cluster=cluster, rules=applying)
            by_product: Counter = Counter()
            for (product, _months), n in tally.items():
                by_product[product] += n
            award = awards.get(phase.pk)
            money = award_money(award) if award is not None else None
            phases.append(
                PhaseProgress(
                    phase=phase,
                    counted=sum(by_product.values()),
                    by_product=dict(sorted(by_product.items())),
                    quotas=[
                        QuotaProgress(quota=quota, counted=_reached(quota, tally))
                        for quota in quotas
                        if quota.campaign_id == campaign.pk and _quota_applies(quota, agent, phase, cluster_id)
                    ],
                    place=place,
                    version=versions.get(phase.pk),
                    award=(
                        AwardSummary(
                            tier=award.tier.title, amount=money.amount, status=award.status, estimate=money.estimate
                        )
                        if money is not None
                        else None
                    ),
                )
            )
        result.append(CampaignProgress(campaign=campaign, cluster=cluster, phases=phases))
    return result
