"""What an enrollment owes and the state support it receives (DESIGN §6).

Reference values come from ``Parameter`` rows in force on the receipt date. A
``ParameterTable`` loads them once, so bulk intake computes quotes without a
query per item.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from enrollments.choices import HHI_PAYMENT_MONTHS, VSI_PAYMENT_MONTHS, HouseholdCategory, Product
from enrollments.models import Parameter

HHI_MEMBER_FACTORS = {1: Decimal("1.0"), 2: Decimal("0.7"), 3: Decimal("0.6"), 4: Decimal("0.5")}
HHI_LATER_MEMBER_FACTOR = Decimal("0.4")
VSI_CEILING_MULTIPLE = 20
HUNDRED = Decimal(100)
HOUSEHOLD_CATEGORIES = frozenset(HouseholdCategory.values)


def _vnd(amount: Decimal) -> int:
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


class ParameterTable:
    """All reference parameters, looked up by kind, category and date in memory."""

    def __init__(self, rows) -> None:
        series: dict[tuple[str, str], list[tuple[date, Decimal]]] = defaultdict(list)
        for kind, category, effective_from, value in rows:
            series[(kind, category)].append((effective_from, value))
        self._series = {key: sorted(values) for key, values in series.items()}

    @classmethod
    def load(cls) -> ParameterTable:
        return cls(Parameter.objects.values_list("kind", "household_category", "effective_from", "value"))

    def value_on(self, kind: str, on: date, *, category: str = "") -> Decimal | None:
        values = self._series.get((kind, category), [])
        index = bisect_right(values, (on, Decimal("Infinity")))
        return values[index - 1][1] if index else None

    def require(self, kind: str, on: date, *, category: str = "") -> Decimal:
        value = self.value_on(kind, on, category=category)
        if value is None:
            label = Parameter.Kind(kind).label
            message = _("No %(parameter)s is in force on %(date)s.") % {"parameter": label, "date": f"{on:%d/%m/%Y}"}
            raise ValidationError({"receipt_at": message})
        return value


@dataclass(frozen=True)
class Quote:
    product: str
    on: date
    payment_months: int
    monthly_contribution: int
    monthly_support: int
    amount_due: int
    state_support: int
    income_floor: int | None = None
    income_ceiling: int | None = None
    base_salary: int | None = None


def contribution_quote(
    *,
    product: str,
    on: date,
    payment_months: int,
    declared_income: int | None = None,
    household_category: str = HouseholdCategory.OTHER,
    household_member_order: int | None = None,
    parameters: ParameterTable | None = None,
) -> Quote:
    """The contribution for ``payment_months`` months at the values in force on ``on``.

    Raises ``ValidationError`` with a message per field when the input breaks a rule.
    """
    table = parameters or ParameterTable.load()
    if product == Product.VSI:
        return _vsi_quote(on, payment_months, declared_income, household_category, table)
    if product == Product.HHI:
        return _hhi_quote(on, payment_months, household_member_order, table)
    raise ValidationError({"product": _("Unknown product %(product)s.") % {"product": product}})


def _vsi_quote(on, payment_months, declared_income, household_category, table: ParameterTable) -> Quote:
    errors = {}
    if payment_months not in VSI_PAYMENT_MONTHS:
        errors["payment_months"] = _("VSI is paid for 1, 3, 6 or 12 months.")
    if declared_income is None:
        errors["declared_income"] = _("A VSI enrollment needs a declared monthly income.")
    if household_category not in HOUSEHOLD_CATEGORIES:
        errors["household_category"] = _("Unknown household category.")
    if errors:
        raise ValidationError(errors)
    poverty_line = table.require(Parameter.Kind.RURAL_POVERTY_LINE, on)
    base_salary = table.require(Parameter.Kind.BASE_SALARY, on)
    rate = table.require(Parameter.Kind.VSI_RATE, on) / HUNDRED
    floor, ceiling = _vnd(poverty_line), _vnd(base_salary * VSI_CEILING_MULTIPLE)
    if not floor <= declared_income <= ceiling:
        raise ValidationError(
            {
                "declared_income": _("On %(date)s the declared income must be between %(floor)s and %(ceiling)s VND.")
                % {
                    "date": f"{on:%d/%m/%Y}",
                    "floor": number_format(floor, force_grouping=True),
                    "ceiling": number_format(ceiling, force_grouping=True),
                }
            }
        )
    support_pct = table.value_on(Parameter.Kind.VSI_SUPPORT_RATE, on, category=household_category) or Decimal(0)
    monthly = _vnd(rate * declared_income)
    support = _vnd(support_pct / HUNDRED * rate * poverty_line)
    return Quote(
        product=Product.VSI,
        on=on,
        payment_months=payment_months,
        monthly_contribution=monthly,
        monthly_support=support,
        amount_due=payment_months * (monthly - support),
        state_support=payment_months * support,
        income_floor=floor,
        income_ceiling=ceiling,
        base_salary=_vnd(base_salary),
    )


def _hhi_quote(on, payment_months, household_member_order, table: ParameterTable) -> Quote:
    errors = {}
    if payment_months not in HHI_PAYMENT_MONTHS:
        errors["payment_months"] = _("HHI is paid for 3, 6 or 12 months.")
    if household_member_order is None or household_member_order < 1:
        errors["household_member_order"] = _("An HHI enrollment needs the member's order in the household (1, 2, …).")
    if errors:
        raise ValidationError(errors)
    base_salary = table.require(Parameter.Kind.BASE_SALARY, on)
    rate = table.require(Parameter.Kind.HHI_RATE, on) / HUNDRED
    factor = HHI_MEMBER_FACTORS.get(household_member_order, HHI_LATER_MEMBER_FACTOR)
    monthly = _vnd(rate * base_salary * factor)
    return Quote(
        product=Product.HHI,
        on=on,
        payment_months=payment_months,
        monthly_contribution=monthly,
        monthly_support=0,
        amount_due=payment_months * monthly,
        state_support=0,
        base_salary=_vnd(base_salary),
    )
