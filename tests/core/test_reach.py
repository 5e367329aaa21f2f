"""The scoping primitive of offices' reach (core.reach): what a reach is, how a model's
rows are kept within it, and that a model saying nothing cannot be scoped at all."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured, PermissionDenied

import core.reach
from campaigns.models import Campaign, Phase
from collectors.models import Agent, Locality, ServiceOrganization, Unit
from core.reach import (
    ALL,
    NOTHING,
    OutOfReach,
    Reach,
    acting_reach,
    reach_allows,
    reach_filter,
    reach_of,
    require_reach,
)
from enrollments.models import Enrollment, Participant
from tests.factories import (
    AgentFactory,
    CampaignFactory,
    EnrollmentFactory,
    ParticipantFactory,
    PhaseFactory,
    ServiceOrganizationFactory,
    UnitFactory,
    UserFactory,
    assign_unit,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_units():
    return UnitFactory(code="U-QN"), UnitFactory(code="U-TN")


def test_all_covers_every_reach_and_nothing_covers_none():
    quang_nam = Reach.units([1, 2])
    assert ALL.covers(quang_nam) and ALL.covers(NOTHING) and ALL.covers(ALL)
    assert quang_nam.covers(Reach.units([2])) and not quang_nam.covers(Reach.units([2, 3]))
    assert not quang_nam.covers(ALL)
    assert NOTHING.nothing and not quang_nam.nothing and not ALL.nothing
    assert ALL.allows_unit(None) and not quang_nam.allows_unit(None) and not NOTHING.allows_unit(1)


def test_a_campaign_is_within_the_reach_of_its_organizer(two_units):
    quang_nam, tay_ninh = two_units
    ours = CampaignFactory(organizer=quang_nam)
    CampaignFactory(organizer=tay_ninh)

    assert list(reach_filter(Campaign.objects.all(), Reach.units([quang_nam.pk]))) == [ours]
    assert reach_filter(Campaign.objects.all(), ALL).count() == 2
    assert reach_filter(Campaign.objects.all(), NOTHING).count() == 0


def test_rows_follow_their_path_to_the_unit(two_units):
    quang_nam, tay_ninh = two_units
    ours = PhaseFactory(campaign=CampaignFactory(organizer=quang_nam))
    PhaseFactory(campaign=CampaignFactory(organizer=tay_ninh))

    assert list(reach_filter(Phase.objects.all(), Reach.units([quang_nam.pk]))) == [ours]


def test_an_agent_is_reached_through_its_own_unit_or_its_organizations(two_units):
    quang_nam, tay_ninh = two_units
    by_organization = AgentFactory(organization=ServiceOrganizationFactory(contracting_unit=quang_nam))
    by_unit = AgentFactory(organization=None, unit=quang_nam)
    AgentFactory(organization=ServiceOrganizationFactory(contracting_unit=tay_ninh))

    reached = reach_filter(Agent.objects.all(), Reach.units([quang_nam.pk]))

    assert set(reached) == {by_organization, by_unit}


def test_a_unit_is_its_own_office(two_units):
    quang_nam, _tay_ninh = two_units
    assert list(reach_filter(Unit.objects.all(), Reach.units([quang_nam.pk]))) == [quang_nam]


def test_a_person_comes_once_however_many_of_their_enrollments_are_within_reach(two_units):
    quang_nam, tay_ninh = two_units
    person = ParticipantFactory()
    for _campaign in range(2):
        EnrollmentFactory(phase=PhaseFactory(campaign=CampaignFactory(organizer=quang_nam)), participant=person)
    elsewhere = EnrollmentFactory(phase=PhaseFactory(campaign=CampaignFactory(organizer=tay_ninh))).participant

    reached = list(reach_filter(Participant.objects.all(), Reach.units([quang_nam.pk])))

    assert reached == [person]
    assert elsewhere not in reached


def test_a_person_known_only_from_the_coverage_history_is_every_offices(two_units):
    quang_nam, _tay_ninh = two_units
    unknown_to_campaigns = ParticipantFactory()

    assert list(reach_filter(Participant.objects.all(), Reach.units([quang_nam.pk]))) == [unknown_to_campaigns]
    assert reach_filter(Participant.objects.all(), NOTHING).count() == 0


def test_a_model_that_declares_no_path_cannot_be_scoped():
    with pytest.raises(ImproperlyConfigured, match=r"collectors\.Locality"):
        reach_filter(Locality.objects.all(), Reach.units([1]))
    with pytest.raises(ImproperlyConfigured):
        reach_filter(Locality.objects.all(), NOTHING)
    assert reach_filter(Locality.objects.all(), ALL).model is Locality


def test_one_row_is_checked_from_what_it_has_loaded(two_units, django_assert_num_queries):
    quang_nam, tay_ninh = two_units
    enrollment = EnrollmentFactory(phase=PhaseFactory(campaign=CampaignFactory(organizer=quang_nam)))
    loaded = Enrollment.objects.select_related("campaign").get(pk=enrollment.pk)

    with django_assert_num_queries(0):
        assert reach_allows(loaded, Reach.units([quang_nam.pk]))
        assert not reach_allows(loaded, Reach.units([tay_ninh.pk]))
        assert not reach_allows(loaded, NOTHING)


def test_one_row_through_a_reverse_relation_costs_one_query(two_units, django_assert_num_queries):
    quang_nam, tay_ninh = two_units
    person = EnrollmentFactory(phase=PhaseFactory(campaign=CampaignFactory(organizer=quang_nam))).participant

    with django_assert_num_queries(1):
        assert reach_allows(person, Reach.units([quang_nam.pk]))
    assert not reach_allows(person, Reach.units([tay_ninh.pk]))


def test_an_agent_with_neither_link_within_reach_is_out_of_it(two_units):
    quang_nam, tay_ninh = two_units
    agent = AgentFactory(organization=ServiceOrganizationFactory(contracting_unit=tay_ninh), unit=None)

    assert not reach_allows(agent, Reach.units([quang_nam.pk]))
    assert reach_allows(agent, Reach.units([tay_ninh.pk]))


def test_a_service_refuses_a_row_out_of_reach_and_checks_nothing_for_no_user(two_units):
    quang_nam, tay_ninh = two_units
    organization = ServiceOrganization.objects.get(pk=ServiceOrganizationFactory(contracting_unit=tay_ninh).pk)

    with pytest.raises(OutOfReach) as refused:
        require_reach(organization, Reach.units([quang_nam.pk]))
    assert isinstance(refused.value, PermissionDenied)
    require_reach(organization, Reach.units([tay_ninh.pk]))
    require_reach(organization, None)


def test_a_user_s_reach_is_asked_of_the_app_that_registered_it(two_units):
    quang_nam, _tay_ninh = two_units
    user = UserFactory()
    assign_unit(user, quang_nam)

    assert reach_of(user) == Reach.units([quang_nam.pk])
    assert reach_of(AnonymousUser()) is NOTHING
    assert reach_of(None) is NOTHING


def test_without_a_registered_resolver_no_reach_is_guessed(monkeypatch):
    monkeypatch.setattr(core.reach, "_user_reach", None)
    with pytest.raises(ImproperlyConfigured):
        reach_of(get_user_model()(username="x"))


def test_a_write_runs_within_the_reach_given_else_the_acting_users_else_everything(two_units):
    quang_nam, _tay_ninh = two_units
    user = UserFactory()
    assign_unit(user, quang_nam)

    assert acting_reach(by=user, reach=NOTHING) is NOTHING
    assert acting_reach(by=user) == Reach.units([quang_nam.pk])
    assert acting_reach() is ALL
