"""Step 3 of an import: store a checked definition with bulk queries.

The caller runs it inside a transaction, after steps 1 and 2 found no problem.
"""

from __future__ import annotations

from django.db import models
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from campaigns.definition import rows
from campaigns.definition.resolve import Resolved, unit_generations
from campaigns.definition.schema import CLUSTER_MEMBERS, LEVEL_RANK, DefinitionError
from campaigns.definition.values import as_moment, end_cutoff
from campaigns.models import (
    AwardRule,
    Campaign,
    Cluster,
    Indicator,
    IndicatorTarget,
    Phase,
    PlanTarget,
    PrizeTier,
    Quota,
    Team,
)
from collectors.models import Locality, ServiceOrganization, Unit


def _upsert(model: type[models.Model], instances: list[models.Model], update_fields: list[str]) -> dict[str, int]:
    """Insert or update rows by code; return their ids by code."""
    if not instances:
        return {}
    model.objects.bulk_create(instances, update_conflicts=True, unique_fields=["code"], update_fields=update_fields)
    return dict(model.objects.filter(code__in=[row.code for row in instances]).values_list("code", "pk"))


def _empty_rules(campaign: Campaign) -> None:
    """Delete the rules of a campaign being replaced; refused when other records depend on them."""
    try:
        for related in (
            campaign.award_rules,
            campaign.quotas,
            campaign.plan_targets,
            campaign.indicators,
            campaign.clusters,
            campaign.teams,
            campaign.phases,
        ):
            related.all().delete()
    except (ProtectedError, RestrictedError):
        raise DefinitionError(
            [
                "campaign.code: "
                + _('cannot replace campaign "%(code)s": other records depend on its rules') % {"code": campaign.code}
            ]
        ) from None


def write_definition(resolved: Resolved) -> Campaign:
    """Upsert the reference data, then create (or refill) the campaign and its rules."""
    data = resolved.data
    locality_ids = {code: row.pk for code, row in resolved.localities.items()}
    unit_ids = {code: row.pk for code, row in resolved.units.items()}
    organization_ids = {code: row.pk for code, row in resolved.organizations.items()}
    agent_ids = {code: row.pk for code, row in resolved.agents.items()}

    # Reference data, parents first.
    for rank in sorted(set(LEVEL_RANK.values())):
        localities = [
            Locality(**rows.locality_fields(e), parent_id=locality_ids.get(e["parent"]))
            for e in data["localities"]
            if LEVEL_RANK[e["level"]] == rank
        ]
        locality_ids.update(_upsert(Locality, localities, ["name", "level", "parent", "active"]))
    for generation in unit_generations(data["units"]):
        units = [
            Unit(
                **rows.unit_fields(e),
                parent_id=unit_ids.get(e["parent"]),
                locality_id=locality_ids.get(e["locality"]),
            )
            for e in generation
        ]
        unit_ids.update(_upsert(Unit, units, ["name", "kind", "parent", "locality", "headcount", "active"]))
    organizations = [
        ServiceOrganization(
            **rows.organization_fields(e),
            contracting_unit_id=unit_ids[e["contracting_unit"]],
            locality_id=locality_ids.get(e["locality"]),
        )
        for e in data["organizations"]
    ]
    organization_ids.update(
        _upsert(ServiceOrganization, organizations, ["name", "kind", "contracting_unit", "locality", "active"])
    )

    # The campaign: a new row, or the existing one emptied of its rules.
    spec = data["campaign"]
    if resolved.existing is not None:
        campaign = Campaign.objects.select_for_update().get(pk=resolved.existing.pk)
        _empty_rules(campaign)
    else:
        campaign = Campaign()
    for name, value in rows.campaign_fields(spec).items():
        setattr(campaign, name, value)
    campaign.organizer_id = unit_ids[spec["organizer"]]
    campaign.save()

    tz = campaign.tzinfo
    phases = Phase.objects.bulk_create(
        [
            Phase(
                **rows.phase_fields(
                    e,
                    start=as_moment(e["start"], tz),
                    cutoff=end_cutoff(e["end"], tz) if "end" in e else as_moment(e["cutoff"], tz),
                ),
                campaign=campaign,
            )
            for e in data["phases"]
        ]
    )
    phase_ids = {phase.number: phase.pk for phase in phases}

    teams = Team.objects.bulk_create(
        [
            Team(
                **rows.team_fields(e),
                campaign=campaign,
                locality_id=locality_ids.get(e["locality"]),
                unit_id=unit_ids.get(e["unit"]),
            )
            for e in data["teams"]
        ]
    )
    team_ids = {team.code: team.pk for team in teams}
    Team.members.through.objects.bulk_create(
        [
            Team.members.through(team_id=team_ids[e["code"]], agent_id=agent_ids[code])
            for e in data["teams"]
            for code in e["members"]
        ]
    )

    clusters = Cluster.objects.bulk_create(
        [Cluster(**rows.cluster_fields(e), campaign=campaign) for e in data["clusters"]]
    )
    cluster_ids = {cluster.number: cluster.pk for cluster in clusters}
    member_ids = {"locality": locality_ids, "unit": unit_ids, "team": team_ids, "agent": agent_ids}
    for key, kind in CLUSTER_MEMBERS:
        through = getattr(Cluster, key).through
        through.objects.bulk_create(
            [
                through(cluster_id=cluster_ids[e["number"]], **{f"{kind}_id": member_ids[kind][code]})
                for e in data["clusters"]
                for code in e[key]
            ]
        )

    Quota.objects.bulk_create(
        [
            Quota(
                **rows.quota_fields(e),
                campaign=campaign,
                phase_id=phase_ids.get(e["phase"]),
                cluster_id=cluster_ids.get(e["cluster"]),
            )
            for e in data["quotas"]
        ]
    )
    PlanTarget.objects.bulk_create(
        [
            PlanTarget(
                **rows.plan_target_fields(e),
                campaign=campaign,
                cluster_id=cluster_ids.get(e.get("cluster")),
                locality_id=locality_ids.get(e.get("locality")),
                unit_id=unit_ids.get(e.get("unit")),
                organization_id=organization_ids.get(e.get("organization")),
                team_id=team_ids.get(e.get("team")),
                phase_id=phase_ids.get(e["phase"]),
            )
            for e in data["plan_targets"]
        ]
    )

    indicators = Indicator.objects.bulk_create(
        [
            Indicator(**rows.indicator_fields(e), campaign=campaign, position=position)
            for position, e in enumerate(data["indicators"])
        ]
    )
    IndicatorTarget.objects.bulk_create(
        [
            IndicatorTarget(**rows.indicator_target_fields(t), indicator=indicator, unit_id=unit_ids[t["unit"]])
            for indicator, e in zip(indicators, data["indicators"], strict=True)
            for t in e["targets"]
        ]
    )

    rules = AwardRule.objects.bulk_create(
        [
            AwardRule(
                **rows.award_rule_fields(e),
                campaign=campaign,
                phase_id=phase_ids.get(e["phase"]),
                cluster_id=cluster_ids.get(e["cluster"]),
                position=position,
            )
            for position, e in enumerate(data["award_rules"])
        ]
    )
    PrizeTier.objects.bulk_create(
        [
            PrizeTier(**rows.tier_fields(t), rule=rule)
            for rule, e in zip(rules, data["award_rules"], strict=True)
            for t in e["tiers"]
        ]
    )
    return campaign
