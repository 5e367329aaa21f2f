"""Campaign definition files: a campaign and its rules as a documented YAML file.

A definition file describes one campaign — phases, teams, clusters, quotas,
plan targets, indicators with per-unit targets, award rules with prize tiers —
together with the reference data it needs (localities, BHXH units, service
organizations). The format is documented in ``docs/campaign-definition.md``.

Importing runs in three steps; nothing is written unless the first two find no problem:

1. ``_Reader`` checks the file on its own: keys, types, defaults, times,
   references inside the file, and each row's model ``full_clean()`` (field
   validators, choices, ``clean()``). It builds the *canonical form*.
2. ``_resolve`` looks every referenced code up in the database — one query
   per model, never one per row — and checks what needs the database:
   unknown codes, a campaign code already taken, a replace that would lose data.
3. ``_write`` stores everything with bulk queries inside one transaction.

Every problem is reported as ``path: message``, the path written as in the
file (``phases[2].cutoff``, ``clusters[0].localities[3]``), and all of a
file's problems are collected before ``DefinitionError`` is raised.

The canonical form is what ``campaign_export`` produces and what
``normalize_definition`` turns a hand-written file into: every key present
with its default filled in, codes as text, dates as ``datetime.date``, local
times as naive ``datetime.datetime`` in the campaign's time zone, durations as
short strings (``"2d 6h"``), decimals as the shortest exact number, lists of
codes sorted, and the lists whose order matters (quotas, plan targets,
indicators, award rules) kept in file order.
"""

from __future__ import annotations

import copy
import graphlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Prefetch, ProtectedError, RestrictedError
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from campaigns.choices import Product
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
    PrizeTier,
    Quota,
    Team,
    validate_time_zone,
)
from collectors.models import Agent, Locality, ServiceOrganization, Unit

__all__ = [
    "DefinitionError",
    "campaign_export",
    "campaign_import",
    "dump_definition",
    "normalize_definition",
    "parse_definition",
]

FORMAT_VERSION = 1
DEFAULT_TIME_ZONE: str = Campaign._meta.get_field("time_zone").default
DEFAULT_GRACE = "1d"

_TOP_KEYS = (
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
_LEVEL_RANK = {Locality.Level.PROVINCE: 0, Locality.Level.DISTRICT: 1, Locality.Level.COMMUNE: 2}
_UNIT_KIND_RANK = {kind: rank for rank, kind in enumerate(Unit.Kind.values)}
_PLAN_TARGET_REFS = PlanTarget.SCOPE_FIELDS  # cluster, locality, unit, organization, team


class DefinitionError(Exception):
    """A definition that cannot be imported. ``errors`` lists every problem as ``path: message``."""

    def __init__(self, errors: Iterable[str]) -> None:
        self.errors: list[str] = list(errors)
        super().__init__("\n".join(self.errors))


# --- YAML --------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, except that a key given twice in one mapping is an
    error (PyYAML would silently keep the last value)."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            self.flatten_mapping(node)
            seen = set()
            for key_node, _value_node in node.value:
                key = self.construct_object(key_node, deep=True)
                try:
                    duplicate = key in seen
                except TypeError:  # unhashable: the base class reports it
                    continue
                if duplicate:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"found duplicate key {key!r}", key_node.start_mark
                    )
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


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


def parse_definition(text: str) -> dict:
    """Read a definition file's YAML text into a dict (no other checks)."""
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or ""
        if mark is None:
            raise DefinitionError([_("not valid YAML: %(problem)s") % {"problem": problem}]) from None
        raise DefinitionError(
            [
                _("line %(line)d, column %(column)d: %(problem)s")
                % {"line": mark.line + 1, "column": mark.column + 1, "problem": problem}
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise DefinitionError([_("not valid YAML: %(problem)s") % {"problem": exc}]) from None
    if data is None:
        raise DefinitionError([_("the file is empty")])
    if not isinstance(data, dict):
        raise DefinitionError([_("the file must be a mapping (key: value) at the top level")])
    return data


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


# --- Values: converters from YAML to the canonical form -----------------------


class _Invalid(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_REQUIRED = object()
_DURATION_RE = re.compile(r"^\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*(?:(\d+)\s*s)?\s*$")


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid(_("must be text"))
    return value


def _code(value: Any) -> str:
    # Codes are text; a bare number (code: 502) is read as its digits.
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _Invalid(_("must be a code (text)"))
    return str(value)


def _integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid(_("must be a whole number"))
    return value


def _money(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid(_("must be a whole number of VND"))
    return value


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(_("must be true or false"))
    return value


def _number(value: Any) -> int | float | str:
    """A decimal given as a number or as text, in its canonical form."""
    try:
        if isinstance(value, bool):
            raise InvalidOperation
        if isinstance(value, int):
            number = Decimal(value)
        elif isinstance(value, float):
            number = Decimal(repr(value))
        elif isinstance(value, str):
            number = Decimal(value.strip())
        else:
            raise InvalidOperation
    except InvalidOperation:
        raise _Invalid(_("must be a number")) from None
    if not number.is_finite():
        raise _Invalid(_("must be a number"))
    return _number_out(number)


def _number_out(number: Decimal) -> int | float | str:
    """The canonical form of a decimal: an integer when whole, else the float
    that reads back exactly, else (more digits than a float holds) text."""
    if number == number.to_integral_value():
        return int(number)
    as_float = float(number)
    if Decimal(repr(as_float)) == number:
        return as_float
    return format(number.normalize(), "f")


def _decimal(canonical: int | float | str | None) -> Decimal | None:
    return None if canonical is None else Decimal(str(canonical))


def _duration(value: Any) -> str:
    """A short duration: ``1d``, ``12h``, ``2d 6h``, ``30m``, ``45s`` (units in that order)."""
    match = _DURATION_RE.match(value) if isinstance(value, str) else None
    if match is None or not any(match.groups()):
        raise _Invalid(_("must be a duration like 1d, 12h or 2d 6h"))
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return _duration_out(timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds))


def _duration_out(value: timedelta) -> str:
    total = int(value.total_seconds())
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m"), (seconds, "s")) if n]
    return " ".join(parts) or "0d"


def _timedelta(canonical: str | None) -> timedelta | None:
    if canonical is None:
        return None
    match = _DURATION_RE.match(canonical)
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def _choice(choices: type[models.TextChoices]) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        if not isinstance(value, str) or value not in choices.values:
            raise _Invalid(_("must be one of: %(choices)s") % {"choices": ", ".join(choices.values)})
        return value

    return convert


def _raw(value: Any) -> Any:
    return value


def _moment(value: Any, tz: ZoneInfo) -> datetime:
    """A date (00:00 local), a local date and time, or a time with an offset → an aware datetime."""
    if isinstance(value, str):
        text = value.strip()
        try:
            parsed = parse_datetime(text) or parse_date(text)
        except ValueError:
            parsed = None
        if parsed is None:
            raise _Invalid(_("must be a date (YYYY-MM-DD) or a local date and time (YYYY-MM-DD HH:MM)"))
        value = parsed
    if isinstance(value, datetime):
        return value.astimezone(tz) if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=tz)
    raise _Invalid(_("must be a date (YYYY-MM-DD) or a local date and time (YYYY-MM-DD HH:MM)"))


def _day(value: Any) -> date:
    if isinstance(value, str):
        try:
            parsed = parse_date(value.strip())
        except ValueError:
            parsed = None
        if parsed is not None:
            return parsed
    elif isinstance(value, date) and not isinstance(value, datetime):
        return value
    raise _Invalid(_("must be a date (YYYY-MM-DD); use cutoff for a time of day"))


def _is_local_midnight(moment: datetime, tz: ZoneInfo) -> bool:
    return moment.astimezone(tz).timetz().replace(tzinfo=None) == time()


def _start_out(start: datetime, tz: ZoneInfo) -> date | datetime:
    local = start.astimezone(tz)
    return local.date() if _is_local_midnight(start, tz) else local.replace(tzinfo=None)


def _end_out(cutoff: datetime, tz: ZoneInfo) -> tuple[str, date | datetime]:
    """``("end", last day)`` when the cutoff is a local midnight, else ``("cutoff", local time)``."""
    local = cutoff.astimezone(tz)
    if _is_local_midnight(cutoff, tz):
        return "end", local.date() - timedelta(days=1)
    return "cutoff", local.replace(tzinfo=None)


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz)


# --- Sections: key → (converter, default) -----------------------------------

Spec = dict[str, tuple[Callable[[Any], Any], Any]]

_CAMPAIGN: Spec = {
    "code": (_code, _REQUIRED),
    "name": (_text, _REQUIRED),
    "theme": (_text, ""),
    "description": (_text, ""),
    "launch_reference": (_text, ""),
    "organizer": (_code, _REQUIRED),
    "products": (_raw, _REQUIRED),
    "new_participant_gap_months": (_integer, 12),
    "time_zone": (_text, DEFAULT_TIME_ZONE),
    "review_period": (_duration, None),
    "status": (_choice(Campaign.Status), Campaign.Status.DRAFT.value),
}
_LOCALITY: Spec = {
    "code": (_code, _REQUIRED),
    "name": (_text, _REQUIRED),
    "level": (_choice(Locality.Level), _REQUIRED),
    "parent": (_code, None),
    "active": (_boolean, True),
}
_UNIT: Spec = {
    "code": (_code, _REQUIRED),
    "name": (_text, _REQUIRED),
    "kind": (_choice(Unit.Kind), _REQUIRED),
    "parent": (_code, None),
    "locality": (_code, None),
    "headcount": (_integer, 0),
    "active": (_boolean, True),
}
_ORGANIZATION: Spec = {
    "code": (_code, _REQUIRED),
    "name": (_text, _REQUIRED),
    "kind": (_choice(ServiceOrganization.Kind), _REQUIRED),
    "contracting_unit": (_code, _REQUIRED),
    "locality": (_code, None),
    "active": (_boolean, True),
}
_PHASE: Spec = {
    "number": (_integer, None),
    "name": (_text, _REQUIRED),
    "start": (_raw, _REQUIRED),
    "end": (_raw, None),
    "cutoff": (_raw, None),
    "grace": (_duration, DEFAULT_GRACE),
}
_TEAM: Spec = {
    "code": (_code, _REQUIRED),
    "name": (_text, _REQUIRED),
    "locality": (_code, None),
    "unit": (_code, None),
    "members": (_raw, []),
}
_CLUSTER: Spec = {
    "number": (_integer, None),
    "name": (_text, _REQUIRED),
    "localities": (_raw, []),
    "units": (_raw, []),
    "teams": (_raw, []),
    "agents": (_raw, []),
}
_QUOTA: Spec = {
    "phase": (_integer, None),
    "cluster": (_integer, None),
    "competitor_kind": (_choice(CompetitorKind), CompetitorKind.AGENT.value),
    "role": (_choice(Agent.Role), None),
    "product": (_choice(Product), None),
    "min_payment_months": (_integer, None),
    "minimum": (_integer, _REQUIRED),
}
_PLAN_TARGET: Spec = {
    "scope": (_choice(PlanTarget.Scope), None),
    "cluster": (_integer, None),
    "locality": (_code, None),
    "unit": (_code, None),
    "organization": (_code, None),
    "team": (_code, None),
    "product": (_choice(Product), None),
    "phase": (_integer, None),
    "target": (_integer, _REQUIRED),
}
_INDICATOR: Spec = {
    "code": (_code, _REQUIRED),
    "name": (_text, _REQUIRED),
    "unit_of_measure": (_text, ""),
    "comparator": (_choice(Indicator.Comparator), _REQUIRED),
    "default_target": (_number, _REQUIRED),
    "targets": (_raw, []),
}
_INDICATOR_TARGET: Spec = {
    "unit": (_code, _REQUIRED),
    "target": (_number, _REQUIRED),
}
_AWARD_RULE: Spec = {
    "code": (_code, _REQUIRED),
    "name": (_text, _REQUIRED),
    "scope": (_choice(AwardRule.Scope), AwardRule.Scope.PHASE.value),
    "phase": (_integer, None),
    "per_cluster": (_boolean, True),
    "cluster": (_integer, None),
    "competitor_kind": (_choice(CompetitorKind), CompetitorKind.AGENT.value),
    "metric": (_choice(AwardRule.Metric), AwardRule.Metric.COUNT.value),
    "product": (_choice(Product), None),
    "min_payment_months": (_integer, None),
    "role": (_choice(Agent.Role), None),
    "selection": (_choice(AwardRule.Selection), AwardRule.Selection.RANKED.value),
    "threshold": (_number, None),
    "requires_quota": (_boolean, True),
    "tie_policy": (_choice(AwardRule.TiePolicy), AwardRule.TiePolicy.REACHED_AT.value),
    "tiers": (_raw, []),
}
_TIER: Spec = {
    "position": (_integer, None),
    "title": (_text, _REQUIRED),
    "distinction": (_text, ""),
    "winners": (_integer, None),
    "money": (_choice(PrizeTier.Money), PrizeTier.Money.NONE.value),
    "amount": (_money, None),
    "coefficient": (_number, None),
    "nominees_per_winner": (_integer, 0),
    "nominee_distinction": (_text, ""),
    "nominee_amount": (_money, None),
}


# --- Errors ------------------------------------------------------------------


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


class _Errors:
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
        def section(item: tuple[int, tuple[str, str]]) -> tuple[int, int, int]:
            index, (path, _message) = item
            match = re.match(r"([a-z_]+)(?:\[(\d+)\])?", path)
            if match is None:
                return (-1, 0, index)
            name, position = match.groups()
            rank = _TOP_KEYS.index(name) if name in _TOP_KEYS else -1  # unknown top-level keys first
            return (rank, int(position or 0), index)

        ordered = sorted(enumerate(self.items), key=section)
        return [f"{path}: {message}" if path else message for _index, (path, message) in ordered]


_RELATION_FIELDS: dict[type[models.Model], set[str]] = {}


def _clean(instance: models.Model, path: str, errors: _Errors, keys: dict[str, str] | None = None) -> None:
    """Run the model's ``full_clean()`` on field values and ``clean()``.

    Relations are resolved by code elsewhere (in bulk), and uniqueness and
    check constraints are checked explicitly with path-level messages — the
    model versions would cost a query per row. A path that already has an
    error is not reported twice.
    """
    model = type(instance)
    if model not in _RELATION_FIELDS:
        _RELATION_FIELDS[model] = {f.name for f in model._meta.get_fields() if f.is_relation}
    try:
        instance.full_clean(exclude=_RELATION_FIELDS[model], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            key = (keys or {}).get(name, name)
            target = path if name == NON_FIELD_ERRORS or key is None else _join(path, key)
            if errors.has(target):
                continue
            for message in messages:
                errors.add(target, message)


# --- Step 1: the file on its own --------------------------------------------


class _Reader:
    """Reads a definition into its canonical form (lists in file order) and
    records every problem that can be found without the database."""

    def __init__(self) -> None:
        self.errors = _Errors()
        self.tz = ZoneInfo(DEFAULT_TIME_ZONE)
        self.products: list[str] | None = None
        self.rule: dict = {}  # the award rule whose tiers are being read

    def err(self, path: str, message: str) -> None:
        self.errors.add(path, message)

    # generic readers

    def mapping(self, path: str, raw: Any, spec: Spec) -> dict | None:
        if not isinstance(raw, dict):
            self.err(path, _("must be a mapping (key: value)"))
            return None
        for key in raw:
            if key not in spec:
                self.err(_join(path, str(key)), _("unknown key"))
        out = {}
        for key, (convert, default) in spec.items():
            value = raw.get(key)
            key_path = _join(path, key)
            if value is None:
                if default is _REQUIRED:
                    self.err(key_path, _("required"))
                    out[key] = None
                else:
                    out[key] = copy.copy(default)
                continue
            try:
                out[key] = convert(value)
            except _Invalid as exc:
                self.err(key_path, exc.message)
                out[key] = None
        return out

    def items(self, path: str, raw: Any, read: Callable[[str, int, Any], dict | None]) -> list[dict | None]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.err(path, _("must be a list"))
            return []
        return [read(_join(path, index), index, item) for index, item in enumerate(raw)]

    def codes(self, path: str, raw: Any) -> list[str | None]:
        """A list of codes; a bad item stays as None so that later paths keep their index."""
        if not isinstance(raw, list):
            self.err(path, _("must be a list"))
            return []
        out: list[str | None] = []
        seen: dict[str, int] = {}
        for index, item in enumerate(raw):
            item_path = _join(path, index)
            try:
                code = _code(item)
            except _Invalid as exc:
                self.err(item_path, exc.message)
                out.append(None)
                continue
            if code in seen:
                self.err(item_path, _('"%(code)s" is listed twice') % {"code": code})
            seen.setdefault(code, index)
            out.append(code)
        return out

    def unique(self, path: str, entries: list[dict | None], key: str, message: str) -> None:
        seen: dict[Any, int] = {}
        for index, entry in enumerate(entries):
            if entry is None or entry.get(key) is None:
                continue
            value = entry[key]
            if value in seen:
                self.err(
                    _join(_join(path, index), key),
                    message % {"value": value, "other": _join(path, seen[value])},
                )
            else:
                seen[value] = index

    # the file

    def read(self, raw: Any) -> dict | None:
        if not isinstance(raw, dict):
            self.err("", _("the file must be a mapping (key: value) at the top level"))
            return None
        for key in raw:
            if key not in _TOP_KEYS:
                self.err(str(key), _("unknown key"))
        version = raw.get("version")
        if version is not None and (isinstance(version, bool) or version != FORMAT_VERSION):
            self.err(
                "version", _("unsupported version; this app reads version %(version)d") % {"version": FORMAT_VERSION}
            )

        data: dict[str, Any] = {"version": FORMAT_VERSION}
        data["campaign"] = self.campaign(raw.get("campaign"))
        data["localities"] = self.items("localities", raw.get("localities"), self.locality)
        data["units"] = self.items("units", raw.get("units"), self.unit)
        data["organizations"] = self.items("organizations", raw.get("organizations"), self.organization)
        data["phases"] = self.items("phases", raw.get("phases"), self.phase)
        data["teams"] = self.items("teams", raw.get("teams"), self.team)
        data["clusters"] = self.items("clusters", raw.get("clusters"), self.cluster)
        data["quotas"] = self.items("quotas", raw.get("quotas"), self.quota)
        data["plan_targets"] = self.items("plan_targets", raw.get("plan_targets"), self.plan_target)
        data["indicators"] = self.items("indicators", raw.get("indicators"), self.indicator)
        data["award_rules"] = self.items("award_rules", raw.get("award_rules"), self.award_rule)

        duplicate_code = _('duplicate code "%(value)s" (also %(other)s)')
        duplicate_number = _("duplicate number %(value)s (also %(other)s)")
        self.unique("localities", data["localities"], "code", duplicate_code)
        self.unique("units", data["units"], "code", duplicate_code)
        self.unique("organizations", data["organizations"], "code", duplicate_code)
        self.unique("phases", data["phases"], "number", duplicate_number)
        self.unique("teams", data["teams"], "code", duplicate_code)
        self.unique("clusters", data["clusters"], "number", duplicate_number)
        self.unique("clusters", data["clusters"], "name", _('duplicate name "%(value)s" (also %(other)s)'))
        self.unique("indicators", data["indicators"], "code", duplicate_code)
        self.unique("award_rules", data["award_rules"], "code", duplicate_code)
        self.check_phase_overlaps(data["phases"])
        self.check_internal_references(data)
        return data

    def campaign(self, raw: Any) -> dict | None:
        if raw is None:
            self.err("campaign", _("required"))
            return None
        entry = self.mapping("campaign", raw, _CAMPAIGN)
        if entry is None:
            return None
        if entry["time_zone"] is not None:
            try:
                validate_time_zone(entry["time_zone"])
                self.tz = ZoneInfo(entry["time_zone"])
            except ValidationError as exc:
                self.err("campaign.time_zone", exc.messages[0])
        products = entry["products"]
        if products is not None and not (isinstance(products, list) and all(isinstance(p, str) for p in products)):
            self.err("campaign.products", _("must be a list of products (VSI, HHI)"))
            entry["products"] = None
        _clean(
            Campaign(
                code=entry["code"],
                name=entry["name"],
                theme=entry["theme"],
                description=entry["description"],
                launch_reference=entry["launch_reference"],
                products=entry["products"],
                new_participant_gap_months=entry["new_participant_gap_months"],
                time_zone=entry["time_zone"],
                review_period=_timedelta(entry["review_period"]),
                status=entry["status"],
            ),
            "campaign",
            self.errors,
        )
        if not self.errors.has("campaign.products") and entry["products"] is not None:
            self.products = entry["products"]
        return entry

    def locality(self, path: str, index: int, raw: Any) -> dict | None:
        entry = self.mapping(path, raw, _LOCALITY)
        if entry is None:
            return None
        if entry["level"] == Locality.Level.PROVINCE and entry["parent"] is not None:
            self.err(_join(path, "parent"), _("a province has no parent"))
        elif entry["level"] in (Locality.Level.DISTRICT, Locality.Level.COMMUNE) and entry["parent"] is None:
            self.err(_join(path, "parent"), _("required for a district or commune"))
        _clean(
            Locality(code=entry["code"], name=entry["name"], level=entry["level"], active=entry["active"]),
            path,
            self.errors,
        )
        return entry

    def unit(self, path: str, index: int, raw: Any) -> dict | None:
        entry = self.mapping(path, raw, _UNIT)
        if entry is None:
            return None
        _clean(
            Unit(
                code=entry["code"],
                name=entry["name"],
                kind=entry["kind"],
                headcount=entry["headcount"],
                active=entry["active"],
            ),
            path,
            self.errors,
        )
        return entry

    def organization(self, path: str, index: int, raw: Any) -> dict | None:
        entry = self.mapping(path, raw, _ORGANIZATION)
        if entry is None:
            return None
        _clean(
            ServiceOrganization(code=entry["code"], name=entry["name"], kind=entry["kind"], active=entry["active"]),
            path,
            self.errors,
        )
        return entry

    def phase(self, path: str, index: int, raw: Any) -> dict | None:
        entry = self.mapping(path, raw, _PHASE)
        if entry is None:
            return None
        if entry["number"] is None and not self.errors.has(_join(path, "number")):
            entry["number"] = index + 1
        start = cutoff = None
        if entry["start"] is not None:
            try:
                start = _moment(entry["start"], self.tz)
            except _Invalid as exc:
                self.err(_join(path, "start"), exc.message)
        end_key = "cutoff" if entry["cutoff"] is not None and entry["end"] is None else "end"
        both = entry["end"] is not None and entry["cutoff"] is not None
        if both:
            self.err(path, _("give either end or cutoff, not both"))
        elif entry["end"] is None and entry["cutoff"] is None:
            self.err(_join(path, "end"), _("required (or cutoff)"))
        else:
            try:
                if end_key == "end":
                    cutoff = _local_midnight(_day(entry["end"]) + timedelta(days=1), self.tz)
                else:
                    cutoff = _moment(entry["cutoff"], self.tz)
            except _Invalid as exc:
                self.err(_join(path, end_key), exc.message)
        if start is not None and cutoff is not None and cutoff <= start:
            message = _("must be after start") if end_key == "cutoff" else _("must not be before start")
            self.err(_join(path, end_key), message)
        _clean(
            Phase(
                number=entry["number"],
                name=entry["name"],
                start=start,
                cutoff=cutoff,
                grace=_timedelta(entry["grace"]),
            ),
            path,
            self.errors,
            keys={"cutoff": None if both else end_key},  # None: reported on the phase itself
        )
        # The canonical form: start as a date or local time, then end or cutoff.
        canonical = {"number": entry["number"], "name": entry["name"], "start": None}
        if start is not None:
            canonical["start"] = _start_out(start, self.tz)
        if cutoff is not None:
            key, value = _end_out(cutoff, self.tz)
            canonical[key] = value
        else:
            canonical[end_key] = None
        canonical["grace"] = entry["grace"]
        canonical["_window"] = (start, cutoff) if start and cutoff and start < cutoff else None
        return canonical

    def check_phase_overlaps(self, phases: list[dict | None]) -> None:
        windows = [(i, p) for i, p in enumerate(phases) if p is not None and p["_window"] is not None]
        for later, (j, phase) in enumerate(windows):
            for i, other in windows[:later]:
                start, cutoff = phase["_window"]
                other_start, other_cutoff = other["_window"]
                if start < other_cutoff and other_start < cutoff:
                    self.err(
                        _join(_join("phases", j), "start"),
                        _("overlaps phase %(number)s (phases[%(index)d])") % {"number": other["number"], "index": i},
                    )
                    break

    def team(self, path: str, index: int, raw: Any) -> dict | None:
        entry = self.mapping(path, raw, _TEAM)
        if entry is None:
            return None
        entry["members"] = self.codes(_join(path, "members"), entry["members"])
        _clean(Team(code=entry["code"], name=entry["name"]), path, self.errors)
        return entry

    def cluster(self, path: str, index: int, raw: Any) -> dict | None:
        entry = self.mapping(path, raw, _CLUSTER)
        if entry is None:
            return None
        if entry["number"] is None and not self.errors.has(_join(path, "number")):
            entry["number"] = index + 1
        for key in ("localities", "units", "teams", "agents"):
            entry[key] = self.codes(_join(path, key), entry[key])
        _clean(Cluster(number=entry["number"], name=entry["name"]), path, self.errors)
        return entry

    def check_product(self, path: str, product: str | None) -> None:
        if product is not None and self.products is not None and product not in self.products:
            self.err(
                _join(path, "product"),
                _('product "%(product)s" is not counted by the campaign') % {"product": product},
            )

    def check_role(self, path: str, entry: dict) -> None:
        if entry["role"] is not None and entry["competitor_kind"] not in (None, CompetitorKind.AGENT):
            self.err(_join(path, "role"), _("only allowed when competitor_kind is agent"))

    def quota(self, path: str, index: int, raw: Any) -> dict | None:
        entry = self.mapping(path, raw, _QUOTA)
        if entry is None:
            return None
        self.check_role(path, entry)
        self.check_product(path, entry["product"])
        _clean(
            Quota(
                competitor_kind=entry["competitor_kind"],
                role=entry["role"] or "",
                product=entry["product"] or "",
                min_payment_months=entry["min_payment_months"],
                minimum=entry["minimum"],
            ),
            path,
            self.errors,
        )
        return entry

    def plan_target(self, path: str, index: int, raw: Any) -> dict | None:
        entry = self.mapping(path, raw, _PLAN_TARGET)
        if entry is None:
            return None
        given = [key for key in _PLAN_TARGET_REFS if entry[key] is not None or self.errors.has(_join(path, key))]
        scope = entry["scope"]
        if scope is None and not self.errors.has(_join(path, "scope")):
            if len(given) > 1:
                self.err(path, _("give only one of cluster, locality, unit, organization, team"))
            else:
                scope = given[0] if given else PlanTarget.Scope.CAMPAIGN.value
                entry["scope"] = scope
        if scope is not None:
            for key in given:
                if key != scope:
                    self.err(_join(path, key), _("not allowed when scope is %(scope)s") % {"scope": scope})
            if scope != PlanTarget.Scope.CAMPAIGN and scope not in given:
                self.err(_join(path, scope), _("required when scope is %(scope)s") % {"scope": scope})
        self.check_product(path, entry["product"])
        _clean(
            # An undecided scope is reported above already.
            PlanTarget(
                scope=entry["scope"] or PlanTarget.Scope.CAMPAIGN,
                product=entry["product"] or "",
                target=entry["target"],
            ),
            path,
            self.errors,
        )
        canonical = {"scope": entry["scope"]}
        if scope in _PLAN_TARGET_REFS:
            canonical[scope] = entry[scope]
        canonical.update(product=entry["product"], phase=entry["phase"], target=entry["target"])
        return canonical

    def indicator(self, path: str, index: int, raw: Any) -> dict | None:
        entry = self.mapping(path, raw, _INDICATOR)
        if entry is None:
            return None
        entry["targets"] = self.items(_join(path, "targets"), entry["targets"], self.indicator_target)
        self.unique(
            _join(path, "targets"),
            entry["targets"],
            "unit",
            _('unit "%(value)s" already has a target (%(other)s)'),
        )
        _clean(
            Indicator(
                code=entry["code"],
                name=entry["name"],
                unit_of_measure=entry["unit_of_measure"],
                comparator=entry["comparator"],
                default_target=_decimal(entry["default_target"]),
            ),
            path,
            self.errors,
        )
        return entry

    def indicator_target(self, path: str, index: int, raw: Any) -> dict | None:
        entry = self.mapping(path, raw, _INDICATOR_TARGET)
        if entry is not None:
            _clean(IndicatorTarget(target=_decimal(entry["target"])), path, self.errors)
        return entry

    def award_rule(self, path: str, index: int, raw: Any) -> dict | None:
        entry = self.mapping(path, raw, _AWARD_RULE)
        if entry is None:
            return None
        if entry["selection"] == AwardRule.Selection.THRESHOLD and entry["threshold"] is None:
            if not self.errors.has(_join(path, "threshold")):
                self.err(_join(path, "threshold"), _("required when selection is threshold"))
        elif entry["selection"] == AwardRule.Selection.RANKED and entry["threshold"] is not None:
            self.err(_join(path, "threshold"), _("only allowed when selection is threshold"))
        if entry["metric"] == AwardRule.Metric.INDICATORS and entry["competitor_kind"] not in (
            None,
            CompetitorKind.UNIT,
        ):
            self.err(_join(path, "metric"), _("indicators are only for unit competitors"))
        if entry["scope"] == AwardRule.Scope.CAMPAIGN and entry["phase"] is not None:
            self.err(_join(path, "phase"), _("not allowed when scope is campaign"))
        self.check_role(path, entry)
        self.check_product(path, entry["product"])
        _clean(
            AwardRule(
                code=entry["code"],
                name=entry["name"],
                scope=entry["scope"],
                per_cluster=entry["per_cluster"],
                competitor_kind=entry["competitor_kind"],
                metric=entry["metric"],
                product=entry["product"] or "",
                min_payment_months=entry["min_payment_months"],
                role=entry["role"] or "",
                selection=entry["selection"],
                threshold=_decimal(entry["threshold"]),
                requires_quota=entry["requires_quota"],
                tie_policy=entry["tie_policy"],
            ),
            path,
            self.errors,
        )
        self.rule = entry  # the tiers check their money against the rule's competitor kind
        entry["tiers"] = self.items(_join(path, "tiers"), entry["tiers"], self.tier)
        self.unique(
            _join(path, "tiers"), entry["tiers"], "position", _("duplicate position %(value)s (also %(other)s)")
        )
        return entry

    def tier(self, path: str, index: int, raw: Any) -> dict | None:
        entry = self.mapping(path, raw, _TIER)
        if entry is None:
            return None
        if entry["position"] is None and not self.errors.has(_join(path, "position")):
            entry["position"] = index + 1
        money = entry["money"]
        needs = {
            PrizeTier.Money.NONE: (),
            PrizeTier.Money.FIXED: ("amount",),
            PrizeTier.Money.PER_HEADCOUNT: ("amount",),
            PrizeTier.Money.SALARY_COEFFICIENT: ("coefficient",),
        }.get(money)
        if needs is not None:
            for key in ("amount", "coefficient"):
                key_path = _join(path, key)
                if key in needs and entry[key] is None and not self.errors.has(key_path):
                    self.err(key_path, _("required when money is %(money)s") % {"money": money})
                elif key not in needs and entry[key] is not None:
                    self.err(key_path, _("not allowed when money is %(money)s") % {"money": money})
        if entry["coefficient"] is not None and _decimal(entry["coefficient"]) <= 0:
            self.err(_join(path, "coefficient"), _("must be greater than 0"))
        if money == PrizeTier.Money.PER_HEADCOUNT and self.rule["competitor_kind"] not in (None, CompetitorKind.UNIT):
            self.err(_join(path, "money"), _("per_headcount is only for unit competitors"))
        if entry["nominee_amount"] is not None and (entry["nominees_per_winner"] or 0) < 1:
            self.err(_join(path, "nominee_amount"), _("needs nominees_per_winner of at least 1"))
        _clean(
            PrizeTier(
                position=entry["position"],
                title=entry["title"],
                distinction=entry["distinction"],
                winners=entry["winners"],
                money=money,
                amount=entry["amount"],
                coefficient=_decimal(entry["coefficient"]),
                nominees_per_winner=entry["nominees_per_winner"],
                nominee_distinction=entry["nominee_distinction"],
                nominee_amount=entry["nominee_amount"],
            ),
            path,
            self.errors,
        )
        return entry

    def check_internal_references(self, data: dict) -> None:
        """Phases, clusters and teams belong to the campaign: they must be in the file."""
        phases = {p["number"] for p in data["phases"] if p}
        clusters = {c["number"] for c in data["clusters"] if c}
        teams = {t["code"] for t in data["teams"] if t}

        def check(path: str, value: Any, known: set, message: str) -> None:
            if value is not None and value not in known:
                self.err(path, message % {"value": value})

        unknown_phase = _("unknown phase number %(value)s")
        unknown_cluster = _("unknown cluster number %(value)s")
        unknown_team = _('unknown team code "%(value)s"')
        for i, cluster in enumerate(data["clusters"]):
            for k, code in enumerate(cluster["teams"] if cluster else []):
                check(f"clusters[{i}].teams[{k}]", code, teams, unknown_team)
        for section in ("quotas", "plan_targets", "award_rules"):
            for i, entry in enumerate(data[section]):
                if entry is None:
                    continue
                check(f"{section}[{i}].phase", entry.get("phase"), phases, unknown_phase)
                check(f"{section}[{i}].cluster", entry.get("cluster"), clusters, unknown_cluster)
                check(f"{section}[{i}].team", entry.get("team"), teams, unknown_team)


def _canonical(data: dict) -> dict:
    """The definition in canonical order, without internal keys (a deep copy)."""

    def strip(entry: dict) -> dict:
        return {key: copy.deepcopy(value) for key, value in entry.items() if not key.startswith("_")}

    def by_code(items: list[str]) -> list[str]:
        return sorted(items)

    out = {"version": FORMAT_VERSION, "campaign": strip(data["campaign"])}
    out["campaign"]["products"] = list(out["campaign"]["products"])
    out["localities"] = sorted(
        (strip(e) for e in data["localities"]), key=lambda e: (_LEVEL_RANK.get(e["level"], 9), e["code"])
    )
    out["units"] = sorted((strip(e) for e in data["units"]), key=lambda e: (_UNIT_KIND_RANK[e["kind"]], e["code"]))
    out["organizations"] = sorted((strip(e) for e in data["organizations"]), key=lambda e: e["code"])
    out["phases"] = sorted((strip(e) for e in data["phases"]), key=lambda e: e["number"])
    out["teams"] = []
    for team in sorted(data["teams"], key=lambda e: e["code"]):
        team = strip(team)
        team["members"] = by_code(team["members"])
        out["teams"].append(team)
    out["clusters"] = []
    for cluster in sorted(data["clusters"], key=lambda e: e["number"]):
        cluster = strip(cluster)
        for key in ("localities", "units", "teams", "agents"):
            cluster[key] = by_code(cluster[key])
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


def _read(definition: Any) -> tuple[dict | None, _Errors]:
    reader = _Reader()
    data = reader.read(definition)
    return data, reader.errors


def normalize_definition(definition: dict) -> dict:
    """The canonical form of a definition — what ``campaign_export`` writes for
    the campaign it imports to. Checks only the file itself (no database);
    raises ``DefinitionError`` listing every problem found."""
    data, errors = _read(definition)
    if errors:
        raise DefinitionError(errors.messages())
    return _canonical(data)


# --- Step 2: references in the database --------------------------------------


@dataclass
class _Resolved:
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
            for key, kind in (("localities", "locality"), ("units", "unit"), ("agents", "agent")):
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


def _resolve(data: dict, errors: _Errors, *, replace: bool) -> _Resolved:
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
        too_low = parent_level is not None and _LEVEL_RANK[parent_level] >= _LEVEL_RANK[entry["level"]]
        if too_low and not errors.has(path):
            errors.add(path, _("must be a higher level than the locality itself"))

    # Units in the file must not be each other's ancestors.
    try:
        _unit_generations(data["units"])
    except graphlib.CycleError as exc:
        cycle = exc.args[1]
        index = next(i for i, e in enumerate(data["units"]) if e and e["code"] == cycle[0])
        errors.add(f"units[{index}].parent", _("the parents form a cycle: %(cycle)s") % {"cycle": " → ".join(cycle)})

    resolved = _Resolved(
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


def _unit_generations(units: list[dict | None]) -> list[list[dict]]:
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


# --- Step 3: writing -----------------------------------------------------------


def _upsert(model: type[models.Model], rows: list[models.Model], update_fields: list[str]) -> dict[str, int]:
    """Insert or update rows by code; return their ids by code."""
    if not rows:
        return {}
    model.objects.bulk_create(rows, update_conflicts=True, unique_fields=["code"], update_fields=update_fields)
    return dict(model.objects.filter(code__in=[row.code for row in rows]).values_list("code", "pk"))


def _write(resolved: _Resolved) -> Campaign:
    data = resolved.data
    locality_ids = {code: row.pk for code, row in resolved.localities.items()}
    unit_ids = {code: row.pk for code, row in resolved.units.items()}
    organization_ids = {code: row.pk for code, row in resolved.organizations.items()}
    agent_ids = {code: row.pk for code, row in resolved.agents.items()}

    # Reference data, parents first.
    for rank in sorted(set(_LEVEL_RANK.values())):
        rows = [
            Locality(
                code=e["code"],
                name=e["name"],
                level=e["level"],
                parent_id=locality_ids.get(e["parent"]),
                active=e["active"],
            )
            for e in data["localities"]
            if _LEVEL_RANK[e["level"]] == rank
        ]
        locality_ids.update(_upsert(Locality, rows, ["name", "level", "parent", "active"]))
    for generation in _unit_generations(data["units"]):
        rows = [
            Unit(
                code=e["code"],
                name=e["name"],
                kind=e["kind"],
                parent_id=unit_ids.get(e["parent"]),
                locality_id=locality_ids.get(e["locality"]),
                headcount=e["headcount"],
                active=e["active"],
            )
            for e in generation
        ]
        unit_ids.update(_upsert(Unit, rows, ["name", "kind", "parent", "locality", "headcount", "active"]))
    rows = [
        ServiceOrganization(
            code=e["code"],
            name=e["name"],
            kind=e["kind"],
            contracting_unit_id=unit_ids[e["contracting_unit"]],
            locality_id=locality_ids.get(e["locality"]),
            active=e["active"],
        )
        for e in data["organizations"]
    ]
    organization_ids.update(
        _upsert(ServiceOrganization, rows, ["name", "kind", "contracting_unit", "locality", "active"])
    )

    # The campaign: a new row, or the existing one emptied of its rules.
    spec = data["campaign"]
    if resolved.existing is not None:
        campaign = Campaign.objects.select_for_update().get(pk=resolved.existing.pk)
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
                    + _('cannot replace campaign "%(code)s": other records depend on its rules')
                    % {"code": campaign.code}
                ]
            ) from None
    else:
        campaign = Campaign()
    campaign.code = spec["code"]
    campaign.name = spec["name"]
    campaign.theme = spec["theme"]
    campaign.description = spec["description"]
    campaign.launch_reference = spec["launch_reference"]
    campaign.organizer_id = unit_ids[spec["organizer"]]
    campaign.products = list(spec["products"])
    campaign.new_participant_gap_months = spec["new_participant_gap_months"]
    campaign.time_zone = spec["time_zone"]
    campaign.review_period = _timedelta(spec["review_period"])
    campaign.status = spec["status"]
    campaign.save()

    tz = campaign.tzinfo
    phases = Phase.objects.bulk_create(
        [
            Phase(
                campaign=campaign,
                number=e["number"],
                name=e["name"],
                start=_moment(e["start"], tz),
                cutoff=(_local_midnight(e["end"] + timedelta(days=1), tz) if "end" in e else _moment(e["cutoff"], tz)),
                grace=_timedelta(e["grace"]),
            )
            for e in data["phases"]
        ]
    )
    phase_ids = {phase.number: phase.pk for phase in phases}

    teams = Team.objects.bulk_create(
        [
            Team(
                campaign=campaign,
                code=e["code"],
                name=e["name"],
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
        [Cluster(campaign=campaign, number=e["number"], name=e["name"]) for e in data["clusters"]]
    )
    cluster_ids = {cluster.number: cluster.pk for cluster in clusters}
    for key, target, ids in (
        ("localities", "locality", locality_ids),
        ("units", "unit", unit_ids),
        ("teams", "team", team_ids),
        ("agents", "agent", agent_ids),
    ):
        through = getattr(Cluster, key).through
        through.objects.bulk_create(
            [
                through(cluster_id=cluster_ids[e["number"]], **{f"{target}_id": ids[code]})
                for e in data["clusters"]
                for code in e[key]
            ]
        )

    Quota.objects.bulk_create(
        [
            Quota(
                campaign=campaign,
                phase_id=phase_ids.get(e["phase"]),
                cluster_id=cluster_ids.get(e["cluster"]),
                competitor_kind=e["competitor_kind"],
                role=e["role"] or "",
                product=e["product"] or "",
                min_payment_months=e["min_payment_months"],
                minimum=e["minimum"],
            )
            for e in data["quotas"]
        ]
    )
    PlanTarget.objects.bulk_create(
        [
            PlanTarget(
                campaign=campaign,
                scope=e["scope"],
                cluster_id=cluster_ids.get(e.get("cluster")),
                locality_id=locality_ids.get(e.get("locality")),
                unit_id=unit_ids.get(e.get("unit")),
                organization_id=organization_ids.get(e.get("organization")),
                team_id=team_ids.get(e.get("team")),
                product=e["product"] or "",
                phase_id=phase_ids.get(e["phase"]),
                target=e["target"],
            )
            for e in data["plan_targets"]
        ]
    )

    indicators = Indicator.objects.bulk_create(
        [
            Indicator(
                campaign=campaign,
                code=e["code"],
                name=e["name"],
                unit_of_measure=e["unit_of_measure"],
                comparator=e["comparator"],
                default_target=_decimal(e["default_target"]),
                position=position,
            )
            for position, e in enumerate(data["indicators"])
        ]
    )
    IndicatorTarget.objects.bulk_create(
        [
            IndicatorTarget(indicator=indicator, unit_id=unit_ids[t["unit"]], target=_decimal(t["target"]))
            for indicator, e in zip(indicators, data["indicators"], strict=True)
            for t in e["targets"]
        ]
    )

    rules = AwardRule.objects.bulk_create(
        [
            AwardRule(
                campaign=campaign,
                code=e["code"],
                name=e["name"],
                scope=e["scope"],
                phase_id=phase_ids.get(e["phase"]),
                per_cluster=e["per_cluster"],
                cluster_id=cluster_ids.get(e["cluster"]),
                competitor_kind=e["competitor_kind"],
                metric=e["metric"],
                product=e["product"] or "",
                min_payment_months=e["min_payment_months"],
                role=e["role"] or "",
                selection=e["selection"],
                threshold=_decimal(e["threshold"]),
                requires_quota=e["requires_quota"],
                tie_policy=e["tie_policy"],
                position=position,
            )
            for position, e in enumerate(data["award_rules"])
        ]
    )
    PrizeTier.objects.bulk_create(
        [
            PrizeTier(
                rule=rule,
                position=t["position"],
                title=t["title"],
                distinction=t["distinction"],
                winners=t["winners"],
                money=t["money"],
                amount=t["amount"],
                coefficient=_decimal(t["coefficient"]),
                nominees_per_winner=t["nominees_per_winner"],
                nominee_distinction=t["nominee_distinction"],
                nominee_amount=t["nominee_amount"],
            )
            for rule, e in zip(rules, data["award_rules"], strict=True)
            for t in e["tiers"]
        ]
    )
    return campaign


@transaction.atomic
def campaign_import(*, definition: dict, replace: bool = False) -> Campaign:
    """Create a campaign (and upsert the reference data it carries) from a definition.

    Everything is checked before anything is written; on any problem
    ``DefinitionError`` lists them all and the database is left unchanged. A
    campaign code that already exists is an error unless ``replace`` is set;
    replacing keeps the campaign row and swaps its rules, and is refused once
    the campaign has enrollments or reported indicator values.
    """
    data, errors = _read(definition)
    if data is None:
        raise DefinitionError(errors.messages())
    resolved = _resolve(data, errors, replace=replace)
    if errors:
        raise DefinitionError(errors.messages())
    resolved.data = _canonical(data)
    try:
        with transaction.atomic():
            return _write(resolved)
    except IntegrityError as exc:
        # Only a concurrent change gets here (e.g. the same code imported twice at once).
        raise DefinitionError(
            ["campaign: " + _("the database refused the definition: %(error)s") % {"error": exc}]
        ) from None


# --- Export ------------------------------------------------------------------


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
            Prefetch("localities", Locality.objects.only(*code_only)),
            Prefetch("units", Unit.objects.only(*code_only)),
            Prefetch("teams", Team.objects.only(*code_only)),
            Prefetch("agents", Agent.objects.only(*code_only)),
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
        out = {"number": phase.number, "name": phase.name, "start": _start_out(phase.start, tz)}
        key, value = _end_out(phase.cutoff, tz)
        out[key] = value
        out["grace"] = _duration_out(phase.grace)
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
            target=target.target,
        )
        return out

    def number(value: Decimal | None) -> int | float | str | None:
        return None if value is None else _number_out(value)

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
            "review_period": None if campaign.review_period is None else _duration_out(campaign.review_period),
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
                "localities": [row.code for row in cluster.localities.all()],
                "units": [row.code for row in cluster.units.all()],
                "teams": [row.code for row in cluster.teams.all()],
                "agents": [row.code for row in cluster.agents.all()],
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
    return _canonical(data)
