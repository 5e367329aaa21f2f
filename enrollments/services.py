"""Writes on enrollments: submission (single and bulk), status changes, and the
history row each change leaves."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from campaigns.models import Phase
from campaigns.selectors import Participation, agent_participations
from collectors.models import Agent, Locality
from core.errors import InvalidTransition
from core.reach import OutOfReach, Reach, reach_filter
from enrollments.bulk import participants_insert_locked
from enrollments.choices import EnrollmentStatus, HouseholdCategory, Product
from enrollments.contributions import ParameterTable, contribution_quote
from enrollments.counting import (
    coverage_end,
    keys_for_participants,
    load_coverage,
    plan_counting,
    recount,
    snapshot_of,
    write_plan,
)
from enrollments.identity import personal_id_errors
from enrollments.models import CoveragePeriod, Enrollment, EnrollmentTransition, Participant
from enrollments.signals import enrollments_touched, status_changed, touched_together

MAX_BULK_ITEMS = 1000
CLOCK_SKEW = timedelta(minutes=5)
VSI_MINIMUM_AGE = 15


@dataclass
class SubmitResult:
    index: int
    outcome: str  # created | replayed | conflict | invalid
    enrollment: Enrollment | None = None
    errors: dict[str, Any] = field(default_factory=dict)


def normalize_name(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).split())


def _same_name(a: str, b: str) -> bool:
    return normalize_name(a).casefold() == normalize_name(b).casefold()


def _fingerprint(item: dict[str, Any]) -> str:
    """A digest of what was submitted: a replay must carry the same content."""
    person = item["participant"]
    content = (
        item.get("campaign") or "",
        item["product"],
        person["personal_id"],
        normalize_name(person["full_name"]).casefold(),
        person["date_of_birth"].isoformat(),
        person["gender"],
        person.get("household_category") or HouseholdCategory.OTHER,
        person.get("locality_code") or "",
        item["receipt_at"].astimezone(UTC).isoformat(),
        item["payment_months"],
        item.get("declared_income"),
        item.get("household_member_order"),
        item.get("receipt_no") or "",
    )
    return hashlib.sha256("\x1f".join(map(str, content)).encode()).hexdigest()


def _local(moment: datetime, phase: Phase) -> str:
    return date_format(moment.astimezone(phase.campaign.tzinfo), "d/m/Y H:i")


def _age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


class _Intake:
    """One batch of one agent's submissions, validated and written together.

    The hooks below (``_key`` … ``_agent_of``) are where a staff import of a
    campaign's history (``enrollments.history``) differs; everything else —
    the checks of each item and the counting — is the same for both."""

    def __init__(self, *, agent: Agent, items: list[dict[str, Any]], now: datetime):
        self.agent = agent
        self.items = items
        self.now = now
        self.results: list[SubmitResult | None] = [None] * len(items)
        self.participations = self._participations()
        self.parameters = ParameterTable.load()
        self.quotes: dict[tuple, Any] = {}

    # --- hooks ---------------------------------------------------------------
    def _participations(self) -> list[Participation]:
        return agent_participations(agent=self.agent)

    def _key(self, item: dict[str, Any]) -> str:
        """What makes a submission the same one again: the agent's client reference."""
        return item["client_ref"]

    def _stored(self, items: list[dict[str, Any]]) -> dict[str, Enrollment]:
        """The enrollments already stored under the items' keys."""
        stored = Enrollment.objects.filter(agent=self.agent, client_ref__in={item["client_ref"] for item in items})
        return {e.client_ref: e for e in stored.select_related("campaign", "phase", "participant")}

    def _same(self, stored: Enrollment, item: dict[str, Any], fingerprint: str) -> bool:
        """Whether ``item`` replays what is stored (else it conflicts with it)."""
        return stored.request_fingerprint == fingerprint

    def _lock_agents(self) -> None:
        # An agent's submissions are taken one batch at a time: replays of the
        # same client reference can then never race each other. FOR NO KEY
        # UPDATE: rows that merely refer to the agent (a team's or a cluster's
        # members, saved with the standings marked stale first) are not held up.
        list(Agent.objects.select_for_update(no_key=True).filter(pk=self.agent.pk).values("pk"))

    def _candidates(self, item: dict[str, Any]) -> list[Participation]:
        return self.participations

    def _agent_of(self, item: dict[str, Any]) -> Agent:
        return self.agent

    def _refused_phase(self, phase: Phase) -> list[str]:
        """Why ``phase`` takes no more submissions now (nothing when it takes them)."""
        closed = phase.status in (Phase.Status.CLOSED, Phase.Status.FINALIZED)
        if closed and self.now <= phase.submission_deadline:
            # Closed by hand before its deadline: the deadline no longer tells the truth.
            return [
                _("%(phase)s was closed early on %(closed)s and no longer accepts submissions.")
                % {"phase": phase.name, "closed": _local(phase.closed_at or self.now, phase)}
            ]
        if closed or self.now > phase.submission_deadline:
            return [
                _(
                    "%(phase)s is closed for submissions: its cutoff was %(cutoff)s and submissions "
                    "were accepted until %(deadline)s."
                )
                % {
                    "phase": phase.name,
                    "cutoff": _local(phase.cutoff, phase),
                    "deadline": _local(phase.submission_deadline, phase),
                }
            ]
        return []

    # --- validation of one item (no queries) ---------------------------------
    def _place(self, item: dict[str, Any], errors: dict[str, Any]) -> tuple[Participation, Phase] | None:
        receipt_at: datetime = item["receipt_at"]
        if receipt_at > self.now + CLOCK_SKEW:
            errors["receipt_at"] = [_("The receipt time cannot be in the future.")]
            return None
        candidates = self._candidates(item)
        if item.get("campaign"):
            candidates = [p for p in candidates if p.campaign.code == item["campaign"]]
            if not candidates:
                errors["campaign"] = [_("You take part in no running campaign with this code.")]
                return None
        if not candidates:
            errors["receipt_at"] = [_("You take part in no running campaign.")]
            return None
        placed = [(p, p.phase_at(receipt_at)) for p in candidates]
        placed = [(p, phase) for p, phase in placed if phase is not None]
        if not placed:
            names = ", ".join(p.campaign.name for p in candidates)
            errors["receipt_at"] = [
                _("The receipt time lies outside every phase of %(campaigns)s.") % {"campaigns": names}
            ]
            return None
        if len(placed) > 1:
            errors["campaign"] = [
                _("The receipt falls in several of your campaigns (%(codes)s); give the campaign code.")
                % {"codes": ", ".join(p.campaign.code for p, _phase in placed)}
            ]
            return None
        participation, phase = placed[0]
        if refusal := self._refused_phase(phase):
            errors["receipt_at"] = refusal
            return None
        return participation, phase

    def _check_person(self, item: dict[str, Any], errors: dict[str, Any], known: Participant | None) -> None:
        person = item["participant"]
        person_errors: dict[str, list[str]] = {}
        id_errors = personal_id_errors(
            person["personal_id"], date_of_birth=person["date_of_birth"], gender=person["gender"]
        )
        if id_errors:
            person_errors["personal_id"] = id_errors
        if known is not None:
            if not _same_name(known.full_name, person["full_name"]):
                person_errors["full_name"] = [_("This personal ID is registered under a different name.")]
            if known.date_of_birth != person["date_of_birth"]:
                person_errors["date_of_birth"] = [_("This personal ID is registered with a different date of birth.")]
        elif person.get("social_insurance_code"):
            # A new person's code must be free: on record, or claimed earlier in the batch, for nobody else.
            owner = self.insurance_codes.setdefault(person["social_insurance_code"], person["personal_id"])
            if owner != person["personal_id"]:
                person_errors["social_insurance_code"] = [_("Another participant has this social insurance code.")]
        if person.get("locality_code") and person["locality_code"] not in self.localities:
            person_errors["locality_code"] = [_("Unknown locality code.")]
        if person_errors:
            errors["participant"] = person_errors

    def _check_product(self, item, errors, zone):
        receipt_day = item["receipt_at"].astimezone(zone).date()
        person = item["participant"]
        if item["product"] == Product.VSI and _age_on(person["date_of_birth"], receipt_day) < VSI_MINIMUM_AGE:
            errors.setdefault("participant", {})["date_of_birth"] = [
                _("A VSI participant must be at least 15 years old on the receipt date.")
            ]
        arguments = {
            "product": item["product"],
            "on": receipt_day,
            "payment_months": item["payment_months"],
            "declared_income": item.get("declared_income"),
            "household_category": person.get("household_category") or HouseholdCategory.OTHER,
            "household_member_order": item.get("household_member_order"),
        }
        # Many receipts of a batch declare the same income on the same day: quote each combination once.
        key = tuple(arguments.values())
        try:
            if key not in self.quotes:
                self.quotes[key] = contribution_quote(**arguments, parameters=self.parameters)
            return self.quotes[key]
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors.setdefault(name, []).extend(messages)
            return None

    # --- the batch -----------------------------------------------------------
    def run(self) -> list[SubmitResult]:
        items = self.items
        fingerprints = [_fingerprint(item) for item in items]
        self._lock_agents()
        stored = self._stored(items)
        pids = {item["participant"]["personal_id"] for item in items}
        known = {p.personal_id: p for p in Participant.objects.filter(personal_id__in=pids)}
        codes = {item["participant"].get("locality_code") for item in items} - {None, ""}
        self.localities = dict(Locality.objects.filter(code__in=codes).values_list("code", "pk")) if codes else {}
        codes = {item["participant"].get("social_insurance_code") for item in items} - {None, ""}
        self.insurance_codes = (
            dict(
                Participant.objects.filter(social_insurance_code__in=codes).values_list(
                    "social_insurance_code", "personal_id"
                )
            )
            if codes
            else {}
        )

        accepted: list[tuple[int, dict[str, Any], Participation, Phase, Any]] = []
        first_in_batch: dict[str, int] = {}
        for index, item in enumerate(items):
            ref = self._key(item)
            previous = stored.get(ref)
            if previous is not None:
                outcome = "replayed" if self._same(previous, item, fingerprints[index]) else "conflict"
                self.results[index] = SubmitResult(index, outcome, previous)
                continue
            if ref in first_in_batch:
                earlier = first_in_batch[ref]
                same = fingerprints[earlier] == fingerprints[index]
                self.results[index] = SubmitResult(index, "replayed" if same else "conflict", None)
                continue
            errors: dict[str, Any] = {}
            self._check_person(item, errors, known.get(item["participant"]["personal_id"]))
            placed = self._place(item, errors)
            # Checked also when the receipt found no phase, so that every problem is reported at once
            # (then on the receipt's day in the default time zone).
            zone = placed[1].campaign.tzinfo if placed else timezone.get_default_timezone()
            quote = self._check_product(item, errors, zone)
            if errors:
                self.results[index] = SubmitResult(index, "invalid", errors=errors)
                continue
            first_in_batch[ref] = index
            accepted.append((index, item, placed[0], placed[1], quote))

        if accepted:
            self._write(accepted, fingerprints)
        # Items repeating a reference earlier in the batch point at its result.
        for index, result in enumerate(self.results):
            if result is not None and result.enrollment is None and result.outcome in ("replayed", "conflict"):
                earlier = self.results[first_in_batch[self._key(items[index])]]
                if earlier is not None and earlier.outcome == "created":
                    result.enrollment = earlier.enrollment
                else:
                    self.results[index] = SubmitResult(index, "invalid", errors=earlier.errors if earlier else {})
        return self.results  # type: ignore[return-value]

    def _participants(self, accepted) -> dict[str, Participant]:
        """The people of the accepted items, stored (the new ones inserted) and
        locked in personal-ID order, each with the name and date of birth on record."""
        people: dict[str, Participant] = {}
        for _index, item, _p, _phase, _quote in accepted:
            person = item["participant"]
            if person["personal_id"] not in people:
                people[person["personal_id"]] = Participant(
                    personal_id=person["personal_id"],
                    social_insurance_code=person.get("social_insurance_code") or None,
                    full_name=normalize_name(person["full_name"]),
                    date_of_birth=person["date_of_birth"],
                    gender=person["gender"],
                    household_category=person.get("household_category") or HouseholdCategory.OTHER,
                    locality_id=self.localities.get(person.get("locality_code") or ""),
                )
        # Another batch may create or change the same person at the same moment:
        # the unique personal ID decides, and the row on record is read back.
        return participants_insert_locked(list(people.values()))

    def _write(self, accepted, fingerprints: list[str]) -> None:
        people = self._participants(accepted)
        new: list[Enrollment] = []
        for index, item, participation, phase, quote in accepted:
            person = people[item["participant"]["personal_id"]]
            # The person on record (perhaps just created by someone else) must still agree.
            if person.date_of_birth != item["participant"]["date_of_birth"] or not _same_name(
                person.full_name, item["participant"]["full_name"]
            ):
                self.results[index] = SubmitResult(
                    index,
                    "invalid",
                    errors={"participant": {"personal_id": [_("This personal ID is registered with other details.")]}},
                )
                continue
            enrollment = Enrollment(
                campaign_id=participation.campaign.pk,
                phase_id=phase.pk,
                agent_id=self._agent_of(item).pk,
                participant_id=person.pk,
                product=item["product"],
                client_ref=item["client_ref"],
                receipt_no=item.get("receipt_no") or "",
                receipt_at=item["receipt_at"],
                submitted_at=self.now,
                payment_months=item["payment_months"],
                coverage_start=item["receipt_at"].astimezone(participation.campaign.tzinfo).date(),
                declared_income=item.get("declared_income"),
                household_member_order=item.get("household_member_order"),
                household_category=item["participant"].get("household_category") or HouseholdCategory.OTHER,
                amount_due=quote.amount_due,
                state_support=quote.state_support,
                request_fingerprint=fingerprints[index],
            )
            new.append(enrollment)
            self.results[index] = SubmitResult(index, "created", enrollment)
        if not new:
            return
        participant_ids = sorted({e.participant_id for e in new})
        keys = {(e.participant_id, e.campaign_id, e.product) for e in new}
        existing = list(
            Enrollment.objects.filter(
                participant_id__in=participant_ids,
                campaign_id__in={e.campaign_id for e in new},
            ).select_related("duplicate_of")
        )
        existing = [e for e in existing if (e.participant_id, e.campaign_id, e.product) in keys]
        before = snapshot_of(existing)
        coverage = load_coverage(keys)
        groups: dict[tuple, list[Enrollment]] = {}
        for e in [*existing, *new]:
            groups.setdefault((e.participant_id, e.campaign_id, e.product), []).append(e)
        campaigns = {p.campaign.pk: p.campaign for _i, _item, p, _phase, _quote in accepted}
        for (participant_id, campaign_id, product), members in groups.items():
            plan_counting(
                members, campaign=campaigns[campaign_id], coverage=coverage.get((participant_id, product), [])
            )
        # The enrollment itself records who submitted it and when; history rows
        # record the status changes that follow.
        write_plan(existing, before, new)


@transaction.atomic
def enrollments_submit(*, agent: Agent, items: list[dict[str, Any]], now: datetime | None = None) -> list[SubmitResult]:
    """Take a batch of an agent's submissions. Each item is validated on its own;
    valid items are stored even when others fail. Returns a result per item, in order.

    ``items`` are already shaped (types parsed) by the API; every domain rule is
    checked here.
    """
    if len(items) > MAX_BULK_ITEMS:
        raise ValidationError({"items": _("At most %(n)d items per request.") % {"n": MAX_BULK_ITEMS}})
    return _Intake(agent=agent, items=items, now=now or timezone.now()).run()


def enrollment_submit(*, agent: Agent, item: dict[str, Any], now: datetime | None = None) -> SubmitResult:
    return enrollments_submit(agent=agent, items=[item], now=now)[0]


# --- the lock order ------------------------------------------------------------------
#
# Every write on enrollments takes its row locks in one order, so that two
# writers never wait on each other in a circle:
#
#   1. the submitting agent (intake: one agent per request, so that replays of
#      its client references wait for each other); no path that locks
#      participants locks an agent afterwards;
#   2. the participants, by personal ID (``participants_lock``; intake inserts
#      the new ones in the same statement, ``participants_insert_locked``);
#   3. their enrollments, by pk (status changes); coverage periods;
#   4. what the apps above keep from ``scores_touched`` (the standings' rows,
#      in rule, phase and competitor order).


def participants_lock(*, ids) -> None:
    """Lock the participants with these pks, in personal-ID order (see above)."""
    list(Participant.objects.select_for_update().filter(pk__in=list(ids)).order_by("personal_id").values("pk"))


# --- status changes -------------------------------------------------------------

TRANSITIONS: dict[str, set[str]] = {
    EnrollmentStatus.SUBMITTED: {EnrollmentStatus.CONFIRMED, EnrollmentStatus.REJECTED, EnrollmentStatus.WITHDRAWN},
    EnrollmentStatus.CONFIRMED: {EnrollmentStatus.CANCELLED},
}
REASON_REQUIRED = {EnrollmentStatus.REJECTED, EnrollmentStatus.CANCELLED}


CLOSING = (EnrollmentStatus.REJECTED, EnrollmentStatus.CANCELLED, EnrollmentStatus.WITHDRAWN)
RECOUNT_CHUNK = 200  # keys per recount query: SQLite caps the depth of one WHERE clause


@transaction.atomic
def enrollments_transition(
    *,
    enrollments: list[Enrollment],
    to_status: str,
    by=None,
    reasons: dict[int, str] | None = None,
    reach: Reach | None = None,
) -> list[Enrollment]:
    """Move enrollments along the state map together, record each move, keep
    coverage in step and re-evaluate who counts for the participants concerned.
    ``reasons`` maps an enrollment's pk to its reason. All or nothing.
    ``reach``: the acting staff member's (``core.reach``); an enrollment of a
    campaign outside it refuses the whole move (``OutOfReach``)."""
    reasons = reasons or {}
    ids = sorted({enrollment.pk for enrollment in enrollments})
    # An enrollment's campaign never changes: its reach is read without a lock.
    limited = reach is not None and not reach.everything
    if limited and reach_filter(Enrollment.objects.filter(pk__in=ids), reach).count() != len(ids):
        raise OutOfReach()
    # People first, as intake locks them; then their enrollments. An
    # enrollment's participant never changes, so it is read without a lock.
    participants_lock(ids=Enrollment.objects.filter(pk__in=ids).values_list("participant_id", flat=True))
    locked = list(Enrollment.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    moves = []
    for enrollment in locked:
        if to_status not in TRANSITIONS.get(enrollment.status, set()):
            raise InvalidTransition(
                _("An enrollment that is %(from)s cannot become %(to)s.")
                % {"from": enrollment.get_status_display(), "to": EnrollmentStatus(to_status).label}
            )
        reason = reasons.get(enrollment.pk, "").strip()
        if to_status in REASON_REQUIRED and not reason:
            raise ValidationError({"reason": _("Give the reason.")})
        moves.append(
            EnrollmentTransition(
                enrollment=enrollment, from_status=enrollment.status, to_status=to_status, by=by, reason=reason
            )
        )
        enrollment.status, enrollment.status_reason = to_status, reason
        if to_status in CLOSING:
            enrollment.counted, enrollment.not_counted_reason, enrollment.duplicate_of = False, to_status, None
        enrollment.full_clean(
            exclude=["participant", "agent", "campaign", "phase", "duplicate_of"],
            validate_unique=False,
            validate_constraints=len(locked) == 1,
        )
        enrollment.updated_at = timezone.now()
    fields = ["status", "status_reason", "counted", "not_counted_reason", "duplicate_of", "updated_at"]
    # The standings above hear of every change at once, when all of them are written.
    with touched_together():
        Enrollment.objects.bulk_update(locked, fields, batch_size=500)
        enrollments_touched(locked)
        EnrollmentTransition.objects.bulk_create(moves, batch_size=500)
        status_changed.send(sender=EnrollmentTransition, transitions=moves)
        if to_status == EnrollmentStatus.CONFIRMED:
            CoveragePeriod.objects.bulk_create(
                [
                    CoveragePeriod(
                        participant_id=e.participant_id,
                        product=e.product,
                        start=e.coverage_start,
                        end=coverage_end(e.coverage_start, e.payment_months),
                        source=CoveragePeriod.Source.ENROLLMENT,
                        enrollment=e,
                    )
                    for e in locked
                ],
                batch_size=500,
            )
        elif to_status == EnrollmentStatus.CANCELLED:
            CoveragePeriod.objects.filter(enrollment__in=locked).delete()
        # Coverage changes can turn other campaigns' enrollments new or not new.
        keys = sorted(keys_for_participants({(e.participant_id, e.product) for e in locked}))
        for start in range(0, len(keys), RECOUNT_CHUNK):
            recount(keys[start : start + RECOUNT_CHUNK])
    return list(Enrollment.objects.filter(pk__in=ids).select_related("campaign").order_by("pk"))


def enrollment_transition(
    *, enrollment: Enrollment, to_status: str, by=None, reason: str = "", reach: Reach | None = None
) -> Enrollment:
    """Move one enrollment along the state map (see ``enrollments_transition``)."""
    return enrollments_transition(
        enrollments=[enrollment], to_status=to_status, by=by, reasons={enrollment.pk: reason}, reach=reach
    )[0]


def enrollment_confirm(*, enrollment: Enrollment, by=None, reach: Reach | None = None) -> Enrollment:
    return enrollment_transition(enrollment=enrollment, to_status=EnrollmentStatus.CONFIRMED, by=by, reach=reach)


def enrollment_reject(*, enrollment: Enrollment, by=None, reason: str, reach: Reach | None = None) -> Enrollment:
    return enrollment_transition(
        enrollment=enrollment, to_status=EnrollmentStatus.REJECTED, by=by, reason=reason, reach=reach
    )


def enrollment_cancel(*, enrollment: Enrollment, by=None, reason: str, reach: Reach | None = None) -> Enrollment:
    return enrollment_transition(
        enrollment=enrollment, to_status=EnrollmentStatus.CANCELLED, by=by, reason=reason, reach=reach
    )


def enrollment_withdraw(*, enrollment: Enrollment, by=None, reason: str = "") -> Enrollment:
    return enrollment_transition(enrollment=enrollment, to_status=EnrollmentStatus.WITHDRAWN, by=by, reason=reason)
