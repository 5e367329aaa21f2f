"""How an entry of a definition becomes a model's own fields.

The same values are checked with ``full_clean()`` while the file is read and
stored when it is imported; the relations (codes and numbers in the file,
ids in the database) are added by each of them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from campaigns.definition.values import to_decimal, to_timedelta


def campaign_fields(entry: dict) -> dict[str, Any]:
    return {
        "code": entry["code"],
        "name": entry["name"],
        "theme": entry["theme"],
        "description": entry["description"],
        "launch_reference": entry["launch_reference"],
        "products": entry["products"],
        "new_participant_gap_months": entry["new_participant_gap_months"],
        "time_zone": entry["time_zone"],
        "review_period": to_timedelta(entry["review_period"]),
        "notice_days": entry["notice_days"],
        "status": entry["status"],
    }


def locality_fields(entry: dict) -> dict[str, Any]:
    return {"code": entry["code"], "name": entry["name"], "level": entry["level"], "active": entry["active"]}


def unit_fields(entry: dict) -> dict[str, Any]:
    return {
        "code": entry["code"],
        "name": entry["name"],
        "kind": entry["kind"],
        "headcount": entry["headcount"],
        "active": entry["active"],
    }


def organization_fields(entry: dict) -> dict[str, Any]:
    return {"code": entry["code"], "name": entry["name"], "kind": entry["kind"], "active": entry["active"]}


def phase_fields(entry: dict, *, start: datetime | None, cutoff: datetime | None) -> dict[str, Any]:
    """``start`` and ``cutoff`` as moments: the file gives them as local dates or times."""
    return {
        "number": entry["number"],
        "name": entry["name"],
        "start": start,
        "cutoff": cutoff,
        "grace": to_timedelta(entry["grace"]),
    }


def team_fields(entry: dict) -> dict[str, Any]:
    return {"code": entry["code"], "name": entry["name"]}


def cluster_fields(entry: dict) -> dict[str, Any]:
    return {"number": entry["number"], "name": entry["name"]}


def quota_fields(entry: dict) -> dict[str, Any]:
    return {
        "competitor_kind": entry["competitor_kind"],
        "role": entry["role"] or "",
        "product": entry["product"] or "",
        "min_payment_months": entry["min_payment_months"],
        "minimum": entry["minimum"],
    }


def plan_target_fields(entry: dict) -> dict[str, Any]:
    return {
        "scope": entry["scope"],
        "product": entry["product"] or "",
        "measure": entry["measure"] or "new",
        "target": entry["target"],
    }


def indicator_fields(entry: dict) -> dict[str, Any]:
    return {
        "code": entry["code"],
        "name": entry["name"],
        "unit_of_measure": entry["unit_of_measure"],
        "comparator": entry["comparator"],
        "default_target": to_decimal(entry["default_target"]),
    }


def indicator_target_fields(entry: dict) -> dict[str, Any]:
    return {"target": to_decimal(entry["target"])}


def award_rule_fields(entry: dict) -> dict[str, Any]:
    return {
        "code": entry["code"],
        "name": entry["name"],
        "scope": entry["scope"],
        "per_cluster": entry["per_cluster"],
        "competitor_kind": entry["competitor_kind"],
        "metric": entry["metric"],
        "product": entry["product"] or "",
        "min_payment_months": entry["min_payment_months"],
        "role": entry["role"] or "",
        "selection": entry["selection"],
        "threshold": to_decimal(entry["threshold"]),
        "requires_quota": entry["requires_quota"],
        "tie_policy": entry["tie_policy"],
    }


def tier_fields(entry: dict) -> dict[str, Any]:
    return {
        "position": entry["position"],
        "title": entry["title"],
        "distinction": entry["distinction"],
        "winners": entry["winners"],
        "money": entry["money"],
        "amount": entry["amount"],
        "coefficient": to_decimal(entry["coefficient"]),
        "nominees_per_winner": entry["nominees_per_winner"],
        "nominee_distinction": entry["nominee_distinction"],
        "nominee_amount": entry["nominee_amount"],
    }
