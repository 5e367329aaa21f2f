import pytest

from collectors.models import Agent, Locality
from tests.constraints import assert_db_rejects
from tests.factories import AgentFactory, DistrictFactory, ProvinceFactory, UnitFactory

pytestmark = pytest.mark.django_db


def test_a_province_cannot_have_a_parent():
    other = ProvinceFactory()
    assert_db_rejects(
        "locality_province_has_no_parent",
        lambda: Locality.objects.create(code="P99", name="X", level=Locality.Level.PROVINCE, parent=other),
    )


def test_a_district_needs_a_parent():
    assert_db_rejects(
        "locality_below_province_has_parent",
        lambda: Locality.objects.create(code="D99", name="X", level=Locality.Level.DISTRICT),
    )


def test_a_commune_may_hang_directly_under_a_province_after_the_2025_reform():
    province = ProvinceFactory()
    commune = Locality.objects.create(code="C1", name="Phường Hội An", level=Locality.Level.COMMUNE, parent=province)
    commune.full_clean()
    assert commune.parent == province


def test_a_locality_cannot_be_its_own_parent():
    district = DistrictFactory()
    district.parent_id = district.pk
    assert_db_rejects("locality_not_own_parent", district.save)


def test_a_unit_cannot_be_its_own_parent():
    unit = UnitFactory()
    unit.parent_id = unit.pk
    assert_db_rejects("unit_not_own_parent", unit.save)


def test_an_agent_must_belong_to_an_organization_or_a_unit():
    assert_db_rejects(
        "agent_belongs_to_organization_or_unit",
        lambda: Agent.objects.create(code="X1", full_name="Nguyễn Văn A"),
    )


def test_a_staff_member_may_belong_to_a_unit_only():
    agent = Agent.objects.create(code="S1", full_name="Trần Thị B", unit=UnitFactory(), role=Agent.Role.STAFF)
    assert agent.organization is None


def test_agent_codes_are_unique():
    AgentFactory(code="A1")
    org = AgentFactory(code="A2").organization
    assert_db_rejects("code", lambda: Agent.objects.create(code="A1", full_name="Y", organization=org), unique=True)
