"""Step 2 of an import: what the definition refers to in the database.

Every referenced code is looked up at once — one query per model, never one
per row — and what needs the database is checked: unknown codes, a locality's
parent level, cycles among the units' parents, a campaign code already taken,
a replace that would lose data.
"""

from __future__ import annotations

import graphlib
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from campaigns.definition.schema import CLUSTER_MEMBERS, LEVEL_RANK, Errors
from campaigns.models import Campaign, IndicatorValue
from collectors.models import Agent, Locality, ServiceOrganization, Unit


@dataclass
class Resolved:
    """What the write step needs: the file read, plus database rows by code."""

    data: dict
    localities: dict[str, Locality] = field(default_factory=dict)
    units: dict[str, Unit] = field(default_factory=dict)
    organizations: dict[str, ServiceOrganization] = field(default_factory=dict)
    agents: dict[str, Agent] = field(default_factory=dict)
    existing: Campaign | None = None


def _references(data: dict) -> dict[str, list[tuple[str, str | None]]]:
    """Every code the file refers to, by kind, with its path."""
    refs: dict[str, list[tuple[str, str | None]]] = {"locality": [], "unit": [], "organization": [], "agent": []}
    if data["campaign"]:
        refs["unit"].append(("campaign.organizer", data["campaign"]["organizer"]))
    for i, e in enumerate(data["localities"]):
        if e:
            refs["locality"].append((f"localities[{i}].parent", e["parent"]))
    for i, e in enumerate(data["units"]):
        if e:
            refs["unit"].append((f"units[{i}].parent", e["parent"]))
            refs["locality"].append((f"units[{i}].locality", e["locality"]))
    for i, e in enumerate(data["organizations"]):
        if e:
            refs["unit"].append((f"organizations[{i}].contracting_unit", e["contracting_unit"]))
            refs["locality"].append((f"organizations[{i}].locality", e["locality"]))
    for i, e in enumerate(data["teams"]):
        if e:
            refs["locality"].append((f"teams[{i}].locality", e["locality"]))
            refs["unit"].append((f"teams[{i}].unit", e["unit"]))
            refs["agent"].extend((f"teams[{i}].members[{k}]", code) for k, code in enumerate(e["members"]))
    for i, e in enumerate(data["clusters"]):
        if e:
            for key, kind in CLUSTER_MEMBERS:
                if kind in refs:  # the teams are the campaign's own, in the file (step 1)
                    refs[kind].extend((f"clusters[{i}].{key}[{k}]", code) for k, code in enumerate(e[key]))
    for i, e in enumerate(data["plan_targets"]):
        if e:
            for kind in ("locality", "unit", "organization"):
                refs[kind].append((f"plan_targets[{i}].{kind}", e.get(kind)))
    for i, e in enumerate(data["indicators"]):
        for k, target in enumerate(e["targets"] if e else []):
            if target:
                refs["unit"].append((f"indicators[{i}].targets[{k}].unit", target["unit"]))
    return {kind: [(path, code) for path, code in items if code is not None] for kind, items in refs.items()}


def resolve(data: dict, errors: Errors, *, replace: bool) -> Resolved:
    """Look up every referenced code — one query per model — and check what needs the database."""
    refs = _references(data)
    in_file = {
        "locality": {e["code"]: e for e in data["localities"] if e and e["code"]},
        "unit": {e["code"]: e for e in data["units"] if e and e["code"]},
        "organization": {e["code"]: e for e in data["organizations"] if e and e["code"]},
        "agent": {},
    }
    models_by_kind = {"locality": Locality, "unit": Unit, "organization": ServiceOrganization, "agent": Agent}
    found: dict[str, dict] = {}
    for kind, model in models_by_kind.items():
        codes = {code for _path, code in refs[kind]} | set(in_file[kind])
        found[kind] = model.objects.in_bulk(codes, field_name="code") if codes else {}
    unknown = {
        "locality": _('unknown locality code "%(code)s"'),
        "unit": _('unknown unit code "%(code)s"'),
        "organization": _('unknown organization code "%(code)s"'),
        "agent": _('unknown agent code "%(code)s"'),
    }
    for kind, items in refs.items():
        for path, code in items:
            if code not in in_file[kind] and code not in found[kind] and not errors.has(path):
                errors.add(path, unknown[kind] % {"code": code})

    # A locality's parent is a higher level, whether the parent is in the file or the database.
    for i, entry in enumerate(data["localities"]):
        if not entry or entry["parent"] is None or entry["level"] is None:
            continue
        parent = in_file["locality"].get(entry["parent"]) or found["locality"].get(entry["parent"])
        parent_level = parent["level"] if isinstance(parent, dict) else getattr(parent, "level", None)
        path = f"localities[{i}].parent"
        too_low = parent_level is not None and LEVEL_RANK[parent_level] >= LEVEL_RANK[entry["level"]]
        if too_low and not errors.has(path):
            errors.add(path, _("must be a higher level than the locality itself"))

    # Units in the file must not be each other's ancestors.
    try:
        unit_generations(data["units"])
    except graphlib.CycleError as exc:
        cycle = exc.args[1]
        index = next(i for i, e in enumerate(data["units"]) if e and e["code"] == cycle[0])
        errors.add(f"units[{index}].parent", _("the parents form a cycle: %(cycle)s") % {"cycle": " → ".join(cycle)})

    resolved = Resolved(
        data=data,
        localities=found["locality"],
        units=found["unit"],
        organizations=found["organization"],
        agents=found["agent"],
    )
    code = data["campaign"]["code"] if data["campaign"] else None
    if code and not errors.has("campaign.code"):
        resolved.existing = Campaign.objects.filter(code=code).first()
        if resolved.existing is not None:
            if not replace:
                errors.add(
                    "campaign.code",
                    _('a campaign with code "%(code)s" already exists; import with replace to overwrite it')
                    % {"code": code},
                )
            elif resolved.existing.enrollments.exists():
                errors.add(
                    "campaign.code",
                    _('cannot replace campaign "%(code)s": it already has enrollments') % {"code": code},
                )
            elif IndicatorValue.objects.filter(indicator__campaign=resolved.existing).exists():
                errors.add(
                    "campaign.code",
                    _('cannot replace campaign "%(code)s": it already has reported indicator values') % {"code": code},
                )
    return resolved


def unit_generations(units: list[dict | None]) -> list[list[dict]]:
    """The file's units in generations, parents before children; raises ``graphlib.CycleError``."""
    by_code = {e["code"]: e for e in units if e and e["code"]}
    sorter = graphlib.TopologicalSorter(
        {code: [e["parent"]] if e["parent"] in by_code else [] for code, e in by_code.items()}
    )
    sorter.prepare()
    generations = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready())
        generations.append([by_code[code] for code in ready])
        sorter.done(*ready)
    return generations
