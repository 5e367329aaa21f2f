"""The web pages through Django's test client: who may open what, what they
show, and the language they speak."""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings

from awards.models import Award
from awards.services import award_approve, award_review, phase_finalize
from campaigns.models import Campaign
from tests.contest import sell
from tests.factories import AgentFactory, CampaignFactory, UnitFactory, UserFactory, assign_unit
from tests.reports.conftest import leaderboard_url

pytestmark = pytest.mark.django_db


def chart_data(response) -> dict:
    match = re.search(r'<script id="overview-data" type="application/json">(.*?)</script>', response.text, re.S)
    assert match, "the overview embeds its chart data"
    return json.loads(match.group(1))


def board_codes(response) -> list[str]:
    """Competitor codes in the leaderboard table, top first."""
    return [row.code for row in response.context["board"].rows]


def table_row(response, code: str) -> str:
    """The text of a competitor's row in the leaderboard table, tags left out."""
    body = response.text.split('data-testid="leaderboard"', 1)[1]
    row = next(row for row in body.split("<tr")[1:] if f">{code}<" in row)
    return " ".join(re.sub(r"<[^>]+>", " ", row.split("</tr>")[0]).split())


# --- Logging in and out -----------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/", "/campaigns/", "/campaigns/qn/", "/campaigns/qn/phases/1/leaderboard/", "/agents/E1/"],
)
def test_anonymous_visitors_are_sent_to_the_login_page(client, league, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_logging_in_lands_on_the_campaign_list(client, league):
    response = client.post("/login/", {"username": "e1", "password": "pass-12345"}, follow=True)

    assert response.redirect_chain[-1][0] == "/campaigns/"
    assert "Thi đua Quảng Nam" in response.text


def test_a_wrong_password_is_refused_on_the_login_page(client, league):
    response = client.post("/login/", {"username": "e1", "password": "wrong"})

    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated


def test_logging_out_ends_the_session(client, league):
    client.force_login(league["agents"]["E1"].user)

    response = client.post("/logout/")

    assert response["Location"] == "/login/"
    assert client.get("/campaigns/").status_code == 302


# --- The campaign list --------------------------------------------------------------------


def test_staff_see_every_campaign_drafts_included(client, campaign_manager, league):
    CampaignFactory(code="draft", name="Phong trào đang soạn", status=Campaign.Status.DRAFT)
    client.force_login(campaign_manager)

    response = client.get("/campaigns/")

    assert "Thi đua Quảng Nam" in response.text
    assert "Phong trào đang soạn" in response.text


def test_an_agent_sees_only_the_campaigns_they_take_part_in(client, league):
    CampaignFactory(code="other", name="Phong trào tỉnh khác")
    client.force_login(league["agents"]["E1"].user)

    response = client.get("/campaigns/")

    assert "Thi đua Quảng Nam" in response.text
    assert "Phong trào tỉnh khác" not in response.text


def test_a_manager_sees_the_campaigns_their_agents_take_part_in(client, league):
    CampaignFactory(code="other", name="Phong trào tỉnh khác")
    client.force_login(league["manager"])

    response = client.get("/campaigns/")

    assert "Thi đua Quảng Nam" in response.text
    assert "Phong trào tỉnh khác" not in response.text


def test_a_user_taking_part_in_nothing_sees_no_campaign_and_no_overview(client, league):
    client.force_login(UserFactory(username="outsider"))

    assert "Thi đua Quảng Nam" not in client.get("/campaigns/").text
    assert client.get("/campaigns/qn/").status_code == 403
    assert client.get(leaderboard_url(league)).status_code == 403


# --- Leaderboards -------------------------------------------------------------------------


def test_an_agent_reads_the_board_of_their_own_cluster(client, league):
    client.force_login(league["agents"]["E1"].user)

    response = client.get(leaderboard_url(league))

    assert response.status_code == 200
    assert board_codes(response) == ["E1", "E2"]
    assert response.context["cluster"] == league["clusters"][0]


def test_an_agent_of_another_cluster_is_refused_the_board(client, league):
    client.force_login(league["agents"]["W1"].user)

    response = client.get(leaderboard_url(league, cluster=league["clusters"][0]))

    assert response.status_code == 403
    assert "Bạn chỉ được xem bảng xếp hạng của cụm mình." in response.text


def test_an_agent_is_offered_no_other_cluster_to_switch_to(client, league):
    client.force_login(league["agents"]["W1"].user)

    response = client.get(leaderboard_url(league))

    assert [item["cluster"] for item in response.context["clusters"]] == [league["clusters"][1]]
    assert board_codes(response) == ["W2", "W1"]


def test_staff_switch_between_every_cluster(client, campaign_manager, league):
    client.force_login(campaign_manager)
    one, two = league["clusters"]

    first = client.get(leaderboard_url(league))
    second = client.get(leaderboard_url(league, cluster=two))

    assert [item["cluster"] for item in first.context["clusters"]] == [one, two]
    assert board_codes(first) == ["E1", "E2"]
    assert board_codes(second) == ["W2", "W1"]
    assert f'href="?rule=TOP&amp;cluster={two.pk}"' in first.text


def test_a_cluster_of_another_campaign_is_not_found(client, campaign_manager, league):
    client.force_login(campaign_manager)

    assert client.get(leaderboard_url(league) + "?cluster=999999").status_code == 404
    assert client.get(leaderboard_url(league) + "?cluster=abc").status_code == 404
    assert client.get("/campaigns/qn/phases/9/leaderboard/").status_code == 404
    assert client.get("/campaigns/none/").status_code == 404


def test_a_provisional_board_carries_its_badge_quota_and_no_prize(client, campaign_manager, league):
    client.force_login(campaign_manager)

    response = client.get(leaderboard_url(league))

    assert "Tạm tính" in response.text
    assert "Chính thức" not in response.text
    assert "5/3 (166,7%)" in response.text  # E1: counted / quota (% of quota)
    assert "Nguyễn Văn Đông" in response.text
    assert "Bưu điện tỉnh" in response.text
    assert "Giải Nhất" not in response.text


def test_a_final_board_shows_its_version_and_prizes(client, campaign_manager, closed_league):
    phase_finalize(phase_id=closed_league["phases"][0].pk)
    client.force_login(campaign_manager)

    response = client.get(leaderboard_url(closed_league))

    assert "Chính thức · phiên bản 1" in response.text
    assert "Tạm tính" not in response.text
    rows = response.context["board"].rows
    assert [(row.code, row.prize.title) for row in rows] == [("E1", "Giải Nhất"), ("E2", "Giải Nhì")]


def test_a_final_board_shows_each_prize_with_its_amount_and_the_awards_status(client, closed_league):
    phase_finalize(phase_id=closed_league["phases"][0].pk)
    client.force_login(closed_league["agents"]["E2"].user)

    response = client.get(leaderboard_url(closed_league))

    # The agent sees their own award on the board: the tier, the money and where it stands.
    assert "Giải Nhì · 2.000.000 đồng Đề nghị" in table_row(response, "E2")
    assert "Giải Nhất · 3.000.000 đồng Đề nghị" in table_row(response, "E1")


def test_an_approved_prize_says_so_on_the_board(client, campaign_manager, director, council_member, closed_league):
    phase_finalize(phase_id=closed_league["phases"][0].pk)
    award = Award.objects.get(competitor_code="E1")
    award_review(award=award, by=council_member, minutes="BB-01")
    award_approve(award=award, by=director, decision_number="12/QĐ", decision_date=award.created_at.date())
    client.force_login(campaign_manager)

    response = client.get(leaderboard_url(closed_league))

    assert "Giải Nhất · 3.000.000 đồng Đã phê duyệt" in table_row(response, "E1")


def test_a_competitor_not_eligible_reads_not_yet_then_no_once_the_board_is_final(
    client, campaign_manager, closed_league
):
    one = closed_league["phases"][0]
    short = AgentFactory(code="E3", full_name="Đỗ Văn Ba", locality=closed_league["agents"]["E1"].locality)
    sell(one, short, 1, day=3)
    client.force_login(campaign_manager)

    provisional = table_row(client.get(leaderboard_url(closed_league)), "E3")
    phase_finalize(phase_id=one.pk)
    final = client.get(leaderboard_url(closed_league))

    assert "Chưa" in provisional  # short of the cluster's quota of 3, for now
    assert "Không" in table_row(final, "E3")
    assert "Chưa" not in table_row(final, "E3")
    assert "✓ Có" in table_row(final, "E1")


def test_a_long_board_is_read_fifty_competitors_a_page(client, campaign_manager, league):
    east = league["agents"]["E1"].locality
    for n in range(50):
        AgentFactory(code=f"Z{n:02d}", locality=east)
    client.force_login(campaign_manager)

    first = client.get(leaderboard_url(league))
    second = client.get(leaderboard_url(league) + "?page=2")
    beyond = client.get(leaderboard_url(league) + "?page=9")

    assert len(first.context["board"].rows) == 50
    assert "Trang 1/2" in first.text
    assert f'href="?rule=TOP&amp;cluster={league["clusters"][0].pk}&amp;page=2"' in first.text
    assert [row.position for row in second.context["board"].rows] == [51, 52]
    assert [row.position for row in beyond.context["board"].rows] == [51, 52]  # past the end: the last page
    assert client.get(leaderboard_url(league) + "?page=abc").context["board"].rows[0].position == 1


def test_reached_at_is_shown_in_the_campaigns_time_zone(client, campaign_manager, league):
    client.force_login(campaign_manager)

    response = client.get(leaderboard_url(league))

    reached = response.context["board"].rows[0].reached_at
    local = reached.astimezone(league["campaign"].tzinfo)
    assert local.strftime("%d/%m/%Y %H:%M") in response.text


def test_the_excel_button_links_to_the_ranking_workbook_of_the_rule(client, campaign_manager, league):
    client.force_login(campaign_manager)
    phase = league["phases"][0]

    response = client.get(leaderboard_url(league))

    assert f'href="/api/v1/phases/{phase.pk}/ranking.xlsx?rule=TOP"' in response.text


def test_agents_link_to_their_own_page_only(client, league):
    client.force_login(league["agents"]["E1"].user)

    response = client.get(leaderboard_url(league))

    links = {row.code: row.link for row in response.context["board"].rows}
    assert links == {"E1": "/agents/E1/", "E2": ""}


def test_staff_link_to_the_agents_of_the_offices_they_reach_only(client, campaign_manager, league):
    """A provincial manager reads the whole board of their campaign, but opens the pages of
    agents working for their own offices only: another office's agent is shown, unlinked."""
    campaign = league["campaign"]
    post_office, other = league["organizations"]
    post_office.contracting_unit = UnitFactory(code="BHXH-QN-TK", parent=campaign.organizer)
    post_office.save()
    other.contracting_unit = UnitFactory(code="BHXH-TN")
    other.save()
    assign_unit(campaign_manager, campaign.organizer)
    client.force_login(campaign_manager)

    response = client.get(leaderboard_url(league))

    links = {row.code: row.link for row in response.context["board"].rows}
    assert links == {"E1": "/agents/E1/", "E2": ""}
    assert client.get("/agents/E1/").status_code == 200
    assert client.get("/agents/E2/").status_code == 403


# --- The overview -------------------------------------------------------------------------


def test_staff_read_progress_against_plan_per_cluster_and_phase(client, campaign_manager, league):
    client.force_login(campaign_manager)

    response = client.get("/campaigns/qn/")

    progress = chart_data(response)["progress"]
    assert progress["labels"][:2] == ["Cụm Đông · Đợt 1", "Cụm Đông · Đợt 2"]
    assert progress["counted"][:2] == [9, 0]
    assert progress["plan"][:2] == [10, None]
    assert progress["percent"][0] == 90.0
    assert "Cụm Tây · Đợt 1" in progress["labels"]
    total = response.context["total"].cells[0]
    assert (total.counted, total.plan, total.percent) == (14, 14, 100)  # no campaign plan: the clusters' summed


def test_staff_read_the_channel_split_and_the_days(client, campaign_manager, league):
    client.force_login(campaign_manager)

    data = chart_data(client.get("/campaigns/qn/"))

    assert dict(zip(data["channels"]["labels"], data["channels"]["data"], strict=True)) == {
        "Bưu điện": 7,
        "Các đại lý khác": 7,
    }
    assert sum(data["daily"]["series"][0]["data"]) == 14


def test_a_manager_reads_only_their_organizations_numbers(client, league):
    client.force_login(league["manager"])

    response = client.get("/campaigns/qn/")

    data = chart_data(response)
    assert sum(data["progress"]["counted"]) == 7  # E1's 5 and W1's 2, not the other organization's 7
    assert all(plan is None for plan in data["progress"]["plan"])  # cluster plans are the whole clusters'
    assert data["channels"]["labels"] == ["Bưu điện"]
    assert "Đại lý Hòa Bình" not in response.text
    assert [line.agent.code for line in response.context["agents_page"].object_list] == ["E1", "W1"]
    assert response.context["summary"].plan == 20  # the organization's own plan target


def test_staff_and_managers_may_download_the_progress_workbook_agents_not(client, campaign_manager, league):
    link = 'href="/api/v1/campaigns/qn/progress.xlsx"'
    for user, offered in ((campaign_manager, True), (league["manager"], True), (league["agents"]["E1"].user, False)):
        client.force_login(user)
        assert (link in client.get("/campaigns/qn/").text) is offered


def test_an_agent_reads_only_their_own_numbers(client, league):
    client.force_login(league["agents"]["E2"].user)

    response = client.get("/campaigns/qn/")

    data = chart_data(response)
    assert sum(data["progress"]["counted"]) == 4
    assert response.context["agents_page"] is None
    assert response.context["organizations"] == []


# --- Agent pages ----------------------------------------------------------------------------


def test_an_agent_reads_their_own_progress(client, league):
    client.force_login(league["agents"]["E1"].user)

    response = client.get("/agents/E1/")

    assert response.status_code == 200
    first = response.context["campaigns"][0].phases[0]
    assert first.counted == 5
    assert first.quotas[0]["met"] is True
    assert first.place["rank"] == 1
    assert "Hạng 1/2" in response.text


def test_an_agent_cannot_read_another_agents_page(client, league):
    client.force_login(league["agents"]["E1"].user)

    assert client.get("/agents/E2/").status_code == 403


def test_a_manager_reads_their_agents_pages_only(client, league):
    client.force_login(league["manager"])

    assert client.get("/agents/W1/").status_code == 200
    assert client.get("/agents/W2/").status_code == 403


def test_staff_read_every_agents_page(client, reviewer, league):
    client.force_login(reviewer)

    assert client.get("/agents/W2/").status_code == 200


# --- Language --------------------------------------------------------------------------------


def test_pages_are_vietnamese_even_for_an_english_browser(client, league):
    client.force_login(league["agents"]["E1"].user)

    response = client.get("/campaigns/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert '<html lang="vi">' in response.text
    assert "Phong trào thi đua" in response.text
    assert "Đăng xuất" in response.text


def test_the_language_switch_turns_the_pages_to_english_and_back(client, league):
    client.force_login(league["agents"]["E1"].user)

    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/campaigns/"}, follow=True)

    assert switched.redirect_chain[-1][0] == "/campaigns/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert '<html lang="en">' in switched.text
    assert "Log out" in switched.text
    back = client.post("/i18n/setlang/", {"language": "vi", "next": "/campaigns/"}, follow=True)
    assert "Đăng xuất" in back.text


def test_the_login_page_offers_the_language_switch(client, league):
    response = client.get("/login/")

    assert 'action="/i18n/setlang/"' in response.text
    assert 'value="en"' in response.text
    assert "Đăng nhập" in response.text
