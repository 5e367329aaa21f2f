"""The OpenAPI schema says what the API answers: a tag and a summary per operation in the
reader's language, the error answers in the error contract's shape, enums holding every value
really sent and the ids' patterns."""

from __future__ import annotations

import pytest
from django.utils import translation

from emulation_config.schema import ERRORS, SUMMARIES

pytestmark = pytest.mark.django_db

OPERATIONS = {"get", "post", "put", "patch", "delete"}


def schema(client, language: str) -> dict:
    response = client.get("/api/schema/", {"format": "json"}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.json()


def operations(body: dict):
    for path, methods in body["paths"].items():
        for method, operation in methods.items():
            if method in OPERATIONS:
                yield method.upper(), path, operation


def test_every_operation_has_a_tag_and_a_summary_of_the_table(client):
    body = schema(client, "en")

    missing = [(method, path) for method, path, _operation in operations(body) if (method, path) not in SUMMARIES]
    assert missing == [], "add a summary to emulation_config/schema.py"
    for method, path, operation in operations(body):
        assert operation["summary"] == str(SUMMARIES[(method, path)])
        assert len(operation["tags"]) == 1


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_summaries_and_tags_are_in_the_readers_language(client, language):
    body = schema(client, language)

    with translation.override(language):
        expected = str(SUMMARIES[("GET", "/api/v1/campaigns/")])
        expected_error = str(ERRORS["404"])
    operation = body["paths"]["/api/v1/campaigns/"]["get"]
    assert operation["summary"] == expected
    assert operation["responses"]["404"]["description"] == expected_error


def test_every_operation_documents_its_errors_in_the_contracts_shape(client):
    body = schema(client, "en")

    for method, path, operation in operations(body):
        expected = {"400", "401", "403", "404", "429"} | ({"409"} if method != "GET" else set())
        if "requestBody" in operation:
            expected.add("413")
        assert expected <= set(operation["responses"]), (method, path)
        for code in expected:
            content = operation["responses"][code]["content"]["application/json"]["schema"]
            assert content == {"$ref": "#/components/schemas/Error"}, (method, path, code)
    assert set(body["components"]["schemas"]["Error"]["required"]) == {"message", "code", "errors"}


def test_a_counting_enrollments_blank_reason_is_within_its_enum(client):
    body = schema(client, "en")

    reason = body["components"]["schemas"]["Enrollment"]["properties"]["not_counted_reason"]
    refs = {choice["$ref"].rsplit("/", 1)[1] for choice in reason["oneOf"]}
    assert "" in body["components"]["schemas"][(refs - {"NotCountedReasonEnum"}).pop()]["enum"]


def test_ids_in_paths_are_whole_numbers(client):
    body = schema(client, "en")

    for path in ("/api/v1/phases/{id}/", "/api/v1/clusters/{id}/", "/api/v1/teams/{id}/"):
        (parameter,) = [p for p in body["paths"][path]["get"]["parameters"] if p["in"] == "path"]
        assert parameter["schema"]["type"] == "integer" and parameter["required"] is True
