"""The demo's campaign lived through, in the order it happened, by the same
services a user goes through.

Phases open at their start and close once their cutoff and grace have passed
(``campaigns.services.phase_move``); in between, each agent sends a week's
receipts to the intake service (``enrollments.services.enrollments_submit``)
as of the moment they were sent, and the reviewer confirms or rejects them
(``enrollment_confirm``, ``enrollment_reject``). Which receipts count, and why
the others do not, is what those services decide.

The history rows of phase and enrollment status changes are stamped with the
moment they are written, which the services cannot be given; the demo then
moves each stamp back to the moment the change happened in its story.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.db import models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Least
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign, Phase, PhaseTransition
from campaigns.services import phase_move
from demo.errors import DemoError
from demo.receipts import Receipt
from enrollments.choices import EnrollmentStatus, Product
from enrollments.counting import keys_for_participants, recount
from enrollments.models import CoveragePeriod, Enrollment, EnrollmentTransition, Participant
from enrollments.services import MAX_BULK_ITEMS, enrollments_submit, enrollments_transition

BATCH_SIZE = 500
REVIEW_DELAY = timedelta(hours=20)  # receipts are reviewed the day after they are sent (or just now)
FINISHED = (Phase.Status.CLOSED, Phase.Status.FINALIZED)


def phase_status_after(phase: Phase, moment: datetime) -> str:
    """The status ``phase`` has once the demo has lived up to ``moment``."""
    if phase.status in FINISHED:
        return phase.status
    if phase.submission_deadline <= moment:
        return Phase.Status.CLOSED
    if phase.start <= moment:
        return Phase.Status.OPEN
    return phase.status


def demo_history(*, campaign: Campaign, receipts: list[Receipt], moment: datetime, reviewer) -> None:
    """Live the campaign up to ``moment``: move its phases, submit and review the
    receipts not submitted yet. Receipts already there (same agent and client
    reference) are left as they are."""
    started = timezone.now()
    fresh = _not_submitted(receipts)
    _earlier_coverage([receipt for receipt in fresh if not receipt.repeats])
    by_phase: dict[int, list[Receipt]] = defaultdict(list)
    for receipt in fresh:
        by_phase[receipt.phase.pk].append(receipt)
    for phase_id in campaign.phases.order_by("start").values_list("pk", flat=True):
        phase = Phase.objects.select_for_update().get(pk=phase_id)
        if phase.status == Phase.Status.SCHEDULED and phase.start <= moment:
            _move(phase, Phase.Status.OPEN, at=phase.start, by=reviewer, reason=_("The phase started."))
        # A phase closed already (e.g. by the periodic task) takes no more receipts, from the demo either.
        if phase.status not in FINISHED:
            submitted = _submit(campaign, by_phase.get(phase_id, []))
            _review(submitted, by=reviewer)
        if phase.status == Phase.Status.OPEN and phase.submission_deadline <= moment:
            deadline = phase.submission_deadline
            _move(phase, Phase.Status.CLOSED, at=deadline, by=reviewer, reason=_("Cutoff and submission grace passed."))
    _date_reviews(campaign, since=started)


def _not_submitted(receipts: list[Receipt]) -> list[Receipt]:
    agent_ids = {receipt.agent.pk for receipt in receipts}
    submitted = set(Enrollment.objects.filter(agent_id__in=agent_ids).values_list("agent_id", "client_ref"))
    return [receipt for receipt in receipts if receipt.key not in submitted]


def _move(phase: Phase, to_status: str, *, at: datetime, by, reason: str) -> None:
    """Move a locked phase through the phase service as of ``at``, and date its history row so."""
    moved_since = timezone.now()
    phase_move(phase=phase, to_status=to_status, by=by, reason=reason, now=at)
    PhaseTransition.objects.filter(phase=phase, to_status=to_status, at__gte=moved_since).update(at=at)


def _earlier_coverage(receipts: list[Receipt]) -> None:
    """What the core system knows of the people it covered before: their record and
    their earlier coverage, brought in as a coverage import brings them. Nothing is
    counted here; the counting service re-evaluates whoever this concerns."""
    people = {r.person.personal_id: r.person for r in receipts if r.person.earlier_coverage is not None}
    if not people:
        return
    known: set[str] = set()
    personal_ids = list(people)
    for start in range(0, len(personal_ids), BATCH_SIZE):
        chunk = personal_ids[start : start + BATCH_SIZE]
        known.update(Participant.objects.filter(personal_id__in=chunk).values_list("personal_id", flat=True))
    new = [person for personal_id, person in people.items() if personal_id not in known]
    if not new:
        return
    created = Participant.objects.bulk_create(
        [
            Participant(
                personal_id=person.personal_id,
                social_insurance_code=person.social_insurance_code,
                full_name=person.full_name,
                date_of_birth=person.date_of_birth,
                gender=person.gender,
                locality=person.locality,
                household_category=person.household_category,
            )
            for person in new
        ],
        batch_size=BATCH_SIZE,
    )
    ids = {participant.personal_id: participant.pk for participant in created}
    periods = [
        CoveragePeriod(
            participant_id=ids[person.personal_id],
            product=Product.VSI,
            start=person.earlier_coverage[0],
            end=person.earlier_coverage[1],
            source=CoveragePeriod.Source.CORE_SYSTEM,
        )
        for person in new
    ]
    CoveragePeriod.objects.bulk_create(periods, batch_size=BATCH_SIZE)
    recount(keys_for_participants({(period.participant_id, period.product) for period in periods}))


def _submit(campaign: Campaign, receipts: list[Receipt]) -> list[tuple[Receipt, Enrollment]]:
    """Each agent sends a week's receipts (of one phase) in one request, once the last of
    them is ready; the requests reach the intake service in the order they were sent."""
    batches: dict[tuple, list[Receipt]] = defaultdict(list)
    for receipt in receipts:
        year, week, _day = receipt.receipt_at.astimezone(campaign.tzinfo).isocalendar()
        batches[(receipt.agent.pk, year, week)].append(receipt)
    requests = []
    for batch in batches.values():
        for start in range(0, len(batch), MAX_BULK_ITEMS):
            part = batch[start : start + MAX_BULK_ITEMS]
            requests.append((max(receipt.synced_at for receipt in part), part[0].agent.code, part))
    requests.sort(key=lambda request: request[:2])

    submitted = []
    for sent_at, _code, part in requests:
        results = enrollments_submit(
            agent=part[0].agent, items=[receipt.as_submitted(campaign) for receipt in part], now=sent_at
        )
        refused = [
            (receipt, result) for receipt, result in zip(part, results, strict=True) if result.outcome != "created"
        ]
        if refused:
            raise DemoError(
                "The intake service refused receipts of the demo.",
                [
                    f"{receipt.agent.code} {receipt.client_ref}: {result.outcome} {result.errors}"
                    for receipt, result in refused
                ],
            )
        submitted.extend((receipt, result.enrollment) for receipt, result in zip(part, results, strict=True))
    return submitted


def _review(submitted: list[tuple[Receipt, Enrollment]], *, by) -> None:
    """The reviewer confirms and rejects what came in, a phase at a time."""
    confirmed = [enrollment for receipt, enrollment in submitted if receipt.review == EnrollmentStatus.CONFIRMED]
    rejected = {e.pk: r.rejection_reason for r, e in submitted if r.review == EnrollmentStatus.REJECTED}
    if confirmed:
        enrollments_transition(enrollments=confirmed, to_status=EnrollmentStatus.CONFIRMED, by=by)
    if rejected:
        enrollments = [enrollment for _receipt, enrollment in submitted if enrollment.pk in rejected]
        enrollments_transition(enrollments=enrollments, to_status=EnrollmentStatus.REJECTED, by=by, reasons=rejected)


def _date_reviews(campaign: Campaign, *, since: datetime) -> None:
    """Reviews recorded since ``since`` happened the day after each submission (or just now)."""
    reviewed_at = models.ExpressionWrapper(
        Subquery(Enrollment.objects.filter(pk=OuterRef("enrollment_id")).values("submitted_at")[:1])
        + models.Value(REVIEW_DELAY),
        output_field=models.DateTimeField(),
    )
    EnrollmentTransition.objects.filter(enrollment__campaign=campaign, at__gte=since).update(
        at=Least(reviewed_at, models.Value(since, output_field=models.DateTimeField()))
    )
