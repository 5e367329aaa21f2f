"""Bars from commendation (collectors.CommendationBar, DESIGN §11.3): the rows
the database accepts, and their admin, within the offices a user reaches."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from awards.models import Tally
from awards.tally import tally_rebuild
from collectors.models import CommendationBar
from tests.constraints import assert_db_rejects
from tests.factories import AgentFactory, UnitFactory
from tests.offices import build_offices

pytestmark = pytest.mark.django_db

BARS = "/admin/collectors/commendationbar/"


def test_a_bar_concerns_one_agent_or_one_unit():
    agent, unit = AgentFactory(), UnitFactory()

    for owner in ({}, {"agent": agent, "unit": unit}):
        assert_db_rejects(
            "commendation_bar_agent_or_unit",
            lambda owner=owner: CommendationBar.objects.create(
                reason="discipline", start_date=date(2024, 1, 1), **owner
            ),
        )


def test_a_bar_cannot_end_before_it_starts():
    assert_db_rejects(
        "commendation_bar_ends_after_start",
        lambda: CommendationBar.objects.create(
            agent=AgentFactory(), reason="discipline", start_date=date(2024, 5, 2), end_date=date(2024, 5, 1)
        ),
    )


def test_another_reason_is_written_out():
    assert_db_rejects(
        "commendation_bar_other_is_explained",
        lambda: CommendationBar.objects.create(agent=AgentFactory(), reason="other", start_date=date(2024, 1, 1)),
    )


@pytest.fixture
def offices(db):
    return build_offices()


def inline_form(agent, **bar) -> dict:
    """The agent's change form as the admin posts it, with one new bar in its inline."""
    prefix = "commendation_bars"
    data = {
        "code": agent.code,
        "full_name": agent.full_name,
        "role": agent.role,
        "phone": agent.phone,
        "active": "on",
        "organization": agent.organization_id or "",
        "unit": agent.unit_id or "",
        "locality": agent.locality_id or "",
        "user": agent.user_id or "",
        f"{prefix}-TOTAL_FORMS": "1",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    data |= {f"{prefix}-0-{field}": value for field, value in bar.items()}
    return data


def test_staff_record_a_bar_on_the_agents_page_and_the_board_hears_of_it(client, offices):
    office = offices.quang_nam
    agent = office.contest.agents["QNE1"]
    phase = office.finalized  # QNE1 sold 5, above the quota of 3
    tally_rebuild(campaign_id=office.campaign.pk, force=True)
    row = Tally.objects.get(rule=office.contest.rule, phase=phase, competitor_id=agent.pk)
    assert row.eligible
    client.force_login(office.staff)
    during = (phase.start + timedelta(days=5)).date()

    response = client.post(
        f"/admin/collectors/agent/{agent.pk}/change/",
        inline_form(agent, reason="investigation", note="Thanh tra số 3", start_date=during.isoformat()),
    )

    assert response.status_code == 302, response.context["errors"] if response.context else response
    recorded = CommendationBar.objects.get(agent=agent, note="Thanh tra số 3")
    row.refresh_from_db()
    assert (row.eligible, row.screen_id) == (False, recorded.pk)


def test_staff_cannot_bar_an_agent_of_another_office(client, offices):
    theirs = offices.tay_ninh.contest.agents["TNE1"]
    client.force_login(offices.quang_nam.staff)

    opened = client.get(f"/admin/collectors/agent/{theirs.pk}/change/")
    added = client.post(
        f"{BARS}add/", {"agent": theirs.pk, "reason": "discipline", "start_date": "2024-01-01", "note": "QĐ 1"}
    )

    assert opened.status_code == 302  # not found in their reach: back to the admin's index
    assert added.status_code == 200 and "agent" in added.context["adminform"].form.errors
    assert not CommendationBar.objects.filter(agent=theirs, note="QĐ 1").exists()
    # The other office's staff record it.
    client.force_login(offices.tay_ninh.staff)
    added = client.post(
        f"{BARS}add/", {"agent": theirs.pk, "reason": "discipline", "start_date": "2024-01-01", "note": "QĐ 1"}
    )
    assert added.status_code == 302
    assert CommendationBar.objects.filter(agent=theirs, note="QĐ 1").exists()


def test_the_list_of_bars_holds_only_the_users_offices(client, offices):
    client.force_login(offices.quang_nam.staff)

    listed = client.get(BARS)

    shown = {bar.agent.code for bar in listed.context["cl"].queryset}
    assert shown == {"QNW1"}  # the bar tests/offices.py records in each province
