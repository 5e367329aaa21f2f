"""The contribution quote, ``GET /api/v1/quote/``, against hand-computed figures."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("query", "amount_due", "state_support"),
    [
        # 2019: 22% × 1,500,000 − 10% × 22% × 700,000, three months.
        ({"product": "VSI", "date": "2019-08-14", "payment_months": 3, "declared_income": 1500000}, 943_800, 46_200),
        # 2024, near-poor: 25% support on the 1,500,000 poverty line, six months.
        (
            {
                "product": "VSI",
                "date": "2024-08-14",
                "payment_months": 6,
                "declared_income": 1500000,
                "household_category": "near_poor",
            },
            1_485_000,
            495_000,
        ),
        # 2025 after July, ethnic minority: 30%.
        (
            {
                "product": "VSI",
                "date": "2025-08-01",
                "payment_months": 12,
                "declared_income": 2000000,
                "household_category": "ethnic_minority",
            },
            4_092_000,
            1_188_000,
        ),
        # HHI 2024, second member: 70% of 4.5% × 2,340,000, twelve months.
        ({"product": "HHI", "date": "2024-08-14", "payment_months": 12, "household_member_order": 2}, 884_520, 0),
    ],
    ids=["vsi-2019", "vsi-2024-near-poor", "vsi-2025-ethnic-minority", "hhi-2024-second-member"],
)
def test_the_quote_matches_hand_computed_figures(api1, query, amount_due, state_support):
    response = api1.get("/api/v1/quote/", query)
    assert response.status_code == 200, response.json()
    assert (response.json()["amount_due"], response.json()["state_support"]) == (amount_due, state_support)


def test_a_quote_with_an_income_out_of_range_names_the_field(api1):
    response = api1.get(
        "/api/v1/quote/", {"product": "VSI", "date": "2024-08-14", "payment_months": 1, "declared_income": 100}
    )
    assert response.status_code == 400
    assert "declared_income" in response.json()["errors"]
