"""Who takes part in a running campaign, and in which cluster."""

import pytest

from campaigns.models import Cluster
from campaigns.selectors import agent_participations
from collectors.models import Locality
from tests.factories import (
    AgentFactory,
    CampaignFactory,
    ClusterFactory,
    DistrictFactory,
    PhaseFactory,
    ServiceOrganizationFactory,
    TeamFactory,
    UnitFactory,
)

pytestmark = pytest.mark.django_db


def codes(agent):
    return [(p.campaign.code, p.cluster.number if p.cluster else None) for p in agent_participations(agent=agent)]


def test_an_agent_serving_a_commune_belongs_to_the_cluster_of_its_district():
    district = DistrictFactory()
    commune = Locality.objects.create(code="C1", name="Phường An Mỹ", level="commune", parent=district)
    cluster = ClusterFactory(campaign=CampaignFactory(code="qn"), number=2)
    cluster.localities.add(district)
    assert codes(AgentFactory(locality=commune)) == [("qn", 2)]


def test_an_agent_listed_explicitly_belongs_to_the_cluster():
    agent = AgentFactory()
    ClusterFactory(campaign=CampaignFactory(code="x"), number=1).agents.add(agent)
    assert codes(agent) == [("x", 1)]


def test_a_team_member_belongs_to_the_cluster_of_the_team():
    campaign = CampaignFactory(code="tk")
    team = TeamFactory(campaign=campaign)
    agent = AgentFactory()
    team.members.add(agent)
    ClusterFactory(campaign=campaign, number=1).teams.add(team)
    assert codes(agent) == [("tk", 1)]


def test_staff_of_a_unit_below_a_cluster_unit_belong_to_it():
    province = UnitFactory(code="BHXH-31")
    district_office = UnitFactory(code="BHXH-31-01", kind="district", parent=province)
    staff = AgentFactory(organization=None, unit=district_office, role="staff", locality=None)
    ClusterFactory(campaign=CampaignFactory(code="vss"), number=1).units.add(province)
    assert codes(staff) == [("vss", 1)]


def test_the_lowest_numbered_matching_cluster_wins():
    district = DistrictFactory()
    campaign = CampaignFactory(code="c")
    ClusterFactory(campaign=campaign, number=3).localities.add(district)
    ClusterFactory(campaign=campaign, number=1).localities.add(district)
    assert codes(AgentFactory(locality=district)) == [("c", 1)]


def test_an_agent_outside_every_cluster_takes_no_part():
    ClusterFactory(campaign=CampaignFactory(), number=1).localities.add(DistrictFactory())
    assert codes(AgentFactory()) == []


def test_a_campaign_that_is_not_running_is_left_out():
    district = DistrictFactory()
    ClusterFactory(campaign=CampaignFactory(status="draft"), number=1).localities.add(district)
    assert codes(AgentFactory(locality=district)) == []


def test_without_clusters_staff_under_the_organizer_take_part():
    city = UnitFactory(code="BHXH-31")
    office = UnitFactory(code="BHXH-31-02", kind="district", parent=city)
    CampaignFactory(code="hp", organizer=city)
    staff = AgentFactory(organization=None, unit=office, role="leader", locality=None)
    outsider = AgentFactory(organization=None, unit=UnitFactory(code="BHXH-01"), role="staff", locality=None)
    assert codes(staff) == [("hp", None)]
    assert codes(outsider) == []


def test_without_clusters_agents_of_an_organization_contracted_by_the_organizer_take_part():
    city = UnitFactory(code="BHXH-31")
    CampaignFactory(code="hp", organizer=city)
    agent = AgentFactory(organization=ServiceOrganizationFactory(contracting_unit=city))
    assert codes(agent) == [("hp", None)]


def test_without_clusters_team_members_take_part():
    campaign = CampaignFactory(code="tk", organizer=UnitFactory(code="BHXH-49"))
    team = TeamFactory(campaign=campaign)
    member = AgentFactory(organization=ServiceOrganizationFactory(contracting_unit=UnitFactory(code="OTHER")))
    team.members.add(member)
    assert codes(member) == [("tk", None)]


def test_every_campaign_of_the_statuses_asked_comes_with_its_cluster_and_phases_in_two_queries(
    django_assert_num_queries,
):
    district = DistrictFactory()
    agent = AgentFactory(locality=district)
    running, closed = CampaignFactory(code="r"), CampaignFactory(code="c", status="closed")
    for campaign in (running, closed):
        ClusterFactory(campaign=campaign, number=2).localities.add(district)
        ClusterFactory(campaign=campaign, number=1).agents.add(agent)
    team_campaign = CampaignFactory(code="t", status="closed", organizer=UnitFactory(code="BHXH-77"))
    TeamFactory(campaign=team_campaign).members.add(agent)
    for number, campaign in enumerate((running, closed, team_campaign), start=1):
        PhaseFactory(campaign=campaign, number=number)

    with django_assert_num_queries(2):
        found = agent_participations(agent=agent, statuses=("running", "closed"))
        shown = [
            (p.campaign.code, p.campaign.status, p.cluster and p.cluster.number, p.cluster and p.cluster.name)
            for p in found
        ]
        phases = [[phase.number for phase in p.phases] for p in found]
        assert all(p.cluster is None or p.cluster.campaign is p.campaign for p in found)

    clusters = {c.campaign.code: c.name for c in Cluster.objects.filter(number=1).select_related("campaign")}
    assert shown == [("r", "running", 1, clusters["r"]), ("c", "closed", 1, clusters["c"]), ("t", "closed", None, None)]
    assert phases == [[1], [2], [3]]
    assert codes(agent) == [("r", 1)]
