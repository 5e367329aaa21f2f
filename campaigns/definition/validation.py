"""Step 1 of an import: the definition on its own, without the database.

Checks keys, types, defaults, times, references inside the file, and each
row's model ``full_clean()`` (field validators, choices, ``clean()``), and
builds the canonical form (``campaigns.definition.schema``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from campaigns.definition import rows
from campaigns.definition.schema import (
    AWARD_RULE,
    CAMPAIGN,
    CLUSTER,
    CLUSTER_MEMBERS,
    DEFAULT_TIME_ZONE,
    FORMAT_VERSION,
    INDICATOR,
    INDICATOR_TARGET,
    LOCALITY,
    ORGANIZATION,
    PHASE,
    PLAN_TARGET,
    PLAN_TARGET_REFS,
    QUOTA,
    REQUIRED,
    TEAM,
    TIER,
    TOP_KEYS,
    UNIT,
    DefinitionError,
    Errors,
    Spec,
    canonical,
    clean,
    join,
)
from campaigns.definition.values import Invalid, as_code, as_day, as_moment, end_cutoff, end_out, start_out, to_decimal
from campaigns.models import (
    AwardRule,
    Campaign,
    Cluster,
    CompetitorKind,
    Indicator,
    IndicatorTarget,
    Phase,
    PlanTarget,
    PrizeTier,
    Quota,
    Team,
    validate_time_zone,
)
from collectors.models import Locality, ServiceOrganization, Unit


class _FileReader:
    """Reads a definition into its canonical form (lists in file order) and
    records every problem that can be found without the database."""

    def __init__(self) -> None:
        self.errors = Errors()
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
                self.err(join(path, str(key)), _("unknown key"))
        out = {}
        for key, (convert, default) in spec.items():
            value = raw.get(key)
            key_path = join(path, key)
            if value is None:
                if default is REQUIRED:
                    self.err(key_path, _("required"))
                    out[key] = None
                else:
                    out[key] = copy.copy(default)
                continue
            try:
                out[key] = convert(value)
            except Invalid as exc:
                self.err(key_path, exc.message)
                out[key] = None
        return out

    def items(self, path: str, raw: Any, read: Callable[[str, int, Any], dict | None]) -> list[dict | None]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.err(path, _("must be a list"))
            return []
        return [read(join(path, index), index, item) for index, item in enumerate(raw)]

    def codes(self, path: str, raw: Any) -> list[str | None]:
        """A list of codes; a bad item stays as None so that later paths keep their index."""
        if not isinstance(raw, list):
            self.err(path, _("must be a list"))
            return []
        out: list[str | None] = []
        seen: dict[str, int] = {}
        for index, item in enumerate(raw):
            item_path = join(path, index)
            try:
                code = as_code(item)
            except Invalid as exc:
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
                    join(join(path, index), key),
                    message % {"value": value, "other": join(path, seen[value])},
                )
            else:
                seen[value] = index

    # the file

    def read(self, raw: Any) -> dict | None:
        if not isinstance(raw, dict):
            self.err("", _("the file must be a mapping (key: value) at the top level"))
            return None
        for key in raw:
            if key not in TOP_KEYS:
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
        entry = self.mapping("campaign", raw, CAMPAIGN)
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
        clean(Campaign(**rows.campaign_fields(entry)), "campaign", self.errors)
        if not self.errors.has("campaign.products") and entry["products"] is not None:
            self.products = entry["products"]
        return entry

    def locality(self, path: str, index: int, raw: Any) -> dict | None:
        entry = self.mapping(path, raw, LOCALITY)
        if entry is None:
            return None
        if entry["level"] == Locality.Level.PROVINCE and entry["parent"] is not None:
            self.err(join(path, "parent"), _("a province has no parent"))
        elif entry["level"] in (Locality.Level.DISTRICT, Locality.Level.COMMUNE) and entry["parent"] is None:
            self.err(join(path, "parent"), _("required for a district or commune"))
        clean(Locality(**rows.locality_fields(entry)), path, self.errors)
        return entry

    def unit(self, path: str, index: int, raw: Any) -> dict | None:
        entry = self.mapping(path, raw, UNIT)
        if entry is None:
            return None
        clean(Unit(**rows.unit_fields(entry)), path, self.errors)
        return entry

    def organization(self, path: str, index: int, raw: Any) -> dict | None:
        entry = self.mapping(path, raw, ORGANIZATION)
        if entry is None:
            return None
        clean(ServiceOrganization(**rows.organization_fields(entry)), path, self.errors)
        return entry

    def phase(self, path: str, index: int, raw: Any) -> dict | None:
        entry = self.mapping(path, raw, PHASE)
        if entry is None:
            return None
        if entry["number"] is None and not self.errors.has(join(path, "number")):
            entry["number"] = index + 1
        start = cutoff = None
        if entry["start"] is not None:
            try:
                start = as_moment(entry["start"], self.tz)
            except Invalid as exc:
                self.err(join(path, "start"), exc.message)
        end_key = "cutoff" if entry["cutoff"] is not None and entry["end"] is None else "end"
        both = entry["end"] is not None and entry["cutoff"] is not None
        if both:
            self.err(path, _("give either end or cutoff, not both"))
        elif entry["end"] is None and entry["cutoff"] is None:
            self.err(join(path, "end"), _("required (or cutoff)"))
        else:
            try:
                if end_key == "end":
                    cutoff = end_cutoff(as_day(entry["end"]), self.tz)
                else:
                    cutoff = as_moment(entry["cutoff"], self.tz)
            except Invalid as exc:
                self.err(join(path, end_key), exc.message)
        if start is not None and cutoff is not None and cutoff <= start:
            message = _("must be after start") if end_key == "cutoff" else _("must not be before start")
            self.err(join(path, end_key), message)
        clean(
            Phase(**rows.phase_fields(entry, start=start, cutoff=cutoff)),
            path,
            self.errors,
            keys={"cutoff": None if both else end_key},  # None: reported on the phase itself
        )
        # The canonical form: start as a date or local time, then end or cutoff.
        canonical = {"number": entry["number"], "name": entry["name"], "start": None}
        if start is not None:
            canonical["start"] = start_out(start, self.tz)
        if cutoff is not None:
            key, value = end_out(cutoff, self.tz)
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
                        join(join("phases", j), "start"),
                        _("overlaps phase %(number)s (phases[%(index)d])") % {"number": other["number"], "index": i},
                    )
                    break

    def team(self, path: str, index: int, raw: Any) -> dict | None:
        entry = self.mapping(path, raw, TEAM)
        if entry is None:
            return None
        entry["members"] = self.codes(join(path, "members"), entry["members"])
        clean(Team(**rows.team_fields(entry)), path, self.errors)
        return entry

    def cluster(self, path: str, index: int, raw: Any) -> dict | None:
        entry = self.mapping(path, raw, CLUSTER)
        if entry is None:
            return None
        if entry["number"] is None and not self.errors.has(join(path, "number")):
            entry["number"] = index + 1
        for key, _kind in CLUSTER_MEMBERS:
            entry[key] = self.codes(join(path, key), entry[key])
        clean(Cluster(**rows.cluster_fields(entry)), path, self.errors)
        return entry

    def check_product(self, path: str, product: str | None) -> None:
        if product is not None and self.products is not None and product not in self.products:
            self.err(
                join(path, "product"),
                _('product "%(product)s" is not counted by the campaign') % {"product": product},
            )

    def check_role(self, path: str, entry: dict) -> None:
        if entry["role"] is not None and entry["competitor_kind"] not in (None, CompetitorKind.AGENT):
            self.err(join(path, "role"), _("only allowed when competitor_kind is agent"))

    def quota(self, path: str, index: int, raw: Any) -> dict | None:
        entry = self.mapping(path, raw, QUOTA)
        if entry is None:
            return None
        self.check_role(path, entry)
        self.check_product(path, entry["product"])
        clean(Quota(**rows.quota_fields(entry)), path, self.errors)
        return entry

    def plan_target(self, path: str, index: int, raw: Any) -> dict | None:
        entry = self.mapping(path, raw, PLAN_TARGET)
        if entry is None:
            return None
        given = [key for key in PLAN_TARGET_REFS if entry[key] is not None or self.errors.has(join(path, key))]
        scope = entry["scope"]
        if scope is None and not self.errors.has(join(path, "scope")):
            if len(given) > 1:
                self.err(path, _("give only one of cluster, locality, unit, organization, team"))
            else:
                scope = given[0] if given else PlanTarget.Scope.CAMPAIGN.value
                entry["scope"] = scope
        if scope is not None:
            for key in given:
                if key != scope:
                    self.err(join(path, key), _("not allowed when scope is %(scope)s") % {"scope": scope})
            if scope != PlanTarget.Scope.CAMPAIGN and scope not in given:
                self.err(join(path, scope), _("required when scope is %(scope)s") % {"scope": scope})
        self.check_product(path, entry["product"])
        # An undecided scope is reported above already.
        fields = rows.plan_target_fields(entry) | {"scope": entry["scope"] or PlanTarget.Scope.CAMPAIGN}
        clean(PlanTarget(**fields), path, self.errors)
        canonical = {"scope": entry["scope"]}
        if scope in PLAN_TARGET_REFS:
            canonical[scope] = entry[scope]
        canonical.update(
            product=entry["product"], phase=entry["phase"], measure=entry["measure"], target=entry["target"]
        )
        return canonical

    def indicator(self, path: str, index: int, raw: Any) -> dict | None:
        entry = self.mapping(path, raw, INDICATOR)
        if entry is None:
            return None
        entry["targets"] = self.items(join(path, "targets"), entry["targets"], self.indicator_target)
        self.unique(
            join(path, "targets"),
            entry["targets"],
            "unit",
            _('unit "%(value)s" already has a target (%(other)s)'),
        )
        clean(Indicator(**rows.indicator_fields(entry)), path, self.errors)
        return entry

    def indicator_target(self, path: str, index: int, raw: Any) -> dict | None:
        entry = self.mapping(path, raw, INDICATOR_TARGET)
        if entry is not None:
            clean(IndicatorTarget(**rows.indicator_target_fields(entry)), path, self.errors)
        return entry

    def award_rule(self, path: str, index: int, raw: Any) -> dict | None:
        entry = self.mapping(path, raw, AWARD_RULE)
        if entry is None:
            return None
        if entry["selection"] == AwardRule.Selection.THRESHOLD and entry["threshold"] is None:
            if not self.errors.has(join(path, "threshold")):
                self.err(join(path, "threshold"), _("required when selection is threshold"))
        elif entry["selection"] == AwardRule.Selection.RANKED and entry["threshold"] is not None:
            self.err(join(path, "threshold"), _("only allowed when selection is threshold"))
        if entry["metric"] == AwardRule.Metric.INDICATORS and entry["competitor_kind"] not in (
            None,
            CompetitorKind.UNIT,
        ):
            self.err(join(path, "metric"), _("indicators are only for unit competitors"))
        if entry["scope"] == AwardRule.Scope.CAMPAIGN and entry["phase"] is not None:
            self.err(join(path, "phase"), _("not allowed when scope is campaign"))
        self.check_role(path, entry)
        self.check_product(path, entry["product"])
        clean(AwardRule(**rows.award_rule_fields(entry)), path, self.errors)
        self.rule = entry  # the tiers check their money against the rule's competitor kind
        entry["tiers"] = self.items(join(path, "tiers"), entry["tiers"], self.tier)
        self.unique(join(path, "tiers"), entry["tiers"], "position", _("duplicate position %(value)s (also %(other)s)"))
        return entry

    def tier(self, path: str, index: int, raw: Any) -> dict | None:
        entry = self.mapping(path, raw, TIER)
        if entry is None:
            return None
        if entry["position"] is None and not self.errors.has(join(path, "position")):
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
                key_path = join(path, key)
                if key in needs and entry[key] is None and not self.errors.has(key_path):
                    self.err(key_path, _("required when money is %(money)s") % {"money": money})
                elif key not in needs and entry[key] is not None:
                    self.err(key_path, _("not allowed when money is %(money)s") % {"money": money})
        if entry["coefficient"] is not None and to_decimal(entry["coefficient"]) <= 0:
            self.err(join(path, "coefficient"), _("must be greater than 0"))
        if money == PrizeTier.Money.PER_HEADCOUNT and self.rule["competitor_kind"] not in (None, CompetitorKind.UNIT):
            self.err(join(path, "money"), _("per_headcount is only for unit competitors"))
        if entry["nominee_amount"] is not None and (entry["nominees_per_winner"] or 0) < 1:
            self.err(join(path, "nominee_amount"), _("needs nominees_per_winner of at least 1"))
        clean(PrizeTier(**rows.tier_fields(entry)), path, self.errors)
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


def read_definition(definition: Any) -> tuple[dict | None, Errors]:
    """The definition read in file order (``None`` when it is not a mapping) and its problems."""
    reader = _FileReader()
    data = reader.read(definition)
    return data, reader.errors


def normalize_definition(definition: dict) -> dict:
    """The canonical form of a definition — what ``campaign_export`` writes for
    the campaign it imports to. Checks only the file itself (no database);
    raises ``DefinitionError`` listing every problem found."""
    data, errors = read_definition(definition)
    if errors:
        raise DefinitionError(errors.messages())
    return canonical(data)
