"""The lists a field app learns ids from: campaigns, phases, clusters and teams, scoped as the
leaderboards are, with an agent's default cluster, pages of a chosen size and strict filters."""

from __future__ import annotations

import pytest

from campaigns.models import Campaign, Team
from tests.factories import TeamFactory
from tests.intake_fixtures import client_for
from tests.offices import build_offices

pytestmark = pytest.mark.django_db


@pytest.fixture
def offices():
    return build_offices()


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content[:300]
    return response.json()["results"]


def test_an_agent_lists_only_their_campaign_with_their_cluster_as_default(offices):
    tay_ninh = offices.tay_ninh
    east = tay_ninh.contest.clusters[0]
    api = client_for(tay_ninh.agent.user)  # an agent of the east cluster

    campaigns = results(api.get("/api/v1/campaigns/"))

    assert [c["code"] for c in campaigns] == ["tn"]
    assert campaigns[0]["default_cluster"] == {"id": east.pk, "number": 1, "name": east.name}
    assert [p["number"] for p in campaigns[0]["phases"]] == [1, 2]
    clusters = results(api.get("/api/v1/clusters/"))
    assert [(c["id"], c["default"]) for c in clusters] == [(east.pk, True)]
    assert {p["campaign"]["code"] for p in results(api.get("/api/v1/phases/"))} == {"tn"}


def test_an_agent_gets_a_404_for_a_campaign_or_cluster_not_theirs(offices):
    api = client_for(offices.tay_ninh.agent.user)
    west = offices.tay_ninh.contest.clusters[1]

    assert api.get("/api/v1/campaigns/qn/").status_code == 404
    assert api.get(f"/api/v1/clusters/{west.pk}/").status_code == 404
    assert api.get("/api/v1/campaigns/tn/").json()["code"] == "tn"


def test_staff_list_every_campaign_cluster_and_team_of_their_offices_only(offices):
    tay_ninh = offices.tay_ninh
    api = client_for(tay_ninh.staff)

    campaigns = results(api.get("/api/v1/campaigns/"))
    clusters = results(api.get("/api/v1/clusters/"))
    teams = results(api.get("/api/v1/teams/"))

    assert [c["code"] for c in campaigns] == ["tn"]
    assert campaigns[0]["default_cluster"] is None  # staff read every board: no default
    assert {c["id"] for c in clusters} == {c.pk for c in tay_ninh.contest.clusters}
    assert {t["campaign"] for t in teams} == {"tn"} and teams


def test_an_agent_lists_their_own_teams_and_a_manager_their_agents(offices):
    tay_ninh = offices.tay_ninh
    mine = TeamFactory(campaign=tay_ninh.campaign, code="T-MINE")
    mine.members.add(tay_ninh.agent)
    TeamFactory(campaign=tay_ninh.campaign, code="T-OTHER")
    manager = offices.tay_ninh.agent.user.__class__.objects.create_user("quanly-tn", password="x-pass-12345")
    tay_ninh.organization.managers.add(manager)

    agent_teams = results(client_for(tay_ninh.agent.user).get("/api/v1/teams/"))
    manager_teams = results(client_for(manager).get("/api/v1/teams/"))

    theirs = sorted(Team.objects.filter(members=tay_ninh.agent).values_list("code", flat=True))
    assert "T-MINE" in theirs
    assert [t["code"] for t in agent_teams] == theirs
    assert "T-OTHER" not in [t["code"] for t in manager_teams] and "T-MINE" in [t["code"] for t in manager_teams]
    assert [c["code"] for c in results(client_for(manager).get("/api/v1/campaigns/"))] == ["tn"]


def test_a_draft_campaign_is_listed_for_staff_only(offices):
    Campaign.objects.filter(code="tn").update(status=Campaign.Status.DRAFT)

    assert results(client_for(offices.tay_ninh.agent.user).get("/api/v1/campaigns/")) == []
    assert [c["code"] for c in results(client_for(offices.tay_ninh.staff).get("/api/v1/campaigns/"))] == ["tn"]


def test_the_lists_filter_by_campaign(offices):
    api = client_for(offices.national)

    assert {c["campaign"] for c in results(api.get("/api/v1/clusters/", {"campaign": "qn"}))} == {"qn"}
    phases = results(api.get("/api/v1/phases/", {"campaign": "tn", "status": "finalized"}))
    assert [(p["campaign"]["code"], p["number"]) for p in phases] == [("tn", 1)]


def test_times_are_in_the_campaigns_time_zone(offices):
    Campaign.objects.filter(code="tn").update(time_zone="Asia/Tokyo")
    api = client_for(offices.national)

    tn = api.get("/api/v1/campaigns/tn/").json()
    qn = api.get("/api/v1/campaigns/qn/").json()
    phase = api.get(f"/api/v1/phases/{offices.tay_ninh.finalized.pk}/").json()

    assert tn["phases"][0]["start"].endswith("+09:00")
    assert qn["phases"][0]["start"].endswith("+07:00")
    assert phase["cutoff"].endswith("+09:00") and phase["finalized_at"].endswith("+09:00")


# --- Pages and filters, on every list ------------------------------------------------------


def test_page_size_chooses_the_rows_of_a_page_up_to_the_maximum(settings, offices):
    api = client_for(offices.national)
    settings.API_MAX_PAGE_SIZE = 2

    page = api.get("/api/v1/phases/", {"page_size": 1})
    too_many = api.get("/api/v1/phases/", {"page_size": 3})

    assert page.json()["count"] >= 2 and len(page.json()["results"]) == 1
    assert too_many.status_code == 400
    assert list(too_many.json()["errors"]) == ["page_size"]


@pytest.mark.parametrize(
    "url", ["/api/v1/campaigns/", "/api/v1/phases/", "/api/v1/clusters/", "/api/v1/teams/", "/api/v1/enrollments/"]
)
def test_unknown_parameters_and_bad_values_are_all_reported_at_once(offices, url):
    api = client_for(offices.national)

    response = api.get(url, {"colour": "red", "sort": "x", "page": "abc", "page_size": "0"})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert set(response.json()["errors"]) == {"colour", "sort", "page", "page_size"}


def test_bad_filter_values_are_reported_with_unknown_ones(offices):
    api = client_for(offices.national)

    response = api.get(
        "/api/v1/enrollments/", {"status": "lost", "phase": "two", "receipt_to": "", "counted": "maybe", "x": "1"}
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"status", "phase", "receipt_to", "counted", "x"}


def test_the_awards_and_export_lists_refuse_unknown_parameters_too(offices):
    api = client_for(offices.national)

    assert set(api.get("/api/v1/awards/", {"phase": "1.5", "nope": "1"}).json()["errors"]) == {"phase", "nope"}
    assert set(api.get("/api/v1/exports/", {"nope": "1"}).json()["errors"]) == {"nope"}


def test_the_leaderboard_refuses_unknown_parameters_with_its_own_errors(offices):
    tay_ninh = offices.tay_ninh
    api = client_for(tay_ninh.staff)
    url = f"/api/v1/phases/{tay_ninh.finalized.pk}/standings/"

    response = api.get(url, {"clustre": "1", "page": "0", "rule": ""})
    sized = api.get(url, {"cluster": tay_ninh.contest.clusters[0].pk, "page_size": 1})

    assert set(response.json()["errors"]) == {"clustre", "page", "rule"}
    assert len(sized.json()["results"]) == 1 and sized.json()["next"]
