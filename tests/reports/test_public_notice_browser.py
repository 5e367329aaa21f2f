"""The notice page and filing an appeal in a real browser (Playwright, Debian's Chromium)."""

from __future__ import annotations

import pytest
from django.apps import apps

from awards.appeals.models import Appeal
from campaigns.roles import sync_role_groups
from tests.appeals import noticed_contest
from tests.reports.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def noticed():
    sync_role_groups(apps)  # the transactional database was emptied
    return noticed_contest()


def test_an_agent_reads_the_notice_and_files_an_appeal_with_a_file(page, live_server, noticed, tmp_path):
    campaign = noticed.contest.campaign
    log_in(page, live_server, "e3")
    page.goto(f"{live_server.url}/campaigns/{campaign.code}/phases/1/notice/")
    period = page.locator("[data-testid=notice-period]").inner_text()
    ends = noticed.finalization.notice_ends_at.astimezone(campaign.tzinfo)
    assert ends.strftime("%d/%m/%Y %H:%M") in period
    codes = page.locator("[data-testid=notice] tbody tr td:nth-child(2)").all_inner_texts()
    assert codes[:2] == ["E1", "E2"]
    assert page.locator("[data-testid=notice-row]", has_text="E3").locator("[data-testid=reason]").inner_text()
    page.locator("[data-testid=appeal-link]").click()
    page.wait_for_url("**/appeal/")
    receipt = tmp_path / "bien-lai.pdf"
    receipt.write_bytes(b"%PDF-1.4\n%%EOF\n")
    page.fill("textarea[name=text]", "Hai hồ sơ của tôi chưa được tính.")
    page.set_input_files("input[name=attachment]", str(receipt))
    page.locator("[data-testid=appeal-form] button[type=submit]").click()
    page.wait_for_url("**/appeals/?filed=1")
    assert page.locator("[data-testid=appeal-filed]").is_visible()
    row = page.locator("[data-testid=appeal-row]")
    assert "Hai hồ sơ của tôi chưa được tính." in row.inner_text()
    assert row.locator("[data-testid=attachment]").inner_text() == "bien-lai.pdf"
    appeal = Appeal.objects.get()
    assert (appeal.competitor_code, appeal.status, appeal.attachment_type) == ("E3", "open", "pdf")
