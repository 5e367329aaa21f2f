"""A living demo: the Quảng Nam 2024 campaign (DESIGN §3.1) re-dated so that
its second phase is open today, with service organizations, sixty agents who
can log in, and a few thousand synthetic enrollments.

The demo writes through the same services as a user: the campaign comes from
its definition file (``campaign_import``), phases move through the phase
service, receipts go to the intake service and reviews through the enrollment
status services, which decide what counts.

Everything is keyed on natural keys (codes, usernames, personal IDs, the
agent's client reference), and the synthetic data is drawn day by day from one
seeded generator, so loading the demo again adds nothing (and, on a later day,
adds only the days since).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils import timezone

from campaigns.definition import DefinitionError, campaign_import, parse_definition
from campaigns.membership import campaign_members
from campaigns.models import Campaign, Phase, PhaseTransition, PlanTarget
from collectors.models import Agent, Locality, ServiceOrganization, Unit
from demo.errors import DemoError
from demo.people import (
    ADMIN_PASSWORD,
    ADMIN_USERNAME,
    AGENT_COUNT,
    AGENT_PASSWORD,
    MANAGER_USERNAME,
    DemoAgent,
    admin_office,
    admin_user,
    demo_agents,
    post_office_manager,
    service_organizations,
)
from demo.receipts import ReceiptSynthesizer
from demo.timeline import demo_history, phase_status_after
from enrollments.models import CoveragePeriod, Enrollment, EnrollmentTransition, Participant
from enrollments.selectors import counted_enrollments

__all__ = [
    "ADMIN_PASSWORD",
    "ADMIN_USERNAME",
    "AGENT_COUNT",
    "AGENT_PASSWORD",
    "DEFAULT_SEED",
    "DEMO_CAMPAIGN_CODE",
    "MANAGER_USERNAME",
    "DemoError",
    "DemoSummary",
    "demo_definition",
    "demo_load",
]

DEMO_CAMPAIGN_CODE = "quang-nam-2024-demo"
EXAMPLE_DEFINITION = Path(settings.BASE_DIR) / "examples" / "campaigns" / "quang-nam-2024.yaml"
DEFAULT_SEED = 2024
# Each cluster's plan per phase: this many new participants for each of its agents.
PLAN_PER_AGENT = 25


@dataclass
class DemoSummary:
    campaign: Campaign
    campaign_created: bool
    today: date
    created: dict[str, int] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    phases: list[Phase] = field(default_factory=list)
    agents_per_cluster: dict[str, int] = field(default_factory=dict)
    counted_per_phase: dict[int, int] = field(default_factory=dict)
    phase_1_quota: int | None = None  # the quota of cluster 1 in phase 1
    quota_reached_in_phase_1: int = 0  # cluster-1 agents who reached it


# Every model the demo writes to, for the created/total counts of the summary.
TRACKED_MODELS: list[type[models.Model]] = [
    Locality,
    Unit,
    ServiceOrganization,
    Agent,
    Campaign,
    Phase,
    PhaseTransition,
    PlanTarget,
    Participant,
    CoveragePeriod,
    Enrollment,
    EnrollmentTransition,
]


def _table_counts() -> dict[str, int]:
    counts = {model._meta.label: model.objects.count() for model in TRACKED_MODELS}
    counts["auth.User"] = get_user_model().objects.count()
    return counts


@transaction.atomic
def demo_load(
    *, today: date | None = None, seed: int = DEFAULT_SEED, definition_path: Path | None = None
) -> DemoSummary:
    """Load (or top up) the demo campaign and return what it holds.

    ``today`` is the campaign's local date the demo is built around (default:
    today in Asia/Ho_Chi_Minh); phase 2 contains it when the campaign is first
    created. Enrollments are generated for every day before ``today``.
    """
    before = _table_counts()
    admin = admin_user()
    campaign, created = _campaign(today=today, definition_path=definition_path or EXAMPLE_DEFINITION)
    admin_office(admin, campaign)
    organizations = service_organizations(campaign)
    tz = campaign.tzinfo
    today = today or timezone.localdate(timezone=tz)
    now = timezone.now()
    moment = min(now, datetime.combine(today, time(12), tzinfo=tz))
    if created and campaign.status != Campaign.Status.RUNNING:
        # No service starts a campaign: staff set its status in the admin.
        campaign.status = Campaign.Status.RUNNING
        campaign.save(update_fields=["status", "updated_at"])
    clusters = list(campaign.clusters.prefetch_related("localities").order_by("number"))
    agents = demo_agents(clusters=clusters, organizations=organizations, seed=seed)
    post_office_manager(organizations[0])
    _cluster_plans(campaign)

    phases = list(campaign.phases.all())
    open_after = {phase.pk for phase in phases if phase_status_after(phase, moment) == Phase.Status.OPEN}
    synthesizer = ReceiptSynthesizer(campaign=campaign, today=today, seed=seed, now=now, open_phase_ids=open_after)
    receipts = synthesizer.run(agents)
    demo_history(campaign=campaign, receipts=receipts, moment=moment, reviewer=admin)

    after = _table_counts()
    summary = DemoSummary(
        campaign=campaign,
        campaign_created=created,
        today=today,
        created={label: after[label] - before[label] for label in after},
        totals=after,
        phases=list(campaign.phases.order_by("number")),
    )
    _fill_statistics(summary, agents)
    return summary


def _cluster_plans(campaign: Campaign) -> None:
    """Plans per cluster and phase, so the overview shows progress against plan (kept if already set)."""
    if PlanTarget.objects.filter(campaign=campaign, scope=PlanTarget.Scope.CLUSTER).exists():
        return
    membership = campaign_members(campaign=campaign)
    sizes: dict[int, int] = {}
    for cluster_id in membership.values():
        if cluster_id is not None:
            sizes[cluster_id] = sizes.get(cluster_id, 0) + 1
    PlanTarget.objects.bulk_create(
        [
            PlanTarget(
                campaign=campaign,
                scope=PlanTarget.Scope.CLUSTER,
                cluster_id=cluster_id,
                phase=phase,
                target=size * PLAN_PER_AGENT,
            )
            for cluster_id, size in sorted(sizes.items())
            for phase in campaign.phases.order_by("number")
        ]
    )


# --- The campaign -------------------------------------------------------------------------------


def _campaign(*, today: date | None, definition_path: Path) -> tuple[Campaign, bool]:
    existing = Campaign.objects.filter(code=DEMO_CAMPAIGN_CODE).first()
    if existing is not None:
        # Re-importing would replace a campaign that already has enrollments: reuse it as it is.
        return existing, False
    try:
        text = definition_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DemoError(f"Cannot read the example campaign {definition_path}: {exc}") from exc
    try:
        definition = parse_definition(text)
    except DefinitionError as exc:
        raise DemoError(f"The example campaign {definition_path} is not valid.", exc.errors) from exc
    time_zone = definition.get("campaign", {}).get("time_zone") or "Asia/Ho_Chi_Minh"
    definition = demo_definition(definition, today=today or timezone.localdate(timezone=ZoneInfo(time_zone)))
    try:
        campaign = campaign_import(definition=definition, replace=False)
    except DefinitionError as exc:
        raise DemoError(f"The example campaign {definition_path} could not be imported.", exc.errors) from exc
    return campaign, True


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        return datetime.fromisoformat(text).date()


def _shifted(value: Any, days: int) -> Any:
    """A phase boundary moved by ``days``, keeping its type (date, datetime or ISO text)."""
    if isinstance(value, date):  # datetime is a date too
        return value + timedelta(days=days)
    text = str(value).strip()
    try:
        return (date.fromisoformat(text) + timedelta(days=days)).isoformat()
    except ValueError:
        return (datetime.fromisoformat(text) + timedelta(days=days)).isoformat()


def demo_definition(definition: dict[str, Any], *, today: date) -> dict[str, Any]:
    """The example definition under the demo's code and name, every phase moved by
    the same number of days so that phase 2 contains ``today`` (about half way in)."""
    numbered = [{"number": index + 1, **phase} for index, phase in enumerate(definition["phases"])]
    second = next((phase for phase in numbered if phase["number"] == 2), None)
    if second is None:
        raise DemoError("The example campaign has no phase 2.")
    second_start = _as_date(second["start"])
    if "end" in second and second["end"] is not None:
        second_last = _as_date(second["end"])
    else:
        second_last = _as_date(second["cutoff"]) - timedelta(days=1)
    days_in_phase = (second_last - second_start).days + 1
    shift = (today - timedelta(days=days_in_phase // 2) - second_start).days

    campaign = dict(definition["campaign"])
    campaign["code"] = DEMO_CAMPAIGN_CODE
    if not str(campaign.get("name", "")).endswith(" (demo)"):
        campaign["name"] = f"{campaign.get('name', 'Quảng Nam')} (demo)"
    moved = []
    for phase in definition["phases"]:
        phase = dict(phase)
        for key in ("start", "end", "cutoff"):
            if phase.get(key) is not None:
                phase[key] = _shifted(phase[key], shift)
        moved.append(phase)
    return {**definition, "campaign": campaign, "phases": moved}


# --- Summary ------------------------------------------------------------------------------------


def _fill_statistics(summary: DemoSummary, agents: list[DemoAgent]) -> None:
    clusters = {cluster.number: cluster.name for cluster in summary.campaign.clusters.all()}
    per_cluster = Counter(clusters.get(demo_agent.cluster, str(demo_agent.cluster)) for demo_agent in agents)
    summary.agents_per_cluster = dict(sorted(per_cluster.items()))
    counted = (
        counted_enrollments()
        .filter(campaign=summary.campaign)
        .values_list("phase__number")
        .annotate(n=models.Count("pk"))
    )
    summary.counted_per_phase = dict(counted)
    first = next((phase for phase in summary.phases if phase.number == 1), None)
    cluster_one = summary.campaign.clusters.filter(number=1).first()
    if first is None or cluster_one is None:
        return
    quota = (
        summary.campaign.quotas.filter(competitor_kind="agent", role__in=["", Agent.Role.AGENT])
        .filter(models.Q(phase__isnull=True) | models.Q(phase=first))
        .filter(models.Q(cluster__isnull=True) | models.Q(cluster=cluster_one))
        .aggregate(minimum=models.Max("minimum"))["minimum"]
    )
    if quota is None:
        return
    summary.phase_1_quota = quota
    cluster_one_agents = [demo_agent.agent.pk for demo_agent in agents if demo_agent.cluster == 1]
    summary.quota_reached_in_phase_1 = (
        counted_enrollments()
        .filter(phase=first, agent_id__in=cluster_one_agents)
        .values("agent")
        .annotate(n=models.Count("pk"))
        .filter(n__gte=quota)
        .count()
    )
