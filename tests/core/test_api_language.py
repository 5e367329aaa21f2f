"""The API speaks Vietnamese by default and with ``Accept-Language: vi``, Django
REST framework's own messages included (validation, authentication, JSON parse
errors, throttling); ``Accept-Language: en`` gets English."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.intake_fixtures import submission

pytestmark = pytest.mark.django_db

ENROLLMENTS = "/api/v1/enrollments/"
VI = {"HTTP_ACCEPT_LANGUAGE": "vi"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_a_choice_and_an_integer_are_refused_in_vietnamese(api1):
    body = submission(product="BHTN", payment_months="ba")

    errors = api1.post(ENROLLMENTS, body, format="json", **VI).json()["errors"]

    assert errors["product"] == ["“BHTN” không phải là một lựa chọn hợp lệ."]
    assert errors["payment_months"] == ["Cần một số nguyên hợp lệ."]


def test_english_is_given_to_who_asks_for_it(api1):
    body = submission(product="BHTN")

    errors = api1.post(ENROLLMENTS, body, format="json", **EN).json()["errors"]

    assert errors["product"] == ['"BHTN" is not a valid choice.']


def test_a_request_without_credentials_is_told_so_in_vietnamese(db):
    answer = APIClient().get("/api/v1/me/progress/", **VI)

    assert answer.status_code == 401
    assert answer.json()["message"] == "Chưa cung cấp thông tin xác thực."


def test_a_body_that_is_not_json_is_refused_in_vietnamese_with_where(api1):
    answer = api1.generic("POST", ENROLLMENTS, '{"client_ref": ', content_type="application/json", **VI)

    assert answer.status_code == 400
    assert answer.json()["message"] == "Nội dung yêu cầu không phải là JSON hợp lệ (dòng 1, cột 16)."


def test_throttling_says_when_to_come_back_in_vietnamese(db):
    client = APIClient()
    for n in range(10):
        client.post("/api/v1/auth/token/", {"username": f"nobody{n}", "password": "x"}, format="json", **VI)

    answer = client.post("/api/v1/auth/token/", {"username": "nobody", "password": "x"}, format="json", **VI)

    assert answer.status_code == 429
    wait = int(answer["Retry-After"])
    assert answer.json()["message"] == f"Yêu cầu bị từ chối vì gửi quá nhiều. Có thể thử lại sau {wait} giây."
