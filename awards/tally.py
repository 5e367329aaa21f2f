"""Standings kept on write (DESIGN §12): one ``Tally`` row per rule, phase and
competitor, holding what the recount of §5 (``awards.scoring``) gives it.

Writes:

- ``tally_refresh`` recounts the rows an enrollment write touched (the agents
  whose enrollments changed, the teams they belong to, the units above them),
  from the enrollments' indexes, in the writer's transaction. It never adds or
  subtracts one: "earliest receipt wins" can move a count from one agent to
  another, and the writer tells which agents it touched. Rows are locked in
  (rule, phase, competitor) order before they are recounted, so that a
  concurrent writer's commit is always seen by the second recount.
- ``tally_refresh_competitors`` recounts the rows of a few agents or units
  under every rule ranking them (a bar from commendation changed).
- ``tally_mark_stale`` records, in the transaction of a change to a campaign's
  set-up, that its tallies must be rebuilt; ``tally_ensure`` (every read) and
  ``tally_rebuild`` rebuild them by a full recount.

Reads (``tally_page``, ``tally_stream``, ``tally_place``) walk the board
index: a page is a range of it, a competitor's position is the count of the
rows ahead of it under the board's order, its prize rank the count of the
eligible rows ahead (or, when ties share, of those with a higher score).

``tally_differences`` compares the tallies with the full recount: the
``verify_standings`` command and finalizing use it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from awards.models import Finalization, Tally, TallyState
from awards.scoring import (
    Boards,
    CompetitorStanding,
    _ancestors_of,
    _decimal,
    _fetch,
    _moment,
    board_sql,
    unit_clusters,
)
from campaigns.membership import UNIT_DEPTH
from campaigns.models import AwardRule, CompetitorKind, Phase, Team
from collectors.models import Agent, Unit

# The board's order (awards.scoring.BOARD_ORDER) as the ORM writes it.
TALLY_ORDER = (F("eligible").desc(), F("score").desc(), F("reached_at").asc(nulls_last=True), F("code").asc())

_FIELDS = ["cluster_id", "code", "name", "score", "target", "reached_at", "eligible", "screen_id", "quota_counts"]


# --- Which rows a campaign keeps ------------------------------------------------------


def _kept(campaign_id: int) -> list[tuple[AwardRule, list[Phase]]]:
    """Each rule of the campaign with the phases at which it ranks (where its
    leaderboard is read): every phase, its own phase, or the last phase for a
    whole-campaign rule (``awards.scoring.rule_applies``)."""
    phases = list(Phase.objects.filter(campaign_id=campaign_id).order_by("number"))
    rules = AwardRule.objects.filter(campaign_id=campaign_id).select_related("campaign", "cluster").order_by("pk")
    kept = []
    for rule in rules:
        if rule.scope == AwardRule.Scope.CAMPAIGN:
            chosen = phases[-1:]
        else:
            chosen = [phase for phase in phases if rule.phase_id in (None, phase.pk)]
        kept.append((rule, sorted(chosen, key=lambda phase: phase.pk)))
    return kept


def _row_values(row: tuple, quota_count: int) -> dict:
    competitor_id, code, name, cluster_id, score, target, reached_at, eligible, screen_id, *counts = row
    return {
        "competitor_id": competitor_id,
        "cluster_id": cluster_id,
        "code": code,
        "name": name,
        "score": _decimal(score),
        "target": None if target is None else _decimal(target),
        "reached_at": _moment(reached_at),
        "eligible": bool(eligible),
        "screen_id": screen_id,
        "quota_counts": [int(count or 0) for count in counts[:quota_count]],
    }


def _recount(rule: AwardRule, phase: Phase, only: list[int] | None = None) -> dict[int, dict]:
    """Competitor id → the values the recount of §5 gives its tally row."""
    body, params, quotas = board_sql(rule=rule, phase=phase, boards=Boards(every=True), final=False, only=only)
    rows = _fetch(f"{body} SELECT * FROM board", params)  # noqa: S608 - fragments from model metadata
    return {row[0]: _row_values(row, len(quotas)) for row in rows}


# --- Staleness ---------------------------------------------------------------------------


def tally_mark_stale(*, campaign_ids: Iterable[int] | None = None) -> None:
    """Mark the tallies of these campaigns (all, when None) for a rebuild."""
    states = TallyState.objects.all()
    if campaign_ids is not None:
        states = states.filter(campaign_id__in=list(campaign_ids))
    states.filter(stale=False).update(stale=True)


def _share_state(campaign_id: int) -> bool:
    """Hold the campaign's tally state FOR SHARE (a rebuild waits for this
    transaction) and tell whether its tallies are fresh."""
    table = TallyState._meta.db_table
    lock = " FOR SHARE" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        for _attempt in range(2):
            cursor.execute(f"SELECT stale FROM {table} WHERE campaign_id = %s{lock}", [campaign_id])  # noqa: S608
            found = cursor.fetchone()
            if found is not None:
                return not found[0]
            TallyState.objects.get_or_create(campaign_id=campaign_id)
    return False


def tally_ensure(campaign_id: int) -> None:
    """Rebuild the campaign's tallies if they are stale (or were never built)."""
    fresh = TallyState.objects.filter(campaign_id=campaign_id, stale=False).exists()
    if not fresh:
        tally_rebuild(campaign_id=campaign_id)


def tally_rebuild(*, campaign_id: int, force: bool = False) -> int:
    """Rebuild every tally row of a campaign by a full recount, holding its
    state FOR UPDATE (writers wait, and are seen). Returns the rows written."""
    written = 0
    with transaction.atomic():
        TallyState.objects.get_or_create(campaign_id=campaign_id)
        state = TallyState.objects.select_for_update().get(campaign_id=campaign_id)
        if not state.stale and not force:
            return 0
        kept = _kept(campaign_id)
        for rule, phases in kept:
            for phase in phases:
                written += _replace(rule, phase)
        Tally.objects.filter(rule__campaign_id=campaign_id).exclude(_kept_condition(kept)).delete()
        state.stale, state.rebuilt_at = False, timezone.now()
        state.save(update_fields=["stale", "rebuilt_at"])
    return written


def _kept_condition(kept: list[tuple[AwardRule, list[Phase]]]) -> Q:
    condition = Q(pk__in=[])
    for rule, phases in kept:
        condition |= Q(rule=rule, phase__in=phases)
    return condition


def _replace(rule: AwardRule, phase: Phase) -> int:
    """Replace the rows of one rule and phase by the recount's: on PostgreSQL
    in one INSERT … SELECT, the rows never leaving the database."""
    Tally.objects.filter(rule=rule, phase=phase).delete()
    if connection.vendor != "postgresql":
        now = timezone.now()
        values = _recount(rule, phase)
        rows = [Tally(rule=rule, phase=phase, updated_at=now, **row) for row in values.values()]
        Tally.objects.bulk_create(rows, batch_size=2000)
        return len(rows)
    body, params, quotas = board_sql(rule=rule, phase=phase, boards=Boards(every=True), final=False)
    counts = ", ".join(f"b.q{n}" for n in range(len(quotas)))
    params.update(tally_rule=rule.pk, tally_phase=phase.pk)
    insert = f"""
        INSERT INTO {Tally._meta.db_table}
            (rule_id, phase_id, cluster_id, competitor_id, code, name, score, target, reached_at, eligible,
             screen_id, quota_counts, updated_at)
        SELECT %(tally_rule)s, %(tally_phase)s, b.cluster_id, b.id, b.code, b.name, b.score, b.target, b.reached_at,
               b.eligible = 1, b.screen_id, jsonb_build_array({counts}), now()
        FROM ({body} SELECT * FROM board) b
    """  # noqa: S608 - fragments from model metadata; every value is a parameter
    with connection.cursor() as cursor:
        cursor.execute(insert, params)
        return cursor.rowcount


# --- Writes that touch a few competitors ---------------------------------------------------


def _touched_competitors(rule: AwardRule, agent_ids: list[int], cache: dict) -> list[int]:
    """The competitors of the rule whose scores the agents' enrollments make."""
    if rule.competitor_kind == CompetitorKind.AGENT:
        return agent_ids
    if rule.competitor_kind == CompetitorKind.TEAM:
        if "teams" not in cache:
            cache["teams"] = sorted(
                set(
                    Team.members.through.objects.filter(
                        team__campaign_id=rule.campaign_id, agent_id__in=agent_ids
                    ).values_list("team_id", flat=True)
                )
            )
        return cache["teams"]
    if "units" not in cache:
        placed = set(unit_clusters(rule.campaign))
        starts = set()
        for unit_id, contracting_id in Agent.objects.filter(pk__in=agent_ids).values_list(
            "unit_id", "organization__contracting_unit_id"
        ):
            starts |= {unit_id, contracting_id} - {None}
        above = set()
        for chain in _ancestors_of(Unit, starts, UNIT_DEPTH).values():
            above |= set(chain)
        cache["units"] = sorted(above & placed)
    return cache["units"]


def tally_refresh(*, campaign_id: int, agent_ids: Iterable[int], phase_ids: Iterable[int] | None = None) -> None:
    """Recount the tally rows that enrollments of these agents in these phases
    (every phase, when None) make, in the caller's transaction. A campaign
    whose tallies are stale is left to its rebuild."""
    agent_ids = sorted(set(agent_ids))
    if not agent_ids:
        return
    with transaction.atomic(savepoint=False):
        if not _share_state(campaign_id):
            return
        phase_ids = None if phase_ids is None else set(phase_ids)
        cache: dict = {}
        for rule, phases in _kept(campaign_id):
            if rule.metric == AwardRule.Metric.INDICATORS:
                continue
            if rule.scope == AwardRule.Scope.PHASE and phase_ids is not None:
                phases = [phase for phase in phases if phase.pk in phase_ids]
            competitors = _touched_competitors(rule, agent_ids, cache)
            for phase in phases:
                if competitors:
                    _refresh_rows(rule, phase, competitors)


def tally_refresh_competitors(*, kind: str, competitor_ids: Iterable[int]) -> None:
    """Recount the rows of these agents or units under every rule ranking their
    kind, in every campaign whose tallies are fresh, in the caller's transaction
    (a bar from commendation was recorded, changed or removed)."""
    competitor_ids = sorted(set(competitor_ids))
    if not competitor_ids:
        return
    rules = AwardRule.objects.filter(competitor_kind=kind, campaign__tally_state__stale=False)
    with transaction.atomic(savepoint=False):
        for campaign_id in sorted(set(rules.values_list("campaign_id", flat=True))):
            if not _share_state(campaign_id):
                continue
            for rule, phases in _kept(campaign_id):
                if rule.competitor_kind == kind:
                    for phase in phases:
                        _refresh_rows(rule, phase, competitor_ids)


def _refresh_rows(rule: AwardRule, phase: Phase, competitors: list[int]) -> None:
    rows = Tally.objects.filter(rule=rule, phase=phase, competitor_id__in=competitors).order_by("competitor_id")
    locked = list(rows.select_for_update())
    missing = sorted(set(competitors) - {row.competitor_id for row in locked})
    if missing:
        # New competitors (an agent that just joined): their rows are made, then locked like the others.
        Tally.objects.bulk_create(
            [Tally(rule=rule, phase=phase, competitor_id=pk) for pk in missing], ignore_conflicts=True
        )
        locked = list(rows.select_for_update())
    values = _recount(rule, phase, only=competitors)
    changed, gone = [], []
    for row in locked:
        new = values.get(row.competitor_id)
        if new is None:
            gone.append(row.pk)
            continue
        if any(getattr(row, field) != new[field] for field in _FIELDS):
            for field in _FIELDS:
                setattr(row, field, new[field])
            row.updated_at = timezone.now()
            changed.append(row)
    if changed:
        Tally.objects.bulk_update(changed, [*_FIELDS, "updated_at"], batch_size=500)
    if gone:
        Tally.objects.filter(pk__in=gone).delete()


def tally_rename(*, kind: str, competitor_id: int, code: str, name: str) -> None:
    """Carry a competitor's new code or name to its tally rows."""
    rules = AwardRule.objects.filter(competitor_kind=kind)
    Tally.objects.filter(rule__in=rules, competitor_id=competitor_id).exclude(code=code, name=name).update(
        code=code, name=name, updated_at=timezone.now()
    )


# --- Reads ---------------------------------------------------------------------------------------


def _board(rule: AwardRule, phase: Phase, cluster_id: int | None):
    tally_ensure(rule.campaign_id)
    return Tally.objects.filter(rule=rule, phase=phase, cluster_id=cluster_id)


def _shared_rank(board, score) -> int:
    return board.filter(eligible=True, score__gt=score).count() + 1


# The columns a board is read with, as tuples (cheaper than model instances, a whole board at a time):
# CompetitorStanding's own, in its order (the bar and eligibility last).
_READ = (
    "competitor_id",
    "code",
    "name",
    "cluster_id",
    "score",
    "target",
    "reached_at",
    "quota_counts",
    "screen_id",
    "eligible",
)


def _standing(row: tuple, kind: str, position: int, rank: int | None, keep: list[int] | None) -> CompetitorStanding:
    *fields, counts, screen_id, eligible = row
    counts = counts or []
    kept = tuple(counts[n] for n in keep) if keep is not None else tuple(counts)
    return CompetitorStanding(kind, *fields, kept, eligible, position, rank, screen_id=screen_id)


class _Ranker:
    """Prize ranks along a walk of the board in order, from ``position``."""

    def __init__(self, rule: AwardRule, board, start: int):
        self.share = rule.tie_policy == AwardRule.TiePolicy.SHARE
        self.board, self.position = board, start
        self.last: tuple | None = None  # (score, rank) of the last eligible row

    def next(self, row: tuple) -> tuple[int, int | None]:
        """The position and prize rank of the next row (a tuple of ``_READ``)."""
        score, eligible = row[4], row[-1]
        self.position += 1
        if not eligible:
            return self.position, None
        if not self.share:
            return self.position, self.position
        if self.last is not None and self.last[0] == score:
            rank = self.last[1]
        elif self.last is not None:
            rank = self.position
        else:
            rank = _shared_rank(self.board, score)
        self.last = (score, rank)
        return self.position, rank


def tally_page(
    *, rule: AwardRule, phase: Phase, cluster_id: int | None, limit: int, offset: int, keep: list[int] | None
) -> tuple[list[CompetitorStanding], int]:
    """A page of a provisional board, in its order, and the board's size."""
    board = _board(rule, phase, cluster_id)
    ranker = _Ranker(rule, board, offset)
    rows = list(board.order_by(*TALLY_ORDER).values_list(*_READ)[offset : offset + limit])
    page = []
    for row in rows:
        position, rank = ranker.next(row)
        page.append(_standing(row, rule.competitor_kind, position, rank, keep))
    size = board.count() if rows or offset else 0
    return page, size


def tally_stream(
    *, rule: AwardRule, phase: Phase, cluster_id: int | None, keep: list[int] | None, batch: int
) -> Iterator[CompetitorStanding]:
    """A whole provisional board, in its order, read ``batch`` rows at a time."""
    board = _board(rule, phase, cluster_id)
    ranker = _Ranker(rule, board, 0)
    for row in board.order_by(*TALLY_ORDER).values_list(*_READ).iterator(chunk_size=batch):
        position, rank = ranker.next(row)
        yield _standing(row, rule.competitor_kind, position, rank, keep)


@dataclass(frozen=True)
class Place:
    position: int
    rank: int | None
    eligible: bool
    competitors: int


# A competitor's place in one statement: its row joined to one pass over its board's index range (index-only:
# every column it reads is in the index), counting the rows ahead in the board's order, the eligible with a
# higher score, and all; and whether the campaign's tallies are fresh.
_PLACE_SQL = """
    SELECT me.eligible,
           COUNT(t.code) FILTER (WHERE
                (t.eligible AND NOT me.eligible)
                OR (t.eligible = me.eligible AND t.score > me.score)
                OR (t.eligible = me.eligible AND t.score = me.score AND (
                    (me.reached_at IS NULL AND (t.reached_at IS NOT NULL OR t.code < me.code))
                    OR (t.reached_at < me.reached_at)
                    OR (t.reached_at = me.reached_at AND t.code < me.code)))),
           COUNT(t.code) FILTER (WHERE t.eligible AND t.score > me.score),
           COUNT(t.code),
           (SELECT s.stale FROM {state} s WHERE s.campaign_id = %(campaign)s)
    FROM {tally} me
    JOIN {tally} t ON {board}
    WHERE me.rule_id = %(rule)s AND me.phase_id = %(phase)s AND me.competitor_id = %(competitor)s AND {mine}
    GROUP BY me.eligible, me.score, me.reached_at, me.code
"""


def tally_place(*, rule: AwardRule, phase: Phase, cluster_id: int | None, competitor_id: int) -> Place | None:
    """A competitor's place on a provisional board: the rows ahead of it, and
    the board's size. None when the competitor is not on this board."""
    in_cluster = "{alias}.cluster_id IS NULL" if cluster_id is None else "{alias}.cluster_id = %(cluster)s"
    board = "t.rule_id = %(rule)s AND t.phase_id = %(phase)s AND " + in_cluster.format(alias="t")
    sql = _PLACE_SQL.format(
        tally=Tally._meta.db_table, state=TallyState._meta.db_table, board=board, mine=in_cluster.format(alias="me")
    )
    params = {"rule": rule.pk, "phase": phase.pk, "competitor": competitor_id, "cluster": cluster_id}
    params["campaign"] = rule.campaign_id
    found = _fetch(sql, params)
    if not found or found[0][4] is None or bool(found[0][4]):
        tally_ensure(rule.campaign_id)  # stale, never built, or not on the board: counted again once built
        found = _fetch(sql, params)
    if not found:
        return None
    eligible, ahead, higher, size, _stale = found[0]
    position = ahead + 1
    rank = None
    if eligible:
        rank = higher + 1 if rule.tie_policy == AwardRule.TiePolicy.SHARE else position
    return Place(position, rank, bool(eligible), size)


def tally_board_size(*, rule: AwardRule, phase: Phase, cluster_id: int | None) -> int:
    return _board(rule, phase, cluster_id).count()


# --- Proof ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    rule: str
    phase: int
    competitor_id: int
    field: str
    tally: object
    recount: object

    def __str__(self) -> str:
        return (
            f"rule {self.rule} · phase {self.phase} · competitor {self.competitor_id}: "
            f"{self.field} tally={self.tally!r} recount={self.recount!r}"
        )


def tally_differences(*, campaign_id: int, phase_id: int | None = None, repair: bool = False) -> list[Difference]:
    """Every difference between the campaign's tallies (of one phase, when
    given) and the full recount; with ``repair``, the rules and phases that
    differ are rebuilt from the recount."""
    differences: list[Difference] = []
    tally_ensure(campaign_id)
    with transaction.atomic():
        TallyState.objects.select_for_update().get(campaign_id=campaign_id)
        for rule, phases in _kept(campaign_id):
            for phase in phases:
                if phase_id is not None and phase.pk != phase_id:
                    continue
                found = _compare(rule, phase)
                differences += found
                if found and repair:
                    _replace(rule, phase)
    return differences


def _compare(rule: AwardRule, phase: Phase) -> list[Difference]:
    only = _differing(rule, phase) if connection.vendor == "postgresql" else None
    if only is not None and not only:
        return []
    expected = _recount(rule, phase, only=only)
    found = []
    rows = Tally.objects.filter(rule=rule, phase=phase).values_list("competitor_id", *_FIELDS)
    if only is not None:
        rows = rows.filter(competitor_id__in=only)
    stored = {row[0]: dict(zip(_FIELDS, row[1:], strict=True)) for row in rows.iterator(chunk_size=5000)}
    for competitor_id in sorted(set(expected) | set(stored)):
        want, have = expected.get(competitor_id), stored.get(competitor_id)
        if have is None or want is None:
            found.append(Difference(rule.code, phase.number, competitor_id, "row", have is not None, want is not None))
            continue
        found += [
            Difference(rule.code, phase.number, competitor_id, field, have[field], want[field])
            for field in _FIELDS
            if have[field] != want[field]
        ]
    return found


def _differing(rule: AwardRule, phase: Phase) -> list[int]:
    """The competitors whose tally row differs from the recount (or exists on one
    side only), found by one statement in the database (PostgreSQL)."""
    body, params, quotas = board_sql(rule=rule, phase=phase, boards=Boards(every=True), final=False)
    counts = ", ".join(f"b.q{n}" for n in range(len(quotas)))
    params.update(tally_rule=rule.pk, tally_phase=phase.pk)
    table = Tally._meta.db_table
    sql = f"""
        SELECT COALESCE(b.id, t.competitor_id)
        FROM ({body} SELECT * FROM board) b
        FULL OUTER JOIN (
            SELECT * FROM {table} WHERE rule_id = %(tally_rule)s AND phase_id = %(tally_phase)s
        ) t ON t.competitor_id = b.id
        WHERE b.id IS NULL OR t.id IS NULL
           OR b.cluster_id IS DISTINCT FROM t.cluster_id OR b.code <> t.code OR b.name <> t.name
           OR ROUND(b.score, 4) <> t.score OR ROUND(b.target, 4) IS DISTINCT FROM t.target
           OR b.reached_at IS DISTINCT FROM t.reached_at OR (b.eligible = 1) <> t.eligible
           OR b.screen_id IS DISTINCT FROM t.screen_id
           OR jsonb_build_array({counts}) <> t.quota_counts
    """  # noqa: S608 - fragments from model metadata; every value is a parameter
    return sorted(row[0] for row in _fetch(sql, params))


def tally_check_finalization(*, finalization_id: int) -> Finalization | None:
    """After finalizing: compare the phase's tallies with the provisional recount,
    record on the finalization whether they agreed and how many rows differed,
    and repair them if they did not. Once per finalization (a second call, or a
    task delivered again, finds it recorded)."""
    with transaction.atomic():
        finalization = (
            Finalization.objects.select_for_update().select_related("phase").filter(pk=finalization_id).first()
        )
        if finalization is None or finalization.tally_agreed is not None:
            return finalization
        phase = finalization.phase
        differences = tally_differences(campaign_id=phase.campaign_id, phase_id=phase.pk, repair=True)
        finalization.tally_agreed, finalization.tally_differences = not differences, len(differences)
        finalization.save(update_fields=["tally_agreed", "tally_differences"])
    return finalization
