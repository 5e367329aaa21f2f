"""Under /api/ every error is JSON in the API's error shape, never an HTML page:
an unknown URL, a fault inside an API view, a fault outside the API's views.
Elsewhere the site keeps Django's pages."""

from __future__ import annotations

import logging

import pytest
from django.test import Client
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from emulation_config.urls import handler404, handler500  # noqa: F401 (this module is a URLconf too)
from emulation_config.urls import urlpatterns as site_urlpatterns
from enrollments.models import Enrollment
from tests.intake_fixtures import submission

pytestmark = pytest.mark.django_db


class FaultyApiView(APIView):
    permission_classes = []

    def get(self, request):
        Enrollment.objects.none().get()  # a bug: DoesNotExist, which no view handles
        return Response({})


def faulty_page(request):
    raise RuntimeError("a bug outside the API's views")


# The site's URLs and error handlers, and three faulty views (``pytest.mark.urls``).
urlpatterns = [
    path("api/v1/test-faulty/", FaultyApiView.as_view()),
    path("api/v1/test-faulty-plain/", faulty_page),
    path("test-faulty/", faulty_page),
    *site_urlpatterns,
]
faulty = pytest.mark.urls(__name__)


def assert_api_error(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == code
    assert body["message"]
    assert body["errors"] == {}
    return body


def test_an_unknown_api_url_answers_a_json_404(api1):
    assert_api_error(api1.get("/api/v1/nothing/"), 404, "not_found")


def test_an_unknown_api_url_answers_json_even_without_a_login():
    body = assert_api_error(Client().post("/api/v1/nothing/", {}), 404, "not_found")
    assert body["message"] == "Không tìm thấy."


def test_an_unknown_page_outside_the_api_keeps_the_html_page(client):
    response = client.get("/nothing-here/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@faulty
def test_a_fault_inside_an_api_view_answers_a_json_500_and_is_logged(caplog):
    response = Client().get("/api/v1/test-faulty/")
    body = assert_api_error(response, 500, "server_error")
    assert "DoesNotExist" not in body["message"]  # nothing of the fault reaches the client
    [record] = [r for r in caplog.records if r.name == "core.api"]
    assert record.levelno == logging.ERROR
    assert record.exc_info[0] is Enrollment.DoesNotExist


@faulty
def test_a_fault_outside_the_api_views_under_api_answers_a_json_500():
    response = Client(raise_request_exception=False).get("/api/v1/test-faulty-plain/")
    assert_api_error(response, 500, "server_error")


@faulty
def test_a_fault_outside_the_api_keeps_the_html_page():
    response = Client(raise_request_exception=False).get("/test-faulty/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


def test_a_fault_inside_the_intake_answers_json_and_stores_nothing(api1, monkeypatch):
    def broken(**kwargs):
        raise ZeroDivisionError

    monkeypatch.setattr("enrollments.services.contribution_quote", broken)
    response = api1.post("/api/v1/enrollments/", submission(), format="json")
    assert_api_error(response, 500, "server_error")
    assert not Enrollment.objects.exists()


@pytest.mark.parametrize("url", ["/api/v1/nothing/", "/api/v1/phases/abc/ranking.xlsx", "/api/v1/phases/abc/"])
def test_an_unknown_api_url_answers_a_json_404_while_debug_is_on(api1, settings, url):
    settings.DEBUG = True  # Django would show its HTML debug page instead of handler404

    assert_api_error(api1.get(url), 404, "not_found")
