"""Which enrollments count (DESIGN §5, "New participant" and "Counting").

For one participant, campaign and product, the earliest active receipt of a new
participant counts; later ones are duplicates of it. ``plan_counting`` decides
this in memory for a group of enrollments; ``recount`` loads the groups touched
by a change, plans them and writes only what changed, in an order that never
breaks the one-counted-enrollment constraint.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.db.models import Q

from campaigns.models import Campaign
from enrollments.bulk import insert_enrollments
from enrollments.choices import EnrollmentStatus, NotCountedReason
from enrollments.models import CoveragePeriod, Enrollment
from enrollments.signals import enrollments_touched

_CLOSED_REASON = {
    EnrollmentStatus.REJECTED: NotCountedReason.REJECTED,
    EnrollmentStatus.CANCELLED: NotCountedReason.CANCELLED,
    EnrollmentStatus.WITHDRAWN: NotCountedReason.WITHDRAWN,
}

Key = tuple[int, int, str]  # participant id, campaign id, product


def coverage_end(start: date, months: int) -> date:
    """The last day covered by ``months`` months paid from ``start``."""
    return start + relativedelta(months=months) - timedelta(days=1)


def is_new_participant(
    enrollment: Enrollment, coverage: Iterable[tuple[date, date, int | None]], *, gap_months: int
) -> bool:
    """True when no earlier coverage of the product ends within the gap before
    the enrollment's coverage start, or runs into it.

    ``coverage`` holds (start, end, campaign id of the enrollment that created
    it, or None) for the participant and product. Coverage starting on or after
    this enrollment's start is its own or later, and coverage created by an
    enrollment of the same campaign is left to the duplicate rule.
    """
    if not coverage:
        return True
    threshold = enrollment.coverage_start - relativedelta(months=gap_months)
    for start, end, from_campaign in coverage:
        if from_campaign == enrollment.campaign_id:
            continue
        if start < enrollment.coverage_start and end >= threshold:
            return False
    return True


def _order(enrollment: Enrollment):
    return (enrollment.receipt_at, enrollment.submitted_at, enrollment.pk or float("inf"))


def plan_counting(
    enrollments: list[Enrollment],
    *,
    campaign: Campaign,
    coverage: list[tuple[date, date, int | None]],
) -> None:
    """Set counted, not_counted_reason and duplicate_of on the enrollments of one
    participant, campaign and product (in memory; nothing is written)."""
    winner: Enrollment | None = None
    for enrollment in sorted(enrollments, key=_order):
        reason, duplicate_of = "", None
        if enrollment.status in _CLOSED_REASON:
            reason = _CLOSED_REASON[enrollment.status]
        elif enrollment.product not in campaign.products:
            reason = NotCountedReason.PRODUCT_NOT_COUNTED
        elif not is_new_participant(enrollment, coverage, gap_months=campaign.new_participant_gap_months):
            reason = NotCountedReason.NOT_NEW
        elif winner is None:
            winner = enrollment
        else:
            reason, duplicate_of = NotCountedReason.DUPLICATE, winner
        enrollment.counted = not reason
        enrollment.not_counted_reason = reason
        enrollment.duplicate_of = duplicate_of


def load_coverage(keys: Iterable[Key]) -> dict[tuple[int, str], list[tuple[date, date, int | None]]]:
    """Coverage periods of the participants and products in ``keys``, in one query."""
    pairs = {(participant_id, product) for participant_id, _campaign_id, product in keys}
    coverage: dict[tuple[int, str], list[tuple[date, date, int | None]]] = defaultdict(list)
    if not pairs:
        return coverage
    rows = CoveragePeriod.objects.filter(
        participant_id__in={p for p, _ in pairs}, product__in={product for _, product in pairs}
    ).values_list("participant_id", "product", "start", "end", "enrollment__campaign_id")
    for participant_id, product, start, end, campaign_id in rows:
        if (participant_id, product) in pairs:
            coverage[(participant_id, product)].append((start, end, campaign_id))
    return coverage


def write_plan(existing: list[Enrollment], snapshot: dict[int, tuple], new: list[Enrollment] = ()) -> list[Enrollment]:
    """Write a plan: un-count first, then insert ``new``, then the rest, so that
    at no moment two enrollments of a participant count in one campaign.

    ``snapshot`` maps the pk of each existing enrollment to its (counted,
    reason, duplicate_of_id) before planning. Returns the created enrollments.
    """
    fields = ["counted", "not_counted_reason", "duplicate_of"]
    changed = [
        e
        for e in existing
        if snapshot[e.pk] != (e.counted, e.not_counted_reason, e.duplicate_of.pk if e.duplicate_of else None)
    ]
    losing = [e for e in changed if snapshot[e.pk][0] and not e.counted]
    others = [e for e in changed if not (snapshot[e.pk][0] and not e.counted)]
    # A new enrollment may be the duplicate of another new one: those go in
    # after their targets, which then have their ids. An existing enrollment
    # linked to a new one gets its link after the insert.
    unsaved = {id(e) for e in new}

    def _to_new(e: Enrollment) -> bool:
        return e.duplicate_of is not None and id(e.duplicate_of) in unsaved

    waiting = [e for e in new if _to_new(e)]
    first = [e for e in new if not _to_new(e)]
    pending = {id(e): e.duplicate_of for e in changed if _to_new(e)}
    for e in changed:
        if id(e) in pending:
            e.duplicate_of = None
    if losing:
        Enrollment.objects.bulk_update(losing, fields, batch_size=500)
    created = insert_enrollments(first) if first else []
    for e in waiting:
        e.duplicate_of = e.duplicate_of  # the target's id, now that it has one
    if waiting:
        created = [*created, *insert_enrollments(waiting)]
    relinked = [e for e in changed if id(e) in pending]
    for e in relinked:
        e.duplicate_of = pending[id(e)]
    later = [*others, *(e for e in relinked if e not in others)]
    if later:
        Enrollment.objects.bulk_update(later, fields, batch_size=500)
    enrollments_touched([*changed, *created])
    return created


def snapshot_of(enrollments: Iterable[Enrollment]) -> dict[int, tuple]:
    return {e.pk: (e.counted, e.not_counted_reason, e.duplicate_of_id) for e in enrollments}


def recount(keys: Iterable[Key]) -> int:
    """Re-evaluate the counted flags of every enrollment in the given groups and
    write what changed. Call inside a transaction that holds the participants'
    row locks. Returns how many enrollments changed."""
    keys = set(keys)
    if not keys:
        return 0
    condition = Q()
    for participant_id, campaign_id, product in keys:
        condition |= Q(participant_id=participant_id, campaign_id=campaign_id, product=product)
    enrollments = list(Enrollment.objects.filter(condition).select_related("duplicate_of"))
    campaigns = Campaign.objects.in_bulk({campaign_id for _, campaign_id, _ in keys})
    coverage = load_coverage(keys)
    before = snapshot_of(enrollments)
    groups: dict[Key, list[Enrollment]] = defaultdict(list)
    for enrollment in enrollments:
        groups[(enrollment.participant_id, enrollment.campaign_id, enrollment.product)].append(enrollment)
    for (participant_id, campaign_id, product), members in groups.items():
        plan_counting(members, campaign=campaigns[campaign_id], coverage=coverage[(participant_id, product)])
    changed = sum(
        1
        for e in enrollments
        if before[e.pk] != (e.counted, e.not_counted_reason, e.duplicate_of.pk if e.duplicate_of else None)
    )
    write_plan(enrollments, before)
    return changed


def keys_for_participants(participant_products: Iterable[tuple[int, str]]) -> set[Key]:
    """Every (participant, campaign, product) group that has enrollments, for the
    given participants and products: what a coverage change can affect."""
    pairs = set(participant_products)
    if not pairs:
        return set()
    rows = (
        Enrollment.objects.filter(participant_id__in={p for p, _ in pairs})
        .values_list("participant_id", "campaign_id", "product")
        .distinct()
    )
    return {(p, c, product) for p, c, product in rows if (p, product) in pairs}
