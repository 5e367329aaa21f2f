"""The notice and the appeals in the API (``awards.appeals.api``)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from awards.appeals.models import Appeal
from awards.models import Award
from awards.services import award_review
from tests.appeals import noticed_contest
from tests.factories import UnitFactory, UserFactory, assign_unit, vss_unit
from tests.intake_fixtures import client_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/appeals/"
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def noticed(db):
    return noticed_contest()


def notice_url(noticed) -> str:
    return f"/api/v1/phases/{noticed.phase.pk}/notice/"


def test_a_participant_reads_every_board_of_the_notice_with_reasons_and_prizes(noticed):
    api = client_for(noticed.user("W1"))  # of cluster 2
    cluster_one = noticed.contest.clusters[0]
    response = api.get(notice_url(noticed), {"cluster": cluster_one.pk})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["notice_running"] is True and body["notice_ends_at"]
    rows = {row["code"]: row for row in body["results"]}
    assert rows["E1"]["prize"]["title"] == "Giải 1" and rows["E1"]["eligibility_reason"] == ""
    assert rows["E3"]["eligible"] is False
    assert "2" in rows["E3"]["eligibility_reason"] and "3" in rows["E3"]["eligibility_reason"]


def test_someone_outside_the_campaign_does_not_find_the_notice(noticed):
    response = client_for(UserFactory(username="ngoai")).get(notice_url(noticed))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_an_agent_files_an_appeal_with_an_attachment_and_reads_its_status(noticed):
    api = client_for(noticed.user("E3"))
    body = {
        "phase": noticed.phase.pk,
        "text": "Hai hồ sơ chưa được tính.",
        "attachment": SimpleUploadedFile("bien-lai.pdf", PDF, content_type="application/pdf"),
    }
    response = api.post(URL, body, format="multipart")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert (created["status"], created["competitor_code"], created["attachment_name"]) == ("open", "E3", "bien-lai.pdf")
    listed = api.get(URL).json()["results"]
    assert [row["id"] for row in listed] == [created["id"]]
    download = api.get(created["attachment_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    # Someone else neither lists nor downloads it.
    other = client_for(noticed.user("E2"))
    assert other.get(URL).json()["results"] == []
    assert other.get(created["attachment_url"]).status_code == 404


def test_bad_input_is_answered_with_every_field_error_at_once(noticed):
    api = client_for(noticed.user("E3"))
    body = {
        "phase": noticed.phase.pk,
        "agent": "W1",
        "enrollment": noticed.agent("E1").enrollments.first().pk,
        "text": "",
        "attachment": SimpleUploadedFile("anh.png", b"GIF89a not a png", content_type="image/png"),
    }
    response = api.post(URL, body, format="multipart")
    assert response.status_code == 400
    payload = response.json()
    assert payload["code"] == "invalid"
    assert set(payload["errors"]) == {"agent", "enrollment", "text", "attachment"}
    assert not Appeal.objects.exists()


def test_an_agent_cannot_appeal_someone_elses_enrollment(noticed):
    api = client_for(noticed.user("E3"))
    body = {"phase": noticed.phase.pk, "enrollment": noticed.agent("E1").enrollments.first().pk, "text": "Của tôi"}
    response = api.post(URL, body, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["enrollment"]


def test_a_manager_appeals_about_their_agent_not_another(noticed):
    api = client_for(noticed.manager)
    ok = api.post(URL, {"phase": noticed.phase.pk, "agent": "E1", "text": "Xem lại"}, format="json")
    assert ok.status_code == 201, ok.json()
    refused = api.post(URL, {"phase": noticed.phase.pk, "agent": "E2", "text": "Xem lại"}, format="json")
    assert refused.status_code == 400 and list(refused.json()["errors"]) == ["agent"]


def test_the_council_answers_and_the_agent_reads_the_reply(noticed, council_member):
    agent_api = client_for(noticed.user("E3"))
    appeal_id = agent_api.post(URL, {"phase": noticed.phase.pk, "text": "Sai"}, format="json").json()["id"]
    assert agent_api.post(f"{URL}{appeal_id}/dismiss/", {"reply": "Tự xử"}, format="json").status_code == 403
    council = client_for(council_member)
    missing = council.post(f"{URL}{appeal_id}/dismiss/", {}, format="json")
    assert missing.status_code == 400 and "reply" in missing.json()["errors"]
    answered = council.post(f"{URL}{appeal_id}/dismiss/", {"reply": "Không có căn cứ."}, format="json")
    assert answered.status_code == 200
    again = council.post(f"{URL}{appeal_id}/uphold/", {"reply": "Đổi ý"}, format="json")
    assert again.status_code == 409
    mine = agent_api.get(f"{URL}{appeal_id}/").json()
    assert (mine["status"], mine["reply"]) == ("dismissed", "Không có căn cứ.")
    assert [event["to_status"] for event in mine["events"]] == ["open", "dismissed"]


def test_council_of_another_office_does_not_find_the_appeal(noticed, django_user_model):
    from django.contrib.auth.models import Group

    from campaigns.roles import GROUP_NAMES, StaffRole

    appeal_id = (
        client_for(noticed.user("E3")).post(URL, {"phase": noticed.phase.pk, "text": "Sai"}, format="json").json()["id"]
    )
    outsider = UserFactory(username="hd-khac", is_staff=True)
    outsider.groups.add(Group.objects.get(name=GROUP_NAMES[StaffRole.COUNCIL]))
    assign_unit(outsider, UnitFactory(code="BHXH-99", parent=vss_unit()))
    api = client_for(outsider)
    assert api.get(f"{URL}{appeal_id}/").status_code == 404
    assert api.post(f"{URL}{appeal_id}/uphold/", {"reply": "x"}, format="json").status_code == 404


def test_approving_during_the_notice_is_a_conflict_that_says_why(noticed, council_member, director):
    award = Award.objects.filter(phase=noticed.phase).first()
    award_review(award=award, by=council_member, minutes="BB-1")
    response = client_for(director).post(
        f"/api/v1/awards/{award.pk}/approve/", {"decision_number": "QĐ-9", "decision_date": "2026-12-30"}, format="json"
    )
    assert response.status_code == 409
    assert noticed.phase.name in response.json()["message"]
    award.refresh_from_db()
    assert award.status == Award.Status.REVIEWED
