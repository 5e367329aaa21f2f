"""How the standings kept on write (``awards.tally``) hear of the writes below.

- Enrollments: the enrollments app sends ``scores_touched`` from the writing
  transaction (intake, bulk, status changes, coverage and confirmation
  imports); a saved or deleted enrollment row is heard too. The touched rows
  are recounted there and then.
- An agent: a new one gets its rows; a new code or name is carried over; a move
  (unit, organization, locality, role) changes who competes where, so the
  campaigns' tallies are rebuilt.
- A bar from commendation (recorded, changed, removed): the rows of the agent or
  unit it bars (before and after the change) are recounted there and then.
- A phase's dates (they decide which bars fall in it), a campaign's set-up
  (rules, quotas, plans, clusters and their lists, teams and their members,
  indicators, phases, products, organizer) and the tree of units, localities
  and organizations: the tallies are marked stale in the same transaction and
  rebuilt by the next read.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from awards.models import TallyState
from awards.tally import tally_ensure, tally_mark_stale, tally_refresh, tally_refresh_competitors, tally_rename
from campaigns.models import (
    AwardRule,
    Campaign,
    Cluster,
    CompetitorKind,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Phase,
    PlanTarget,
    Quota,
    Team,
)
from collectors.models import Agent, CommendationBar, Locality, ServiceOrganization, Unit
from enrollments.models import Enrollment
from enrollments.signals import scores_reloading, scores_touched

# The fields of an agent that decide where it competes.
_AGENT_PLACE = ("unit_id", "organization_id", "locality_id", "role")


def _on_scores_touched(sender, touched, **kwargs) -> None:
    by_campaign: dict[int, tuple[set, set]] = defaultdict(lambda: (set(), set()))
    for campaign_id, agent_id, phase_id in touched:
        agents, phases = by_campaign[campaign_id]
        agents.add(agent_id)
        phases.add(phase_id)
    for campaign_id in sorted(by_campaign):
        agents, phases = by_campaign[campaign_id]
        tally_refresh(campaign_id=campaign_id, agent_ids=agents, phase_ids=phases)


def _on_scores_reloading(sender, campaign_id: int, done: bool = False, **kwargs) -> None:
    # A history import: its chunks leave the tallies alone; one recount rebuilds them once it has ended
    # (or the first read does, while it runs).
    if done:
        tally_ensure(campaign_id)
    else:
        tally_mark_stale(campaign_ids=[campaign_id])


def _on_enrollment(sender, instance: Enrollment, raw=False, **kwargs) -> None:
    if raw or not instance.agent_id or not instance.phase_id:
        return
    tally_refresh(campaign_id=instance.campaign_id, agent_ids=[instance.agent_id], phase_ids=[instance.phase_id])


def _campaign_of(instance) -> int | None:
    if isinstance(instance, Campaign):
        return instance.pk
    if isinstance(instance, IndicatorTarget | IndicatorValue):
        return Indicator.objects.filter(pk=instance.indicator_id).values_list("campaign_id", flat=True).first()
    return getattr(instance, "campaign_id", None)


def _stale_for(sender, instance, raw=False, **kwargs) -> None:
    if raw:
        return
    campaign_id = _campaign_of(instance)
    if campaign_id is not None:
        tally_mark_stale(campaign_ids=[campaign_id])


def _phase_saved(sender, instance: Phase, created=False, raw=False, **kwargs) -> None:
    if created and not raw:
        tally_mark_stale(campaign_ids=[instance.campaign_id])


def _campaign_before(sender, instance: Campaign, raw=False, **kwargs) -> None:
    if raw or instance.pk is None:
        return
    before = Campaign.objects.filter(pk=instance.pk).values("products", "organizer_id").first()
    if before and (
        list(before["products"] or []) != list(instance.products or [])
        or (before["organizer_id"] != instance.organizer_id)
    ):
        tally_mark_stale(campaign_ids=[instance.pk])


def _everywhere(sender, raw=False, **kwargs) -> None:
    if not raw:
        tally_mark_stale()


def _agent_before(sender, instance: Agent, raw=False, **kwargs) -> None:
    instance._tally_before = None
    if raw or instance.pk is None:
        return
    instance._tally_before = Agent.objects.filter(pk=instance.pk).values(*_AGENT_PLACE, "code", "full_name").first()


def _agent_saved(sender, instance: Agent, created=False, raw=False, **kwargs) -> None:
    if raw:
        return
    before = getattr(instance, "_tally_before", None)
    if created or before is None:
        for campaign_id in TallyState.objects.filter(stale=False).values_list("campaign_id", flat=True):
            tally_refresh(campaign_id=campaign_id, agent_ids=[instance.pk])
        return
    if any(before[field] != getattr(instance, field) for field in _AGENT_PLACE):
        tally_mark_stale()
    elif (before["code"], before["full_name"]) != (instance.code, instance.full_name):
        tally_rename(kind=CompetitorKind.AGENT, competitor_id=instance.pk, code=instance.code, name=instance.full_name)


def _bar_before(sender, instance: CommendationBar, raw=False, **kwargs) -> None:
    instance._tally_before = None
    if not raw and instance.pk is not None:
        instance._tally_before = CommendationBar.objects.filter(pk=instance.pk).values("agent_id", "unit_id").first()


def _bar_changed(sender, instance: CommendationBar, raw=False, **kwargs) -> None:
    if raw:
        return
    before = getattr(instance, "_tally_before", None) or {}
    for kind, field in ((CompetitorKind.AGENT, "agent_id"), (CompetitorKind.UNIT, "unit_id")):
        touched = {getattr(instance, field), before.get(field)} - {None}
        tally_refresh_competitors(kind=kind, competitor_ids=touched)


def _phase_before(sender, instance: Phase, raw=False, **kwargs) -> None:
    if raw or instance.pk is None:
        return
    before = Phase.objects.filter(pk=instance.pk).values("start", "cutoff").first()
    if before and (before["start"], before["cutoff"]) != (instance.start, instance.cutoff):
        tally_mark_stale(campaign_ids=[instance.campaign_id])


def connect() -> None:
    scores_touched.connect(_on_scores_touched, dispatch_uid="awards.tally.scores_touched")
    scores_reloading.connect(_on_scores_reloading, dispatch_uid="awards.tally.scores_reloading")
    for signal in (post_save, post_delete):
        signal.connect(_on_enrollment, sender=Enrollment, dispatch_uid=f"awards.tally.enrollment.{signal}")
        for model in (AwardRule, Quota, PlanTarget, Cluster, Team, Indicator, IndicatorTarget, IndicatorValue):
            signal.connect(_stale_for, sender=model, dispatch_uid=f"awards.tally.{model.__name__}.{signal}")
        for model in (Unit, Locality, ServiceOrganization):
            signal.connect(_everywhere, sender=model, dispatch_uid=f"awards.tally.{model.__name__}.{signal}")
    post_delete.connect(_stale_for, sender=Phase, dispatch_uid="awards.tally.phase.deleted")
    post_delete.connect(_everywhere, sender=Agent, dispatch_uid="awards.tally.agent.deleted")
    post_save.connect(_phase_saved, sender=Phase, dispatch_uid="awards.tally.phase.saved")
    pre_save.connect(_phase_before, sender=Phase, dispatch_uid="awards.tally.phase.before")
    pre_save.connect(_bar_before, sender=CommendationBar, dispatch_uid="awards.tally.bar.before")
    for signal in (post_save, post_delete):
        signal.connect(_bar_changed, sender=CommendationBar, dispatch_uid=f"awards.tally.bar.{signal}")
    pre_save.connect(_campaign_before, sender=Campaign, dispatch_uid="awards.tally.campaign.before")
    pre_save.connect(_agent_before, sender=Agent, dispatch_uid="awards.tally.agent.before")
    post_save.connect(_agent_saved, sender=Agent, dispatch_uid="awards.tally.agent.saved")
    for through in (
        Team.members.through,
        Cluster.agents.through,
        Cluster.teams.through,
        Cluster.localities.through,
        Cluster.units.through,
    ):
        m2m_changed.connect(_m2m_changed, sender=through, dispatch_uid=f"awards.tally.{through.__name__}")


def _m2m_changed(sender, instance, action: str, reverse: bool, model, pk_set, **kwargs) -> None:
    if not action.startswith("post_"):
        return
    if not reverse:
        tally_mark_stale(campaign_ids=[instance.campaign_id])
    elif model in (Team, Cluster):
        campaigns = model.objects.filter(pk__in=pk_set or []).values_list("campaign_id", flat=True)
        tally_mark_stale(campaign_ids=set(campaigns) if action != "post_clear" else None)
    else:
        tally_mark_stale()
