"""The money of an award, as every adapter shows it (DESIGN §5 *Money*, §11).

A prize of a coefficient × the base salary is paid at the base salary in force
on the decision date (``awards.services.award_approve`` stores that amount).
Until the director decides, nobody knows that date, so the amount shown at
review is an estimate at today's base salary, marked as such; once approved,
it is the amount stored on the decision date. Fixed and per-headcount amounts
are known when the awards are proposed.

``salary_amount`` is the one computation of a salary-based amount for a date;
``award_money`` (one award) and ``awards.selectors.award_totals`` (sums) read it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from campaigns.models import Campaign, PrizeTier
from enrollments.contributions import ParameterTable
from enrollments.models import Parameter

# Salary-based prizes are rounded up to the next 10,000 VND (Decree 152/2025 style).
SALARY_ROUNDING = 10_000


def salary_prize(coefficient: Decimal, base_salary: Decimal) -> int:
    """Coefficient × base salary, rounded up to the next 10,000 VND."""
    exact = Decimal(coefficient) * Decimal(base_salary)
    return math.ceil(exact / SALARY_ROUNDING) * SALARY_ROUNDING


def salary_amount(tier: PrizeTier, *, on: date, parameters: ParameterTable | None = None) -> int:
    """A salary-based tier's money on ``on``: its coefficient × the base salary in force that day."""
    parameters = parameters or ParameterTable.load()
    return salary_prize(tier.coefficient, parameters.require(Parameter.Kind.BASE_SALARY, on))


def estimate_date(campaign: Campaign, *, now=None) -> date:
    """The day an estimate is made for: today, in the campaign's time zone."""
    return timezone.localtime(now or timezone.now(), campaign.tzinfo).date()


def undecided(status: str) -> bool:
    """Whether an award of this status has no decision date yet (its salary-based amount is an estimate)."""
    return status not in ("approved", "revoked")


@dataclass(frozen=True)
class AwardMoney:
    """An award's amount in whole VND; ``estimate``: at the base salary of ``on``
    (today), to be fixed on the decision date."""

    amount: int
    estimate: bool = False
    on: date | None = None

    @property
    def text(self) -> str:
        """The amount as people read it: "1.410.000 VND", or the estimate with its warning."""
        amount = number_format(self.amount, force_grouping=True)
        if self.estimate:
            return _("≈ %(amount)s đ at today's base salary; final amount fixed on the decision date") % {
                "amount": amount
            }
        return _("%(amount)s VND") % {"amount": amount}

    def __str__(self) -> str:
        return self.text


def award_money(award, *, now=None, parameters: ParameterTable | None = None) -> AwardMoney:
    """The amount of ``award`` (with its tier and phase's campaign loaded) to
    show: the stored amount once decided or when not salary-based; before the
    decision, a salary-based amount at today's base salary, marked as an estimate."""
    if award.tier.money != PrizeTier.Money.SALARY_COEFFICIENT or not undecided(award.status):
        return AwardMoney(award.amount)
    on = estimate_date(award.phase.campaign, now=now)
    return AwardMoney(salary_amount(award.tier, on=on, parameters=parameters), estimate=True, on=on)


class BoardPricer:
    """``award_money`` for the prizes of one campaign's final board, read as row
    values (tier id, money, status, stored amount) rather than awards: one
    estimate per salary-based tier, the reference values loaded once."""

    def __init__(self, campaign: Campaign, *, now=None):
        self.on = estimate_date(campaign, now=now)
        self._parameters: ParameterTable | None = None
        self._estimates: dict[int, int] = {}

    def money(self, *, tier_id: int, money: str, status: str, stored: int) -> AwardMoney:
        if money != PrizeTier.Money.SALARY_COEFFICIENT or not undecided(status):
            return AwardMoney(stored)
        if tier_id not in self._estimates:
            self._parameters = self._parameters or ParameterTable.load()
            tier = PrizeTier.objects.get(pk=tier_id)
            self._estimates[tier_id] = salary_amount(tier, on=self.on, parameters=self._parameters)
        return AwardMoney(self._estimates[tier_id], estimate=True, on=self.on)


def salary_estimates(rows: list[dict], *, now=None) -> dict[tuple[int, str], int]:
    """(tier id, status) → the estimated amount of one award, for the salary-based
    tiers among ``rows`` (award counts grouped by ``tier_id``, ``tier__money``,
    ``status`` and ``campaign``, as ``awards.selectors.award_totals`` reads them)
    whose awards await their decision."""
    wanted = {
        (row["tier_id"], row["status"], row["campaign"])
        for row in rows
        if row["tier__money"] == PrizeTier.Money.SALARY_COEFFICIENT and undecided(row["status"])
    }
    if not wanted:
        return {}
    tiers = PrizeTier.objects.in_bulk({tier_id for tier_id, _status, _campaign in wanted})
    campaigns = Campaign.objects.in_bulk({campaign_id for _tier, _status, campaign_id in wanted})
    parameters = ParameterTable.load()
    return {
        (tier_id, status): salary_amount(
            tiers[tier_id], on=estimate_date(campaigns[campaign_id], now=now), parameters=parameters
        )
        for tier_id, status, campaign_id in wanted
    }
