"""The demo's receipts: what sixty agents collect, day by day, drawn from one
seeded generator.

A receipt here is what an agent hands in (the person, the product, the months
paid, the declared income) and what the reviewer will make of it (confirm,
reject or leave for later). Whether it counts is not drawn here: that is for
the enrollments app's services to decide once the receipt is submitted. The
generator only sets up the situations the counting rule tells apart: people
the core system knows from an earlier coverage (recently, or long ago), and
now and then a person whom another agent of the cluster already enrolled.

The draws for a day depend only on the draws before it, so a later load
reproduces every earlier receipt exactly and adds the new days.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from campaigns.models import Campaign, Phase
from collectors.models import Agent, Locality
from demo.errors import DemoError
from demo.people import ISLAND_DISTRICTS, MOUNTAIN_DISTRICTS, DemoAgent, person_name
from enrollments.choices import EnrollmentStatus, Gender, HouseholdCategory, Product
from enrollments.contributions import ParameterTable
from enrollments.identity import make_personal_id
from enrollments.models import Parameter

PROVINCE_OF_BIRTH = "049"  # Quảng Nam
REJECTION_REASONS = [
    "Họ tên không khớp với Cơ sở dữ liệu quốc gia về dân cư.",
    "Ngày sinh trên tờ khai khác với CCCD.",
    "Thiếu chữ ký của người tham gia trên tờ khai TK1-TS.",
    "Biên lai thu tiền không hợp lệ.",
]

# The mix of receipts (each a probability per receipt).
HHI_SHARE = 0.08  # household health insurance receipts among all
RECENTLY_COVERED_SHARE = 0.07  # VSI participants whose coverage ended within the campaign's gap
LONG_AGO_COVERED_SHARE = 0.04  # VSI participants whose coverage ended long before it
REPEAT_SHARE = 0.012  # VSI receipts for someone another agent of the cluster enrolled a while ago
VSI_MONTHS = [(1, 15), (3, 30), (6, 30), (12, 25)]
HHI_MONTHS = [(3, 15), (6, 25), (12, 60)]
INCOME_MULTIPLES = [1.0] * 7 + [1.2, 1.5, 2.0, 2.5, 3.0, 4.0]
WEEKDAY_FACTOR = [1.1, 1.1, 1.1, 1.1, 1.1, 0.7, 0.3]  # Monday … Sunday
WORKDAY_START, WORKDAY_MINUTES = time(7, 30), 10 * 60
OPEN_PHASE_REVIEWED_AFTER = timedelta(days=30)  # receipts of the open phase older than this may be reviewed


@dataclass
class Person:
    """Someone an agent enrolls, with the coverage the core system already holds for them, if any."""

    personal_id: str
    full_name: str
    date_of_birth: date
    gender: str
    household_category: str
    locality: Locality
    social_insurance_code: str | None = None
    earlier_coverage: tuple[date, date] | None = None  # VSI, as the core system has it

    def as_submitted(self) -> dict[str, Any]:
        person = {
            "personal_id": self.personal_id,
            "full_name": self.full_name,
            "date_of_birth": self.date_of_birth,
            "gender": self.gender,
            "household_category": self.household_category,
            "locality_code": self.locality.code,
        }
        if self.social_insurance_code:
            person["social_insurance_code"] = self.social_insurance_code
        return person


@dataclass
class Receipt:
    """One receipt an agent collected, and what the reviewer will do with it."""

    agent: Agent
    seq: int
    product: str
    person: Person
    receipt_at: datetime
    synced_at: datetime  # when the agent's app had it ready to send
    phase: Phase
    payment_months: int
    declared_income: int | None
    household_member_order: int | None
    review: str  # confirmed, rejected, or submitted (not reviewed yet)
    rejection_reason: str
    repeats: bool = False  # the person was enrolled by another agent a while ago

    @property
    def client_ref(self) -> str:
        return f"demo-{self.seq:05d}"

    @property
    def key(self) -> tuple[int, str]:
        return (self.agent.pk, self.client_ref)

    def as_submitted(self, campaign: Campaign) -> dict[str, Any]:
        """The item the agent's app sends to the intake service."""
        return {
            "client_ref": self.client_ref,
            "campaign": campaign.code,
            "product": self.product,
            "participant": self.person.as_submitted(),
            "receipt_at": self.receipt_at,
            "payment_months": self.payment_months,
            "declared_income": self.declared_income,
            "household_member_order": self.household_member_order,
            "receipt_no": f"BL-{self.agent.code.upper()}-{self.seq:05d}",
        }


def phase_on(phases: list[Phase], moment: datetime) -> Phase | None:
    for phase in phases:
        if phase.start <= moment < phase.cutoff:
            return phase
    return None


def _weighted(rng: random.Random, options: list[tuple[Any, float]]) -> Any:
    values, weights = zip(*options, strict=True)
    return rng.choices(values, weights=weights)[0]


def _poisson(rng: random.Random, mean: float) -> int:
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _days(start: date, stop: date) -> Iterator[date]:
    day = start
    while day < stop:
        yield day
        day += timedelta(days=1)


def _household_category(rng: random.Random, district_code: str) -> str:
    if district_code in MOUNTAIN_DISTRICTS:
        options = [
            (HouseholdCategory.ETHNIC_MINORITY, 30),
            (HouseholdCategory.POOR, 15),
            (HouseholdCategory.NEAR_POOR, 10),
            (HouseholdCategory.OTHER, 45),
        ]
    else:
        options = [(HouseholdCategory.POOR, 5), (HouseholdCategory.NEAR_POOR, 7), (HouseholdCategory.OTHER, 86)]
        if district_code in ISLAND_DISTRICTS:
            options.append((HouseholdCategory.ISLAND_COMMUNE, 4))
    return _weighted(rng, options)


def _new_person(rng: random.Random, *, serial: int, product: str, day: date, locality: Locality) -> Person:
    gender = rng.choice([Gender.FEMALE, Gender.FEMALE, Gender.FEMALE, Gender.MALE, Gender.MALE])
    # VSI: working age, at least 18 on the receipt date (the rule asks for 15). HHI: the whole household.
    age = rng.randint(18, 58) if product == Product.VSI else rng.randint(1, 80)
    born = date(day.year - age - 1, 1, 1) + timedelta(days=rng.randrange(365))
    family, middle, given = person_name(rng, gender)
    return Person(
        personal_id=make_personal_id(
            province_code=PROVINCE_OF_BIRTH, date_of_birth=born, gender=gender, serial=100_000 + serial
        ),
        full_name=f"{family} {middle} {given}",
        date_of_birth=born,
        gender=gender,
        locality=locality,
        household_category=_household_category(rng, locality.code),
    )


def _declared_income(rng: random.Random, on: date, table: ParameterTable) -> int:
    floor = int(table.require(Parameter.Kind.RURAL_POVERTY_LINE, on))
    ceiling = int(table.require(Parameter.Kind.BASE_SALARY, on)) * 20
    income = round(floor * rng.choice(INCOME_MULTIPLES) / 10_000) * 10_000
    return max(floor, min(ceiling, income))


def _review(rng: random.Random, *, open_phase: bool, day: date, today: date) -> str:
    """Closed phases are reviewed; in the open one, only older receipts have been.

    Exactly one draw whatever the outcome, so later draws do not depend on ``today``."""
    if not open_phase:
        options = [(EnrollmentStatus.CONFIRMED, 95), (EnrollmentStatus.REJECTED, 5)]
    elif today - day > OPEN_PHASE_REVIEWED_AFTER:
        options = [(EnrollmentStatus.CONFIRMED, 55), (EnrollmentStatus.REJECTED, 3), (EnrollmentStatus.SUBMITTED, 42)]
    else:
        options = [(EnrollmentStatus.SUBMITTED, 99), (EnrollmentStatus.REJECTED, 1)]
    return _weighted(rng, options)


class ReceiptSynthesizer:
    """Draws the receipts of every agent, day by day, from one seeded generator.

    ``open_phase_ids`` are the phases that will be open once the demo is loaded:
    their receipts are reviewed only in part."""

    def __init__(self, *, campaign: Campaign, today: date, seed: int, now: datetime, open_phase_ids: set[int]) -> None:
        self.campaign = campaign
        self.tz = campaign.tzinfo
        self.today = today
        self.now = now
        self.phases = list(campaign.phases.order_by("start"))
        if not self.phases:
            raise DemoError("The demo campaign has no phases.")
        self.open_phase_ids = open_phase_ids
        self.table = ParameterTable.load()
        self.gap_days = round(campaign.new_participant_gap_months * 365 / 12)
        self.rng = random.Random(f"{seed}:enrollments")  # noqa: S311 - synthetic demo data, not secrets
        self.receipts: list[Receipt] = []
        # Recent VSI receipts per cluster: whom a second agent may unknowingly enroll again.
        self.recent: dict[int, list[Receipt]] = {}
        self.repeated: set[str] = set()
        self.seqs: Counter[int] = Counter()
        self.serial = 0

    def run(self, agents: list[DemoAgent]) -> list[Receipt]:
        first_day = self.phases[0].start.astimezone(self.tz).date()
        after_last_phase = (self.phases[-1].cutoff - timedelta(microseconds=1)).astimezone(self.tz).date()
        # Receipts up to yesterday: never in the future, and the same on every load of one day.
        last_day = min(self.today, timezone.localdate(self.now, timezone=self.tz), after_last_phase + timedelta(days=1))
        for day in _days(first_day, last_day):
            phase = phase_on(self.phases, datetime.combine(day, time(12), tzinfo=self.tz))
            if phase is None:
                continue
            # Agents work less at weekends and push towards the end of a phase.
            progress = (day - phase.start.astimezone(self.tz).date()).days / max(1, (phase.cutoff - phase.start).days)
            busyness = WEEKDAY_FACTOR[day.weekday()] * (0.8 + 0.4 * progress)
            for demo_agent in agents:
                for _ in range(_poisson(self.rng, demo_agent.rate * busyness)):
                    self._draw(demo_agent, day)
        return self.receipts

    def _draw(self, demo_agent: DemoAgent, day: date) -> None:
        rng, agent = self.rng, demo_agent.agent
        receipt_at = datetime.combine(day, WORKDAY_START, tzinfo=self.tz) + timedelta(
            minutes=rng.randrange(WORKDAY_MINUTES)
        )
        phase = phase_on(self.phases, receipt_at)
        if phase is None:
            return
        synced_at = min(receipt_at + timedelta(minutes=rng.randrange(5, 240)), self.now)
        self.seqs[agent.pk] += 1
        common = {"agent": agent, "seq": self.seqs[agent.pk], "receipt_at": receipt_at, "synced_at": synced_at}
        pool = self.recent.setdefault(demo_agent.cluster, [])

        earlier = self._enrolled_by_another(pool, agent=agent, receipt_at=receipt_at)
        if earlier is not None:
            self.repeated.add(earlier.person.personal_id)
            receipt = self._receipt(
                **common, product=earlier.product, person=earlier.person, phase=phase, review=EnrollmentStatus.SUBMITTED
            )
            receipt.repeats = True
            self.receipts.append(receipt)
            return

        product = Product.HHI if not demo_agent.vsi_only and rng.random() < HHI_SHARE else Product.VSI
        self.serial += 1
        person = _new_person(rng, serial=self.serial, product=product, day=day, locality=agent.locality)
        history = rng.random() if product == Product.VSI and not demo_agent.vsi_only else 1.0
        if history < RECENTLY_COVERED_SHARE + LONG_AGO_COVERED_SHARE:
            recently = history < RECENTLY_COVERED_SHARE
            days_since = rng.randint(15, self.gap_days - 20) if recently else rng.randint(400, 1500)
            end = day - timedelta(days=days_since)
            person.earlier_coverage = (end - timedelta(days=rng.randint(180, 1500)), end)
            person.social_insurance_code = f"49{self.serial:08d}"

        review = _review(rng, open_phase=phase.pk in self.open_phase_ids, day=day, today=self.today)
        receipt = self._receipt(**common, product=product, person=person, phase=phase, review=review)
        self.receipts.append(receipt)
        if product == Product.VSI:
            pool.append(receipt)
            del pool[:-200]

    def _receipt(self, *, product: str, person: Person, phase: Phase, review: str, **common: Any) -> Receipt:
        rng = self.rng
        on = common["receipt_at"].astimezone(self.tz).date()
        rejection = rng.choice(REJECTION_REASONS)  # drawn always, used when rejected
        if product == Product.VSI:
            months = _weighted(rng, VSI_MONTHS)
            income, order = _declared_income(rng, on, self.table), None
        else:
            months = _weighted(rng, HHI_MONTHS)
            income, order = None, _weighted(rng, [(1, 45), (2, 30), (3, 15), (4, 7), (5, 3)])
        return Receipt(
            **common,
            product=product,
            person=person,
            phase=phase,
            payment_months=months,
            declared_income=income,
            household_member_order=order,
            review=review,
            rejection_reason=rejection if review == EnrollmentStatus.REJECTED else "",
        )

    def _enrolled_by_another(self, pool: list[Receipt], *, agent: Agent, receipt_at: datetime) -> Receipt | None:
        """Now and then, someone another agent of the cluster enrolled a while ago."""
        if self.rng.random() >= REPEAT_SHARE:
            return None
        candidates = [
            receipt
            for receipt in pool
            if receipt.agent.pk != agent.pk
            and receipt.person.personal_id not in self.repeated
            and receipt.receipt_at < receipt_at - timedelta(hours=1)
        ]
        return self.rng.choice(candidates) if candidates else None
