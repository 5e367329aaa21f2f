"""The campaigns' services within a user's reach (DESIGN §10): closing a phase, and
importing a definition file, which may name Vietnam Social Security but not change
another office's units or organizations."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from django.core.exceptions import ValidationError

from campaigns.definition import DefinitionError
from campaigns.models import Campaign, Phase, PhaseTransition
from campaigns.services import campaign_import_within, phase_close
from collectors.models import ServiceOrganization, Unit
from collectors.selectors import user_reach
from core.reach import OutOfReach
from tests.offices import build_offices

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "campaigns"


@pytest.fixture
def offices():
    return build_offices()


def definition(name: str) -> dict:
    return yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))


def test_closing_another_offices_phase_is_refused(offices):
    phase = offices.tay_ninh.open_phase

    with pytest.raises(OutOfReach):
        phase_close(
            phase=phase, by=offices.quang_nam.staff, reason="Đóng sớm", reach=user_reach(offices.quang_nam.staff)
        )

    phase.refresh_from_db()
    assert phase.status == Phase.Status.OPEN
    assert (
        phase_close(phase=phase, reason="Đóng sớm", reach=user_reach(offices.tay_ninh.staff)).status
        == Phase.Status.CLOSED
    )


def test_closing_a_phase_before_its_cutoff_needs_a_reason_kept_in_its_history(offices):
    phase = offices.quang_nam.open_phase
    staff = offices.quang_nam.staff

    with pytest.raises(ValidationError) as refused:
        phase_close(phase=phase, by=staff, reason=" ", reach=user_reach(staff))
    assert "reason" in refused.value.message_dict
    phase.refresh_from_db()
    assert phase.status == Phase.Status.OPEN

    phase_close(phase=phase, by=staff, reason="Hết chỉ tiêu sớm", reach=user_reach(staff))
    phase.refresh_from_db()
    assert phase.status == Phase.Status.CLOSED
    move = PhaseTransition.objects.filter(phase=phase).latest("pk")
    assert (move.to_status, move.by, move.reason) == (Phase.Status.CLOSED, staff, "Hết chỉ tiêu sớm")


def test_closing_a_phase_past_its_cutoff_needs_no_reason(offices):
    phase = offices.quang_nam.open_phase
    after_cutoff = phase.cutoff + (phase.grace / 2)
    assert phase_close(phase=phase, now=after_cutoff).status == Phase.Status.CLOSED


def test_a_definition_of_the_users_office_naming_vietnam_social_security_unchanged_is_imported(offices):
    campaign = campaign_import_within(
        definition=definition("quang-nam-2024.yaml"), reach=user_reach(offices.quang_nam.staff)
    )

    assert campaign.organizer == offices.quang_nam.unit
    assert ServiceOrganization.objects.get(code="BD-49").contracting_unit == offices.quang_nam.unit


def test_a_definition_changing_a_unit_above_the_users_office_is_refused_and_leaves_nothing(offices):
    data = definition("quang-nam-2024.yaml")
    data["units"][0]["name"] = "Bảo hiểm xã hội Việt Nam (đổi tên)"

    with pytest.raises(DefinitionError) as refused:
        campaign_import_within(definition=data, reach=user_reach(offices.quang_nam.staff))

    assert any(error.startswith("units[0]:") and "VSS" in error for error in refused.value.errors)
    assert Unit.objects.get(code="VSS").name == "Bảo hiểm xã hội Việt Nam"
    assert not Campaign.objects.filter(code="quang-nam-2024").exists()


def test_a_definition_adding_a_unit_under_another_office_is_refused(offices):
    data = definition("quang-nam-2024.yaml")
    data["units"].append({"code": "BHXH-72-99", "name": "BHXH huyện mới", "kind": "district", "parent": "BHXH-72"})

    with pytest.raises(DefinitionError) as refused:
        campaign_import_within(definition=data, reach=user_reach(offices.quang_nam.staff))

    assert any("BHXH-72-99" in error for error in refused.value.errors)
    assert not Unit.objects.filter(code="BHXH-72-99").exists()


def test_a_definition_replacing_another_offices_campaign_is_refused(offices):
    data = definition("quang-nam-2024.yaml")
    data["campaign"]["code"] = offices.tay_ninh.campaign.code

    with pytest.raises(DefinitionError) as refused:
        campaign_import_within(definition=data, replace=True, reach=user_reach(offices.quang_nam.staff))

    assert any(error.startswith("campaign.code:") for error in refused.value.errors)
    assert Campaign.objects.get(code="tn").organizer == offices.tay_ninh.unit


def test_a_definition_listing_another_offices_agents_is_refused(offices):
    data = definition("quang-nam-2024.yaml")
    data.setdefault("teams", []).append(
        {"code": "T-X", "name": "Tổ mượn người", "members": [offices.tay_ninh.agent.code]}
    )

    with pytest.raises(DefinitionError) as refused:
        campaign_import_within(definition=data, reach=user_reach(offices.quang_nam.staff))

    assert any(offices.tay_ninh.agent.code in error for error in refused.value.errors)
