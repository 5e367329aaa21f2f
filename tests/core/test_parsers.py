"""The API refuses JSON nested too deeply, and files over the upload limit, with
a JSON error by field: never a 500, never RecursionError.

Through real HTTP: the token endpoint (no login needed) and the intake API.
"""

from __future__ import annotations

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from rest_framework.test import APIClient

from core.parsers import json_depth
from enrollments.models import Enrollment
from tests.intake_fixtures import submission

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
INTAKE_URL = "/api/v1/enrollments/"


def nested(depth: int, inner: str = "1") -> str:
    return "[" * depth + inner + "]" * depth


def assert_too_deep(response, depth: int) -> None:
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == "invalid"
    [message] = body["errors"]["non_field_errors"]
    assert str(depth) in message


# --- depth ------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [33, 100_000])
def test_the_token_endpoint_refuses_deep_json_with_a_json_400(depth, agent1):
    body = '{"username": ' + nested(depth, '"a01"') + ', "password": "x"}'
    response = APIClient().post(TOKEN_URL, body, content_type="application/json")
    assert_too_deep(response, 32)


@pytest.mark.parametrize("depth", [33, 100_000])
def test_the_intake_api_refuses_deep_json_with_a_json_400(depth, api1):
    body = '{"client_ref": "A01-1", "participant": ' + nested(depth) + "}"
    response = api1.post(INTAKE_URL, body, content_type="application/json")
    assert_too_deep(response, 32)
    assert not Enrollment.objects.exists()


def test_the_depth_is_a_setting_and_json_within_it_is_read(api1, settings):
    settings.JSON_MAX_DEPTH = 2  # a submission is an object holding the participant's object
    assert api1.post(INTAKE_URL, submission(), format="json").status_code == 201

    settings.JSON_MAX_DEPTH = 1
    response = api1.post(INTAKE_URL, submission(client_ref="A01-000002"), format="json")

    assert_too_deep(response, 1)
    assert Enrollment.objects.count() == 1


def test_brackets_inside_strings_do_not_count(api1, settings):
    settings.JSON_MAX_DEPTH = 2
    body = submission(client_ref='[[{{"\\[', receipt_no="]]]}}}")
    response = api1.post(INTAKE_URL, body, format="json")
    assert response.status_code == 201, response.json()
    assert Enrollment.objects.get().client_ref == '[[{{"\\['


def test_broken_json_still_gets_a_json_400(api1):
    for body in ('{"client_ref": "[[[[', "[" * 40 + '"', '{"a": "\\'):
        response = api1.post(INTAKE_URL, body, content_type="application/json")
        assert response.status_code == 400, body
        assert response.json()["message"]


def test_json_depth_counts_arrays_and_objects_outside_strings():
    assert json_depth("1") == 0
    assert json_depth('{"a": [1, {"b": []}], "c": {}}') == 4
    assert json_depth('{"a": "[[[[\\"{{{{"}') == 1
    assert json_depth(nested(50)) == 50


def test_json_depth_reads_two_megabytes_of_hostile_text_in_linear_time():
    # Strings that never close, escaped quotes, and brackets: each would make a
    # scanner that backtracks or recurses slow or crash.
    for text in ('"' + '\\"' * 1_000_000, '\\"' * 1_000_000, "[" * 2_000_000, '["' * 1_000_000, "[]" * 1_000_000):
        start = time.perf_counter()
        json_depth(text)
        assert time.perf_counter() - start < 1, text[:10]


# --- uploads ------------------------------------------------------------------------------


def test_an_api_upload_over_the_limit_gets_a_json_400_under_its_field(api1, settings):
    settings.UPLOAD_MAX_SIZE = 4096
    file = SimpleUploadedFile("danh-sach.xlsx", b"x" * 5000)

    response = api1.post(INTAKE_URL, {"participant": file, "client_ref": "A01-1"}, format="multipart")

    assert response.status_code == 400
    [message] = response.json()["errors"]["participant"]
    assert filesizeformat(5000) in message
    assert filesizeformat(4096) in message


def test_an_api_upload_within_the_limit_reaches_the_view(api1, settings):
    settings.UPLOAD_MAX_SIZE = 4096
    file = SimpleUploadedFile("danh-sach.xlsx", b"x" * 4096)

    response = api1.post(INTAKE_URL, {"participant": file, "client_ref": "A01-1"}, format="multipart")

    assert response.status_code == 400
    assert "participant" in response.json()["errors"]  # the serializer's own complaint, not the limit's
    assert filesizeformat(4096) not in str(response.json()["errors"]["participant"])
