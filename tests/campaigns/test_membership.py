"""The set-wise membership query agrees with the per-agent rule for every agent."""

import pytest

from campaigns.membership import campaign_members, cluster_members
from campaigns.selectors import agent_participations
from collectors.models import Agent, Locality
from tests.factories import (
    AgentFactory,
    CampaignFactory,
    ClusterFactory,
    ProvinceFactory,
    ServiceOrganizationFactory,
    TeamFactory,
    UnitFactory,
)

pytestmark = pytest.mark.django_db


def per_agent(campaign) -> dict[int, int | None]:
    answer = {}
    for agent in Agent.objects.all():
        for participation in agent_participations(agent=agent):
            if participation.campaign.pk == campaign.pk:
                answer[agent.pk] = participation.cluster.pk if participation.cluster else None
    return answer


def assert_each_cluster_agrees(campaign, members: dict[int, int | None]) -> None:
    """Resolving one cluster at a time gives the same members as resolving them all."""
    clusters = list(campaign.clusters.all()) or [None]
    for cluster in clusters:
        expected = {agent for agent, cluster_id in members.items() if cluster_id == (cluster.pk if cluster else None)}
        assert cluster_members(campaign=campaign, cluster=cluster) == expected, cluster


@pytest.fixture
def country():
    """Two provinces with districts and communes, a unit tree, organizations and agents everywhere."""
    vss = UnitFactory(code="VSS", kind="national")
    world = {"vss": vss, "provinces": [], "districts": [], "communes": [], "units": [], "orgs": []}
    for p in range(2):
        province = ProvinceFactory(code=f"P{p}")
        unit = UnitFactory(code=f"U{p}", parent=vss)
        office = UnitFactory(code=f"U{p}-1", kind="district", parent=unit)
        org = ServiceOrganizationFactory(code=f"O{p}", contracting_unit=office)
        world["provinces"].append(province)
        world["units"] += [unit, office]
        world["orgs"].append(org)
        for d in range(2):
            district = Locality.objects.create(code=f"D{p}{d}", name="Huyện", level="district", parent=province)
            commune = Locality.objects.create(code=f"C{p}{d}", name="Xã", level="commune", parent=district)
            world["districts"].append(district)
            world["communes"].append(commune)
            AgentFactory(code=f"A{p}{d}c", organization=org, locality=commune)
            AgentFactory(code=f"A{p}{d}d", organization=org, locality=district)
        AgentFactory(code=f"S{p}", organization=None, unit=office, role="staff", locality=None)
        AgentFactory(code=f"L{p}", organization=None, unit=unit, role="leader", locality=None)
    return world


def test_clusters_by_locality_team_unit_and_explicit_agents_agree(country):
    campaign = CampaignFactory(code="mixed", organizer=country["vss"])
    by_district = ClusterFactory(campaign=campaign, number=1)
    by_district.localities.add(country["districts"][0])
    by_province = ClusterFactory(campaign=campaign, number=2)
    by_province.localities.add(country["provinces"][0], country["provinces"][1])
    by_unit = ClusterFactory(campaign=campaign, number=3)
    by_unit.units.add(country["units"][2])
    explicit = ClusterFactory(campaign=campaign, number=4)
    explicit.agents.add(Agent.objects.get(code="L0"))
    team = TeamFactory(campaign=campaign)
    team.members.add(Agent.objects.get(code="S0"))
    ClusterFactory(campaign=campaign, number=5).teams.add(team)

    members = campaign_members(campaign=campaign)

    assert members == per_agent(campaign)
    assert_each_cluster_agrees(campaign, members)
    assert members[Agent.objects.get(code="A00c").pk] == by_district.pk  # the lowest number wins over 2
    assert members[Agent.objects.get(code="S1").pk] == by_unit.pk
    assert members[Agent.objects.get(code="L0").pk] == explicit.pk


def test_a_campaign_without_clusters_agrees(country):
    campaign = CampaignFactory(code="staff", organizer=country["units"][0])
    outsider_team = TeamFactory(campaign=campaign)
    outsider_team.members.add(Agent.objects.get(code="S1"))

    members = campaign_members(campaign=campaign)

    assert members == per_agent(campaign)
    assert_each_cluster_agrees(campaign, members)
    assert set(members.values()) == {None}
    codes = set(Agent.objects.filter(pk__in=members).values_list("code", flat=True))
    assert codes == {"A00c", "A00d", "A01c", "A01d", "S0", "L0", "S1"}


def test_agents_outside_every_cluster_are_left_out(country):
    campaign = CampaignFactory(code="one", organizer=country["vss"])
    ClusterFactory(campaign=campaign, number=1).localities.add(country["communes"][0])

    members = campaign_members(campaign=campaign)

    assert set(Agent.objects.filter(pk__in=members).values_list("code", flat=True)) == {"A00c"}
    assert members == per_agent(campaign)


def test_an_earlier_cluster_of_units_claims_agents_before_a_later_cluster_of_localities(country):
    campaign = CampaignFactory(code="units-first", organizer=country["vss"])
    ClusterFactory(campaign=campaign, number=1).units.add(country["units"][0])  # U0: its office, org O0, staff
    ClusterFactory(campaign=campaign, number=2).localities.add(country["provinces"][0], country["provinces"][1])

    members = campaign_members(campaign=campaign)

    assert members == per_agent(campaign)
    assert_each_cluster_agrees(campaign, members)
    first = campaign.clusters.get(number=1)
    assert set(
        Agent.objects.filter(pk__in=cluster_members(campaign=campaign, cluster=first)).values_list("code", flat=True)
    ) == {"A00c", "A00d", "A01c", "A01d", "S0", "L0"}
