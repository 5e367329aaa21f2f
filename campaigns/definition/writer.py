"""Writing a campaign out as a definition: ``campaign_export`` builds its
canonical form from the database, ``dump_definition`` writes it as YAML text."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import yaml
from django.db import models
from django.db.models import Prefetch

from campaigns.definition.schema import CLUSTER_MEMBERS, FORMAT_VERSION, canonical
from campaigns.definition.values import duration_out, end_out, number_out, start_out
from campaigns.models import Campaign, Cluster, Phase, PlanTarget, PrizeTier
from collectors.models import Agent, Locality, ServiceOrganization, Unit


class _Dumper(yaml.SafeDumper):
    """Block style, except short lists of codes on one line; multi-line text as a literal block."""

    def ignore_aliases(self, data):
        return True

    def increase_indent(self, flow=False, indentless=False):
        # Indent list items under their key, as people write them by hand.
        return super().increase_indent(flow, False)


def _represent_list(dumper: yaml.SafeDumper, data: list) -> yaml.Node:
    flow = all(not isinstance(item, dict | list) for item in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_str(data)


_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(str, _represent_str)

_HEADER = f"# Campaign definition, format version {FORMAT_VERSION}. See docs/campaign-definition.md.\n"


def dump_definition(definition: dict) -> str:
    """Write a definition as YAML text, keys in the order given."""
    body = yaml.dump(
        definition,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=120,
    )
    return _HEADER + body


def _with_ancestors(model: type[models.Model], ids: set[int]) -> dict[int, models.Model]:
    """Rows by id together with all their parents: one query per generation."""
    rows: dict[int, models.Model] = {}
    pending = {pk for pk in ids if pk is not None}
    while pending:
        fetched = list(model.objects.filter(pk__in=pending))
        rows.update((row.pk, row) for row in fetched)
        pending = {row.parent_id for row in fetched if row.parent_id is not None and row.parent_id not in rows}
    return rows


def campaign_export(*, campaign: Campaign) -> dict:
    """A campaign as a definition in canonical form, with every locality, unit
    and service organization it refers to (and their parents)."""
    campaign = Campaign.objects.get(pk=campaign.pk)
    tz = campaign.tzinfo
    code_only = ("code",)
    phases = list(campaign.phases.order_by("number"))
    phase_numbers = {phase.pk: phase.number for phase in phases}
    teams = list(campaign.teams.order_by("code").prefetch_related(Prefetch("members", Agent.objects.only(*code_only))))
    team_codes = {team.pk: team.code for team in teams}
    clusters = list(
        campaign.clusters.order_by("number").prefetch_related(
            *(
                Prefetch(key, Cluster._meta.get_field(key).related_model.objects.only(*code_only))
                for key, _kind in CLUSTER_MEMBERS
            )
        )
    )
    cluster_numbers = {cluster.pk: cluster.number for cluster in clusters}
    quotas = list(campaign.quotas.order_by("pk"))
    plan_targets = list(campaign.plan_targets.order_by("pk"))
    indicators = list(campaign.indicators.order_by("position", "code", "pk").prefetch_related("targets"))
    rules = list(
        campaign.award_rules.order_by("position", "code", "pk").prefetch_related(
            Prefetch("tiers", PrizeTier.objects.order_by("position"))
        )
    )

    # The reference data the campaign refers to, with parents, so that the file stands alone.
    organizations = {
        org.pk: org
        for org in ServiceOrganization.objects.filter(pk__in={t.organization_id for t in plan_targets} - {None})
    }
    unit_ids = {campaign.organizer_id}
    unit_ids |= {team.unit_id for team in teams}
    unit_ids |= {unit.pk for cluster in clusters for unit in cluster.units.all()}
    unit_ids |= {target.unit_id for target in plan_targets}
    unit_ids |= {t.unit_id for indicator in indicators for t in indicator.targets.all()}
    unit_ids |= {org.contracting_unit_id for org in organizations.values()}
    units = _with_ancestors(Unit, unit_ids)
    locality_ids = {team.locality_id for team in teams}
    locality_ids |= {locality.pk for cluster in clusters for locality in cluster.localities.all()}
    locality_ids |= {target.locality_id for target in plan_targets}
    locality_ids |= {org.locality_id for org in organizations.values()}
    locality_ids |= {unit.locality_id for unit in units.values()}
    localities = _with_ancestors(Locality, locality_ids)

    def locality_code(pk: int | None) -> str | None:
        return localities[pk].code if pk is not None else None

    def unit_code(pk: int | None) -> str | None:
        return units[pk].code if pk is not None else None

    def phase_out(phase: Phase) -> dict:
        out = {"number": phase.number, "name": phase.name, "start": start_out(phase.start, tz)}
        key, value = end_out(phase.cutoff, tz)
        out[key] = value
        out["grace"] = duration_out(phase.grace)
        return out

    def plan_target_out(target: PlanTarget) -> dict:
        out: dict[str, Any] = {"scope": target.scope}
        if target.scope == PlanTarget.Scope.CLUSTER:
            out["cluster"] = cluster_numbers[target.cluster_id]
        elif target.scope == PlanTarget.Scope.LOCALITY:
            out["locality"] = locality_code(target.locality_id)
        elif target.scope == PlanTarget.Scope.UNIT:
            out["unit"] = unit_code(target.unit_id)
        elif target.scope == PlanTarget.Scope.ORGANIZATION:
            out["organization"] = organizations[target.organization_id].code
        elif target.scope == PlanTarget.Scope.TEAM:
            out["team"] = team_codes[target.team_id]
        out.update(
            product=target.product or None,
            phase=phase_numbers.get(target.phase_id),
            measure=target.measure,
            target=target.target,
        )
        return out

    def number(value: Decimal | None) -> int | float | str | None:
        return None if value is None else number_out(value)

    data = {
        "version": FORMAT_VERSION,
        "campaign": {
            "code": campaign.code,
            "name": campaign.name,
            "theme": campaign.theme,
            "description": campaign.description,
            "launch_reference": campaign.launch_reference,
            "organizer": unit_code(campaign.organizer_id),
            "products": list(campaign.products),
            "new_participant_gap_months": campaign.new_participant_gap_months,
            "time_zone": campaign.time_zone,
            "review_period": None if campaign.review_period is None else duration_out(campaign.review_period),
            "notice_days": campaign.notice_days,
            "status": campaign.status,
        },
        "localities": [
            {
                "code": row.code,
                "name": row.name,
                "level": row.level,
                "parent": locality_code(row.parent_id),
                "active": row.active,
            }
            for row in localities.values()
        ],
        "units": [
            {
                "code": row.code,
                "name": row.name,
                "kind": row.kind,
                "parent": unit_code(row.parent_id),
                "locality": locality_code(row.locality_id),
                "headcount": row.headcount,
                "active": row.active,
            }
            for row in units.values()
        ],
        "organizations": [
            {
                "code": row.code,
                "name": row.name,
                "kind": row.kind,
                "contracting_unit": unit_code(row.contracting_unit_id),
                "locality": locality_code(row.locality_id),
                "active": row.active,
            }
            for row in organizations.values()
        ],
        "phases": [phase_out(phase) for phase in phases],
        "teams": [
            {
                "code": team.code,
                "name": team.name,
                "locality": locality_code(team.locality_id),
                "unit": unit_code(team.unit_id),
                "members": [agent.code for agent in team.members.all()],
            }
            for team in teams
        ],
        "clusters": [
            {
                "number": cluster.number,
                "name": cluster.name,
                **{key: [row.code for row in getattr(cluster, key).all()] for key, _kind in CLUSTER_MEMBERS},
            }
            for cluster in clusters
        ],
        "quotas": [
            {
                "phase": phase_numbers.get(quota.phase_id),
                "cluster": cluster_numbers.get(quota.cluster_id),
                "competitor_kind": quota.competitor_kind,
                "role": quota.role or None,
                "product": quota.product or None,
                "min_payment_months": quota.min_payment_months,
                "minimum": quota.minimum,
            }
            for quota in quotas
        ],
        "plan_targets": [plan_target_out(target) for target in plan_targets],
        "indicators": [
            {
                "code": indicator.code,
                "name": indicator.name,
                "unit_of_measure": indicator.unit_of_measure,
                "comparator": indicator.comparator,
                "default_target": number(indicator.default_target),
                "targets": [
                    {"unit": unit_code(t.unit_id), "target": number(t.target)} for t in indicator.targets.all()
                ],
            }
            for indicator in indicators
        ],
        "award_rules": [
            {
                "code": rule.code,
                "name": rule.name,
                "scope": rule.scope,
                "phase": phase_numbers.get(rule.phase_id),
                "per_cluster": rule.per_cluster,
                "cluster": cluster_numbers.get(rule.cluster_id),
                "competitor_kind": rule.competitor_kind,
                "metric": rule.metric,
                "product": rule.product or None,
                "min_payment_months": rule.min_payment_months,
                "role": rule.role or None,
                "selection": rule.selection,
                "threshold": number(rule.threshold),
                "requires_quota": rule.requires_quota,
                "tie_policy": rule.tie_policy,
                "tiers": [
                    {
                        "position": tier.position,
                        "title": tier.title,
                        "distinction": tier.distinction,
                        "winners": tier.winners,
                        "money": tier.money,
                        "amount": tier.amount,
                        "coefficient": number(tier.coefficient),
                        "nominees_per_winner": tier.nominees_per_winner,
                        "nominee_distinction": tier.nominee_distinction,
                        "nominee_amount": tier.nominee_amount,
                    }
                    for tier in rule.tiers.all()
                ],
            }
            for rule in rules
        ],
    }
    return canonical(data)
