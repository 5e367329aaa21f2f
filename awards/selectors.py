"""Reads of the awards app: which rules rank a phase, its leaderboards final or
provisional, a competitor's place and award, and the totals of awards. Pure
queries; every adapter (API, pages, workbooks) reads its figures from here.

A leaderboard is read in three steps, the same for every adapter:

- ``leaderboard_resolve``: the rule and the cluster a reader asks for (or the
  default ones), checked once;
- ``leaderboard_page``: a page of it, or ``leaderboard_stream``: all of it, a
  batch at a time. Final (the current finalization's stored standings, with
  the prize each competitor won) once the phase is finalized, provisional (the
  standings kept on write, ``awards.tally``, read a page of their index at a
  time) before. Both give the same ``BoardRow``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import islice
from typing import NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import BigIntegerField, Count, F, Min, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from awards.models import (
    Award,
    AwardTransition,
    CouncilMeeting,
    DocumentTemplate,
    Finalization,
    Nomination,
    NominationTransition,
    Standing,
    Tally,
    TallyState,
)
from awards.money import BoardPricer, salary_estimates
from awards.scoring import (
    Boards,
    CompetitorStanding,
    applicable_quotas,
    rule_applies,
    rule_clusters,
)
from awards.screening import bar_texts
from awards.tally import tally_board_size, tally_page, tally_place, tally_stream
from campaigns.models import AwardRule, Cluster, CompetitorKind, Phase, Quota, Team
from collectors.models import Agent, CommendationBar, Unit
from core.lookups import values_in
from core.reach import register_reach_path

# Rows read per round trip when a whole board is streamed.
STREAM_BATCH = 2000

# Results belong to their campaign's organizer (core.reach, DESIGN §10).
register_reach_path(Finalization, "phase__campaign__organizer")
register_reach_path(Standing, "finalization__phase__campaign__organizer")
register_reach_path(Award, "phase__campaign__organizer")
register_reach_path(AwardTransition, "award__phase__campaign__organizer")
register_reach_path(Nomination, "campaign__organizer")
register_reach_path(NominationTransition, "nomination__campaign__organizer")
register_reach_path(CouncilMeeting, "phase__campaign__organizer")
# An office's own templates: those of its unit and the units below it.
register_reach_path(DocumentTemplate, "unit")
register_reach_path(Tally, "phase__campaign__organizer")
register_reach_path(TallyState, "campaign__organizer")


def phase_rules(phase: Phase) -> list[AwardRule]:
    """The campaign's award rules that rank competitors at ``phase``, in order."""
    rules = (
        AwardRule.objects.filter(campaign_id=phase.campaign_id)
        .select_related("campaign", "cluster")
        .order_by("position", "code", "pk")
    )
    return [rule for rule in rules if rule_applies(rule, phase)]


def default_rule(rules: list[AwardRule]) -> AwardRule | None:
    """The first rule ranking agents, else the first rule."""
    for rule in rules:
        if rule.competitor_kind == CompetitorKind.AGENT:
            return rule
    return rules[0] if rules else None


def current_finalization(phase: Phase) -> Finalization | None:
    """The finalization whose standings are final, when the phase is finalized."""
    if phase.status != Phase.Status.FINALIZED:
        return None
    return Finalization.objects.filter(phase=phase, current=True).first()


def board_quotas(*, rule: AwardRule, phase: Phase, boards: Boards) -> list[Quota]:
    """The quotas whose counts the standings carry, in their order (as ``standings_sql`` picks them)."""
    if rule.metric == AwardRule.Metric.INDICATORS or not rule.requires_quota:
        return []
    return applicable_quotas(rule=rule, phase=phase, boards=boards)


# --- Which board ----------------------------------------------------------------------


class NoRanking(Exception):
    """The phase has no award rule ranking competitors."""


@dataclass(frozen=True)
class BoardChoice:
    """The leaderboard a reader asked for, checked: its rule and its cluster
    (None: the rule ranks everyone together, or the campaign has no clusters)."""

    phase: Phase
    rule: AwardRule
    cluster: Cluster | None
    rules: list[AwardRule]  # every rule ranking the phase, in order
    boards: list[Cluster | None]  # the rule's boards the reader may see, in order


def leaderboard_rule(*, phase: Phase, rule: str | int | None = None, rules: list[AwardRule] | None = None) -> AwardRule:
    """The rule ranking ``phase`` named by its code or id; by default the first
    rule ranking agents. ``NoRanking`` when no rule ranks the phase; a field
    error (``{"rule": …}``) for a rule that does not rank it."""
    rules = phase_rules(phase) if rules is None else rules
    value = str(rule).strip() if rule is not None else ""
    if not value:
        chosen = default_rule(rules)
        if chosen is None:
            raise NoRanking(_("No award rule ranks competitors in %(phase)s.") % {"phase": phase.name})
        return chosen
    for candidate in rules:
        if candidate.code == value:
            return candidate
    if value.isdigit():
        for candidate in rules:
            if candidate.pk == int(value):
                return candidate
    message = _("%(rule)s is not an award rule ranking competitors in %(phase)s.") % {
        "rule": value,
        "phase": phase.name,
    }
    raise ValidationError({"rule": [message]})


def leaderboard_resolve(
    *,
    phase: Phase,
    rule: str | int | None = None,
    cluster: int | None = None,
    allows: Callable[[int | None], bool] | None = None,
    first_allowed: bool = False,
) -> BoardChoice:
    """The board of ``phase`` a reader asks for: the rule by code or id (default:
    the first ranking agents, see ``leaderboard_rule``) and the cluster by id.

    A rule ranking everyone together has one board (None); a rule ranking one
    cluster, that cluster's; a rule ranking each cluster, the cluster asked for,
    which must be one of the campaign's (a field error ``{"cluster": …}``
    otherwise). Asked for none, such a rule takes the first board the reader
    may see when ``first_allowed``, and is a field error otherwise.
    ``allows(cluster_id)`` says which boards the reader may see: the board
    chosen must be one of them (``PermissionDenied`` otherwise)."""
    rules = phase_rules(phase)
    chosen = leaderboard_rule(phase=phase, rule=rule, rules=rules)
    every = rule_clusters(chosen)
    boards = [board for board in every if allows is None or allows(_pk(board))]
    board = _board_of(chosen, phase, cluster, every=every, default=boards if first_allowed else None)
    if allows is not None and not allows(_pk(board)):
        raise _own_cluster_only()
    return BoardChoice(phase=phase, rule=chosen, cluster=board, rules=rules, boards=boards)


def _own_cluster_only() -> PermissionDenied:
    return PermissionDenied(_("You may read the leaderboard of your own cluster only."))


def _pk(cluster: Cluster | None) -> int | None:
    return cluster.pk if cluster is not None else None


def _board_of(rule: AwardRule, phase: Phase, cluster_id: int | None, *, every: list, default: list | None):
    """``every``: the rule's boards (``rule_clusters``), for a rule ranking each
    cluster the campaign's clusters, or [None] when it has none."""
    each_cluster = rule.per_cluster and not rule.cluster_id
    requested = None
    if cluster_id is not None:
        if each_cluster:
            requested = next((board for board in every if board is not None and board.pk == cluster_id), None)
        else:
            requested = Cluster.objects.filter(pk=cluster_id, campaign_id=phase.campaign_id).first()
        if requested is None:
            message = _("There is no cluster %(id)s in the campaign %(campaign)s.") % {
                "id": cluster_id,
                "campaign": phase.campaign.name,
            }
            raise ValidationError({"cluster": [message]})
    if not rule.per_cluster:
        return None
    if rule.cluster_id:
        if requested is not None and requested.pk != rule.cluster_id:
            message = _("The rule %(rule)s ranks %(cluster)s only.") % {"rule": rule.code, "cluster": rule.cluster}
            raise ValidationError({"cluster": [message]})
        return rule.cluster
    if every == [None]:
        return None  # the campaign has no clusters
    if requested is not None:
        return requested
    if default is not None:
        if not default:
            raise _own_cluster_only()
        return default[0]
    message = _("Choose a cluster: the rule %(rule)s ranks each cluster on its own.") % {"rule": rule.code}
    raise ValidationError({"cluster": [message]})


# --- Reading a board -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Prize:
    """The prize a competitor won on a final board, while the award stands."""

    title: str
    amount: int
    status: str
    estimate: bool = False  # a salary-based prize before its decision, at today's base salary (awards.money)

    @property
    def status_display(self) -> str:
        return Award.Status(self.status).label


@dataclass(slots=True)
class BoardRow:
    """A competitor on a leaderboard, final or provisional: what the API, the
    page and the ranking workbook show of it."""

    position: int  # place on the board, everyone included
    rank: int | None  # prize rank among the eligible
    kind: str
    id: int
    code: str
    name: str
    score: Decimal
    target: Decimal | None
    eligible: bool
    reached_at: datetime | None
    quota_counts: list[int]  # what counts towards each of the board's quotas, in order
    prize: Prize | None = None  # final boards only
    affiliation: str | None = None  # an agent's organization (or BHXH unit); the office a team or unit belongs to
    organization_id: int | None = None  # an agent's service organization
    locality: str | None = None
    role: str = ""  # an agent's role
    barred: str | None = None  # why the competitor is not eligible: a bar from commendation during the phase


@dataclass(frozen=True)
class _Board:
    """What every reading of a board tells: final (the finalization whose stored
    standings it reads) or provisional (None), and the quotas whose counts its
    rows carry, in order."""

    finalization: Finalization | None
    quotas: list[Quota]

    @property
    def final(self) -> bool:
        return self.finalization is not None

    @property
    def version(self) -> int | None:
        return self.finalization.version if self.finalization is not None else None


@dataclass(frozen=True)
class BoardPage(_Board):
    """A page of a leaderboard: its rows, the size of the whole board, and the page's number and size."""

    rows: list[BoardRow]
    count: int
    number: int
    size: int

    @property
    def pages(self) -> int:
        return max(-(-self.count // self.size), 1)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


@dataclass(frozen=True)
class BoardStream(_Board):
    """A whole leaderboard, its rows read a batch at a time as they are iterated."""

    rows: Iterator[BoardRow]


class _Source(NamedTuple):
    finalization: Finalization | None
    quotas: list[Quota]
    keep: list[int] | None  # which of the stored counts are the board's quotas' (None: every one, as stored)


def _source(*, phase: Phase, rule: AwardRule, cluster: Cluster | None) -> _Source:
    """Where a board's rows come from: final or provisional, and its quotas.
    Both carry the counts of every quota of the rule (a tally row, a stored
    standing); a board shows those of its own cluster's quotas or of none."""
    finalization = current_finalization(phase)
    quotas = board_quotas(rule=rule, phase=phase, boards=Boards(every=True))
    if finalization is None:
        keep = [n for n, quota in enumerate(quotas) if quota.cluster_id in (None, _pk(cluster))]
        return _Source(None, [quotas[n] for n in keep], keep)
    # The stored counts follow every quota of the rule, as they were when finalized
    # (alike on every row of a finalization); this board's are those of its cluster
    # or of none. If the quotas changed since, the counts are shown as stored, against no quota.
    stored = _stored(finalization, rule, cluster).order_by().values_list("quota_counts", flat=True)[:1]
    first = next(iter(stored), None)
    if first is not None and len(_counts(first)) != len(quotas):
        return _Source(finalization, [], None)
    keep = [n for n, quota in enumerate(quotas) if quota.cluster_id in (None, _pk(cluster))]
    return _Source(finalization, [quotas[n] for n in keep], keep)


def leaderboard_page(
    *, phase: Phase, rule: AwardRule, cluster: Cluster | None, page: int = 1, page_size: int = 50
) -> BoardPage:
    """Page ``page`` (from 1) of a leaderboard, ``page_size`` rows a page: the
    stored final standings once the phase is finalized, the provisional ones
    kept on write before (a range of the tally's board index). A page past the
    end has no rows; ``count`` is the size of the whole board."""
    source = _source(phase=phase, rule=rule, cluster=cluster)
    page = max(int(page), 1)
    offset = (page - 1) * page_size
    if source.finalization is not None:
        stored = _stored(source.finalization, rule, cluster)
        values = _final_values(stored, rule)[offset : offset + page_size]
        pricer = BoardPricer(phase.campaign)
        rows = [_final_row(value, rule.competitor_kind, source.keep, pricer) for value in values]
        count = stored.count() if rows or offset else 0
    else:
        standings, count = tally_page(
            rule=rule, phase=phase, cluster_id=_pk(cluster), limit=page_size, offset=offset, keep=source.keep
        )
        rows = _live_rows(rule.competitor_kind, standings)
    return BoardPage(source.finalization, source.quotas, rows=rows, count=count, number=page, size=page_size)


def leaderboard_stream(
    *, phase: Phase, rule: AwardRule, cluster: Cluster | None, batch: int = STREAM_BATCH
) -> BoardStream:
    """The whole of a leaderboard in position order, final or provisional like
    ``leaderboard_page``, its rows read ``batch`` at a time as they are iterated
    (never gathered): for writing the ranking workbook in bounded memory."""
    source = _source(phase=phase, rule=rule, cluster=cluster)
    if source.finalization is not None:
        pricer = BoardPricer(phase.campaign)
        rows = _final_stream(_stored(source.finalization, rule, cluster), rule, source.keep, batch, pricer)
    else:
        rows = _live_stream(rule=rule, phase=phase, cluster=cluster, keep=source.keep, batch=batch)
    return BoardStream(source.finalization, source.quotas, rows=rows)


# --- Final boards: the stored standings ---------------------------------------------


def _stored(finalization: Finalization, rule: AwardRule, cluster: Cluster | None):
    return Standing.objects.filter(finalization=finalization, rule=rule, cluster_id=_pk(cluster)).order_by("position")


def _counts(text: str) -> list[int]:
    return [int(count) for count in text.split(",") if count]


_DETAILS = {
    CompetitorKind.AGENT: {
        "affiliation": Coalesce("agent__organization__name", "agent__unit__name"),
        "organization": F("agent__organization_id"),
        "place": F("agent__locality__name"),
        "role": F("agent__role"),
    },
    CompetitorKind.TEAM: {
        "affiliation": F("team__unit__name"),
        "organization": Value(None, output_field=BigIntegerField()),
        "place": F("team__locality__name"),
        "role": Value(""),
    },
    CompetitorKind.UNIT: {
        "affiliation": F("unit__parent__name"),
        "organization": Value(None, output_field=BigIntegerField()),
        "place": F("unit__locality__name"),
        "role": Value(""),
    },
}


# The columns a stored standing is read with: its own, its award's, its competitor's details.
_FINAL_COLUMNS = (
    *("position", "rank", "agent_id", "team_id", "unit_id", "competitor_code", "competitor_name", "score"),
    *("target", "eligible", "reached_at", "quota_counts"),
    *("award__status", "award__tier__title", "award__amount", "award__tier_id", "award__tier__money"),
    *("affiliation", "organization", "place", "role", "screen_reason", "screen_note"),
)


def _final_values(stored, rule: AwardRule):
    """The stored standings with their awards and their competitors' details, as tuples."""
    return stored.annotate(**_DETAILS[rule.competitor_kind]).values_list(*_FINAL_COLUMNS)


def _final_row(value: tuple, kind: str, keep: list[int] | None, pricer: BoardPricer) -> BoardRow:
    position, rank, agent_id, team_id, unit_id, code, name, score, target, eligible, reached_at = value[:11]
    stored_counts, status, title, amount, tier_id, money, *rest = value[11:]
    affiliation, organization_id, place, role, screen, note = rest
    counts = _counts(stored_counts)
    prize = None
    if status in Award.ACTIVE:  # a rejected, revoked or superseded award is no prize
        shown = pricer.money(tier_id=tier_id, money=money, status=status, stored=amount)
        prize = Prize(title, shown.amount, status, shown.estimate)
    return BoardRow(
        position,
        rank,
        kind,
        agent_id or team_id or unit_id,
        code,
        name,
        score,
        target,
        eligible,
        reached_at,
        [counts[n] for n in keep] if keep is not None else counts,
        prize,
        affiliation,
        organization_id,
        place,
        role or "",
        CommendationBar.describe(screen, note) if screen else None,
    )


def _final_stream(
    stored, rule: AwardRule, keep: list[int] | None, batch: int, pricer: BoardPricer
) -> Iterator[BoardRow]:
    kind = rule.competitor_kind
    for value in _final_values(stored, rule).iterator(chunk_size=batch):
        yield _final_row(value, kind, keep, pricer)


# --- Provisional boards: the standings kept on write ------------------------------------


def _competitor_details(kind: str, ids: list[int]) -> dict[int, tuple]:
    """Competitor id → (affiliation, organization id, locality, role), in one query."""
    if kind == CompetitorKind.AGENT:
        rows = Agent.objects.filter(values_in("pk", ids)).values_list(
            "pk", Coalesce("organization__name", "unit__name"), "organization_id", "locality__name", "role"
        )
        return {pk: (affiliation, organization, place, role) for pk, affiliation, organization, place, role in rows}
    if kind == CompetitorKind.TEAM:
        rows = Team.objects.filter(values_in("pk", ids)).values_list("pk", "unit__name", "locality__name")
    else:
        rows = Unit.objects.filter(values_in("pk", ids)).values_list("pk", "parent__name", "locality__name")
    return {pk: (affiliation, None, place, "") for pk, affiliation, place in rows}


def _live_rows(kind: str, standings: list[CompetitorStanding]) -> list[BoardRow]:
    details = _competitor_details(kind, [row.competitor_id for row in standings]) if standings else {}
    bars = bar_texts(row.screen_id for row in standings)
    nothing = (None, None, None, "")
    return [
        BoardRow(
            row.position,
            row.rank,
            row.kind,
            row.competitor_id,
            row.code,
            row.name,
            row.score,
            row.target,
            row.eligible,
            row.reached_at,
            list(row.quota_counts),
            None,
            *details.get(row.competitor_id, nothing),
            bars.get(row.screen_id),
        )
        for row in standings
    ]


def _live_stream(
    *, rule: AwardRule, phase: Phase, cluster: Cluster | None, keep: list[int] | None, batch: int
) -> Iterator[BoardRow]:
    rows = tally_stream(rule=rule, phase=phase, cluster_id=_pk(cluster), keep=keep, batch=batch)
    while standings := list(islice(rows, batch)):
        yield from _live_rows(rule.competitor_kind, standings)


# --- A competitor's place and award ----------------------------------------------------


def agent_standing(*, phase: Phase, agent, cluster: Cluster | None, rules: list[AwardRule]) -> dict:
    """The agent's place at ``phase`` on the board of the first agent rule that
    ranks them (their role, their cluster): final when the phase is finalized,
    provisional otherwise: the rows ahead of them on the board's index."""
    empty = {"rule": None, "rank": None, "position": None, "eligible": None, "competitors": None, "barred": None}
    cluster_id = cluster.pk if cluster else None
    rule = next(
        (
            rule
            for rule in rules
            if rule.competitor_kind == CompetitorKind.AGENT
            and rule.role in ("", agent.role)
            and rule.cluster_id in (None, cluster_id)
        ),
        None,
    )
    if rule is None:
        return empty
    board = cluster if rule.per_cluster else None
    finalization = current_finalization(phase)
    if finalization is not None:
        stored = Standing.objects.filter(finalization=finalization, rule=rule, cluster=board)
        mine = stored.filter(agent=agent).values("position", "rank", "eligible", "screen_reason", "screen_note").first()
        place = (mine["position"], mine["rank"], mine["eligible"]) if mine else None
        barred = None
        if mine and mine["screen_reason"]:
            barred = CommendationBar.describe(mine["screen_reason"], mine["screen_note"])
        competitors = stored.count()
    else:
        found = tally_place(rule=rule, phase=phase, cluster_id=_pk(board), competitor_id=agent.pk)
        place = (found.position, found.rank, found.eligible) if found else None
        competitors = found.competitors if found else tally_board_size(rule=rule, phase=phase, cluster_id=_pk(board))
        barred = None
        if found and not found.eligible:
            mine = Tally.objects.filter(rule=rule, phase=phase, competitor_id=agent.pk)
            screen_id = mine.values_list("screen_id", flat=True).first()
            barred = bar_texts([screen_id]).get(screen_id)
    if place is None:
        return {**empty, "rule": rule.code, "competitors": competitors}
    position, rank, eligible = place
    return {
        "rule": rule.code,
        # The prize rank among the eligible; an agent not (yet) eligible sees their place on the board.
        "rank": rank if eligible and rank is not None else position,
        "position": position,
        "eligible": eligible,
        "competitors": competitors,
        "barred": barred,  # why the agent is not eligible: a bar from commendation during the phase
    }


def stored_quota_counts(row: Standing) -> list[int]:
    """The quota counts a stored standing carries."""
    counts = getattr(row, "quotas", None)
    if counts is None:  # standings stored before quota counts had their own column
        counts = (getattr(row, "details", None) or {}).get("quotas", [])
    return list(counts)


def agent_awards(*, agent, phase_ids) -> dict[int, Award]:
    """The agent's award per phase among ``phase_ids``: the live one (proposed,
    reviewed or approved) of the current finalization, else the latest decided
    one (rejected, revoked), with its tier."""
    awards = (
        Award.objects.filter(agent=agent, phase_id__in=list(phase_ids), finalization__current=True)
        .exclude(status=Award.Status.SUPERSEDED)
        .select_related("tier", "rule", "phase__campaign")
        .order_by("phase_id", "pk")
    )
    found: dict[int, Award] = {}
    for award in awards:
        kept = found.get(award.phase_id)
        if kept is None or (award.status in Award.ACTIVE and kept.status not in Award.ACTIVE):
            found[award.phase_id] = award
    return found


# --- Totals of awards ------------------------------------------------------------------


# The order of an award list (the API's and the workbook's): by campaign, phase,
# rule, cluster, prize tier and place on the board.
AWARD_LIST_ORDER = (
    "phase__campaign_id",
    "phase__number",
    "rule__position",
    "rule__code",
    "cluster__number",
    "tier__position",
    "standing__position",
    "pk",
)


def award_totals(awards, *, now=None) -> dict:
    """What the awards selected (a queryset) add up to, in two queries (and,
    when salary-based prizes await their decision, two more):

    - ``count`` and ``amount`` (VND) of them all, whatever their status;
    - ``by_status``: count and amount per status; ``active``: of the live ones
      (proposed, reviewed, approved);
    - ``by_tier``: count and amount per prize tier, in the order of the award
      list (campaign, phase, rule, tier);
    - ``nominations``: count and amount of the individuals and bodies nominated
      under them and from outside the sector in their phases
      (``listed_nominations``), rejected ones left out; ``outside``: of those
      from outside the sector;
    - ``estimate``: whether the amounts include salary-based prizes not decided
      yet, counted at today's base salary (``awards.money``)."""
    by_status = {value: {"count": 0, "amount": 0} for value in Award.Status.values}
    tiers: dict[int, dict] = {}
    order: dict[int, tuple] = {}
    rows = (
        awards.order_by()
        .values("status", "tier_id", "rule__code", "rule__name", "tier__title", "tier__money")
        .annotate(
            count=Count("pk"),
            amount=Sum("amount"),
            first_phase=Min("phase__number"),
            campaign=Min("phase__campaign_id"),
            rule_position=Min("rule__position"),
            tier_position=Min("tier__position"),
        )
    )
    rows = list(rows)
    estimates = salary_estimates(rows, now=now)
    for row in rows:
        count, amount = row["count"], int(row["amount"] or 0)
        if (row["tier_id"], row["status"]) in estimates:
            amount = count * estimates[row["tier_id"], row["status"]]
        by_status[row["status"]]["count"] += count
        by_status[row["status"]]["amount"] += amount
        tier = tiers.setdefault(row["tier_id"], _tier_total(row))
        tier["count"] += count
        tier["amount"] += amount
        key = (row["campaign"], row["first_phase"], row["rule_position"], row["rule__code"], row["tier_position"])
        order[row["tier_id"]] = min(order.get(row["tier_id"], key), key)
    active = [by_status[value] for value in Award.ACTIVE]
    nominated = (
        listed_nominations(awards)
        .exclude(status=Nomination.Status.REJECTED)
        .order_by()
        .values("outside_sector")
        .annotate(count=Count("pk"), amount=Sum("amount"))
    )
    nominations = {"count": 0, "amount": 0, "outside": {"count": 0, "amount": 0}}
    for row in nominated:
        nominations["count"] += row["count"]
        nominations["amount"] += int(row["amount"] or 0)
        if row["outside_sector"]:
            nominations["outside"] = {"count": row["count"], "amount": int(row["amount"] or 0)}
    return {
        "count": sum(item["count"] for item in by_status.values()),
        "amount": sum(item["amount"] for item in by_status.values()),
        "by_status": by_status,
        "active": _summed(active),
        "by_tier": [tiers[pk] for pk in sorted(tiers, key=lambda pk: (order[pk], pk))],
        "nominations": nominations,
        "estimate": bool(estimates),
    }


def listed_nominations(awards):
    """The nominations an award list of ``awards`` (a queryset) shows: those
    under them, and those from outside the sector in the phases of them."""
    under = Q(award__in=awards.order_by().values("pk"))
    outside = Q(award__isnull=True, phase__in=awards.order_by().values("phase_id"))
    return Nomination.objects.filter(under | outside)


def _tier_total(row: dict) -> dict:
    return {
        "rule": row["rule__code"],
        "rule_name": row["rule__name"],
        "tier": row["tier__title"],
        "count": 0,
        "amount": 0,
    }


def _summed(items: Iterable[dict]) -> dict:
    items = list(items)
    return {"count": sum(item["count"] for item in items), "amount": sum(item["amount"] for item in items)}
