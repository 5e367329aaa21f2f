"""Nominations through real HTTP requests: proposed by the council, reviewed, approved or
rejected; another office's staff neither see nor name them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from awards.models import Nomination
from awards.nominations import nomination_add, nomination_outside
from campaigns.roles import GROUP_NAMES, StaffRole
from tests.awards.units import NOMINEE_AMOUNT, build_unit_contest
from tests.factories import UnitFactory, UserFactory, assign_unit
from tests.intake_fixtures import client_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/nominations/"


@pytest.fixture
def units():
    return build_unit_contest()


def staff(username: str, role: StaffRole, unit=None):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=GROUP_NAMES[role]))
    assign_unit(user, unit)
    return user


@pytest.fixture
def council(units):
    return client_for(staff("council-qn", StaffRole.COUNCIL, units.province))


@pytest.fixture
def director(units):
    return client_for(staff("director-qn", StaffRole.DIRECTOR, units.province))


@pytest.fixture
def elsewhere():
    """The council of another province: within reach of nothing of Quảng Nam's."""
    return client_for(staff("council-tn", StaffRole.COUNCIL, UnitFactory(code="BHXH-72", name="BHXH tỉnh Tây Ninh")))


def test_the_council_nominates_under_a_units_award_with_the_prizes_money(council, units):
    award = units.award("BHXH-49-1")
    response = council.post(URL, {"award": award.pk, "full_name": "Nguyễn Văn An", "job_title": "Phó Giám đốc"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["distinction"], body["amount"], body["status"]) == (
        "Giấy khen của Giám đốc",
        NOMINEE_AMOUNT,
        "proposed",
    )
    assert (body["award"], body["phase"]["id"], body["proposed_by_unit"]["code"]) == (
        award.pk,
        units.phase.pk,
        "BHXH-49-1",
    )
    assert body["outside_sector"] is False


def test_the_council_nominates_from_outside_the_sector_with_a_chosen_prize(council, units):
    response = council.post(
        URL,
        {
            "campaign": units.campaign.code,
            "tier": units.tier.pk,
            "full_name": "Liên đoàn Lao động tỉnh",
            "collective": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["outside_sector"], body["award"], body["amount"]) == (True, None, NOMINEE_AMOUNT)
    assert body["campaign"] == units.campaign.code


def test_bad_input_names_every_problem_at_once(council, units):
    response = council.post(
        URL,
        {"award": units.award("BHXH-49-1").pk, "campaign": units.campaign.code, "amount": -5, "full_name": ""},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert response["Content-Type"].startswith("application/json")
    assert {"award", "amount", "full_name"} <= set(body["errors"])

    empty = council.post(URL, {}, format="json")
    assert empty.status_code == 400
    assert {"award", "full_name"} <= set(empty.json()["errors"])


def test_the_cap_of_the_prize_is_a_field_error(council, units):
    award = units.award("BHXH-49-1")
    for name in ("Nguyễn Văn An", "Trần Thị Bình"):
        assert council.post(URL, {"award": award.pk, "full_name": name}).status_code == 201
    third = council.post(URL, {"award": award.pk, "full_name": "Lê Văn Cường"})
    assert third.status_code == 400
    assert "award" in third.json()["errors"]


def test_review_then_approval_and_the_refused_shortcut(council, director, units):
    nomination = nomination_add(award=units.award("BHXH-49-2"), full_name="Phạm Thị Dung")
    decision = {"decision_number": "15/QĐ-BHXH", "decision_date": "2025-01-15"}
    early = director.post(f"{URL}{nomination.pk}/approve/", decision, format="json")
    assert early.status_code == 409, early.json()

    assert council.post(f"{URL}{nomination.pk}/review/", {"minutes": "03/BB-HĐTĐKT"}).status_code == 200
    response = director.post(f"{URL}{nomination.pk}/approve/", decision, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["decision"] == {"number": "15/QĐ-BHXH", "date": "2025-01-15"}
    assert response.json()["council_reference"] == "03/BB-HĐTĐKT"


def test_only_the_director_decides_and_a_rejection_needs_its_reason(council, director, units):
    nomination = nomination_outside(campaign=units.campaign, full_name="Ông Hồ Văn Em")
    assert council.post(f"{URL}{nomination.pk}/reject/", {"reason": "Không đủ"}).status_code == 403
    missing = director.post(f"{URL}{nomination.pk}/reject/", {}, format="json")
    assert missing.status_code == 400
    assert "reason" in missing.json()["errors"]
    assert director.post(f"{URL}{nomination.pk}/reject/", {"reason": "Không đủ"}).json()["status"] == "rejected"


def test_another_offices_staff_neither_see_nor_name_nor_decide_nominations(elsewhere, units):
    nomination = nomination_add(award=units.award("BHXH-49-1"), full_name="Nguyễn Văn An")
    assert elsewhere.get(URL).json()["count"] == 0
    assert elsewhere.get(f"{URL}{nomination.pk}/").status_code == 404
    assert elsewhere.post(f"{URL}{nomination.pk}/review/", {"minutes": "01/BB"}).status_code == 404
    named = elsewhere.post(URL, {"award": units.award("BHXH-49-2").pk, "full_name": "Trần Thị Bình"})
    assert named.status_code == 400
    assert "award" in named.json()["errors"]
    outside = elsewhere.post(URL, {"campaign": units.campaign.code, "full_name": "Ông Hồ Văn Em"})
    assert outside.status_code == 400
    assert "campaign" in outside.json()["errors"]
    assert Nomination.objects.count() == 1


def test_an_agent_may_not_read_nominations(units, agent1):
    assert client_for(agent1.user).get(URL).status_code == 403


def test_the_award_list_shows_nominees_and_counts_outside_nominations(council, units):
    award = units.award("BHXH-49-1")
    nomination_add(award=award, full_name="Nguyễn Văn An")
    nomination_outside(campaign=units.campaign, tier=units.tier, full_name="Liên đoàn Lao động tỉnh")
    body = council.get("/api/v1/awards/", {"phase": units.phase.pk}).json()
    listed = {row["competitor"]["code"]: row for row in body["results"]}
    assert [n["full_name"] for n in listed["BHXH-49-1"]["nominations"]] == ["Nguyễn Văn An"]
    assert body["totals"]["nominations"] == {
        "count": 2,
        "amount": 2 * NOMINEE_AMOUNT,
        "outside": {"count": 1, "amount": NOMINEE_AMOUNT},
    }
