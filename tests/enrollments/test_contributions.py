"""Quotes checked against figures computed by hand from DESIGN §6."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from enrollments.contributions import ParameterTable, contribution_quote
from enrollments.models import Parameter

pytestmark = pytest.mark.django_db


def quote(**kwargs):
    return contribution_quote(**kwargs)


def test_vsi_in_2019_for_an_ordinary_household():
    # 22% × 1,500,000 = 330,000; support 10% × 22% × 700,000 = 15,400; 3 × 314,600.
    result = quote(product="VSI", on=date(2019, 8, 14), payment_months=3, declared_income=1_500_000)
    assert (result.monthly_contribution, result.monthly_support) == (330_000, 15_400)
    assert (result.amount_due, result.state_support) == (943_800, 46_200)
    assert (result.income_floor, result.income_ceiling) == (700_000, 29_800_000)


def test_vsi_in_2019_for_a_poor_household_gets_thirty_percent():
    result = quote(
        product="VSI", on=date(2019, 8, 14), payment_months=1, declared_income=700_000, household_category="poor"
    )
    # 22% × 700,000 = 154,000; support 30% of it = 46,200.
    assert (result.amount_due, result.state_support) == (107_800, 46_200)


def test_vsi_in_2024_for_a_near_poor_household():
    # Poverty line 1,500,000: support 25% × 330,000 = 82,500; 6 × (330,000 − 82,500).
    result = quote(
        product="VSI", on=date(2024, 8, 14), payment_months=6, declared_income=1_500_000, household_category="near_poor"
    )
    assert (result.amount_due, result.state_support) == (1_485_000, 495_000)


def test_vsi_in_2025_after_july_for_an_ethnic_minority():
    # From 2025-07-01 ethnic minorities get 30% of 330,000 = 99,000 a month.
    result = quote(
        product="VSI",
        on=date(2025, 8, 1),
        payment_months=12,
        declared_income=2_000_000,
        household_category="ethnic_minority",
    )
    assert (result.monthly_contribution, result.monthly_support) == (440_000, 99_000)
    assert (result.amount_due, result.state_support) == (4_092_000, 1_188_000)


def test_vsi_in_2025_before_july_uses_the_old_support_rates():
    result = quote(
        product="VSI", on=date(2025, 6, 30), payment_months=1, declared_income=1_500_000, household_category="poor"
    )
    assert result.monthly_support == 99_000  # 30% of 330,000, not yet 50%


def test_vsi_in_2025_for_a_poor_household_gets_half():
    result = quote(
        product="VSI", on=date(2025, 7, 1), payment_months=1, declared_income=1_500_000, household_category="poor"
    )
    assert (result.amount_due, result.state_support) == (165_000, 165_000)


def test_vsi_before_2018_has_no_state_support():
    result = quote(product="VSI", on=date(2017, 11, 1), payment_months=1, declared_income=1_000_000)
    assert (result.amount_due, result.state_support) == (220_000, 0)


def test_income_below_the_rural_poverty_line_is_refused():
    with pytest.raises(ValidationError) as caught:
        quote(product="VSI", on=date(2019, 8, 14), payment_months=3, declared_income=699_999)
    assert "700.000" in caught.value.message_dict["declared_income"][0]


def test_the_income_range_is_written_with_the_languages_thousands():
    with pytest.raises(ValidationError) as caught:
        quote(product="VSI", on=date(2024, 8, 14), payment_months=1, declared_income=50_000_000)
    message = caught.value.message_dict["declared_income"][0]
    assert "từ 1.500.000 đến 46.800.000" in message
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        quote(product="VSI", on=date(2024, 8, 14), payment_months=1, declared_income=50_000_000)
    assert "between 1,500,000 and 46,800,000 VND" in caught.value.message_dict["declared_income"][0]


def test_the_ceiling_follows_the_base_salary_on_the_receipt_date():
    with pytest.raises(ValidationError):
        quote(product="VSI", on=date(2024, 6, 30), payment_months=1, declared_income=40_000_000)
    result = quote(product="VSI", on=date(2024, 7, 1), payment_months=1, declared_income=40_000_000)
    assert result.income_ceiling == 46_800_000


def test_vsi_payment_period_must_be_allowed():
    with pytest.raises(ValidationError) as caught:
        quote(product="VSI", on=date(2024, 8, 14), payment_months=2, declared_income=1_500_000)
    assert "payment_months" in caught.value.message_dict


def test_vsi_needs_a_declared_income():
    with pytest.raises(ValidationError) as caught:
        quote(product="VSI", on=date(2024, 8, 14), payment_months=3)
    assert "declared_income" in caught.value.message_dict


@pytest.mark.parametrize(
    ("member", "months", "expected"),
    [(1, 12, 1_263_600), (2, 12, 884_520), (3, 6, 379_080), (4, 3, 157_950), (5, 3, 126_360), (9, 3, 126_360)],
)
def test_hhi_in_2024_by_household_member_order(member, months, expected):
    # 4.5% × 2,340,000 = 105,300 for the first member; 70%, 60%, 50%, then 40%.
    result = quote(product="HHI", on=date(2024, 8, 14), payment_months=months, household_member_order=member)
    assert result.amount_due == expected
    assert result.state_support == 0


def test_hhi_in_2019_uses_the_2019_base_salary():
    result = quote(product="HHI", on=date(2019, 8, 1), payment_months=3, household_member_order=3)
    # 4.5% × 1,490,000 = 67,050; 60% = 40,230; × 3.
    assert result.amount_due == 120_690


def test_hhi_cannot_be_paid_monthly():
    with pytest.raises(ValidationError) as caught:
        quote(product="HHI", on=date(2024, 8, 14), payment_months=1, household_member_order=1)
    assert "payment_months" in caught.value.message_dict


def test_a_date_before_any_parameter_is_refused_with_a_message():
    with pytest.raises(ValidationError) as caught:
        quote(product="HHI", on=date(2015, 1, 1), payment_months=3, household_member_order=1)
    assert "receipt_at" in caught.value.message_dict


def test_a_parameter_added_by_staff_takes_effect_from_its_date():
    Parameter.objects.create(kind="base_salary", effective_from=date(2026, 7, 1), value=Decimal("2530000"))
    table = ParameterTable.load()
    assert table.value_on("base_salary", date(2026, 6, 30)) == Decimal("2340000")
    assert table.value_on("base_salary", date(2026, 7, 1)) == Decimal("2530000")
    result = quote(product="HHI", on=date(2026, 7, 1), payment_months=3, household_member_order=1, parameters=table)
    assert result.amount_due == 3 * 113_850
