"""The pages in a real browser: Debian's Chromium driven by Playwright against
pytest-django's live server.

The live server needs a transactional database, which is emptied after each
test: the fixtures here make everything a test reads, the staff groups
included. Locally these tests are skipped without Chromium; under CI=true they
fail instead (tests/conftest.py). A failing test leaves a screenshot in
``test-results/``.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from openpyxl import load_workbook

from awards.models import Award
from campaigns.models import Phase
from campaigns.roles import sync_role_groups
from tests.factories import assign_unit
from tests.reports.conftest import PASSWORD, leaderboard_url, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def staff(django_user_model):
    """A campaign manager: the staff groups are made again, as the database was emptied."""
    from django.contrib.auth.models import Group

    from campaigns.roles import GROUP_NAMES, StaffRole

    sync_role_groups(apps)
    user = django_user_model.objects.create_user("quanly", "quanly@example.vn", PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=GROUP_NAMES[StaffRole.CAMPAIGN_MANAGER]))
    assign_unit(user)
    return user


def table_codes(page) -> list[str]:
    return page.locator("[data-testid=leaderboard] tbody tr td:nth-child(2)").all_inner_texts()


def test_staff_log_in_and_switch_the_leaderboard_between_clusters(page, live_server, staff, league):
    log_in(page, live_server, "quanly")
    page.goto(live_server.url + leaderboard_url(league))

    assert page.locator("[data-testid=standings-badge]").inner_text() == "Tạm tính"
    assert table_codes(page) == ["E1", "E2"]

    page.get_by_role("link", name="Cụm Tây").click()
    page.wait_for_url(f"**cluster={league['clusters'][1].pk}")

    assert table_codes(page) == ["W2", "W1"]
    assert page.locator("[data-testid=cluster-switcher] [aria-current=page]").inner_text() == "Cụm Tây"


def test_the_excel_button_downloads_the_ranking_workbook(page, live_server, staff, league, tmp_path):
    log_in(page, live_server, "quanly")
    page.goto(live_server.url + leaderboard_url(league))

    with page.expect_download() as download_info:
        page.locator("[data-testid=excel-download]").click()
    download = download_info.value
    path = tmp_path / (download.suggested_filename or "ranking.xlsx")
    download.save_as(path)

    assert path.suffix == ".xlsx"
    workbook = load_workbook(path, read_only=True)
    cells = {str(value) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for value in row}
    assert {"E1", "E2", "W1", "W2"} <= cells


def test_staff_finalize_a_phase_in_the_admin_and_see_the_proposed_awards(page, live_server, staff, closed_league):
    phase = closed_league["phases"][0]
    log_in(page, live_server, "quanly", next_path="/admin/campaigns/phase/")

    page.locator(f"input.action-select[value='{phase.pk}']").check()
    page.select_option("select[name=action]", "finalize_phases")
    page.locator("button[name=index]").click()
    page.wait_for_load_state()

    assert Phase.objects.get(pk=phase.pk).status == Phase.Status.FINALIZED
    page.goto(f"{live_server.url}/admin/awards/award/")
    listing = page.locator("#result_list").inner_text()
    assert "E1" in listing and "Giải Nhất" in listing
    assert "W2" in listing
    assert Award.objects.filter(phase=phase, status=Award.Status.PROPOSED).count() == 4  # two per cluster

    page.goto(live_server.url + leaderboard_url(closed_league))
    assert page.locator("[data-testid=standings-badge]").inner_text() == "Chính thức · phiên bản 1"
    assert "Giải Nhất" in page.locator("[data-testid=leaderboard] tbody tr").first.inner_text()


def test_the_overview_draws_its_three_charts(page, live_server, staff, league):
    log_in(page, live_server, "quanly")
    page.goto(f"{live_server.url}/campaigns/{league['campaign'].code}/")

    drawn = page.evaluate(
        "['progress-chart', 'daily-chart', 'channel-chart'].map((id) => Chart.getChart(id)?.config.type ?? null)"
    )

    assert drawn == ["bar", "line", "doughnut"]


@pytest.mark.parametrize("browser_context_args", [{"viewport": {"width": 375, "height": 740}, "locale": "vi-VN"}])
def test_on_a_phone_the_leaderboard_scrolls_inside_its_box_not_the_page(page, live_server, league):
    log_in(page, live_server, "e1")
    page.goto(live_server.url + leaderboard_url(league))

    widths = page.evaluate(
        """() => {
            const box = document.querySelector('[data-testid=leaderboard-scroll]');
            return {
                page: document.documentElement.scrollWidth,
                viewport: document.documentElement.clientWidth,
                box: box.clientWidth,
                table: box.scrollWidth,
                overflow: getComputedStyle(box).overflowX,
            };
        }"""
    )

    assert widths["page"] <= widths["viewport"], "the page itself does not scroll sideways"
    assert widths["box"] <= widths["viewport"]
    assert widths["table"] > widths["box"], "the wide table scrolls inside its box"
    assert widths["overflow"] == "auto"
    assert table_codes(page) == ["E1", "E2"]
    scrolled = page.locator("[data-testid=leaderboard-scroll]").evaluate(
        "(box) => { box.scrollLeft = box.scrollWidth; return [box.scrollLeft, window.scrollX]; }"
    )
    assert scrolled[0] > 0 and scrolled[1] == 0
    assert page.get_by_test_id("standings-badge").is_visible()
