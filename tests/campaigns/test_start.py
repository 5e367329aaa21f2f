"""Starting a campaign (draft → running) after the report of its set-up."""

from __future__ import annotations

import pytest
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError

from campaigns.models import Campaign
from campaigns.selectors import campaign_setup_report
from campaigns.services import campaign_start
from collectors.selectors import user_reach
from core.errors import InvalidTransition
from core.reach import OutOfReach
from tests.factories import CampaignFactory
from tests.offices import build_offices

pytestmark = pytest.mark.django_db

CAMPAIGNS = "/admin/campaigns/campaign/"


@pytest.fixture
def offices():
    return build_offices()


def draft(office) -> Campaign:
    Campaign.objects.filter(pk=office.campaign.pk).update(status=Campaign.Status.DRAFT)
    return Campaign.objects.get(pk=office.campaign.pk)


def test_a_campaign_without_phases_cannot_start(offices):
    empty = CampaignFactory(code="trong", organizer=offices.quang_nam.unit, status=Campaign.Status.DRAFT)
    report = campaign_setup_report(empty)
    assert report.blocking
    with pytest.raises(ValidationError):
        campaign_start(campaign=empty)
    empty.refresh_from_db()
    assert empty.status == Campaign.Status.DRAFT


def test_a_ready_draft_starts_and_only_once(offices):
    campaign = draft(offices.quang_nam)
    assert not campaign_setup_report(campaign).blocking
    staff = offices.quang_nam.staff
    assert campaign_start(campaign=campaign, by=staff, reach=user_reach(staff)).status == Campaign.Status.RUNNING
    with pytest.raises(InvalidTransition):
        campaign_start(campaign=campaign, by=staff, reach=user_reach(staff))


def test_another_offices_campaign_is_not_started(offices):
    campaign = draft(offices.tay_ninh)
    staff = offices.quang_nam.staff
    with pytest.raises(OutOfReach):
        campaign_start(campaign=campaign, by=staff, reach=user_reach(staff))
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.DRAFT


def test_the_admin_shows_the_report_then_starts_the_campaign(client, offices):
    campaign = draft(offices.quang_nam)
    campaign.plan_targets.all().delete()  # a warning, not a refusal
    warnings = campaign_setup_report(campaign).warnings
    assert warnings
    client.force_login(offices.quang_nam.staff)
    button = f"{CAMPAIGNS}{campaign.pk}/act/start_campaigns/"
    assert button in client.get(f"{CAMPAIGNS}{campaign.pk}/change/").text

    asked = client.post(
        CAMPAIGNS, {"action": "start_campaigns", helpers.ACTION_CHECKBOX_NAME: [campaign.pk]}, follow=True
    )
    assert asked.templates[0].name == "admin/action_form.html"
    assert asked.context["notes"] == [f"{campaign.name}: {warning}" for warning in warnings]
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.DRAFT

    client.post(button, {"apply": "1"}, follow=True)
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.RUNNING
    assert button not in client.get(f"{CAMPAIGNS}{campaign.pk}/change/").text
