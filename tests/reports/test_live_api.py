"""The live parts of the pages through Django's test client: the fragments the
leaderboard page, the agent's page and the TV board read again to update
themselves (ETag and 304, same access rules as the pages), and the TV board."""

from __future__ import annotations

import re
from datetime import date

import pytest

from collectors.models import Agent
from enrollments.choices import Gender
from enrollments.identity import make_personal_id
from enrollments.serializers import EnrollmentInSerializer
from enrollments.services import enrollment_submit
from tests.factories import UserFactory
from tests.intake_fixtures import submission
from tests.reports.conftest import leaderboard_url

pytestmark = pytest.mark.django_db

_serials = iter(range(900_000, 1_000_000))


def submit_through_service(agent: Agent, count: int = 1) -> None:
    """``count`` new participants the agent submits now, through the intake service (phase 2 of the league)."""
    for _n in range(count):
        serial = next(_serials)
        pid = make_personal_id(province_code="049", date_of_birth=date(1990, 5, 17), gender=Gender.MALE, serial=serial)
        body = submission(
            client_ref=f"LIVE-{serial}",
            receipt_no=f"BL-{serial}",
            participant={"personal_id": pid, "locality_code": agent.locality.code},
        )
        result = enrollment_submit(agent=agent, item=EnrollmentInSerializer().run_validation(body))
        assert result.outcome == "created", result.errors


def live_url(league, number=2, cluster=None) -> str:
    url = f"/campaigns/{league['campaign'].code}/phases/{number}/leaderboard/live/"
    return f"{url}?cluster={cluster.pk}" if cluster is not None else url


def tv_url(league, number=2) -> str:
    return f"/campaigns/{league['campaign'].code}/phases/{number}/tv/"


def embedded(response, attribute: str) -> str:
    match = re.search(rf'{attribute}="([^"]*)"', response.text)
    assert match, f"the page carries {attribute}"
    return match.group(1).replace("&quot;", '"').replace("&amp;", "&")


def codes_in(html: str) -> list[str]:
    return re.findall(r'data-code="([^"]+)"', html)


# --- The leaderboard's fragment ---------------------------------------------------------


def test_the_leaderboard_page_embeds_its_fragments_url_and_etag(client, campaign_manager, league):
    client.force_login(campaign_manager)
    east = league["clusters"][0]

    page = client.get(leaderboard_url(league, number=2))
    fragment = client.get(embedded(page, "data-live-url"))

    assert embedded(page, "data-live-url") == f"{live_url(league)}?rule=TOP&cluster={east.pk}"
    assert embedded(page, "data-live-interval") == "15"
    assert fragment.status_code == 200
    assert fragment["ETag"] == embedded(page, "data-live-etag")
    assert 'data-live-part="board"' in fragment.text
    assert 'data-live-part="badge"' in fragment.text
    assert "<html" not in fragment.text


def test_the_fragment_answers_304_until_the_board_changes(client, campaign_manager, league):
    client.force_login(campaign_manager)
    url = live_url(league, cluster=league["clusters"][0])

    first = client.get(url)
    unchanged = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    submit_through_service(league["agents"]["E2"])
    changed = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])

    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]
    assert changed.context["board"].rows[0].code == "E2"  # E2's one new participant puts them first


def test_the_fragment_reads_the_same_rows_as_the_page(client, campaign_manager, league):
    client.force_login(campaign_manager)
    submit_through_service(league["agents"]["W1"], 2)
    west = league["clusters"][1]

    page = client.get(leaderboard_url(league, number=2, cluster=west))
    fragment = client.get(live_url(league, cluster=west))

    assert [row.code for row in fragment.context["board"].rows] == ["W1", "W2"]
    assert [row.score for row in fragment.context["board"].rows] == [row.score for row in page.context["board"].rows]
    board = page.text.split('data-live-part="board"', 1)[1].split("</table>", 1)[0]
    assert board in fragment.text  # the page shows the fragment's own markup


def test_an_agent_of_another_cluster_is_refused_the_fragment(client, league):
    client.force_login(league["agents"]["W1"].user)

    response = client.get(live_url(league, cluster=league["clusters"][0]))

    assert response.status_code == 403
    assert "ETag" not in response


def test_a_known_etag_does_not_open_a_board_to_someone_refused(client, campaign_manager, league):
    east = live_url(league, cluster=league["clusters"][0])
    client.force_login(campaign_manager)
    etag = client.get(east)["ETag"]

    client.force_login(league["agents"]["W1"].user)
    response = client.get(east, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 403


def test_one_users_etag_does_not_validate_anothers_answer(client, campaign_manager, league):
    east = live_url(league, cluster=league["clusters"][0])
    client.force_login(league["agents"]["E1"].user)
    first = client.get(east)

    client.force_login(league["agents"]["E2"].user)
    second = client.get(east, HTTP_IF_NONE_MATCH=first["ETag"])

    assert second.status_code == 200
    assert second["ETag"] != first["ETag"]


def test_the_fragment_varies_with_the_reader_and_is_private(client, league):
    client.force_login(league["agents"]["E1"].user)

    response = client.get(live_url(league))

    assert {"Authorization", "Cookie", "Accept-Language"} <= {v.strip() for v in response["Vary"].split(",")}
    assert "private" in response["Cache-Control"]
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize(
    "path", ["/campaigns/qn/phases/2/leaderboard/live/", "/agents/E1/live/", "/campaigns/qn/phases/2/tv/live/"]
)
def test_anonymous_visitors_are_sent_to_the_login_page(client, league, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_an_outsider_is_refused_every_live_fragment(client, league):
    client.force_login(UserFactory(username="outsider"))

    assert client.get(live_url(league)).status_code == 403
    assert client.get(tv_url(league)).status_code == 403
    assert client.get(tv_url(league) + "live/").status_code == 403
    assert client.get("/agents/E1/live/").status_code == 403


def test_an_absurd_page_number_reads_the_last_page(client, campaign_manager, league):
    client.force_login(campaign_manager)

    for page in (str(2**62), "9" * 40, "²", "-1"):
        response = client.get(leaderboard_url(league) + f"?page={page}")
        assert response.status_code == 200, page
        assert response.context["board"].rows[0].position == 1


def test_the_refresh_interval_comes_from_the_query_within_bounds(client, campaign_manager, league):
    client.force_login(campaign_manager)

    assert embedded(client.get(leaderboard_url(league) + "?refresh=2"), "data-live-interval") == "2"
    assert embedded(client.get(leaderboard_url(league) + "?refresh=0"), "data-live-interval") == "1"
    assert embedded(client.get(leaderboard_url(league) + "?refresh=abc"), "data-live-interval") == "15"


def test_the_leaderboard_page_links_to_the_tv_board(client, campaign_manager, league):
    client.force_login(campaign_manager)

    response = client.get(leaderboard_url(league, number=2))

    assert f'href="{tv_url(league)}?rule=TOP"' in response.text


# --- The agent's fragment -------------------------------------------------------------------


def test_an_agents_fragment_follows_their_progress(client, league):
    client.force_login(league["agents"]["E2"].user)

    page = client.get("/agents/E2/")
    first = client.get("/agents/E2/live/", HTTP_IF_NONE_MATCH=embedded(page, "data-live-etag"))
    submit_through_service(league["agents"]["E2"])
    changed = client.get("/agents/E2/live/", HTTP_IF_NONE_MATCH=embedded(page, "data-live-etag"))

    assert embedded(page, "data-live-url") == "/agents/E2/live/"
    assert first.status_code == 304
    assert changed.status_code == 200
    second_phase = changed.context["campaigns"][0].phases[1]
    assert (second_phase.counted, second_phase.place["rank"]) == (1, 1)
    assert 'data-live-part="progress"' in changed.text


def test_an_agent_is_refused_another_agents_fragment(client, league):
    client.force_login(league["agents"]["E1"].user)

    assert client.get("/agents/E2/live/").status_code == 403


def test_a_manager_reads_their_own_agents_fragments_only(client, league):
    client.force_login(league["manager"])

    assert client.get("/agents/W1/live/").status_code == 200
    assert client.get("/agents/W2/live/").status_code == 403


# --- The TV board ---------------------------------------------------------------------------


def test_staff_see_every_cluster_on_the_tv_board(client, campaign_manager, league):
    client.force_login(campaign_manager)

    response = client.get(tv_url(league, number=1))

    assert response.status_code == 200
    assert [board.cluster for board in response.context["boards"]] == list(league["clusters"])
    assert codes_in(response.text) == ["E1", "E2", "W2", "W1"]
    assert 'data-tv-rotate="20"' in response.text
    assert "Tạm tính" in response.text


def test_the_tv_board_skips_the_clusters_the_viewer_may_not_read(client, league):
    client.force_login(league["agents"]["W1"].user)

    response = client.get(tv_url(league, number=1))
    fragment = client.get(tv_url(league, number=1) + "live/")

    assert [board.cluster for board in response.context["boards"]] == [league["clusters"][1]]
    assert codes_in(response.text) == ["W2", "W1"]
    assert codes_in(fragment.text) == ["W2", "W1"]


def test_the_tv_board_takes_its_rotation_and_rows_from_the_query(client, campaign_manager, league):
    client.force_login(campaign_manager)

    response = client.get(tv_url(league, number=1) + "?rotate=5&rows=1&refresh=3")

    assert 'data-tv-rotate="5"' in response.text
    assert codes_in(response.text) == ["E1", "W2"]  # the top row of each cluster
    assert embedded(response, "data-live-interval") == "3"
    assert embedded(response, "data-live-url") == f"{tv_url(league, number=1)}live/?rule=TOP&rows=1"


def test_the_tv_fragment_answers_304_until_a_board_changes(client, campaign_manager, league):
    client.force_login(campaign_manager)

    page = client.get(tv_url(league))
    url = embedded(page, "data-live-url")
    unchanged = client.get(url, HTTP_IF_NONE_MATCH=embedded(page, "data-live-etag"))
    submit_through_service(league["agents"]["W2"])
    changed = client.get(url, HTTP_IF_NONE_MATCH=embedded(page, "data-live-etag"))

    assert unchanged.status_code == 304
    assert changed.status_code == 200
    assert codes_in(changed.text)[2:] == ["W2", "W1"]
