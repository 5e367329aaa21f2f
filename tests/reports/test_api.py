"""The agent's progress, ``GET /api/v1/me/progress/``: counted receipts and quotas."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.intake_fixtures import client_for, submission

pytestmark = pytest.mark.django_db


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


def test_progress_counts_only_the_callers_own_receipts(api1, api2, open_phase):
    api1.post("/api/v1/enrollments/", submission(), format="json")
    body = api2.get("/api/v1/me/progress/").json()
    assert body["agent"] == "A02"
    phase = next(p for p in body["campaigns"][0]["phases"] if p["id"] == open_phase.pk)
    assert phase["counted"] == 0
    assert phase["quotas"][0]["remaining"] == 3


def test_progress_answers_304_until_a_submission_changes_it(api1, open_phase):
    first = api1.get("/api/v1/me/progress/")
    unchanged = api1.get("/api/v1/me/progress/", HTTP_IF_NONE_MATCH=first["ETag"])
    posted = api1.post("/api/v1/enrollments/", submission(), format="json")
    changed = api1.get("/api/v1/me/progress/", HTTP_IF_NONE_MATCH=first["ETag"])

    assert first.status_code == 200
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert posted.status_code == 201
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]
    phase = next(p for p in changed.json()["campaigns"][0]["phases"] if p["id"] == open_phase.pk)
    assert phase["counted"] == 1


def test_one_agents_progress_etag_never_answers_another_agent(api1, api2, open_phase):
    mine = api1.get("/api/v1/me/progress/")
    theirs = api2.get("/api/v1/me/progress/", HTTP_IF_NONE_MATCH=mine["ETag"])

    assert theirs.status_code == 200
    assert theirs.json()["agent"] == "A02"
    assert theirs["ETag"] != mine["ETag"]
    assert {"Authorization", "Cookie", "Accept-Language"} <= {v.strip() for v in theirs["Vary"].split(",")}


def test_a_refused_reader_gets_no_etag(reviewer):
    response = client_for(reviewer).get("/api/v1/me/progress/", HTTP_IF_NONE_MATCH='"anything"')

    assert response.status_code == 403
    assert "ETag" not in response


def test_progress_times_are_in_the_campaigns_time_zone_as_the_enrollments_are(api1, campaign, open_phase):
    api1.post("/api/v1/enrollments/", submission(), format="json")

    phase = next(p for p in api1.get("/api/v1/me/progress/").json()["campaigns"][0]["phases"] if p["number"] == 2)
    enrollment = api1.get("/api/v1/enrollments/").json()["results"][0]

    assert phase["start"].endswith("+07:00") and phase["cutoff"].endswith("+07:00")
    assert enrollment["receipt_at"].endswith("+07:00")
    campaign.time_zone = "Asia/Tokyo"
    campaign.save(update_fields=["time_zone"])
    phase = api1.get("/api/v1/me/progress/").json()["campaigns"][0]["phases"][0]
    assert phase["start"].endswith("+09:00")
    assert api1.get("/api/v1/enrollments/").json()["results"][0]["receipt_at"].endswith("+09:00")


def test_progress_names_the_agents_cluster_as_the_campaign_list_names_its_default(api1, campaign):
    cluster = api1.get("/api/v1/me/progress/").json()["campaigns"][0]["cluster"]
    listed = api1.get("/api/v1/campaigns/").json()["results"][0]["default_cluster"]

    assert cluster == listed == {"id": campaign.clusters.get().pk, "number": 1, "name": "Cụm 1"}
