"""Leaderboards, phase transitions and the agent's rank, through real HTTP requests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from awards.models import Award, Finalization, Standing
from awards.services import award_reject, phase_finalize, phase_reopen
from campaigns.models import Phase, PhaseTransition
from campaigns.services import phase_close
from enrollments.choices import EnrollmentStatus
from tests.contest import prize_rule, sell
from tests.factories import (
    AgentFactory,
    AwardRuleFactory,
    CampaignFactory,
    ClusterFactory,
    DistrictFactory,
    UserFactory,
)
from tests.intake_fixtures import client_for, submission

pytestmark = pytest.mark.django_db


def standings_url(phase) -> str:
    return f"/api/v1/phases/{phase.pk}/standings/"


@pytest.fixture
def cluster(campaign):
    return campaign.clusters.get(number=1)


@pytest.fixture
def rule(campaign):
    """Three prizes per cluster for agents, by count; the cluster's quota of 3 VSI applies."""
    return prize_rule(campaign, name="Giải đợt", position=1)


@pytest.fixture
def field(rule, open_phase, agent1, agent2, quang_nam):
    """Agents of cluster 1 with counted receipts in phase 2: A03 5, A01 3 (first), A04 3, A02 1."""
    a03 = AgentFactory(code="A03", full_name="Trần Thị Ba", locality=quang_nam["tam_ky"])
    a04 = AgentFactory(code="A04", full_name="Lê Văn Bốn", locality=quang_nam["hoi_an"])
    agents = {"A01": agent1, "A02": agent2, "A03": a03, "A04": a04}
    for code, count, hours in (("A03", 5, 5), ("A01", 3, 1), ("A04", 3, 2), ("A02", 1, 0)):
        sell(open_phase, agents[code], count, hours=hours)
    return agents


def codes(body) -> list[str]:
    return [row["code"] for row in body["results"]]


# --- the leaderboard ----------------------------------------------------------------


def test_a_provisional_leaderboard_ranks_the_cluster_best_first(reviewer_api, field, open_phase, cluster, rule):
    response = reviewer_api.get(standings_url(open_phase), {"cluster": cluster.pk})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["final"] is False
    assert body["version"] is None
    assert body["rule"]["code"] == "TOP"
    assert body["cluster"] == {"id": cluster.pk, "number": 1, "name": "Cụm 1"}
    assert body["count"] == 4
    assert codes(body) == ["A03", "A01", "A04", "A02"]
    first, second, third, fourth = body["results"]
    assert (first["position"], first["rank"], first["eligible"]) == (1, 1, True)
    # A01 and A04 tie on 3: A01 got there first.
    assert (second["position"], second["rank"], third["rank"]) == (2, 2, 3)
    # A02 misses the cluster quota of 3 VSI: on the board, without a prize rank.
    assert (fourth["position"], fourth["rank"], fourth["eligible"]) == (4, None, False)
    assert first["score"] == 5
    assert first["kind"] == "agent"
    assert first["name"] == "Trần Thị Ba"
    assert first["reached_at"].endswith("+07:00")  # in the campaign's time zone
    assert body["quotas"] == [
        {"id": body["quotas"][0]["id"], "product": "VSI", "min_payment_months": None, "role": None}
        | {"cluster": cluster.pk, "minimum": 3}
    ]
    assert first["quota_counts"] == [5]
    # Only public facts about competitors, never enrollment details.
    assert set(first) == {
        "position",
        "rank",
        "kind",
        "id",
        "code",
        "name",
        "score",
        "target",
        "eligible",
        "barred",
        "reached_at",
        "quota_counts",
    }


def test_the_provisional_board_counts_submitted_receipts_too(reviewer_api, field, open_phase, cluster):
    sell(open_phase, field["A02"], 3, day=2, status=EnrollmentStatus.SUBMITTED)
    body = reviewer_api.get(standings_url(open_phase), {"cluster": cluster.pk}).json()
    assert codes(body) == ["A03", "A02", "A01", "A04"]


def test_the_rule_can_be_chosen_by_code_or_id(reviewer_api, field, open_phase, cluster, rule, campaign):
    other = AwardRuleFactory(campaign=campaign, code="ALL", position=2, per_cluster=False, requires_quota=False)
    by_code = reviewer_api.get(standings_url(open_phase), {"rule": "ALL"}).json()
    assert by_code["rule"]["id"] == other.pk
    assert by_code["cluster"] is None  # ranks everyone together: no cluster needed
    assert by_code["quotas"] == []
    assert by_code["results"][0]["eligible"] is True
    by_id = reviewer_api.get(standings_url(open_phase), {"rule": rule.pk, "cluster": cluster.pk}).json()
    assert by_id["rule"]["code"] == "TOP"


def test_an_unknown_rule_is_a_field_error(reviewer_api, field, open_phase, cluster):
    response = reviewer_api.get(standings_url(open_phase), {"rule": "NOPE", "cluster": cluster.pk})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"rule"}


def test_the_leaderboard_is_paginated_by_fifty(reviewer_api, field, open_phase, cluster, quang_nam):
    for n in range(50):
        AgentFactory(code=f"Z{n:02d}", locality=quang_nam["tam_ky"])
    first = reviewer_api.get(standings_url(open_phase), {"cluster": cluster.pk}).json()
    assert first["count"] == 54
    assert len(first["results"]) == 50
    assert first["previous"] is None
    assert "page=2" in first["next"]
    second = reviewer_api.get(standings_url(open_phase), {"cluster": cluster.pk, "page": 2}).json()
    assert [row["position"] for row in second["results"]] == [51, 52, 53, 54]
    assert second["next"] is None
    assert reviewer_api.get(standings_url(open_phase), {"cluster": cluster.pk, "page": 9}).status_code == 404


@pytest.mark.parametrize("page", ["abc", "0", "-1", "1.5", str(2**62), "9" * 40])
def test_a_page_that_is_not_a_page_number_is_a_field_error(reviewer_api, field, open_phase, cluster, page):
    response = reviewer_api.get(standings_url(open_phase), {"cluster": cluster.pk, "page": page})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["errors"]) == ["page"]
    assert body["errors"]["page"][0]


def test_a_bad_page_is_reported_with_the_other_field_errors(reviewer_api, field, open_phase):
    response = reviewer_api.get(standings_url(open_phase), {"cluster": "one", "page": "0"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"cluster", "page"}


# --- conditional reads: ETag and 304 ------------------------------------------------------


def test_the_leaderboard_answers_304_until_a_submission_changes_it(reviewer_api, api1, field, open_phase, cluster):
    url, query = standings_url(open_phase), {"cluster": cluster.pk}
    first = reviewer_api.get(url, query)
    unchanged = reviewer_api.get(url, query, HTTP_IF_NONE_MATCH=first["ETag"])
    posted = api1.post("/api/v1/enrollments/", submission(client_ref="ETAG-1"), format="json")
    changed = reviewer_api.get(url, query, HTTP_IF_NONE_MATCH=first["ETag"])

    assert first.status_code == 200
    assert first["ETag"].startswith('"') and not first["ETag"].startswith("W/")  # strong
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged["ETag"] == first["ETag"]
    assert posted.status_code == 201, posted.json()
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]
    assert changed.json()["results"][1]["score"] == 4  # A01: 3 and the one just submitted


def test_head_is_conditional_too(reviewer_api, field, open_phase, cluster):
    first = reviewer_api.head(standings_url(open_phase), {"cluster": cluster.pk})
    again = reviewer_api.head(standings_url(open_phase), {"cluster": cluster.pk}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert first.status_code == 200
    assert again.status_code == 304


def test_each_page_has_its_own_etag(reviewer_api, field, open_phase, cluster, quang_nam):
    for n in range(50):
        AgentFactory(code=f"Z{n:02d}", locality=quang_nam["tam_ky"])
    first = reviewer_api.get(standings_url(open_phase), {"cluster": cluster.pk})
    second = reviewer_api.get(
        standings_url(open_phase), {"cluster": cluster.pk, "page": 2}, HTTP_IF_NONE_MATCH=first["ETag"]
    )
    assert second.status_code == 200
    assert second["ETag"] != first["ETag"]


def test_one_readers_etag_never_answers_another_reader(reviewer_api, api2, field, open_phase, cluster):
    url, query = standings_url(open_phase), {"cluster": cluster.pk}
    staff = reviewer_api.get(url, query)
    agent = api2.get(url, query, HTTP_IF_NONE_MATCH=staff["ETag"])
    assert agent.status_code == 200  # the same rows, but not the staff reader's answer
    assert agent.json()["results"] == staff.json()["results"]
    assert agent["ETag"] != staff["ETag"]
    assert {"Authorization", "Cookie", "Accept-Language"} <= {v.strip() for v in agent["Vary"].split(",")}
    assert "private" in agent["Cache-Control"]


def test_an_etag_does_not_open_a_board_to_a_reader_refused(reviewer_api, api1, field, open_phase, campaign):
    west = DistrictFactory(code="D-WEST")
    other = ClusterFactory(campaign=campaign, number=2, name="Cụm 2")
    other.localities.add(west)
    etag = reviewer_api.get(standings_url(open_phase), {"cluster": other.pk})["ETag"]
    refused = api1.get(standings_url(open_phase), {"cluster": other.pk}, HTTP_IF_NONE_MATCH=etag)
    assert refused.status_code == 403
    assert "ETag" not in refused


def test_a_per_cluster_rule_needs_a_cluster_of_the_campaign(reviewer_api, field, open_phase):
    missing = reviewer_api.get(standings_url(open_phase))
    assert missing.status_code == 400
    assert set(missing.json()) == {"message", "code", "errors"}
    assert list(missing.json()["errors"]) == ["cluster"]
    foreign = ClusterFactory(campaign=CampaignFactory(code="elsewhere"), number=1)
    elsewhere = reviewer_api.get(standings_url(open_phase), {"cluster": foreign.pk})
    assert elsewhere.status_code == 400
    assert list(elsewhere.json()["errors"]) == ["cluster"]
    garbage = reviewer_api.get(standings_url(open_phase), {"cluster": "one"})
    assert garbage.status_code == 400
    assert list(garbage.json()["errors"]) == ["cluster"]


def test_an_agent_who_may_read_one_board_gets_it_without_naming_the_cluster(api1, field, open_phase, cluster):
    response = api1.get(standings_url(open_phase))
    assert response.status_code == 200, response.json()
    assert response.json()["cluster"]["id"] == cluster.pk
    assert codes(response.json()) == ["A03", "A01", "A04", "A02"]


def test_an_organization_manager_of_agents_in_two_clusters_names_the_one_to_read(
    field, open_phase, campaign, agent1, quang_nam
):
    west = DistrictFactory(code="D-WEST")
    other = ClusterFactory(campaign=campaign, number=2, name="Cụm 2")
    other.localities.add(west)
    AgentFactory(code="A05", organization=agent1.organization, locality=west)
    manager = UserFactory(username="quanly-bd")
    agent1.organization.managers.add(manager)
    missing = client_for(manager).get(standings_url(open_phase))
    assert missing.status_code == 400
    assert list(missing.json()["errors"]) == ["cluster"]
    assert client_for(manager).get(standings_url(open_phase), {"cluster": other.pk}).status_code == 200


def test_an_unknown_phase_is_not_found(reviewer_api, field):
    response = reviewer_api.get("/api/v1/phases/999999/standings/")
    assert response.status_code == 404
    assert set(response.json()) == {"message", "code", "errors"}


def test_a_phase_without_rules_has_no_leaderboard(reviewer_api, campaign, open_phase):
    assert reviewer_api.get(standings_url(open_phase)).status_code == 404


# --- who may read it ----------------------------------------------------------------


def test_an_agent_taking_part_reads_their_clusters_board(api2, field, open_phase, cluster):
    response = api2.get(standings_url(open_phase), {"cluster": cluster.pk})
    assert response.status_code == 200
    assert codes(response.json()) == ["A03", "A01", "A04", "A02"]


def test_an_agent_cannot_read_another_clusters_board(api1, field, open_phase, campaign):
    west = DistrictFactory(code="D-WEST")
    other = ClusterFactory(campaign=campaign, number=2, name="Cụm 2")
    other.localities.add(west)
    response = api1.get(standings_url(open_phase), {"cluster": other.pk})
    assert response.status_code == 403


def test_an_agent_of_another_campaign_is_refused(field, open_phase, cluster):
    district = DistrictFactory(code="D-HP")
    elsewhere = CampaignFactory(code="hp")
    ClusterFactory(campaign=elsewhere, number=1).localities.add(district)
    outsider = AgentFactory(code="HP01", locality=district, user=UserFactory(username="hp01"))
    response = client_for(outsider.user).get(standings_url(open_phase), {"cluster": cluster.pk})
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert client_for(outsider.user).get(f"/api/v1/phases/{open_phase.pk}/").status_code == 403


def test_an_organizations_manager_reads_the_board_of_its_agents(field, open_phase, cluster, post_office):
    manager = UserFactory(username="bd-manager")
    post_office.managers.add(manager)
    assert client_for(manager).get(standings_url(open_phase), {"cluster": cluster.pk}).status_code == 200
    stranger = UserFactory(username="nobody")
    assert client_for(stranger).get(standings_url(open_phase), {"cluster": cluster.pk}).status_code == 403


def test_an_anonymous_request_is_unauthorized(field, open_phase, cluster):
    response = client_for(None).get(standings_url(open_phase), {"cluster": cluster.pk})
    assert response.status_code == 401
    assert set(response.json()) == {"message", "code", "errors"}


# --- phase transitions and the final badge --------------------------------------------


def test_closing_and_finalizing_serves_the_stored_final_standings(
    campaign_manager, field, open_phase, cluster, django_capture_on_commit_callbacks
):
    # A submitted receipt counts provisionally, not in the final standings.
    sell(open_phase, field["A02"], 1, day=3, status=EnrollmentStatus.SUBMITTED)
    staff = client_for(campaign_manager)
    closed = staff.post(f"/api/v1/phases/{open_phase.pk}/close/", {"reason": "Kết thúc sớm"}, format="json")
    assert closed.status_code == 200, closed.json()
    assert closed.json()["status"] == "closed"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        queued = staff.post(f"/api/v1/phases/{open_phase.pk}/finalize/")
    assert queued.status_code == 202, queued.json()
    assert len(callbacks) == 1
    assert queued.json()["status_url"].endswith(f"/api/v1/phases/{open_phase.pk}/")
    assert queued["Location"] == queued.json()["status_url"]

    phase = staff.get(f"/api/v1/phases/{open_phase.pk}/").json()
    assert phase["status"] == "finalized"
    assert phase["finalization"]["version"] == 1
    assert phase["standings_url"].endswith(standings_url(open_phase))

    body = staff.get(standings_url(open_phase), {"cluster": cluster.pk}).json()
    assert body["final"] is True
    assert body["version"] == 1
    assert codes(body) == ["A03", "A01", "A04", "A02"]
    assert [row["quota_counts"] for row in body["results"]] == [[5], [3], [3], [1]]
    assert [row["rank"] for row in body["results"]] == [1, 2, 3, None]
    assert body["results"][0]["reached_at"].endswith("+07:00")
    assert Standing.objects.filter(finalization__phase=open_phase).count() == 4


def test_a_final_board_shows_the_prize_each_competitor_won(api1, field, open_phase, cluster, director):
    phase_close(phase=open_phase, reason="Đóng sớm")
    phase_finalize(phase_id=open_phase.pk)

    body = api1.get(standings_url(open_phase), {"cluster": cluster.pk}).json()

    prizes = {row["code"]: row["prize"] for row in body["results"]}
    # The agent reads their own award on the board: tier, money and status.
    assert prizes["A01"] == {
        "title": "Giải 2",
        "amount": 2_000_000,
        "amount_estimate": False,  # a fixed amount is never an estimate
        "status": "proposed",
        "status_display": "Đề nghị",
    }
    assert prizes["A03"]["title"] == "Giải 1"
    assert prizes["A02"] is None  # not eligible: no prize
    award_reject(award=Award.objects.get(competitor_code="A04"), by=director, reason="Hồ sơ thiếu")
    again = api1.get(standings_url(open_phase), {"cluster": cluster.pk}).json()
    assert {row["code"]: row["prize"] for row in again["results"]}["A04"] is None  # a rejected award is no prize


def test_a_provisional_board_has_no_prize_field(reviewer_api, field, open_phase, cluster):
    body = reviewer_api.get(standings_url(open_phase), {"cluster": cluster.pk}).json()
    assert all("prize" not in row for row in body["results"])


def test_reopening_needs_a_reason_and_finalizing_again_makes_version_two(
    campaign_manager, field, open_phase, cluster, django_capture_on_commit_callbacks
):
    staff = client_for(campaign_manager)
    staff.post(f"/api/v1/phases/{open_phase.pk}/close/", {"reason": "Đóng sớm"}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(f"/api/v1/phases/{open_phase.pk}/finalize/")
    missing = staff.post(f"/api/v1/phases/{open_phase.pk}/reopen/", {}, format="json")
    assert missing.status_code == 400
    assert list(missing.json()["errors"]) == ["reason"]
    blank = staff.post(f"/api/v1/phases/{open_phase.pk}/reopen/", {"reason": "   "}, format="json")
    assert blank.status_code == 400
    reopened = staff.post(f"/api/v1/phases/{open_phase.pk}/reopen/", {"reason": "Sai số liệu"}, format="json")
    assert reopened.status_code == 200, reopened.json()
    assert reopened.json()["status"] == "closed"
    assert PhaseTransition.objects.filter(phase=open_phase, reason="Sai số liệu").exists()
    provisional = staff.get(standings_url(open_phase), {"cluster": cluster.pk}).json()
    assert provisional["final"] is False
    with django_capture_on_commit_callbacks(execute=True):
        assert staff.post(f"/api/v1/phases/{open_phase.pk}/finalize/").status_code == 202
    body = staff.get(standings_url(open_phase), {"cluster": cluster.pk}).json()
    assert (body["final"], body["version"]) == (True, 2)
    assert Finalization.objects.filter(phase=open_phase).count() == 2


def test_closing_a_phase_before_its_cutoff_needs_a_reason(campaign_manager, field, open_phase):
    staff = client_for(campaign_manager)
    response = staff.post(f"/api/v1/phases/{open_phase.pk}/close/", {}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]
    open_phase.refresh_from_db()
    assert open_phase.status != Phase.Status.CLOSED


def test_invalid_transitions_conflict(campaign_manager, field, open_phase, closed_phase):
    staff = client_for(campaign_manager)
    # Finalizing needs a closed phase.
    early = staff.post(f"/api/v1/phases/{open_phase.pk}/finalize/")
    assert early.status_code == 409
    assert set(early.json()) == {"message", "code", "errors"}
    assert early.json()["code"] == "conflict"
    assert "status" in early.json()["errors"]
    assert (
        staff.post(f"/api/v1/phases/{open_phase.pk}/close/", {"reason": "Đóng sớm"}, format="json").status_code == 200
    )
    assert (
        staff.post(f"/api/v1/phases/{open_phase.pk}/close/", {"reason": "Đóng sớm"}, format="json").status_code == 409
    )
    # A phase still open cannot be reopened.
    open_phase.refresh_from_db()
    phase_reopen(phase=open_phase, by=campaign_manager, reason="Đóng nhầm")
    response = staff.post(f"/api/v1/phases/{open_phase.pk}/reopen/", {"reason": "Thử"}, format="json")
    assert response.status_code == 409
    open_phase.refresh_from_db()
    assert open_phase.status == Phase.Status.OPEN


def test_finalizing_a_finalized_phase_conflicts(
    campaign_manager, field, open_phase, django_capture_on_commit_callbacks
):
    staff = client_for(campaign_manager)
    staff.post(f"/api/v1/phases/{open_phase.pk}/close/", {"reason": "Đóng sớm"}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(f"/api/v1/phases/{open_phase.pk}/finalize/")
    assert staff.post(f"/api/v1/phases/{open_phase.pk}/finalize/").status_code == 409
    assert Finalization.objects.filter(phase=open_phase).count() == 1


def test_agents_and_reviewers_cannot_move_phases(api1, reviewer_api, field, open_phase):
    for client in (api1, reviewer_api):
        for move in ("close", "finalize", "reopen"):
            response = client.post(f"/api/v1/phases/{open_phase.pk}/{move}/", {"reason": "x"}, format="json")
            assert response.status_code == 403, (move, response.json())
    open_phase.refresh_from_db()
    assert open_phase.status == Phase.Status.SCHEDULED


def test_an_unknown_phase_cannot_be_closed(campaign_manager, campaign):
    assert client_for(campaign_manager).post("/api/v1/phases/999999/close/").status_code == 404


def test_the_phase_shows_its_status_and_no_version_before_finalizing(api1, field, open_phase):
    response = api1.get(f"/api/v1/phases/{open_phase.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "scheduled"
    assert body["finalization"] is None
    assert body["campaign"]["code"] == "qn"


# --- the agent's rank in their progress ----------------------------------------------


def test_progress_shows_the_agents_provisional_rank(api1, field, open_phase):
    body = api1.get("/api/v1/me/progress/").json()
    phase = next(p for p in body["campaigns"][0]["phases"] if p["id"] == open_phase.pk)
    assert (phase["rank"], phase["position"], phase["eligible"]) == (2, 2, True)
    assert phase["competitors"] == 4
    assert phase["rule"] == "TOP"
    assert phase["provisional"] is True
    assert body["campaigns"][0]["cluster"]["id"] == open_phase.campaign.clusters.get().pk


def test_progress_shows_the_place_of_an_agent_not_yet_eligible(api2, field, open_phase):
    body = api2.get("/api/v1/me/progress/").json()
    phase = next(p for p in body["campaigns"][0]["phases"] if p["id"] == open_phase.pk)
    assert (phase["rank"], phase["position"], phase["eligible"]) == (4, 4, False)


def test_progress_follows_a_submission_and_then_the_final_standings(
    api2, campaign_manager, field, open_phase, django_capture_on_commit_callbacks
):
    now = timezone.now()
    for n, pid in enumerate(["049090123456", "049190000001", "049090000002", "049190000003", "049090000004"]):
        response = api2.post(
            "/api/v1/enrollments/",
            submission(
                client_ref=f"A02-{n}",
                participant={"personal_id": pid, "gender": "male" if pid[3] == "0" else "female"},
                receipt_at=(now - timedelta(hours=n + 1)).isoformat(),
            ),
            format="json",
        )
        assert response.status_code == 201, response.json()
    phase = next(
        p for p in api2.get("/api/v1/me/progress/").json()["campaigns"][0]["phases"] if p["id"] == open_phase.pk
    )
    assert (phase["rank"], phase["eligible"], phase["provisional"]) == (1, True, True)  # 6 submitted or confirmed
    staff = client_for(campaign_manager)
    staff.post(f"/api/v1/phases/{open_phase.pk}/close/", {"reason": "Đóng sớm"}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(f"/api/v1/phases/{open_phase.pk}/finalize/")
    phase = next(
        p for p in api2.get("/api/v1/me/progress/").json()["campaigns"][0]["phases"] if p["id"] == open_phase.pk
    )
    # Final standings count confirmed receipts only: the five submitted ones drop out.
    assert (phase["rank"], phase["position"], phase["eligible"], phase["provisional"]) == (4, 4, False, False)


def test_progress_has_no_rank_without_a_rule(api1, campaign, open_phase):
    phase = next(
        p for p in api1.get("/api/v1/me/progress/").json()["campaigns"][0]["phases"] if p["id"] == open_phase.pk
    )
    assert phase["rank"] is None
    assert phase["rule"] is None


def test_a_finalized_phase_is_reopened_not_closed(
    api1, campaign_manager, field, open_phase, django_capture_on_commit_callbacks
):
    staff = client_for(campaign_manager)
    staff.post(f"/api/v1/phases/{open_phase.pk}/close/", {"reason": "Đóng sớm"}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(f"/api/v1/phases/{open_phase.pk}/finalize/")
    response = staff.post(f"/api/v1/phases/{open_phase.pk}/close/", {"reason": "Đóng sớm"}, format="json")
    assert response.status_code == 409
    assert "status" in response.json()["errors"]
    open_phase.refresh_from_db()
    assert open_phase.status == Phase.Status.FINALIZED
    # Staff see which winners changed between versions; an agent sees the version only.
    assert staff.get(f"/api/v1/phases/{open_phase.pk}/").json()["finalization"]["changes"] == {}
    mine = api1.get(f"/api/v1/phases/{open_phase.pk}/").json()["finalization"]
    assert (mine["version"], mine["changes"]) == (1, None)


def test_the_schema_documents_the_new_endpoints_without_warnings(client, tmp_path):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    for path in (
        b"/api/v1/phases/{id}/standings/",
        b"/api/v1/phases/{id}/finalize/",
        b"/api/v1/awards/{id}/approve/",
        b"/api/v1/awards/totals/",
    ):
        assert path in schema.content
    # Fails on any warning of the schema generator, and validates the result.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
