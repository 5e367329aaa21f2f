"""Pages that update themselves, in a real browser: Debian's Chromium driven by
Playwright against pytest-django's live server (see test_browser.py). Each test
opens a page with a poll interval of a second, submits enrollments through the
intake service, and waits for the page to show them without being reloaded
(a mark left on ``window`` survives only if the page was not reloaded).
"""

from __future__ import annotations

import re
from importlib import import_module

import pytest
from django.apps import apps
from playwright.sync_api import expect

from tests.reports.conftest import leaderboard_url, log_in
from tests.reports.test_live_api import submit_through_service, tv_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIVE_ANSWER = re.compile(r"/live/")


@pytest.fixture(autouse=True)
def reference_parameters(transactional_db):
    """The reference values intake reads (base salary, poverty line): the
    database of a transactional test is emptied after each one, these included."""
    import_module("enrollments.migrations.0002_reference_parameters").forwards(apps, None)


def open_live(page, url: str) -> None:
    """Open a live page, mark it, and wait for its first poll: a 304, the page being current."""
    with page.expect_response(lambda response: LIVE_ANSWER.search(response.url) and response.status == 304):
        page.goto(url)
        page.evaluate("window.notReloaded = true")


def still_the_same_page(page) -> bool:
    return page.evaluate("window.notReloaded === true")


def test_the_leaderboard_shows_a_new_enrollment_without_reloading(page, live_server, league):
    log_in(page, live_server, "e1")
    open_live(page, live_server.url + leaderboard_url(league, number=2) + "?refresh=1")
    codes = page.locator("[data-testid=leaderboard] tbody tr td:nth-child(2)")
    expect(codes).to_have_text(["E1", "E2"])

    submit_through_service(league["agents"]["E2"], 2)

    expect(codes).to_have_text(["E2", "E1"])
    first = page.locator("[data-testid=leaderboard] tbody tr").first
    expect(first.locator(".score")).to_have_text("2")
    expect(first.locator(".position")).to_have_text("1")
    assert still_the_same_page(page)


def test_the_agents_page_shows_a_new_enrollment_without_reloading(page, live_server, league):
    log_in(page, live_server, "e2")
    open_live(page, f"{live_server.url}/agents/E2/?refresh=1")
    second_phase = page.locator("[data-testid=phase-progress]").nth(1)
    expect(second_phase.locator("[data-testid=counted]")).to_have_text("0")
    expect(second_phase.locator("[data-testid=rank-line]")).to_contain_text("Hạng 2/2")

    submit_through_service(league["agents"]["E2"])

    expect(second_phase.locator("[data-testid=counted]")).to_have_text("1")
    expect(second_phase.locator("[data-testid=rank-line]")).to_contain_text("Hạng 1/2")
    assert still_the_same_page(page)


@pytest.mark.parametrize("browser_context_args", [{"viewport": {"width": 1920, "height": 1080}, "locale": "vi-VN"}])
def test_the_tv_board_rotates_through_the_clusters_and_marks_a_change_of_rank(page, live_server, league):
    west = league["clusters"][1]
    log_in(page, live_server, "buudien")  # manages agents of both clusters
    open_live(page, live_server.url + tv_url(league) + "?rotate=2&refresh=1")
    on_screen = page.locator("[data-tv-board]:not([hidden])")
    expect(on_screen).to_have_count(1)
    expect(on_screen.locator("[data-testid=tv-cluster]")).to_have_text("Cụm Đông")
    expect(page.locator("[data-tv-dot].current")).to_have_text("Cụm Đông")

    expect(on_screen.locator("[data-testid=tv-cluster]")).to_have_text("Cụm Tây")  # the next cluster, by itself
    expect(on_screen.locator("tr[data-code]")).to_have_count(2)
    expect(on_screen.locator("tr[data-code] .tv-name")).to_have_text(["Lê Văn Tây", "Phạm Thị Tư"])
    submit_through_service(league["agents"]["W2"])

    west_board = page.locator(f'[data-tv-board="{west.pk}"]:not([hidden])')
    expect(west_board.locator('tr.moved-up[data-code="W2"]')).to_have_count(1)
    expect(west_board.locator('tr[data-code="W2"] [data-move]')).to_have_text("▲1")
    expect(west_board.locator('tr.moved-down[data-code="W1"]')).to_have_count(1)
    expect(west_board.locator("tr[data-code]").first).to_have_attribute("data-code", "W2")
    assert still_the_same_page(page)

    layout = page.evaluate(
        """() => ({
            width: document.documentElement.scrollWidth,
            height: document.documentElement.scrollHeight,
            type: parseFloat(getComputedStyle(document.querySelector('.tv-table td')).fontSize),
        })"""
    )
    assert layout["width"] <= 1920 and layout["height"] <= 1080, "the board fits the screen"
    assert layout["type"] >= 24, "large type, readable across a room"
