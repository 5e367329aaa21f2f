"""The structure of a definition file (``docs/campaign-definition.md``): its
sections, each section's keys with their converter and default, the canonical
form, and how problems are collected and reported.

The canonical form is what ``campaign_export`` produces and what
``normalize_definition`` turns a hand-written file into: every key present
with its default filled in, codes as text, dates as ``datetime.date``, local
times as naive ``datetime.datetime`` in the campaign's time zone, durations as
short strings (``"2d 6h"``), decimals as the shortest exact number, lists of
codes sorted, and the lists whose order matters (quotas, plan targets,
indicators, award rules) kept in file order.

Every problem is reported as ``path: message``, the path written as in the
file (``phases[2].cutoff``, ``clusters[0].localities[3]``), and all of a
file's problems are collected before ``DefinitionError`` is raised.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models

from campaigns.choices import Product
from campaigns.definition.values import (
    as_boolean,
    as_choice,
    as_code,
    as_duration,
    as_integer,
    as_money,
    as_number,
    as_raw,
    as_text,
)
from campaigns.models import AwardRule, Campaign, CompetitorKind, Indicator, PlanTarget, PrizeTier
from collectors.models import Agent, Locality, ServiceOrganization, Unit

FORMAT_VERSION = 1
DEFAULT_TIME_ZONE: str = Campaign._meta.get_field("time_zone").default
DEFAULT_GRACE = "1d"

TOP_KEYS = (
    "version",
    "campaign",
    "localities",
    "units",
    "organizations",
    "phases",
    "teams",
    "clusters",
    "quotas",
    "plan_targets",
    "indicators",
    "award_rules",
)
LEVEL_RANK = {Locality.Level.PROVINCE: 0, Locality.Level.DISTRICT: 1, Locality.Level.COMMUNE: 2}
UNIT_KIND_RANK = {kind: rank for rank, kind in enumerate(Unit.Kind.values)}
PLAN_TARGET_REFS = PlanTarget.SCOPE_FIELDS  # cluster, locality, unit, organization, team
# A cluster's member lists: (key in the file, what each code names).
CLUSTER_MEMBERS = (("localities", "locality"), ("units", "unit"), ("teams", "team"), ("agents", "agent"))


class DefinitionError(Exception):
    """A definition that cannot be imported. ``errors`` lists every problem as ``path: message``."""

    def __init__(self, errors: Iterable[str]) -> None:
        self.errors: list[str] = list(errors)
        super().__init__("\n".join(self.errors))


# --- Sections: key → (converter, default) -----------------------------------

REQUIRED = object()

Spec = dict[str, tuple[Callable[[Any], Any], Any]]

CAMPAIGN: Spec = {
    "code": (as_code, REQUIRED),
    "name": (as_text, REQUIRED),
    "theme": (as_text, ""),
    "description": (as_text, ""),
    "launch_reference": (as_text, ""),
    "organizer": (as_code, REQUIRED),
    "products": (as_raw, REQUIRED),
    "new_participant_gap_months": (as_integer, 12),
    "time_zone": (as_text, DEFAULT_TIME_ZONE),
    "review_period": (as_duration, None),
    "notice_days": (as_integer, 5),
    "status": (as_choice(Campaign.Status), Campaign.Status.DRAFT.value),
}
LOCALITY: Spec = {
    "code": (as_code, REQUIRED),
    "name": (as_text, REQUIRED),
    "level": (as_choice(Locality.Level), REQUIRED),
    "parent": (as_code, None),
    "active": (as_boolean, True),
}
UNIT: Spec = {
    "code": (as_code, REQUIRED),
    "name": (as_text, REQUIRED),
    "kind": (as_choice(Unit.Kind), REQUIRED),
    "parent": (as_code, None),
    "locality": (as_code, None),
    "headcount": (as_integer, 0),
    "active": (as_boolean, True),
}
ORGANIZATION: Spec = {
    "code": (as_code, REQUIRED),
    "name": (as_text, REQUIRED),
    "kind": (as_choice(ServiceOrganization.Kind), REQUIRED),
    "contracting_unit": (as_code, REQUIRED),
    "locality": (as_code, None),
    "active": (as_boolean, True),
}
PHASE: Spec = {
    "number": (as_integer, None),
    "name": (as_text, REQUIRED),
    "start": (as_raw, REQUIRED),
    "end": (as_raw, None),
    "cutoff": (as_raw, None),
    "grace": (as_duration, DEFAULT_GRACE),
}
TEAM: Spec = {
    "code": (as_code, REQUIRED),
    "name": (as_text, REQUIRED),
    "locality": (as_code, None),
    "unit": (as_code, None),
    "members": (as_raw, []),
}
CLUSTER: Spec = {
    "number": (as_integer, None),
    "name": (as_text, REQUIRED),
    **{key: (as_raw, []) for key, _kind in CLUSTER_MEMBERS},
}
QUOTA: Spec = {
    "phase": (as_integer, None),
    "cluster": (as_integer, None),
    "competitor_kind": (as_choice(CompetitorKind), CompetitorKind.AGENT.value),
    "role": (as_choice(Agent.Role), None),
    "product": (as_choice(Product), None),
    "min_payment_months": (as_integer, None),
    "minimum": (as_integer, REQUIRED),
}
PLAN_TARGET: Spec = {
    "scope": (as_choice(PlanTarget.Scope), None),
    "cluster": (as_integer, None),
    "locality": (as_code, None),
    "unit": (as_code, None),
    "organization": (as_code, None),
    "team": (as_code, None),
    "product": (as_choice(Product), None),
    "phase": (as_integer, None),
    "measure": (as_choice(PlanTarget.Measure), PlanTarget.Measure.NEW.value),
    "target": (as_integer, REQUIRED),
}
INDICATOR: Spec = {
    "code": (as_code, REQUIRED),
    "name": (as_text, REQUIRED),
    "unit_of_measure": (as_text, ""),
    "comparator": (as_choice(Indicator.Comparator), REQUIRED),
    "default_target": (as_number, REQUIRED),
    "targets": (as_raw, []),
}
INDICATOR_TARGET: Spec = {
    "unit": (as_code, REQUIRED),
    "target": (as_number, REQUIRED),
}
AWARD_RULE: Spec = {
    "code": (as_code, REQUIRED),
    "name": (as_text, REQUIRED),
    "scope": (as_choice(AwardRule.Scope), AwardRule.Scope.PHASE.value),
    "phase": (as_integer, None),
    "per_cluster": (as_boolean, True),
    "cluster": (as_integer, None),
    "competitor_kind": (as_choice(CompetitorKind), CompetitorKind.AGENT.value),
    "metric": (as_choice(AwardRule.Metric), AwardRule.Metric.COUNT.value),
    "product": (as_choice(Product), None),
    "min_payment_months": (as_integer, None),
    "role": (as_choice(Agent.Role), None),
    "selection": (as_choice(AwardRule.Selection), AwardRule.Selection.RANKED.value),
    "threshold": (as_number, None),
    "requires_quota": (as_boolean, True),
    "tie_policy": (as_choice(AwardRule.TiePolicy), AwardRule.TiePolicy.REACHED_AT.value),
    "tiers": (as_raw, []),
}
TIER: Spec = {
    "position": (as_integer, None),
    "title": (as_text, REQUIRED),
    "distinction": (as_text, ""),
    "winners": (as_integer, None),
    "money": (as_choice(PrizeTier.Money), PrizeTier.Money.NONE.value),
    "amount": (as_money, None),
    "coefficient": (as_number, None),
    "nominees_per_winner": (as_integer, 0),
    "nominee_distinction": (as_text, ""),
    "nominee_amount": (as_money, None),
}


# --- The canonical form --------------------------------------------------------


def canonical(data: dict) -> dict:
    """The definition in canonical order, without internal keys (a deep copy)."""

    def strip(entry: dict) -> dict:
        return {key: copy.deepcopy(value) for key, value in entry.items() if not key.startswith("_")}

    out = {"version": FORMAT_VERSION, "campaign": strip(data["campaign"])}
    out["campaign"]["products"] = list(out["campaign"]["products"])
    out["localities"] = sorted(
        (strip(e) for e in data["localities"]), key=lambda e: (LEVEL_RANK.get(e["level"], 9), e["code"])
    )
    out["units"] = sorted((strip(e) for e in data["units"]), key=lambda e: (UNIT_KIND_RANK[e["kind"]], e["code"]))
    out["organizations"] = sorted((strip(e) for e in data["organizations"]), key=lambda e: e["code"])
    out["phases"] = sorted((strip(e) for e in data["phases"]), key=lambda e: e["number"])
    out["teams"] = []
    for team in sorted(data["teams"], key=lambda e: e["code"]):
        team = strip(team)
        team["members"] = sorted(team["members"])
        out["teams"].append(team)
    out["clusters"] = []
    for cluster in sorted(data["clusters"], key=lambda e: e["number"]):
        cluster = strip(cluster)
        for key, _kind in CLUSTER_MEMBERS:
            cluster[key] = sorted(cluster[key])
        out["clusters"].append(cluster)
    out["quotas"] = [strip(e) for e in data["quotas"]]
    out["plan_targets"] = [strip(e) for e in data["plan_targets"]]
    out["indicators"] = []
    for indicator in data["indicators"]:
        indicator = strip(indicator)
        indicator["targets"] = sorted(indicator["targets"], key=lambda e: e["unit"])
        out["indicators"].append(indicator)
    out["award_rules"] = []
    for rule in data["award_rules"]:
        rule = strip(rule)
        rule["tiers"] = sorted(rule["tiers"], key=lambda e: e["position"])
        out["award_rules"].append(rule)
    return out


# --- Problems --------------------------------------------------------------------


def join(path: str, key: str | int) -> str:
    """The path of ``key`` inside ``path``: ``phases[2]``, ``phases[2].cutoff``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


class Errors:
    """Problems as (path, message), in the order found; at most one source per path."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []
        self._paths: set[str] = set()

    def add(self, path: str, message: str) -> None:
        self.items.append((path, str(message)))
        self._paths.add(path)

    def has(self, path: str) -> bool:
        return path in self._paths

    def __bool__(self) -> bool:
        return bool(self.items)

    def messages(self) -> list[str]:
        """``path: message`` lines, by section in file order, then by position, then as found."""

        def section(item: tuple[int, tuple[str, str]]) -> tuple[int, int, int]:
            index, (path, _message) = item
            match = re.match(r"([a-z_]+)(?:\[(\d+)\])?", path)
            if match is None:
                return (-1, 0, index)
            name, position = match.groups()
            rank = TOP_KEYS.index(name) if name in TOP_KEYS else -1  # unknown top-level keys first
            return (rank, int(position or 0), index)

        ordered = sorted(enumerate(self.items), key=section)
        return [f"{path}: {message}" if path else message for _index, (path, message) in ordered]


_RELATION_FIELDS: dict[type[models.Model], set[str]] = {}


def clean(instance: models.Model, path: str, errors: Errors, keys: dict[str, str | None] | None = None) -> None:
    """Run the model's ``full_clean()`` on field values and ``clean()``.

    Relations are resolved by code elsewhere (in bulk), and uniqueness and
    check constraints are checked explicitly with path-level messages — the
    model versions would cost a query per row. A path that already has an
    error is not reported twice. ``keys`` names the file key of a model field
    where they differ (``None``: report on ``path`` itself).
    """
    model = type(instance)
    if model not in _RELATION_FIELDS:
        _RELATION_FIELDS[model] = {f.name for f in model._meta.get_fields() if f.is_relation}
    try:
        instance.full_clean(exclude=_RELATION_FIELDS[model], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            key = (keys or {}).get(name, name)
            target = path if name == NON_FIELD_ERRORS or key is None else join(path, key)
            if errors.has(target):
                continue
            for message in messages:
                errors.add(target, message)
