"""Which events make notices, and whom they tell. Each function reads the
event's figures from their one reader, and writes through ``notices_create``,
which keeps one notice per user and event:

- an enrollment rejected or cancelled: its history row (``EnrollmentTransition``);
- a quota reached: the agent's quota progress (``reports.agent_progress.agent_quotas``, through ``agent_quotas_met``),
  checked after each write that changes what counts for the agent; once per quota and phase;
- prize places entered or left: the provisional leaderboards (``awards.selectors.leaderboard_stream``,
  reading the tally's index from the top), compared every few minutes with the
  last state told (``PrizePlace``); each move in or out is one event;
- a phase ending within 24 hours: once per phase and cutoff, to everyone taking part;
- an award approved: to the winning agent, or to the members of the winning team.

Only agents with an active login are told.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from awards.models import Award
from awards.scoring import rule_clusters
from awards.selectors import agent_standing, leaderboard_stream, phase_rules
from campaigns.membership import campaign_members
from campaigns.models import AwardRule, Campaign, CompetitorKind, Phase
from campaigns.selectors import agent_participations
from collectors.models import Agent
from enrollments.choices import EnrollmentStatus
from enrollments.models import EnrollmentTransition
from reports.agent_progress import agent_quotas_met
from reports.models import Notice, NoticeKind, PhaseReminder, PrizePlace
from reports.notices.services import NewNotice, notices_create, notices_told

# How long before a phase's cutoff its agents are told it is ending.
CLOSING_NOTICE = timedelta(hours=24)


def _agent_url(code: str) -> str:
    return reverse("pages:agent", kwargs={"code": code})


def _with_login(agent_ids: Iterable[int]):
    """The agents among these with an active login: the ones told anything."""
    return Agent.objects.filter(pk__in=list(agent_ids), user__isnull=False, user__is_active=True)


def _logins(agent_ids: Iterable[int]) -> dict[int, tuple[int, str]]:
    """Agent id → (user id, agent code) of the agents with an active login."""
    rows = _with_login(agent_ids).values_list("pk", "user_id", "code")
    return {pk: (user_id, code) for pk, user_id, code in rows}


# --- Enrollments rejected or cancelled -------------------------------------------------------------

_ENROLLMENT_KINDS = {
    EnrollmentStatus.REJECTED: NoticeKind.ENROLLMENT_REJECTED,
    EnrollmentStatus.CANCELLED: NoticeKind.ENROLLMENT_CANCELLED,
}


def notices_for_transitions(*, transition_ids: Iterable[int]) -> list[Notice]:
    """Tell agents of their enrollments rejected or cancelled, with the reason."""
    moves = EnrollmentTransition.objects.filter(
        pk__in=list(transition_ids),
        to_status__in=list(_ENROLLMENT_KINDS),
        enrollment__agent__user__isnull=False,
    ).select_related("enrollment__agent", "enrollment__participant", "enrollment__campaign")
    notices = []
    for move in moves:
        enrollment = move.enrollment
        notices.append(
            NewNotice(
                user_id=enrollment.agent.user_id,
                kind=_ENROLLMENT_KINDS[move.to_status],
                event_key=f"enrollment-transition:{move.pk}",
                data={
                    "enrollment": enrollment.pk,
                    "receipt_no": enrollment.receipt_no,
                    "participant": enrollment.participant.full_name,
                    "product": enrollment.product,
                    "campaign": enrollment.campaign.name,
                    "reason": move.reason,
                },
                url=_agent_url(enrollment.agent.code),
            )
        )
    return notices_create(notices=notices)


# --- Quotas reached ---------------------------------------------------------------------------------


def notices_for_quotas(*, touched: Iterable[tuple[int, int]]) -> list[Notice]:
    """Tell agents whose counted enrollments (of ``touched``: agent id, phase id)
    now reach a quota of a phase not yet finalized. Run after every write that
    changes what counts, so it is cheap when nothing is to be told: the agent's
    progress is read only for a quota met and not told yet (``agent_quotas_met``)."""
    phases_of: dict[int, set[int]] = defaultdict(set)
    for agent_id, phase_id in touched:
        phases_of[agent_id].add(phase_id)
    notices = []
    for agent in _with_login(phases_of).order_by("pk"):

        def unknown(met: set[tuple[int, int]], user_id=agent.user_id) -> set[tuple[int, int]]:
            keys = {(user_id, _quota_key(quota_id, phase_id)): (quota_id, phase_id) for quota_id, phase_id in met}
            told = notices_told(keys=set(keys))
            return {pair for key, pair in keys.items() if key not in told}

        for campaign, phase, quotas in agent_quotas_met(
            agent=agent, phase_ids=sorted(phases_of[agent.pk]), unknown=unknown
        ):
            if phase.status == Phase.Status.FINALIZED:
                continue  # its results are final: awards tell the rest
            for progress in quotas:
                notices.append(
                    NewNotice(
                        user_id=agent.user_id,
                        kind=NoticeKind.QUOTA_REACHED,
                        event_key=_quota_key(progress.quota.pk, phase.pk),
                        data={
                            "campaign": campaign.name,
                            "phase": phase.name,
                            "minimum": progress.minimum,
                            "counted": progress.counted,
                            "product": progress.product or "",
                        },
                        url=_agent_url(agent.code),
                    )
                )
    return notices_create(notices=notices)


def _quota_key(quota_id: int, phase_id: int) -> str:
    return f"quota:{quota_id}:phase:{phase_id}"


# --- Prize places entered or left --------------------------------------------------------------------


def _prize_limits(rule: AwardRule) -> tuple[int | None, Decimal | None]:
    """What the rule rewards on each board, as finalizing hands it out
    (``awards.services``): the ranks its tiers reward (a ranked rule), or the
    score to reach and how many at most (a threshold rule; None: no limit)."""
    tiers = sorted(rule.tiers.all(), key=lambda tier: tier.position)
    if rule.selection == AwardRule.Selection.THRESHOLD:
        return (tiers[0].winners or None) if tiers else 0, rule.threshold
    return sum(tier.winners or 0 for tier in tiers), None


def _inside(rule: AwardRule, phase: Phase) -> dict[int, tuple[int | None, str]]:
    """Agent id → (provisional rank, board name) of those in the prize places on
    each of the rule's boards: read from the top of each board until the first
    row out of them."""
    limit, threshold = _prize_limits(rule)
    if limit == 0:
        return {}
    found = {}
    for cluster in rule_clusters(rule):
        board = leaderboard_stream(phase=phase, rule=rule, cluster=cluster, batch=min(limit or 50, 500) + 1)
        for taken, row in enumerate(board.rows):
            if not row.eligible or row.rank is None:
                break
            if threshold is None and row.rank > limit:
                break
            if threshold is not None and (row.score < threshold or (limit is not None and taken >= limit)):
                break
            found[row.id] = (row.rank, cluster.name if cluster is not None else "")
    return found


def _prize_notice(place: PrizePlace, entered: bool, rank, board: str, places, phase: Phase, rule, logins):
    user_id, code = logins[place.agent_id]
    return NewNotice(
        user_id=user_id,
        kind=NoticeKind.PRIZE_ENTERED if entered else NoticeKind.PRIZE_LEFT,
        event_key=f"prize:{rule.pk}:phase:{phase.pk}:{place.changes}",
        data={
            "campaign": phase.campaign.name,
            "phase": phase.name,
            "rule": rule.name,
            "cluster": board,
            "rank": rank,
            "places": places,
        },
        url=_agent_url(code),
    )


def notices_for_prize_board(*, rule: AwardRule, phase: Phase) -> list[Notice]:
    """Compare who is in the prize places of ``rule`` at ``phase`` now with who
    was when last checked, and tell those who moved in or out."""
    now_inside = _inside(rule, phase)
    notices = []
    with transaction.atomic():
        known = {
            place.agent_id: place
            for place in PrizePlace.objects.select_for_update().filter(rule=rule, phase=phase).order_by("agent_id")
        }
        missing = [agent_id for agent_id in now_inside if agent_id not in known]
        PrizePlace.objects.bulk_create(
            [PrizePlace(rule=rule, phase=phase, agent_id=agent_id) for agent_id in missing], ignore_conflicts=True
        )
        if missing:
            known.update(
                (place.agent_id, place)
                for place in PrizePlace.objects.select_for_update().filter(rule=rule, phase=phase, agent_id__in=missing)
            )
        moved = [place for agent_id, place in known.items() if place.inside != (agent_id in now_inside)]
        logins = _logins(place.agent_id for place in moved)
        places = _prize_limits(rule)[0]
        for place in moved:
            entered = place.agent_id in now_inside
            # Claimed by a conditional update: a concurrent check that moved it first wins.
            claimed = PrizePlace.objects.filter(pk=place.pk, inside=place.inside, changes=place.changes).update(
                inside=entered, changes=F("changes") + 1, checked_at=timezone.now()
            )
            if not claimed or place.agent_id not in logins:
                continue
            place.changes += 1
            rank, board = now_inside.get(place.agent_id, (None, ""))
            if not entered:
                rank, board = _rank_now(rule, phase, place.agent_id)
            notices.append(_prize_notice(place, entered, rank, board, places, phase, rule, logins))
        written = notices_create(notices=notices)
    return written


def _rank_now(rule: AwardRule, phase: Phase, agent_id: int) -> tuple[int | None, str]:
    """The place on the board of an agent who left the prize places (their board's name too)."""
    agent = Agent.objects.get(pk=agent_id)
    for participation in agent_participations(agent=agent):
        if participation.campaign.pk == phase.campaign_id:
            place = agent_standing(phase=phase, agent=agent, cluster=participation.cluster, rules=[rule])
            return place["rank"], participation.cluster.name if participation.cluster else ""
    return None, ""


def notices_for_prize_places(*, now: datetime | None = None) -> list[Notice]:
    """Check the prize places of every agent rule of every open phase of a running campaign."""
    now = now or timezone.now()
    written = []
    phases = Phase.objects.filter(
        status=Phase.Status.OPEN, start__lte=now, campaign__status=Campaign.Status.RUNNING
    ).select_related("campaign")
    for phase in phases.order_by("pk"):
        for rule in phase_rules(phase):
            if rule.competitor_kind == CompetitorKind.AGENT and rule.metric != AwardRule.Metric.INDICATORS:
                written += notices_for_prize_board(rule=rule, phase=phase)
    return written


# --- Phases ending within a day --------------------------------------------------------------------


def notices_for_closing_phases(*, now: datetime | None = None) -> list[Notice]:
    """Tell everyone taking part in an open phase whose cutoff is within 24
    hours that it is ending, once per phase and cutoff."""
    now = now or timezone.now()
    written = []
    due = Phase.objects.filter(
        status=Phase.Status.OPEN,
        campaign__status=Campaign.Status.RUNNING,
        cutoff__gt=now,
        cutoff__lte=now + CLOSING_NOTICE,
    ).select_related("campaign")
    for phase in due.order_by("pk"):
        with transaction.atomic():
            _reminder, created = PhaseReminder.objects.get_or_create(phase=phase, cutoff=phase.cutoff)
            if not created:
                continue
            logins = _logins(campaign_members(campaign=phase.campaign))
            written += notices_create(
                notices=[
                    NewNotice(
                        user_id=user_id,
                        kind=NoticeKind.PHASE_CLOSING,
                        event_key=f"phase-closing:{phase.pk}:{int(phase.cutoff.timestamp())}",
                        data={
                            "campaign": phase.campaign.name,
                            "phase": phase.name,
                            "cutoff": phase.cutoff.isoformat(),
                            "deadline": phase.submission_deadline.isoformat(),
                            "time_zone": phase.campaign.time_zone,
                        },
                        url=_agent_url(code),
                    )
                    for user_id, code in logins.values()
                ]
            )
    return written


# --- Awards approved -------------------------------------------------------------------------------


def notices_for_award(*, award_id: int) -> list[Notice]:
    """Tell the winners of an approved award: the agent, or a team's members."""
    award = (
        Award.objects.filter(pk=award_id, status=Award.Status.APPROVED)
        .select_related("tier", "phase__campaign", "team")
        .first()
    )
    if award is None:
        return []
    if award.competitor_kind == CompetitorKind.AGENT:
        agent_ids = [award.agent_id]
    elif award.competitor_kind == CompetitorKind.TEAM:
        agent_ids = list(award.team.members.values_list("pk", flat=True))
    else:
        agent_ids = []  # a unit's award goes to its office, not to an agent
    data = {
        "campaign": award.phase.campaign.name,
        "phase": award.phase.name,
        "tier": award.tier.title,
        "amount": award.amount,
        "decision_number": award.decision_number,
        "decision_date": award.decision_date.isoformat() if award.decision_date else "",
    }
    return notices_create(
        notices=[
            NewNotice(
                user_id=user_id,
                kind=NoticeKind.AWARD_APPROVED,
                event_key=f"award-approved:{award.pk}",
                data=data,
                url=_agent_url(code),
            )
            for user_id, code in _logins(agent_ids).values()
        ]
    )
