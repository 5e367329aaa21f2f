"""Token login, quotes, progress and the API's documentation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.intake_fixtures import client_for, submission

pytestmark = pytest.mark.django_db


def test_a_token_is_issued_for_a_username_and_password(agent1):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": agent1.user.username, "password": "pass-12345"}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    authorized = APIClient()
    authorized.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert authorized.get("/api/v1/enrollments/").status_code == 200


def test_a_wrong_password_gets_a_field_message(agent1):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": agent1.user.username, "password": "wrong"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["non_field_errors"]


def test_the_token_endpoint_is_throttled(agent1):
    client = APIClient()
    codes = [
        client.post("/api/v1/auth/token/", {"username": "a01", "password": "wrong"}, format="json").status_code
        for _ in range(11)
    ]
    assert codes[:10] == [400] * 10
    assert codes[10] == 429


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


def test_progress_shows_counted_quota_and_remaining(api1, campaign, open_phase):
    now = timezone.now()
    for n, pid in enumerate(["049090123456", "049190000001"]):
        gender = "male" if pid[3] == "0" else "female"
        api1.post(
            "/api/v1/enrollments/",
            submission(
                client_ref=f"P-{n}",
                participant={"personal_id": pid, "gender": gender},
                receipt_at=(now - timedelta(hours=n + 1)).isoformat(),
            ),
            format="json",
        )
    body = api1.get("/api/v1/me/progress/").json()
    assert body["agent"] == "A01"
    (entry,) = body["campaigns"]
    assert entry["code"] == campaign.code
    phase = next(p for p in entry["phases"] if p["id"] == open_phase.pk)
    assert phase["counted"] == 2
    assert phase["quotas"] == [
        {"product": "VSI", "min_payment_months": None, "minimum": 3, "counted": 2, "remaining": 1, "met": False}
    ]
    assert phase["provisional"] is True


def test_progress_is_for_agents_only(reviewer):
    assert client_for(reviewer).get("/api/v1/me/progress/").status_code == 403


def test_the_openapi_schema_and_docs_are_served_without_a_cdn(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/enrollments/bulk/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()


def test_progress_counts_only_the_callers_own_receipts(api1, api2, open_phase):
    api1.post("/api/v1/enrollments/", submission(), format="json")
    body = api2.get("/api/v1/me/progress/").json()
    assert body["agent"] == "A02"
    phase = next(p for p in body["campaigns"][0]["phases"] if p["id"] == open_phase.pk)
    assert phase["counted"] == 0
    assert phase["quotas"][0]["remaining"] == 3
