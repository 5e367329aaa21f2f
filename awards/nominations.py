"""Nominations (DESIGN §11.5): individuals under a winning unit's award and
people or bodies from outside the sector, proposed, reviewed and approved like
awards.

Nomination: proposed → reviewed (council, minutes reference) → approved
(director, decision number and date) | rejected (from proposed or reviewed).
Every change locks the row, checks the state it starts from against
``NOMINATION_MOVES`` and records a ``NominationTransition``. A nomination takes
its prize tier's nominee distinction and amount unless told otherwise; under
an award, the tier's ``nominees_per_winner`` caps how many a unit proposes.
A change made for a staff member takes their reach and refuses a nomination of
a campaign outside it (``core.reach``).

Reviewing, approving or rejecting an award carries its nominations along
(``nominations_follow_award``, called by ``awards.services``).
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from awards.models import Award, Nomination, NominationTransition
from campaigns.models import Campaign, CompetitorKind, Phase, PrizeTier
from collectors.models import Agent, Unit
from core.errors import InvalidTransition
from core.reach import Reach, require_reach
from core.transitions import status_move

NOMINATION_MOVES = {
    Nomination.Status.PROPOSED: {Nomination.Status.REVIEWED, Nomination.Status.REJECTED},
    Nomination.Status.REVIEWED: {Nomination.Status.APPROVED, Nomination.Status.REJECTED},
    Nomination.Status.APPROVED: set(),
    Nomination.Status.REJECTED: set(),
}

# What a caller may say about the nominee; everything else the services decide.
NOMINEE_FIELDS = ("full_name", "job_title", "organization", "collective", "achievements")


def tier_defaults(tier: PrizeTier | None) -> tuple[str, int]:
    """The distinction and amount (VND) a nominee of ``tier`` receives unless told otherwise:
    the tier's nominee distinction and amount, else its own distinction and fixed amount."""
    if tier is None:
        return "", 0
    distinction = tier.nominee_distinction or tier.distinction or tier.title
    if tier.nominee_amount is not None:
        return distinction, int(tier.nominee_amount)
    return distinction, int(tier.amount) if tier.money == PrizeTier.Money.FIXED else 0


def _nominee(fields: dict) -> dict:
    unknown = set(fields) - set(NOMINEE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown nominee fields: {sorted(unknown)}")
    return fields


def nomination_add(
    *,
    award: Award,
    by=None,
    agent: Agent | None = None,
    distinction: str = "",
    amount: int | None = None,
    reach: Reach | None = None,
    **nominee,
) -> Nomination:
    """Nominate an individual under a winning unit's award, within its tier's cap;
    the tier's nominee distinction and amount apply unless given."""
    with transaction.atomic():
        locked = (
            Award.objects.select_for_update(of=("self",))
            .select_related("tier", "phase__campaign")
            .order_by()
            .get(pk=award.pk)
        )
        require_reach(locked, reach)
        if locked.competitor_kind != CompetitorKind.UNIT:
            raise ValidationError({"award": _("Individuals are nominated under a unit's award.")})
        if locked.status not in Award.ACTIVE:
            raise ValidationError({"award": _("The award is %(status)s.") % {"status": locked.get_status_display()}})
        cap = locked.tier.nominees_per_winner
        taken = Nomination.objects.filter(award=locked).exclude(status=Nomination.Status.REJECTED).count()
        if taken >= cap:
            raise ValidationError(
                {"award": _("This prize allows %(cap)s nominated individuals per unit.") % {"cap": cap}}
            )
        default_distinction, default_amount = tier_defaults(locked.tier)
        nomination = Nomination(
            campaign=locked.phase.campaign,
            phase=locked.phase,
            award=locked,
            tier=locked.tier,
            proposed_by_unit_id=locked.unit_id,
            agent=agent,
            distinction=distinction or default_distinction,
            amount=default_amount if amount is None else amount,
            created_by=by,
            **_nominee(nominee),
        )
        return _create(nomination, by=by)


def nomination_outside(
    *,
    campaign: Campaign,
    by=None,
    phase: Phase | None = None,
    tier: PrizeTier | None = None,
    proposed_by_unit: Unit | None = None,
    agent: Agent | None = None,
    distinction: str = "",
    amount: int | None = None,
    reach: Reach | None = None,
    **nominee,
) -> Nomination:
    """Nominate a person or a body from outside the sector, listed in the
    documents of ``phase`` (default: the campaign's last phase); ``tier``, a
    prize of the campaign, gives the distinction and amount unless given."""
    require_reach(campaign, reach)
    errors = {}
    if phase is None:
        phase = campaign.phases.order_by("-number").first()
    if phase is None or phase.campaign_id != campaign.pk:
        errors["phase"] = _("Choose a phase of the campaign.")
    if tier is not None and tier.rule.campaign_id != campaign.pk:
        errors["tier"] = _("Choose a prize of the campaign's award rules.")
    if errors:
        raise ValidationError(errors)
    default_distinction, default_amount = tier_defaults(tier)
    nomination = Nomination(
        campaign=campaign,
        phase=phase,
        tier=tier,
        outside_sector=True,
        proposed_by_unit=proposed_by_unit,
        agent=agent,
        distinction=distinction or default_distinction,
        amount=default_amount if amount is None else amount,
        created_by=by,
        **_nominee(nominee),
    )
    with transaction.atomic():
        return _create(nomination, by=by)


def _create(nomination: Nomination, *, by) -> Nomination:
    nomination.full_clean()
    nomination.save()
    NominationTransition.objects.create(
        nomination=nomination, to_status=Nomination.Status.PROPOSED, by=by, reason=_("Nominated.")
    )
    return nomination


def _move(nomination: Nomination, to_status: str, *, by=None, reason: str = "", reference: str = "") -> Nomination:
    refusal = _("The nomination is %(status)s and cannot become %(to)s.")
    return status_move(
        nomination,
        to_status,
        moves=NOMINATION_MOVES,
        history=NominationTransition,
        refusal=refusal,
        by=by,
        reason=reason,
        reference=reference,
    )


def _locked(nomination: Nomination, reach: Reach | None) -> Nomination:
    locked = (
        Nomination.objects.select_for_update(of=("self",))
        .select_related("campaign", "award")
        .order_by()
        .get(pk=nomination.pk)
    )
    require_reach(locked, reach)
    return locked


def _require_live_award(nomination: Nomination) -> None:
    award = nomination.award
    if award is not None and award.status not in Award.ACTIVE:
        raise InvalidTransition(
            _("The award this nomination is made under is %(status)s.") % {"status": award.get_status_display()}
        )


def nomination_review(
    *, nomination: Nomination, by, minutes: str, reason: str = "", reach: Reach | None = None
) -> Nomination:
    """The council has reviewed the nomination (minutes reference required)."""
    if not minutes.strip():
        raise ValidationError({"council_reference": _("Give the reference of the council's minutes.")})
    with transaction.atomic():
        locked = _locked(nomination, reach)
        _require_live_award(locked)
        locked.council_reference = minutes.strip()
        return _move(locked, Nomination.Status.REVIEWED, by=by, reason=reason, reference=minutes.strip())


def nomination_approve(
    *, nomination: Nomination, by, decision_number: str, decision_date: date | None, reach: Reach | None = None
) -> Nomination:
    """The director's decision on a reviewed nomination."""
    errors = {}
    if not decision_number.strip():
        errors["decision_number"] = _("Give the decision number.")
    if decision_date is None:
        errors["decision_date"] = _("Give the decision date.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _locked(nomination, reach)
        _require_live_award(locked)
        locked.decision_number, locked.decision_date = decision_number.strip(), decision_date
        return _move(locked, Nomination.Status.APPROVED, by=by, reference=decision_number.strip())


def nomination_reject(*, nomination: Nomination, by, reason: str, reach: Reach | None = None) -> Nomination:
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the nomination is rejected.")})
    with transaction.atomic():
        return _move(_locked(nomination, reach), Nomination.Status.REJECTED, by=by, reason=reason)


def nominations_follow_award(award: Award, *, by, reason: str = "") -> int:
    """Carry the nominations under ``award`` to its new status, inside the
    caller's transaction: reviewed with it, approved by its decision, rejected
    with it. Nominations already past that step, or decided, stay as they are.
    Returns how many moved."""
    follows = {
        Award.Status.REVIEWED: (Nomination.Status.PROPOSED,),
        Award.Status.APPROVED: (Nomination.Status.PROPOSED, Nomination.Status.REVIEWED),
        Award.Status.REJECTED: (Nomination.Status.PROPOSED, Nomination.Status.REVIEWED),
    }
    starting = follows.get(award.status)
    if not starting:
        return 0
    moved = 0
    for nomination in Nomination.objects.select_for_update().filter(award=award, status__in=starting).order_by("pk"):
        if award.status == Award.Status.REVIEWED:
            nomination.council_reference = award.council_reference
            _move(nomination, Nomination.Status.REVIEWED, by=by, reason=reason, reference=award.council_reference)
        elif award.status == Award.Status.APPROVED:
            if nomination.status == Nomination.Status.PROPOSED:
                # The decision on the unit's award covers its nominees: the council saw them with it.
                nomination.council_reference = award.council_reference
                _move(nomination, Nomination.Status.REVIEWED, by=by, reference=award.council_reference)
            nomination.decision_number, nomination.decision_date = award.decision_number, award.decision_date
            _move(nomination, Nomination.Status.APPROVED, by=by, reference=award.decision_number)
        else:
            _move(nomination, Nomination.Status.REJECTED, by=by, reason=reason)
        moved += 1
    return moved
