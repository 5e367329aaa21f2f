"""The bell in a real browser: an agent whose enrollment was rejected sees the
unread count, opens the list, marks the notice read and the count goes."""

from __future__ import annotations

import pytest

from enrollments.services import enrollment_reject
from reports.models import Notice
from tests.contest import build_contest
from tests.reports.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_bell_shows_the_unread_count_and_the_list(page, live_server):
    contest = build_contest(logins=True, east=("E1",), west=("W1",))
    first, second = contest.sell("E1", 2, status="submitted")
    # Committed for real (transactional test): the notice tasks run after commit, in this process.
    enrollment_reject(enrollment=first, reason="Sai số CCCD")
    enrollment_reject(enrollment=second, reason="Thiếu chữ ký")
    assert Notice.objects.filter(user__username="e1").count() == 2

    log_in(page, live_server, "e1")
    page.goto(f"{live_server.url}/campaigns/")

    assert page.locator("[data-testid=notice-count]").inner_text() == "2"
    page.locator("[data-testid=notice-bell]").click()
    page.wait_for_url("**/notices/")
    items = page.locator("[data-testid=notice]")
    assert items.count() == 2
    assert "Thiếu chữ ký" in items.nth(0).inner_text()  # newest first
    assert "Sai số CCCD" in items.nth(1).inner_text()

    items.nth(0).locator("[data-testid=mark-read]").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=notice-count]").inner_text() == "1"

    page.locator("[data-testid=read-all]").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=notice-count]").count() == 0


def test_another_agent_sees_no_bell_count(page, live_server):
    contest = build_contest(logins=True, east=("E1",), west=("W1",))
    (enrollment,) = contest.sell("E1", 1, status="submitted")
    enrollment_reject(enrollment=enrollment, reason="Sai")

    log_in(page, live_server, "w1")
    page.goto(f"{live_server.url}/notices/")

    assert page.locator("[data-testid=notice-count]").count() == 0
    assert page.locator("[data-testid=no-notices]").is_visible()


def test_the_notice_pages_work_under_the_content_security_policy(page, live_server):
    contest = build_contest(logins=True, east=("E1",), west=("W1",))
    (enrollment,) = contest.sell("E1", 1, status="submitted")
    enrollment_reject(enrollment=enrollment, reason="Sai")
    refused: list[str] = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None,
    )

    log_in(page, live_server, "e1")
    for path in ("/notices/", "/notices/preferences/"):
        response = page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        assert response.status == 200 and "content-security-policy" in response.headers

    page.locator("input[name=phase_closing-email]").uncheck()
    page.get_by_role("button", name="Lưu").click()
    page.wait_for_url("**/notices/preferences/?saved=1")
    assert not page.locator("input[name=phase_closing-email]").is_checked()
    assert page.locator("input[name=quota_reached-email]").is_checked()
    assert refused == []
