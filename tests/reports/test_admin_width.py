"""The admin's lists on a 1366 px screen (a common office laptop): the status and
money columns of the phase, enrollment and award lists are in view without
scrolling sideways, however long the campaign's, agents' and people's names are.
Chromium through Playwright (marker ``browser``), as ``test_browser.py``."""

from __future__ import annotations

import pytest
from django.apps import apps

from awards.models import Award
from awards.services import phase_finalize
from campaigns.models import Campaign, Phase
from campaigns.roles import sync_role_groups
from collectors.models import Agent
from enrollments.models import Participant
from tests.reports.conftest import PASSWORD, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 1366
LONG_CAMPAIGN = (
    "Đợt thi đua cao điểm vận động người dân tham gia BHXH tự nguyện, BHYT hộ gia đình trên địa bàn thành phố năm 2019"
)


@pytest.fixture
def browser_context_args():
    return {"viewport": {"width": WIDTH, "height": 768}, "locale": "en-US"}


@pytest.fixture
def long_names(closed_league):
    """The league with its first phase finalized (awards proposed) and names as long as real ones."""
    Campaign.objects.update(name=LONG_CAMPAIGN)
    Agent.objects.update(full_name="Nguyễn Thị Phương Thảo Bảo Ngọc Hoàng Lan")
    Participant.objects.update(full_name="Trương Nguyễn Hoàng Bảo Khánh Ngọc Minh Châu")
    phase_finalize(phase_id=closed_league["phases"][0].pk)
    assert Award.objects.exists()
    sync_role_groups(apps)
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("root", "root@example.vn", PASSWORD)
    return closed_league


def right_edge(page, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    return box["x"] + box["width"]


@pytest.mark.parametrize(
    ("path", "columns"),
    [
        ("/admin/campaigns/phase/", ["th.column-status"]),
        ("/admin/enrollments/enrollment/", ["th.column-status", "th.column-amount_due"]),
        ("/admin/awards/award/", ["th.column-status", "th.column-amount_display"]),
    ],
)
def test_status_and_money_columns_are_in_view_at_1366_px(page, live_server, long_names, path, columns):
    log_in(page, live_server, "root", next_path=path)
    page.goto(live_server.url + path)

    assert page.locator("#result_list tbody tr").count() >= 1
    for column in columns:
        assert right_edge(page, column) <= WIDTH, column
    # The admin speaks Vietnamese to an English browser, as the pages do.
    assert page.locator("html").get_attribute("lang") == "vi"
    assert Phase.objects.filter(status=Phase.Status.FINALIZED).exists()
