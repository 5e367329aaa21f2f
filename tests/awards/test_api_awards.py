"""The awards workflow through real HTTP requests: the council reviews, the director decides."""

from __future__ import annotations

import pytest

from awards.models import Award, AwardTransition
from awards.services import phase_finalize
from campaigns.services import phase_close
from tests.contest import prize_rule, sell
from tests.factories import AgentFactory
from tests.intake_fixtures import client_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/awards/"


@pytest.fixture
def finalized(campaign, open_phase, agent1, quang_nam, campaign_manager):
    """Phase 2 finalized with three prizes proposed in cluster 1: A03 (5), A01 (4), A04 (3)."""
    rule = prize_rule(campaign, position=1)
    agents = {
        "A01": agent1,
        "A03": AgentFactory(code="A03", locality=quang_nam["tam_ky"]),
        "A04": AgentFactory(code="A04", locality=quang_nam["hoi_an"]),
    }
    for code, count in (("A03", 5), ("A01", 4), ("A04", 3)):
        sell(open_phase, agents[code], count)
    phase_close(phase=open_phase, by=campaign_manager, reason="Đóng sớm")
    finalization = phase_finalize(phase_id=open_phase.pk, by=campaign_manager)
    awards = {award.competitor_code: award for award in Award.objects.filter(finalization=finalization)}
    assert set(awards) == {"A01", "A03", "A04"}
    return {"phase": open_phase, "rule": rule, "awards": awards}


@pytest.fixture
def council(council_member):
    return client_for(council_member)


@pytest.fixture
def director_api(director):
    return client_for(director)


def review(client, award, minutes="BB-12/HĐTĐKT"):
    return client.post(f"{URL}{award.pk}/review/", {"minutes": minutes}, format="json")


def approve(client, award, **body):
    body = {"decision_number": "125/QĐ-BHXH", "decision_date": "2026-01-15", **body}
    return client.post(f"{URL}{award.pk}/approve/", body, format="json")


# --- the list -----------------------------------------------------------------------


def test_the_council_lists_the_proposed_awards_with_their_totals(council, finalized):
    response = council.get(URL, {"phase": finalized["phase"].pk})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["count"] == 3
    assert [row["competitor"]["code"] for row in body["results"]] == ["A03", "A01", "A04"]
    first = body["results"][0]
    assert first["tier"]["title"] == "Giải 1"
    assert first["amount"] == 3_000_000
    assert first["status"] == "proposed"
    assert first["decision"] == {"number": "", "date": None}
    assert first["rule"]["code"] == "TOP"
    assert first["cluster"]["number"] == 1
    assert first["standing"]["rank"] == 1
    assert first["version"] == 1
    assert body["totals"]["count"] == 3
    assert body["totals"]["amount"] == 6_000_000
    assert body["totals"]["by_status"]["proposed"] == {"count": 3, "amount": 6_000_000}
    assert body["totals"]["active"] == {"count": 3, "amount": 6_000_000}


def test_the_list_filters_by_status_and_rule(council, finalized):
    rule = finalized["rule"]
    assert council.get(URL, {"status": "approved"}).json()["count"] == 0
    assert council.get(URL, {"status": ["proposed", "approved"], "rule": "TOP"}).json()["count"] == 3
    assert council.get(URL, {"rule": rule.pk}).json()["count"] == 3
    assert council.get(URL, {"rule": "OTHER"}).json()["count"] == 0
    bad = council.get(URL, {"status": "granted"})
    assert bad.status_code == 400
    assert "status" in bad.json()["errors"]


def test_the_totals_endpoint_follows_the_same_filters(director_api, finalized):
    body = director_api.get(f"{URL}totals/", {"phase": finalized["phase"].pk}).json()
    assert (body["count"], body["amount"]) == (3, 6_000_000)
    rejected = director_api.post(
        f"{URL}{finalized['awards']['A04'].pk}/reject/", {"reason": "Hồ sơ thiếu"}, format="json"
    )
    assert rejected.status_code == 200, rejected.json()
    body = director_api.get(f"{URL}totals/", {"phase": finalized["phase"].pk}).json()
    assert body["active"] == {"count": 2, "amount": 5_000_000}
    assert body["by_status"]["rejected"] == {"count": 1, "amount": 1_000_000}


def test_only_staff_who_may_view_awards_list_them(api1, reviewer_api, finalized):
    assert api1.get(URL).status_code == 403
    assert reviewer_api.get(URL).status_code == 403
    assert reviewer_api.get(f"{URL}totals/").status_code == 403
    assert client_for(None).get(URL).status_code == 401


# --- decisions ----------------------------------------------------------------------


def test_the_council_reviews_and_the_director_approves_with_a_decision(council, director_api, finalized, director):
    award = finalized["awards"]["A03"]
    reviewed = review(council, award)
    assert reviewed.status_code == 200, reviewed.json()
    assert reviewed.json()["status"] == "reviewed"
    assert reviewed.json()["council_reference"] == "BB-12/HĐTĐKT"
    approved = approve(director_api, award)
    assert approved.status_code == 200, approved.json()
    body = approved.json()
    assert body["status"] == "approved"
    assert body["decision"] == {"number": "125/QĐ-BHXH", "date": "2026-01-15"}
    last = AwardTransition.objects.filter(award=award).order_by("pk").last()
    assert (last.to_status, last.by, last.reference) == ("approved", director, "125/QĐ-BHXH")


def test_the_council_cannot_approve(council, finalized):
    award = finalized["awards"]["A03"]
    review(council, award)
    response = approve(council, award)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    award.refresh_from_db()
    assert award.status == "reviewed"


def test_an_agent_cannot_review(api1, finalized):
    assert review(api1, finalized["awards"]["A01"]).status_code == 403


def test_a_review_needs_the_minutes(council, finalized):
    response = council.post(f"{URL}{finalized['awards']['A03'].pk}/review/", {}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["minutes"]


def test_an_approval_needs_a_decision_number_and_date(council, director_api, finalized):
    award = finalized["awards"]["A03"]
    review(council, award)
    response = director_api.post(f"{URL}{award.pk}/approve/", {"decision_date": "15/01/2026"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"decision_number", "decision_date"}


def test_approving_an_award_not_yet_reviewed_conflicts(director_api, finalized):
    response = approve(director_api, finalized["awards"]["A03"])
    assert response.status_code == 409
    assert set(response.json()) == {"message", "code", "errors"}
    assert "status" in response.json()["errors"]


def test_rejecting_needs_a_reason(director_api, finalized):
    award = finalized["awards"]["A04"]
    missing = director_api.post(f"{URL}{award.pk}/reject/", {"reason": ""}, format="json")
    assert missing.status_code == 400
    assert list(missing.json()["errors"]) == ["reason"]
    rejected = director_api.post(f"{URL}{award.pk}/reject/", {"reason": "Hồ sơ thiếu"}, format="json")
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["status_reason"] == "Hồ sơ thiếu"
    again = director_api.post(f"{URL}{award.pk}/reject/", {"reason": "Lần nữa"}, format="json")
    assert again.status_code == 409


def test_an_approved_award_is_revoked_with_a_reason_by_the_director_only(council, director_api, finalized):
    award = finalized["awards"]["A01"]
    review(council, award)
    approve(director_api, award)
    assert council.post(f"{URL}{award.pk}/revoke/", {"reason": "Sai"}, format="json").status_code == 403
    assert director_api.post(f"{URL}{award.pk}/revoke/", {}, format="json").status_code == 400
    revoked = director_api.post(f"{URL}{award.pk}/revoke/", {"reason": "Phát hiện gian lận"}, format="json")
    assert revoked.status_code == 200, revoked.json()
    assert revoked.json()["status"] == "revoked"


def test_a_phase_with_an_approved_award_cannot_be_reopened(council, director_api, campaign_manager, finalized):
    award = finalized["awards"]["A03"]
    review(council, award)
    approve(director_api, award)
    phase = finalized["phase"]
    response = client_for(campaign_manager).post(
        f"/api/v1/phases/{phase.pk}/reopen/", {"reason": "Sai số liệu"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


def test_reopening_supersedes_the_proposals(council, campaign_manager, finalized):
    phase = finalized["phase"]
    response = client_for(campaign_manager).post(
        f"/api/v1/phases/{phase.pk}/reopen/", {"reason": "Sai số liệu"}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = council.get(URL, {"phase": phase.pk}).json()
    assert {row["status"] for row in body["results"]} == {"superseded"}
    assert body["totals"]["active"] == {"count": 0, "amount": 0}


def test_an_unknown_award_is_not_found(director_api, finalized):
    assert approve(director_api, Award(pk=999999)).status_code == 404
    assert director_api.get(f"{URL}999999/").status_code == 404


def test_one_award_is_read_by_its_id(council, finalized):
    award = finalized["awards"]["A04"]
    response = council.get(f"{URL}{award.pk}/")
    assert response.status_code == 200
    assert response.json()["competitor"]["code"] == "A04"
    assert response.json()["tier"]["position"] == 3
