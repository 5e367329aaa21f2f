"""A small league for the pages: two clusters of agents from two service
organizations, a ranked rule with three prizes, plan targets, and the users
who read it (staff, an organization manager, agents).

Also the browser fixtures: Debian's Chromium driven by Playwright, with a
screenshot of the page saved under ``test-results/`` when a test fails.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest

from campaigns.models import PlanTarget
from campaigns.services import phase_close
from collectors.models import ServiceOrganization
from tests.contest import NAMED_TIERS, build_contest
from tests.factories import (
    ServiceOrganizationFactory,
    UserFactory,
)

PASSWORD = "pass-12345"  # UserFactory's
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-results"


@pytest.fixture
def league(db):
    """The shared contest (``tests.contest``) with phase 2 open: cluster 1 (east)
    with a quota of 3, cluster 2 (west); the post office's agents E1, W1 and
    another organization's E2, W2, each with a login. E1 has 5 counted, E2 4,
    W1 2, W2 3 in phase 1; plans per cluster for phase 1 and for the post office."""
    post_office = ServiceOrganizationFactory(code="BD", name="Bưu điện tỉnh", kind=ServiceOrganization.Kind.POST_OFFICE)
    other = ServiceOrganizationFactory(code="DL", name="Đại lý Hòa Bình", kind=ServiceOrganization.Kind.OTHER_AGENT)
    contest = build_contest(
        east=("E1", "E2"),
        west=("W1", "W2"),
        products=("VSI",),
        second_phase=True,
        tiers=NAMED_TIERS,
        cluster_names=("Cụm Đông", "Cụm Tây"),
        rule={"name": "Giải mỗi đợt"},
        names={"E1": "Nguyễn Văn Đông", "E2": "Trần Thị Hai", "W1": "Lê Văn Tây", "W2": "Phạm Thị Tư"},
        organizations={"E1": post_office, "W1": post_office, "E2": other, "W2": other},
        logins=True,
    )
    one = contest.phase
    for code, count in (("E1", 5), ("E2", 4), ("W1", 2), ("W2", 3)):
        contest.sell(code, count, hours=int(code[1]), every=timedelta(days=1))
    cluster_one, cluster_two = contest.clusters
    campaign = contest.campaign
    PlanTarget.objects.create(campaign=campaign, scope="cluster", cluster=cluster_one, phase=one, target=10)
    PlanTarget.objects.create(campaign=campaign, scope="cluster", cluster=cluster_two, phase=one, target=4)
    PlanTarget.objects.create(campaign=campaign, scope="organization", organization=post_office, target=20)
    manager = UserFactory(username="buudien")
    post_office.managers.add(manager)
    contest["organizations"] = (post_office, other)
    contest["manager"] = manager
    return contest


@pytest.fixture
def closed_league(league):
    phase_close(phase=league["phases"][0])
    return league


def log_in(page, live_server, username: str, next_path: str = "") -> None:
    """Log ``username`` in through the pages' login form in the browser (then go to ``next_path``)."""
    page.goto(f"{live_server.url}/login/" + (f"?next={next_path}" if next_path else ""))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stacked-form button[type=submit]")
    page.wait_for_load_state()
    assert "/login/" not in page.url, "logged in"


def leaderboard_url(league, number=1, cluster=None) -> str:
    url = f"/campaigns/{league['campaign'].code}/phases/{number}/leaderboard/"
    return f"{url}?cluster={cluster.pk}" if cluster is not None else url


# --- Browser ----------------------------------------------------------------------------


def chromium_path() -> str:
    return os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE", "/usr/bin/chromium")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, for the screenshot on failure."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def browser(monkeypatch):
    """Chromium for one test. Playwright's sync API keeps an event loop running in
    this thread while it lives, so Django is told the ORM calls of the test are
    safe; the browser is closed, and the loop ended, when the test is done."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path())
        yield chromium
        chromium.close()


@pytest.fixture
def browser_context_args():
    """Options of each test's browser context; a test may override the viewport."""
    return {"viewport": {"width": 1280, "height": 900}, "locale": "vi-VN", "accept_downloads": True}


@pytest.fixture
def page(request, browser, browser_context_args):
    """A fresh browser page; on failure its screenshot goes to test-results/<test>.png."""
    context = browser.new_context(**browser_context_args)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    context.close()
