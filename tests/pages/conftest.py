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
from django.utils import timezone

from campaigns.models import Phase, PlanTarget, Quota
from campaigns.services import phase_close
from collectors.models import ServiceOrganization
from enrollments.choices import EnrollmentStatus
from tests.factories import (
    AgentFactory,
    AwardRuleFactory,
    CampaignFactory,
    ClusterFactory,
    DistrictFactory,
    EnrollmentFactory,
    PhaseFactory,
    PrizeTierFactory,
    ServiceOrganizationFactory,
    UserFactory,
)

PASSWORD = "pass-12345"  # UserFactory's
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-results"


@pytest.fixture
def league(db):
    """Campaign ``qn``: phase 1 closed (its cutoff passed), phase 2 open; cluster 1
    (east) with a quota of 3, cluster 2 (west); the post office's agents E1, W1
    and another organization's E2, W2. E1 has 5 counted, E2 4, W1 2, W2 3."""
    east = DistrictFactory(code="D-E", name="Huyện Đông")
    west = DistrictFactory(code="D-W", name="Huyện Tây")
    campaign = CampaignFactory(code="qn", name="Thi đua Quảng Nam", products=["VSI"])
    now = timezone.now()
    one = PhaseFactory(
        campaign=campaign,
        number=1,
        name="Đợt 1",
        start=now - timedelta(days=40),
        cutoff=now - timedelta(days=2),
        grace=timedelta(days=1),
        status=Phase.Status.OPEN,
    )
    two = PhaseFactory(
        campaign=campaign,
        number=2,
        name="Đợt 2",
        start=now - timedelta(days=2),
        cutoff=now + timedelta(days=60),
        status=Phase.Status.OPEN,
    )
    cluster_one = ClusterFactory(campaign=campaign, number=1, name="Cụm Đông")
    cluster_one.localities.add(east)
    cluster_two = ClusterFactory(campaign=campaign, number=2, name="Cụm Tây")
    cluster_two.localities.add(west)
    Quota.objects.create(campaign=campaign, cluster=cluster_one, minimum=3)
    rule = AwardRuleFactory(campaign=campaign, code="TOP", name="Giải mỗi đợt")
    for position, title, amount in ((1, "Giải Nhất", 3_000_000), (2, "Giải Nhì", 2_000_000), (3, "Giải Ba", 1_000_000)):
        PrizeTierFactory(rule=rule, position=position, title=title, money="fixed", amount=amount, winners=1)
    post_office = ServiceOrganizationFactory(code="BD", name="Bưu điện tỉnh", kind=ServiceOrganization.Kind.POST_OFFICE)
    other = ServiceOrganizationFactory(code="DL", name="Đại lý Hòa Bình", kind=ServiceOrganization.Kind.OTHER_AGENT)
    agents = {
        "E1": AgentFactory(code="E1", full_name="Nguyễn Văn Đông", organization=post_office, locality=east),
        "E2": AgentFactory(code="E2", full_name="Trần Thị Hai", organization=other, locality=east),
        "W1": AgentFactory(code="W1", full_name="Lê Văn Tây", organization=post_office, locality=west),
        "W2": AgentFactory(code="W2", full_name="Phạm Thị Tư", organization=other, locality=west),
    }
    for code, agent in agents.items():
        agent.user = UserFactory(username=code.lower())
        agent.save()
    for code, count in (("E1", 5), ("E2", 4), ("W1", 2), ("W2", 3)):
        for n in range(count):
            EnrollmentFactory(
                phase=one,
                agent=agents[code],
                status=EnrollmentStatus.CONFIRMED,
                receipt_at=one.start + timedelta(days=1 + n, hours=int(code[1])),
            )
    PlanTarget.objects.create(campaign=campaign, scope="cluster", cluster=cluster_one, phase=one, target=10)
    PlanTarget.objects.create(campaign=campaign, scope="cluster", cluster=cluster_two, phase=one, target=4)
    PlanTarget.objects.create(campaign=campaign, scope="organization", organization=post_office, target=20)
    manager = UserFactory(username="buudien")
    post_office.managers.add(manager)
    return {
        "campaign": campaign,
        "phases": (one, two),
        "clusters": (cluster_one, cluster_two),
        "rule": rule,
        "agents": agents,
        "organizations": (post_office, other),
        "manager": manager,
    }


@pytest.fixture
def closed_league(league):
    phase_close(phase=league["phases"][0])
    return league


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
