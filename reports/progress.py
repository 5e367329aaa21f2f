"""Progress against plan (kế hoạch giao): new participants counted against the
plan targets, per cluster, service organization, locality, BHXH unit and team,
and for the whole campaign. The one reader of these figures: the campaign
overview page and the progress workbook both read them from here.

**What counts** is ``enrollments.selectors.counted_enrollments`` (provisional:
submitted or confirmed), restricted to the reader's ``Scope``. Each cut is one
GROUP BY (by subject, phase and product) in the database.

**Plans.** The ``PlanTarget`` rows of a subject (cluster, organization, …) for
the same product and period add up. For one column group — a product, or
``TOTAL`` for all products together — a subject's plan is its target for that
product, or its all-products target when the campaign counts one product only;
its ``TOTAL`` plan is its all-products target, else the sum of its per-product
targets when every product has one. Which period:

- a phase figure uses the targets set for that phase, else there is no plan;
- a whole-campaign figure uses the whole-campaign target (set without a phase)
  where there is one, else the sum of the subject's per-phase targets
  (product by product).

**Rows without a plan of their own** (a province over its districts, a
subtotal over its organizations) take the sum of the plans of the subjects
below them when every one of those has a plan, else none: a partial sum is
not a plan. Rows of what belongs to no subject (outside every cluster, no
district, BHXH staff without an organization) carry no plan and do not block
the sum. The campaign total uses the campaign's own plan, else its clusters'
plans summed (the demo sets plans per cluster and phase only).

**At a date.** ``on`` cuts the figures at the end of that day (in the
campaign's time zone): receipts after it are left out.

**Stock against plan.** Besides new participants, ``.stock`` gives the people
covered by each product on a day (``as_of``: ``on``, else today, or the last
day of the period read once it has ended), from the coverage periods (imported
history, and those confirmed enrollments make) of the people within the
organizer's reach (``enrollments.selectors.people_covered``), against the
campaign's plan of people covered (``PlanTarget.Measure.COVERED``). Staff only;
a person covered by both products counts once in each.

**Who sees which plan.** Staff (``Scope.everything``) see every plan. An
organization's manager reads their organizations' numbers against their
organizations' plans only (a cluster's or the campaign's plan is the whole
one, not their share): their total is their organizations' rows summed. An
agent's own numbers carry no plan.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Exists, OuterRef, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from campaigns.membership import campaign_members_sql
from campaigns.models import Campaign, Cluster, Phase, PlanTarget, Team
from collectors.models import Locality, ServiceOrganization, Unit
from collectors.selectors import unit_reach
from enrollments.choices import Product
from enrollments.models import Enrollment
from enrollments.selectors import counted_enrollments, people_covered
from reports.scope import Scope

TOTAL = "*"  # the column group of all products together

# Rows of what belongs to no subject of a cut.
OUTSIDE_CLUSTERS = "outside_clusters"
NO_DISTRICT = "no_district"  # agents serving a province as a whole
NO_LOCALITY = "no_locality"
NO_UNIT = "no_unit"
NO_ORGANIZATION = "no_organization"  # BHXH staff recruiting themselves
NO_TEAM = "no_team"
_COUNTS = "counts"  # a row carrying counts only, inside a rollup

Plans = dict[str, int | None]  # column group → plan
_Tally = dict[Any, dict[int | None, Counter]]  # subject → phase id → product → counted


# --- Figures -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """What was counted per product, against the plan of each column group
    (each product, and ``TOTAL``), for one row and one phase or the whole period."""

    counts: Counter
    plans: Plans

    def count(self, group: str = TOTAL) -> int:
        return sum(self.counts.values()) if group == TOTAL else self.counts.get(group, 0)

    def plan_of(self, group: str = TOTAL) -> int | None:
        return self.plans.get(group)

    def ratio(self, group: str = TOTAL) -> float | None:
        """Counted / plan, or None without a plan."""
        plan = self.plan_of(group)
        return self.count(group) / plan if plan else None

    def percent_of(self, group: str = TOTAL) -> Decimal | None:
        """Percent of the plan of one column group, to two decimals (56.43), or None without a plan."""
        plan = self.plan_of(group)
        return (Decimal(self.count(group)) * 100 / plan).quantize(Decimal("0.01")) if plan else None

    @property
    def counted(self) -> int:
        return self.count(TOTAL)

    @property
    def plan(self) -> int | None:
        return self.plan_of(TOTAL)

    @property
    def percent(self) -> Decimal | None:
        """Percent of the plan, all products together, to one decimal."""
        if not self.plan:
            return None
        return (Decimal(self.counted) * 100 / self.plan).quantize(Decimal("0.1"))


@dataclass
class ProgressRow:
    """One row of a cut: a subject (or ``leftover``: what belongs to none), its
    figure per phase read (``cells``, in the phases' order) and over them all (``total``)."""

    label: str
    cells: list[Figure]
    total: Figure
    subject: Any = None
    leftover: str = ""
    style: str = "row"  # "row", "subtotal" or "total"
    children: list[ProgressRow] = field(default_factory=list, repr=False)


def plan_value(targets: dict[str, int], group: str, products: Sequence[str]) -> int | None:
    """The plan of one column group from a subject's targets per product ("" for all products)."""
    if group == TOTAL:
        if "" in targets:
            return targets[""]
        if products and all(product in targets for product in products):
            return sum(targets[product] for product in products)
        return None
    if group in targets:
        return targets[group]
    if len(products) == 1 and "" in targets:
        return targets[""]
    return None


def _sum_plans(plans: Sequence[Plans], groups: Iterable[str]) -> Plans:
    """Plans added up group by group: a sum only where every one has a plan."""
    summed: Plans = {}
    for group in groups:
        values = [plan.get(group) for plan in plans]
        summed[group] = sum(values) if values and all(value is not None for value in values) else None
    return summed


def _own_or(own: Plans, fallback: Plans) -> Plans:
    return {group: own.get(group) if own.get(group) is not None else fallback.get(group) for group in own | fallback}


def _positional(sql: str, params: dict) -> tuple[str, list]:
    """A statement with ``%(name)s`` parameters rewritten with ``%s`` ones, and their values in order."""
    values: list = []

    def replace(match: re.Match) -> str:
        values.append(params[match.group(1)])
        return "%s"

    return re.sub(r"(?<!%)%\((\w+)\)s", replace, sql), values


# --- The reader ----------------------------------------------------------------------------


class PlanProgress:
    """Counted against plan in one campaign, for one phase or the whole campaign,
    as ``scope`` may read it, up to the end of the day ``on`` when given. Each cut
    is computed when first asked for."""

    def __init__(self, *, campaign: Campaign, phase: Phase | None, scope: Scope, on: date | None = None):
        if phase is not None and phase.campaign_id != campaign.pk:
            raise ValueError("The phase belongs to another campaign.")
        self.campaign = campaign
        self.phase = phase
        self.scope = scope
        self.on = on
        known = [product for product in Product.values if product in (campaign.products or [])]
        self.products: list[str] = known or list(Product.values)
        self.groups: list[str] = [*self.products, TOTAL]

    @cached_property
    def phases(self) -> list[Phase]:
        """The phases read: the one asked for, or every phase of the campaign."""
        if self.phase is not None:
            return [self.phase]
        return list(self.campaign.phases.order_by("number"))

    # --- plans ---

    @cached_property
    def _targets(self) -> dict[tuple[str, int | None], dict[int | None, dict[str, int]]]:
        """(scope, subject id) → phase id (None: the whole campaign) → product → target, in one query."""
        rows = (
            PlanTarget.objects.filter(
                campaign=self.campaign, product__in=[*self.products, ""], measure=PlanTarget.Measure.NEW
            )
            .values_list(
                "scope", "cluster_id", "locality_id", "unit_id", "organization_id", "team_id", "phase_id", "product"
            )
            .annotate(total=Sum("target"))
            .order_by()
        )
        targets: dict[tuple[str, int | None], dict[int | None, dict[str, int]]] = {}
        for scope, cluster, locality, unit, organization, team, phase_id, product, total in rows:
            subject = {
                PlanTarget.Scope.CLUSTER: cluster,
                PlanTarget.Scope.LOCALITY: locality,
                PlanTarget.Scope.UNIT: unit,
                PlanTarget.Scope.ORGANIZATION: organization,
                PlanTarget.Scope.TEAM: team,
            }.get(scope)
            targets.setdefault((scope, subject), {}).setdefault(phase_id, {})[product] = total
        return targets

    def _visible(self, kind: str) -> bool:
        if self.scope.everything:
            return True
        return self.scope.organizations_only and kind == PlanTarget.Scope.ORGANIZATION

    def plans(self, kind: str, subject: int | None, phase: Phase | None) -> Plans:
        """The plan of each column group of one subject (``kind`` a ``PlanTarget.Scope``)
        for ``phase``, or for the whole campaign when ``phase`` is None."""
        periods = self._targets.get((kind, subject), {}) if self._visible(kind) else {}
        if phase is not None:
            targets = periods.get(phase.pk, {})
        else:
            targets = {}
            for phase_id, per_phase in periods.items():
                if phase_id is not None:
                    for product, target in per_phase.items():
                        targets[product] = targets.get(product, 0) + target
            targets |= periods.get(None, {})  # a whole-campaign target wins over the phases' sum
        return {group: plan_value(targets, group, self.products) for group in self.groups}

    def planned_subjects(self, kind: str) -> set[int]:
        """The subjects of ``kind`` with a plan target (for any period) that this scope may see."""
        if not self._visible(kind):
            return set()
        return {subject for (scope, subject) in self._targets if scope == kind and subject is not None}

    # --- counts ---

    def counted(self) -> QuerySet[Enrollment]:
        """The enrollments counted here."""
        enrollments = counted_enrollments().filter(campaign=self.campaign, product__in=self.products)
        if self.phase is not None:
            enrollments = enrollments.filter(phase=self.phase)
        if self.on is not None:
            day_after = datetime.combine(self.on + timedelta(days=1), time.min, tzinfo=self.campaign.tzinfo)
            enrollments = enrollments.filter(receipt_at__lt=day_after)
        return self.scope.enrollments(enrollments).order_by()

    @staticmethod
    def _tally(enrollments: QuerySet[Enrollment], key) -> _Tally:
        """Counts per ``key`` (a field path or an expression), phase and product: one GROUP BY."""
        if not isinstance(key, str):
            enrollments, key = enrollments.annotate(group_key=key), "group_key"
        tally: _Tally = {}
        rows = enrollments.values_list(key, "phase_id", "product").annotate(n=Count("pk")).order_by()
        for subject, phase_id, product, n in rows:
            tally.setdefault(subject, {}).setdefault(phase_id, Counter())[product] += n
        return tally

    @cached_property
    def _total_counts(self) -> dict[int | None, Counter]:
        return self._tally(self.counted(), "campaign_id").get(self.campaign.pk, {})

    # --- rows ---

    def row(
        self,
        label: str,
        counts: dict[int | None, Counter] | None,
        *,
        kind: str | None = None,
        subject: Any = None,
        leftover: str = "",
    ) -> ProgressRow:
        """A row counting ``counts`` (phase id → product → n) against the plan of
        ``subject`` in ``kind`` (none for a leftover row, or without ``kind``)."""
        counts = counts or {}
        subject_id = getattr(subject, "pk", None)
        cells = []
        for phase in self.phases:
            plans = self.plans(kind, subject_id, phase) if kind and not leftover else {}
            cells.append(Figure(counts=Counter(counts.get(phase.pk, Counter())), plans=plans))
        whole: Counter = Counter()
        for per_product in counts.values():
            whole.update(per_product)
        plans = self.plans(kind, subject_id, self.phase) if kind and not leftover else {}
        return ProgressRow(
            label=label,
            cells=cells,
            total=Figure(counts=whole, plans=plans),
            subject=subject,
            leftover=leftover,
        )

    def rollup(
        self,
        rows: Sequence[ProgressRow],
        *,
        label: str = "",
        subject: Any = None,
        own: Sequence[Plans] | None = None,
        style: str = "subtotal",
        whole: Plans | None = None,
    ) -> ProgressRow:
        """A row adding up ``rows``. Its plans are ``own`` (one per phase read) and
        ``whole`` where they have one, else the plans of the subject rows summed."""
        planned = [row for row in rows if not row.leftover]
        cells = []
        for n, _phase in enumerate(self.phases):
            counts: Counter = Counter()
            for row in rows:
                counts.update(row.cells[n].counts)
            summed = _sum_plans([row.cells[n].plans for row in planned], self.groups)
            cells.append(Figure(counts=counts, plans=_own_or(own[n] if own else {}, summed)))
        counts = Counter()
        for row in rows:
            counts.update(row.total.counts)
        summed = _sum_plans([row.total.plans for row in planned], self.groups)
        total = Figure(counts=counts, plans=_own_or(whole or {}, summed))
        return ProgressRow(label=label, cells=cells, total=total, subject=subject, style=style, children=list(rows))

    def _with_own_plan(self, kind: str, subject: Any, rows: Sequence[ProgressRow], **options) -> ProgressRow:
        subject_id = getattr(subject, "pk", None)
        own = [self.plans(kind, subject_id, phase) for phase in self.phases]
        whole = self.plans(kind, subject_id, self.phase)
        return self.rollup(rows, subject=subject, own=own, whole=whole, **options)

    # --- cuts ---

    @cached_property
    def clusters(self) -> list[Cluster]:
        return list(Cluster.objects.filter(campaign=self.campaign).order_by("number"))

    def _cluster_tally(self) -> _Tally:
        """Counts per cluster (None: outside every cluster), phase and product: the
        counted enrollments joined with the campaign's membership statement."""
        members_sql, members_params = _positional(*campaign_members_sql(self.campaign))
        try:
            counted_sql, counted_params = (
                self.counted().values("agent_id", "phase_id", "product").query.sql_with_params()
            )
        except EmptyResultSet:  # a scope of no organization
            return {}
        sql = (
            f"WITH members AS ({members_sql}) "  # noqa: S608 - statements built by Django and campaigns.membership
            f"SELECT m.cluster_id, c.phase_id, c.product, COUNT(*) FROM ({counted_sql}) c "
            f"LEFT JOIN members m ON m.agent_id = c.agent_id GROUP BY m.cluster_id, c.phase_id, c.product"
        )
        tally: _Tally = {}
        with connection.cursor() as cursor:
            cursor.execute(sql, [*members_params, *counted_params])
            for cluster_id, phase_id, product, n in cursor.fetchall():
                tally.setdefault(cluster_id, {}).setdefault(phase_id, Counter())[product] += int(n)
        return tally

    @cached_property
    def by_cluster(self) -> list[ProgressRow]:
        """A row per cluster of the campaign, then what was counted outside every
        cluster, if anything; none in a campaign without clusters."""
        if not self.clusters:
            return []
        tally = self._cluster_tally()
        rows = [
            self.row(cluster.name, tally.get(cluster.pk), kind=PlanTarget.Scope.CLUSTER, subject=cluster)
            for cluster in self.clusters
        ]
        if tally.get(None):
            rows.append(self.row("", tally[None], leftover=OUTSIDE_CLUSTERS))
        return rows

    @cached_property
    def by_organization(self) -> list[ProgressRow]:
        """A row per service organization (by name): for staff those with counts
        or plans, then BHXH staff without an organization; for a manager their
        own organizations; none for an agent."""
        if self.scope.agent_id is not None and not self.scope.everything:
            return []
        tally = self._tally(self.counted(), "agent__organization_id")
        if self.scope.everything:
            ids = {pk for pk in tally if pk is not None} | self.planned_subjects(PlanTarget.Scope.ORGANIZATION)
        else:
            ids = set(self.scope.organization_ids)
        organizations = ServiceOrganization.objects.filter(pk__in=ids).order_by("name", "code")
        rows = [self.row(o.name, tally.get(o.pk), kind=PlanTarget.Scope.ORGANIZATION, subject=o) for o in organizations]
        if self.scope.everything and tally.get(None):
            rows.append(self.row("", tally[None], leftover=NO_ORGANIZATION))
        return rows

    @cached_property
    def by_unit(self) -> list[ProgressRow]:
        """A row per BHXH unit (by code): an agent's unit is the one they work in
        (staff) or, for an organization's agent without one, the unit their
        organization is contracted to."""
        key = Coalesce("agent__unit_id", "agent__organization__contracting_unit_id")
        tally = self._tally(self.counted(), key)
        ids = {pk for pk in tally if pk is not None} | self.planned_subjects(PlanTarget.Scope.UNIT)
        units = Unit.objects.filter(pk__in=ids).select_related("parent").order_by("code")
        rows = [self.row(unit.name, tally.get(unit.pk), kind=PlanTarget.Scope.UNIT, subject=unit) for unit in units]
        if tally.get(None):
            rows.append(self.row("", tally[None], leftover=NO_UNIT))
        return rows

    @cached_property
    def teams(self) -> list[Team]:
        return list(Team.objects.filter(campaign=self.campaign).select_related("locality").order_by("code"))

    @cached_property
    def by_team(self) -> list[ProgressRow]:
        """A row per team of the campaign (by code), counting what its members
        count (an agent in two teams counts for both), then those in no team."""
        if not self.teams:
            return []
        membership = Team.members.through.objects.filter(team__campaign=self.campaign)
        counted = self.counted()
        tally: _Tally = {}
        rows = (
            membership.filter(agent__enrollments__in=counted.values("pk"))
            .values_list("team_id", "agent__enrollments__phase_id", "agent__enrollments__product")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for team_id, phase_id, product, n in rows:
            tally.setdefault(team_id, {}).setdefault(phase_id, Counter())[product] += n
        lines = [
            self.row(team.name, tally.get(team.pk), kind=PlanTarget.Scope.TEAM, subject=team) for team in self.teams
        ]
        alone = self._tally(counted.filter(~Exists(membership.filter(agent_id=OuterRef("agent_id")))), "campaign_id")
        if alone:
            lines.append(self.row("", alone.get(self.campaign.pk), leftover=NO_TEAM))
        return lines

    @cached_property
    def by_locality(self) -> list[ProgressRow]:
        """Provinces (``style`` "subtotal"), each followed by its ``children``: its
        second-level localities (districts; communes in the two-level map), with
        what the localities below them count, and the agents serving the province
        as a whole; then the agents serving no locality. The locality is the one
        the agent serves, not the participant's: plans are assigned to the places
        agents work in, and the participant's locality is optional on intake."""
        tally = self._tally(self.counted(), "agent__locality_id")
        ids = {pk for pk in tally if pk is not None} | self.planned_subjects(PlanTarget.Scope.LOCALITY)
        localities = {
            locality.pk: locality
            for locality in Locality.objects.filter(pk__in=ids).select_related("parent", "parent__parent")
        }
        provinces: dict[int, Locality] = {}
        seconds: dict[int, Locality] = {}
        # province id → second-level id (None: the province itself) → [locality ids at or below it]
        tree: dict[int, dict[int | None, list[int]]] = {}
        for pk, locality in localities.items():
            chain = [locality]
            while chain[-1].parent_id is not None and len(chain) < 4:
                chain.append(chain[-1].parent)
            province, second = chain[-1], chain[-2] if len(chain) >= 2 else None
            provinces[province.pk] = province
            if second is not None:
                seconds[second.pk] = second
            tree.setdefault(province.pk, {}).setdefault(second.pk if second else None, []).append(pk)

        def counts_of(pks: Iterable[int]) -> dict[int | None, Counter]:
            merged: dict[int | None, Counter] = defaultdict(Counter)
            for pk in pks:
                for phase_id, per_product in tally.get(pk, {}).items():
                    merged[phase_id].update(per_product)
            return merged

        kind = PlanTarget.Scope.LOCALITY
        rows = []
        for province_pk in sorted(tree, key=lambda pk: provinces[pk].code):
            children = []
            for second_pk in sorted(tree[province_pk], key=lambda pk: (pk is None, seconds[pk].code if pk else "")):
                members = tree[province_pk][second_pk]
                if second_pk is None:
                    counts = counts_of(members)
                    if counts:
                        children.append(self.row("", counts, leftover=NO_DISTRICT))
                    continue
                second = seconds[second_pk]
                below = [
                    self.row(localities[pk].name, None, kind=kind, subject=localities[pk])
                    for pk in members
                    if pk != second_pk
                ]
                # What the agents at or below it count; its plan is its own, else the plans below summed.
                counted = self.row("", counts_of(members), leftover=_COUNTS)
                children.append(self._with_own_plan(kind, second, [counted, *below], label=second.name, style="row"))
            province = provinces[province_pk]
            rows.append(self._with_own_plan(kind, province, children, label=province.name, style="subtotal"))
        if tally.get(None):
            rows.append(self.row("", tally[None], leftover=NO_LOCALITY))
        return rows

    # --- people covered ---

    @cached_property
    def as_of(self) -> date:
        """The day the stock is taken on: ``on``, else today, or the last day of
        the period read once it has ended (in the campaign's time zone)."""
        if self.on is not None:
            return self.on
        tz = self.campaign.tzinfo
        today = timezone.localdate(timezone=tz)
        if not self.phases:
            return today
        last = (max(phase.cutoff for phase in self.phases) - timedelta(microseconds=1)).astimezone(tz).date()
        return min(today, last)

    @cached_property
    def stock(self) -> Figure | None:
        """People covered per product on ``as_of``, against the campaign's plan of
        people covered; None for anyone but staff."""
        if not self.scope.everything:
            return None
        reach = unit_reach(self.campaign.organizer)
        counts = people_covered(on=self.as_of, products=self.products, reach=reach)
        rows = (
            PlanTarget.objects.filter(
                campaign=self.campaign, measure=PlanTarget.Measure.COVERED, product__in=[*self.products, ""]
            )
            .values_list("product")
            .annotate(total=Sum("target"))
            .order_by()
        )
        targets = dict(rows)
        plans = {group: plan_value(targets, group, self.products) for group in self.groups}
        return Figure(counts=Counter(counts), plans=plans)

    # --- the total ---

    @cached_property
    def total(self) -> ProgressRow:
        """Everything counted in the scope, against the campaign's plan (else its
        clusters' plans summed) for staff, their organizations' plans summed for a
        manager, and no plan for an agent."""
        if self.scope.everything:
            clusters = [
                self.row(cluster.name, None, kind=PlanTarget.Scope.CLUSTER, subject=cluster)
                for cluster in self.clusters
            ]
            fallback = self.rollup(clusters)
            own = self.row("", None, kind=PlanTarget.Scope.CAMPAIGN)
            cells = [_own_or(mine.plans, theirs.plans) for mine, theirs in zip(own.cells, fallback.cells, strict=True)]
            whole = _own_or(own.total.plans, fallback.total.plans)
        elif self.scope.organizations_only:
            summed = self.rollup(self.by_organization)
            cells = [cell.plans for cell in summed.cells]
            whole = summed.total.plans
        else:
            cells, whole = [{} for _phase in self.phases], {}
        counted = self.row("", self._total_counts)
        return ProgressRow(
            label="",
            cells=[Figure(counts=cell.counts, plans=plans) for cell, plans in zip(counted.cells, cells, strict=True)],
            total=Figure(counts=counted.total.counts, plans=whole),
            style="total",
        )


def progress_against_plan(
    *, campaign: Campaign, phase: Phase | None = None, scope: Scope, on: date | None = None
) -> PlanProgress:
    """Counted against plan in ``campaign`` (one ``phase``, or every phase and the
    whole campaign) as ``scope`` may read it, up to the end of the day ``on``:
    ``.by_cluster``, ``.by_organization``, ``.by_locality``, ``.by_unit``,
    ``.by_team``, ``.total`` and the people covered, ``.stock``."""
    return PlanProgress(campaign=campaign, phase=phase, scope=scope, on=on)
