"""The dossier through the API: the council records its meeting with the votes, staff
download the Word documents of the phases of their offices only."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.contrib.auth.models import Group
from docx import Document

from awards.models import CouncilMeeting
from awards.nominations import nomination_add
from campaigns.roles import GROUP_NAMES, StaffRole
from tests.awards.units import build_unit_contest
from tests.factories import PhaseFactory, UnitFactory, UserFactory, assign_unit
from tests.intake_fixtures import client_for

pytestmark = pytest.mark.django_db

MEETINGS = "/api/v1/council-meetings/"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def staff(username: str, role: StaffRole, unit):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=GROUP_NAMES[role]))
    assign_unit(user, unit)
    return user


@pytest.fixture
def units():
    contest = build_unit_contest()
    nomination_add(award=contest.award("BHXH-49-1"), full_name="Nguyễn Văn An")
    return contest


@pytest.fixture
def council(units):
    return client_for(staff("council-qn", StaffRole.COUNCIL, units.province))


@pytest.fixture
def elsewhere():
    return client_for(staff("council-tn", StaffRole.COUNCIL, UnitFactory(code="BHXH-72", name="BHXH tỉnh Tây Ninh")))


def meeting_body(units, **changes):
    return {
        "phase": units.phase.pk,
        "minutes_number": "03/BB-HĐTĐKT",
        "held_at": "2025-01-10T08:30:00+07:00",
        "chair": "Nguyễn Văn Chủ",
        "secretary": "Lê Thị Thư",
        "members_total": 9,
        "members_present": 8,
        "votes_for": 7,
        "votes_against": 1,
        **changes,
    }


def document_url(phase, kind):
    return f"/api/v1/phases/{phase.pk}/documents/{kind}.docx"


def test_the_council_records_its_meeting_and_the_minutes_carry_the_votes(council, units):
    assert council.get(document_url(units.phase, "minutes")).status_code == 409

    response = council.post(MEETINGS, meeting_body(units), format="json")
    assert response.status_code == 201, response.json()
    assert CouncilMeeting.objects.get().votes_for == 7

    minutes = council.get(document_url(units.phase, "minutes"))
    assert minutes.status_code == 200
    assert minutes["Content-Type"] == DOCX
    assert "attachment" in minutes["Content-Disposition"]
    text = "\n".join(p.text for p in Document(BytesIO(minutes.content)).paragraphs)
    assert "Tán thành: 7/8 thành viên có mặt (87,50%)" in text


def test_a_bad_meeting_names_every_problem_at_once(council, units):
    response = council.post(MEETINGS, meeting_body(units, chair="", members_total="chín", votes_for=-1), format="json")
    assert response.status_code == 400
    assert {"chair", "members_total", "votes_for"} <= set(response.json()["errors"])

    too_many = council.post(MEETINGS, meeting_body(units, votes_for=8, votes_against=1), format="json")
    assert too_many.status_code == 400
    assert CouncilMeeting.objects.count() == 0


def test_documents_of_each_kind_are_word_files_with_the_phases_list(council, units):
    for kind in ("submission", "decision"):
        response = council.get(document_url(units.phase, kind), {"number": "07/TTr-HĐTĐKT"})
        assert response.status_code == 200, response.content[:300]
        assert response["Content-Type"] == DOCX
    submission = Document(BytesIO(council.get(document_url(units.phase, "submission")).content))
    names = [row.cells[1].text for table in submission.tables for row in table.rows]
    assert "Nguyễn Văn An" in names and "BHXH thị xã Điện Bàn" in names
    assert council.get(document_url(units.phase, "letter")).status_code == 404


def test_a_phase_not_finalized_has_no_documents_yet(council, units):
    later = PhaseFactory(campaign=units.campaign, number=2)
    response = council.get(document_url(later, "submission"))
    assert response.status_code == 409
    assert response["Content-Type"].startswith("application/json")


def test_another_office_neither_downloads_nor_records(elsewhere, units):
    assert elsewhere.get(document_url(units.phase, "decision")).status_code == 404
    refused = elsewhere.post(MEETINGS, meeting_body(units), format="json")
    assert refused.status_code == 400
    assert "phase" in refused.json()["errors"]
    assert elsewhere.get(MEETINGS).json()["count"] == 0


def test_an_agent_downloads_no_document(units, agent1):
    agent = client_for(agent1.user)
    assert agent.get(document_url(units.phase, "decision")).status_code == 403
    assert agent.post(MEETINGS, meeting_body(units), format="json").status_code == 403
