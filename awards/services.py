"""The phase lifecycle and the awards workflow (DESIGN §5).

Phase: scheduled → open → closed (at cutoff + grace) → finalized → (reopened,
with a reason, to closed; before any award is approved) → finalized again as a
new version. Award: proposed → reviewed (council) → approved (director) |
rejected; approved → revoked. Every change locks the row it changes, checks the
state it starts from, and is recorded with who, when and why; so running any of
them twice, or two at once, changes things once. A change made for a staff
member takes their reach (``core.reach``) and refuses a phase or an award of a
campaign outside it; finalizing asked for by a staff member checks their reach
again when the task runs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from awards.appeals.workflow import appeals_corrected, approval_refusal, notice_end
from awards.models import Award, AwardTransition, Finalization, Standing
from awards.money import salary_amount
from awards.nominations import nominations_follow_award
from awards.scoring import Boards, rule_applies, standings_sql
from awards.signals import award_approved
from campaigns.models import AwardRule, CompetitorKind, Phase, PrizeTier, Team
from campaigns.services import phase_move
from collectors.models import CommendationBar, Unit
from collectors.selectors import user_reach
from core.errors import InvalidTransition
from core.reach import Reach, reach_allows, require_reach
from core.transitions import status_move
from enrollments.contributions import ParameterTable

logger = logging.getLogger(__name__)

# --- Phases ---------------------------------------------------------------------------


def phases_due_for_finalizing(*, now: datetime | None = None) -> list[int]:
    """Closed phases of campaigns with a review period that has passed since closing."""
    now = now or timezone.now()
    due = []
    rows = Phase.objects.filter(status=Phase.Status.CLOSED, campaign__review_period__isnull=False).values_list(
        "pk", "closed_at", "campaign__review_period"
    )
    for pk, closed_at, review_period in rows:
        # A reopened phase waits for staff: it was finalized once already.
        if closed_at and closed_at + review_period <= now and not Finalization.objects.filter(phase_id=pk).exists():
            due.append(pk)
    return due


def phase_reopen(*, phase: Phase, by, reason: str, reach: Reach | None = None, now: datetime | None = None) -> Phase:
    """Take a phase one step back, with the reason, recorded in its history.

    - A closed phase that is not finalized opens again (closed early by
      mistake), while its submission deadline has not passed.
    - A finalized phase, before any of its awards is approved, is closed again;
      its awards are superseded and finalizing again makes a new version."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the phase is reopened.")})
    now = now or timezone.now()
    with transaction.atomic():
        locked = Phase.objects.select_for_update().select_related("campaign").get(pk=phase.pk)
        require_reach(locked, reach)
        if locked.status == Phase.Status.CLOSED:
            if now >= locked.submission_deadline:
                raise InvalidTransition(
                    _("%(phase)s cannot open again: its submissions ended on %(deadline)s.")
                    % {
                        "phase": locked.name,
                        "deadline": date_format(
                            locked.submission_deadline.astimezone(locked.campaign.tzinfo), "d/m/Y H:i"
                        ),
                    }
                )
            return phase_move(phase=locked, to_status=Phase.Status.OPEN, by=by, reason=reason, now=now)
        if locked.status != Phase.Status.FINALIZED:
            raise InvalidTransition(_("Only a closed or finalized phase can be reopened."))
        decided = Award.objects.filter(phase=locked, status__in=[Award.Status.APPROVED, Award.Status.REVOKED])
        if decided.exists():
            raise InvalidTransition(_("An award of this phase is already approved: the phase cannot be reopened."))
        for award in Award.objects.select_for_update().filter(phase=locked, status__in=Award.ACTIVE).order_by("pk"):
            _move_award(award, Award.Status.SUPERSEDED, by=by, reason=reason)
        return phase_move(phase=locked, to_status=Phase.Status.CLOSED, by=by, reason=reason)


# --- Finalizing -----------------------------------------------------------------------


def _store_standings(finalization: Finalization, rule: AwardRule, phase: Phase) -> int:
    """Insert the rule's final standings on every board in one statement, each
    with the bar from commendation that made it not eligible, as it was.

    On PostgreSQL the board is counted first into a temporary table: an INSERT
    never runs its SELECT in parallel, a CREATE TABLE AS does, and counting a
    national phase is most of finalizing."""
    sql, params, quotas = standings_sql(rule=rule, phase=phase, boards=Boards(every=True), final=True)
    kind = rule.competitor_kind
    columns = {"agent": "NULL", "team": "NULL", "unit": "NULL", kind: "r.id"}
    counts = [f"CAST(r.q{n} AS VARCHAR(20))" for n in range(len(quotas))]
    quota_counts = " || ',' || ".join(counts) if counts else "''"
    params.update(finalization=finalization.pk, rule=rule.pk, kind=kind)
    source, counted = f"({sql})", None
    if connection.vendor == "postgresql":
        counted = "finalize_board"
        source = counted
    insert = f"""
        INSERT INTO {Standing._meta.db_table}
            (finalization_id, rule_id, cluster_id, competitor_kind, agent_id, team_id, unit_id,
             competitor_code, competitor_name, score, target, reached_at, eligible, screen_reason, screen_note,
             position, "rank", quota_counts)
        SELECT %(finalization)s, %(rule)s, r.cluster_id, %(kind)s, {columns["agent"]}, {columns["team"]},
               {columns["unit"]}, r.code, r.name, r.score, r.target, r.reached_at, r.eligible = 1,
               COALESCE(sb.reason, ''), COALESCE(sb.note, ''), r.position, r.prize_rank, {quota_counts}
        FROM {source} r
        LEFT JOIN {CommendationBar._meta.db_table} sb ON sb.id = r.screen_id
    """  # noqa: S608 - fragments from model metadata; every value is a parameter
    with connection.cursor() as cursor:
        if counted is None:
            cursor.execute(insert, params)
            return cursor.rowcount
        cursor.execute(f"CREATE TEMPORARY TABLE {counted} ON COMMIT DROP AS {sql}", params)
        try:
            cursor.execute(insert, params)
            return cursor.rowcount
        finally:
            cursor.execute(f"DROP TABLE {counted}")


def _winners(rule: AwardRule, tiers: list[PrizeTier], finalization: Finalization) -> list[tuple[Standing, PrizeTier]]:
    """Hand out the tiers on every board: in rank order for a ranked rule (a
    group tied on a shared rank takes its tier together), to everyone eligible
    whose score reaches the threshold for a threshold rule."""
    rows = Standing.objects.filter(finalization=finalization, rule=rule, rank__isnull=False)
    if rule.selection == AwardRule.Selection.THRESHOLD:
        rows = rows.filter(score__gte=rule.threshold)
    else:
        rows = rows.filter(rank__lte=sum(tier.winners or 0 for tier in tiers) or 0)
    boards: dict[int | None, list[Standing]] = {}
    for standing in rows.order_by("cluster_id", "rank", "position"):
        boards.setdefault(standing.cluster_id, []).append(standing)
    chosen = []
    for board in boards.values():
        if rule.selection == AwardRule.Selection.THRESHOLD:
            tier = tiers[0]
            limit = tier.winners or len(board)
            chosen += [(standing, tier) for standing in board[:limit]]
            continue
        queue = list(board)
        for tier in tiers:
            left = tier.winners or 0
            while left > 0 and queue:
                rank = queue[0].rank
                group = [standing for standing in queue if standing.rank == rank]
                queue = queue[len(group) :]
                chosen += [(standing, tier) for standing in group]
                left -= len(group)
    return chosen


def prize_amount(tier: PrizeTier, *, standing: Standing, on: date, parameters: ParameterTable | None = None) -> int:
    """The money of a tier for one winner, in whole VND."""
    if tier.money == PrizeTier.Money.FIXED:
        return int(tier.amount)
    if tier.money == PrizeTier.Money.PER_HEADCOUNT:
        if standing.competitor_kind == CompetitorKind.UNIT:
            heads = Unit.objects.values_list("headcount", flat=True).get(pk=standing.unit_id) or 0
        elif standing.competitor_kind == CompetitorKind.TEAM:
            heads = Team.members.through.objects.filter(team_id=standing.team_id).count()
        else:
            heads = 1
        return int(tier.amount) * heads
    if tier.money == PrizeTier.Money.SALARY_COEFFICIENT:
        return salary_amount(tier, on=on, parameters=parameters)
    return 0


@dataclass(frozen=True)
class _Winner:
    rule: str
    tier: str
    cluster: str
    competitor: str

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "tier": self.tier, "cluster": self.cluster, "competitor": self.competitor}


def _winner_set(finalization: Finalization | None) -> set[_Winner]:
    if finalization is None:
        return set()
    rows = Award.objects.filter(finalization=finalization).values_list(
        "rule__code", "tier__title", "cluster__name", "competitor_code", "competitor_name"
    )
    return {_Winner(rule, tier, cluster or "", f"{code} · {name}") for rule, tier, cluster, code, name in rows}


def _require_closed(phase: Phase) -> None:
    """Only a closed phase is finalized: its receipts are all in."""
    if phase.status != Phase.Status.CLOSED:
        raise InvalidTransition(
            _("%(phase)s is %(status)s: close it before finalizing.")
            % {"phase": phase.name, "status": phase.get_status_display()}
        )


def phase_finalize_request(*, phase: Phase, by=None, reach: Reach | None = None) -> Phase:
    """Queue finalizing a closed phase (a Celery task, sent once the caller's
    transaction commits). Refused for a phase already finalized (reopen it first)
    or not closed yet, or outside ``reach``. Returns the locked phase."""
    from awards.tasks import finalize_phase  # the task module imports these services

    with transaction.atomic():
        locked = Phase.objects.select_for_update().select_related("campaign").get(pk=phase.pk)
        require_reach(locked, reach)
        if locked.status == Phase.Status.FINALIZED:
            raise InvalidTransition(
                _("%(phase)s is already finalized; reopen it first to finalize again.") % {"phase": locked.name}
            )
        _require_closed(locked)
        user_id = by.pk if by is not None and by.is_authenticated else None
        transaction.on_commit(lambda: finalize_phase.delay(locked.pk, user_id))
    return locked


def phase_finalize(
    *, phase_id: int, by=None, trigger: str = Finalization.Trigger.STAFF, now: datetime | None = None
) -> Finalization | None:
    """Compute a closed phase's final standings and propose its awards, as the
    next version. Idempotent: a phase already finalized is left as it is (None).
    Asked for by a staff member (``by``), it does nothing either (None) when the
    phase is no longer within their reach: their unit may have changed since."""
    now = now or timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Ranking a national phase sorts tens of thousands of rows: in memory, not on disk.
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('work_mem', %s, true)", [settings.FINALIZE_WORK_MEM])
        # FOR NO KEY UPDATE: a writer inserting a tally row of this phase (a key-share lock) is not held up.
        phase = Phase.objects.select_for_update(no_key=True).select_related("campaign").filter(pk=phase_id).first()
        if phase is None or phase.status == Phase.Status.FINALIZED:
            return None
        if by is not None and not reach_allows(phase, user_reach(by)):
            logger.warning("Finalizing phase %s asked for by %s refused: out of their reach", phase.pk, by.pk)
            return None
        _require_closed(phase)
        previous = Finalization.objects.filter(phase=phase, current=True).first()
        version = (Finalization.objects.filter(phase=phase).aggregate(top=Max("version"))["top"] or 0) + 1
        Finalization.objects.filter(phase=phase, current=True).update(current=False)
        finalization = Finalization.objects.create(
            phase=phase, version=version, trigger=trigger, by=by, notice_ends_at=notice_end(phase=phase, at=now)
        )
        on = timezone.localtime(now, phase.campaign.tzinfo).date()
        parameters = ParameterTable.load()
        rules = AwardRule.objects.filter(campaign=phase.campaign).select_related("campaign", "cluster")
        awards = []
        for rule in rules.prefetch_related("tiers"):
            if not rule_applies(rule, phase):
                continue
            _store_standings(finalization, rule, phase)
            tiers = sorted(rule.tiers.all(), key=lambda tier: tier.position)
            if not tiers:
                continue
            for standing, tier in _winners(rule, tiers, finalization):
                awards.append(
                    Award(
                        finalization=finalization,
                        standing=standing,
                        phase=phase,
                        rule=rule,
                        tier=tier,
                        cluster_id=standing.cluster_id,
                        competitor_kind=standing.competitor_kind,
                        agent_id=standing.agent_id,
                        team_id=standing.team_id,
                        unit_id=standing.unit_id,
                        competitor_code=standing.competitor_code,
                        competitor_name=standing.competitor_name,
                        amount=prize_amount(tier, standing=standing, on=on, parameters=parameters),
                    )
                )
        created = Award.objects.bulk_create(awards)
        AwardTransition.objects.bulk_create(
            [
                AwardTransition(award=award, to_status=Award.Status.PROPOSED, by=by, reason=_("Finalized."))
                for award in created
            ]
        )
        if previous is not None:
            before, after = _winner_set(previous), _winner_set(finalization)
            finalization.changes = {
                "previous_version": previous.version,
                "gained": [w.as_dict() for w in sorted(after - before, key=_sort_key)],
                "lost": [w.as_dict() for w in sorted(before - after, key=_sort_key)],
            }
            # The upheld appeals this version corrects (DESIGN §11.2).
            corrected = appeals_corrected(finalization=finalization, by=by, now=now)
            if corrected:
                finalization.changes["appeals"] = corrected
            finalization.save(update_fields=["changes"])
        reason = _("Finalized, version %(version)s.") % {"version": version}
        phase_move(phase=phase, to_status=Phase.Status.FINALIZED, by=by, reason=reason, now=now)
        return finalization


def _sort_key(winner: _Winner) -> tuple[str, ...]:
    return (winner.rule, winner.cluster, winner.tier, winner.competitor)


# --- Awards ---------------------------------------------------------------------------

AWARD_MOVES = {
    Award.Status.PROPOSED: {Award.Status.REVIEWED, Award.Status.REJECTED, Award.Status.SUPERSEDED},
    Award.Status.REVIEWED: {Award.Status.APPROVED, Award.Status.REJECTED, Award.Status.SUPERSEDED},
    Award.Status.APPROVED: {Award.Status.REVOKED},
    Award.Status.REJECTED: set(),
    Award.Status.REVOKED: set(),
    Award.Status.SUPERSEDED: set(),
}


def _move_award(award: Award, to_status: str, *, by=None, reason: str = "", reference: str = "") -> Award:
    refusal = _("The award is %(status)s and cannot become %(to)s.")
    return status_move(
        award,
        to_status,
        moves=AWARD_MOVES,
        history=AwardTransition,
        refusal=refusal,
        by=by,
        reason=reason,
        reference=reference,
    )


def _locked(award: Award, reach: Reach | None = None) -> Award:
    """The award, locked, with its tier, phase and campaign; ``OutOfReach`` outside ``reach``."""
    locked = (
        Award.objects.select_for_update(of=("self",))
        .select_related("tier", "phase__campaign")
        .order_by()
        .get(pk=award.pk)
    )
    require_reach(locked, reach)
    return locked


def award_review(*, award: Award, by, minutes: str, reason: str = "", reach: Reach | None = None) -> Award:
    """The council has reviewed the proposal (minutes reference required)."""
    if not minutes.strip():
        raise ValidationError({"council_reference": _("Give the reference of the council's minutes.")})
    with transaction.atomic():
        locked = _locked(award, reach)
        locked.council_reference = minutes.strip()
        moved = _move_award(locked, Award.Status.REVIEWED, by=by, reason=reason, reference=minutes.strip())
        nominations_follow_award(moved, by=by, reason=reason)
        return moved


def award_approve(
    *,
    award: Award,
    by,
    decision_number: str,
    decision_date: date,
    reach: Reach | None = None,
    now: datetime | None = None,
) -> Award:
    """The director's decision. A salary-based amount is recomputed with the
    base salary in force on the decision date; nominations under the award are
    approved by the same decision (``awards.nominations``). Refused while the phase's
    results are under public notice or an appeal about the phase is open (``awards.appeals``)."""
    errors = {}
    if not decision_number.strip():
        errors["decision_number"] = _("Give the decision number.")
    if decision_date is None:
        errors["decision_date"] = _("Give the decision date.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _locked(award, reach)
        if locked.status == Award.Status.REVIEWED and locked.phase.status != Phase.Status.FINALIZED:
            raise InvalidTransition(_("The phase was reopened: finalize it again first."))
        if locked.status == Award.Status.REVIEWED:
            refusal = approval_refusal(locked.phase, now=now or timezone.now())
            if refusal:
                raise InvalidTransition(refusal)
        locked.decision_number = decision_number.strip()
        locked.decision_date = decision_date
        if locked.tier.money == PrizeTier.Money.SALARY_COEFFICIENT:
            # The amount paid is the one of the decision date (until now, ``awards.money`` showed an estimate).
            locked.amount = salary_amount(locked.tier, on=decision_date)
        moved = _move_award(locked, Award.Status.APPROVED, by=by, reference=decision_number.strip())
        nominations_follow_award(moved, by=by)
        award_approved.send(sender=Award, award=moved)
        return moved


def award_reject(*, award: Award, by, reason: str, reach: Reach | None = None) -> Award:
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the award is rejected.")})
    with transaction.atomic():
        locked = _locked(award, reach)
        moved = _move_award(locked, Award.Status.REJECTED, by=by, reason=reason)
        nominations_follow_award(moved, by=by, reason=reason)
        return moved


def award_revoke(*, award: Award, by, reason: str, reach: Reach | None = None) -> Award:
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the award is revoked.")})
    with transaction.atomic():
        return _move_award(_locked(award, reach), Award.Status.REVOKED, by=by, reason=reason)
