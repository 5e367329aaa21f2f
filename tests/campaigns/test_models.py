from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from campaigns.models import (
    AwardRule,
    Campaign,
    Cluster,
    IndicatorTarget,
    IndicatorValue,
    Phase,
    PlanTarget,
    PrizeTier,
    Quota,
    Team,
)
from tests.constraints import assert_db_rejects
from tests.factories import (
    AwardRuleFactory,
    CampaignFactory,
    ClusterFactory,
    DistrictFactory,
    IndicatorFactory,
    PhaseFactory,
    PrizeTierFactory,
    TeamFactory,
    UnitFactory,
)

pytestmark = pytest.mark.django_db


def test_the_new_participant_gap_is_at_least_one_month():
    campaign = CampaignFactory()
    campaign.new_participant_gap_months = 0
    assert_db_rejects("campaign_gap_at_least_one_month", campaign.save)


def test_the_review_period_cannot_be_negative():
    campaign = CampaignFactory()
    campaign.review_period = timedelta(days=-1)
    assert_db_rejects("campaign_review_period_not_negative", campaign.save)


def test_a_campaign_must_count_at_least_one_known_product():
    campaign = CampaignFactory.build(products=["VSI", "XYZ"], organizer=UnitFactory())
    with pytest.raises(ValidationError) as caught:
        campaign.full_clean()
    assert "products" in caught.value.message_dict


def test_a_phase_cutoff_must_follow_its_start():
    phase = PhaseFactory()
    phase.cutoff = phase.start
    assert_db_rejects("phase_start_before_cutoff", phase.save)


def test_a_phase_grace_cannot_be_negative():
    phase = PhaseFactory()
    phase.grace = timedelta(hours=-1)
    assert_db_rejects("phase_grace_not_negative", phase.save)


def test_phase_numbers_are_unique_within_a_campaign():
    phase = PhaseFactory(number=1)
    assert_db_rejects(
        "phase_unique_number_per_campaign",
        lambda: Phase.objects.create(
            campaign=phase.campaign,
            number=1,
            name="Đợt 1 bis",
            start=phase.cutoff,
            cutoff=phase.cutoff + timedelta(days=30),
        ),
        unique=True,
    )


def test_overlapping_phases_fail_validation():
    phase = PhaseFactory(number=1)
    overlapping = Phase(
        campaign=phase.campaign,
        number=2,
        name="Đợt 2",
        start=phase.cutoff - timedelta(days=1),
        cutoff=phase.cutoff + timedelta(days=30),
    )
    with translation.override("en"), pytest.raises(ValidationError, match="cannot overlap"):
        overlapping.full_clean()


def test_back_to_back_phases_do_not_overlap():
    phase = PhaseFactory(number=1)
    following = Phase(
        campaign=phase.campaign, number=2, name="Đợt 2", start=phase.cutoff, cutoff=phase.cutoff + timedelta(days=30)
    )
    following.full_clean()


def test_team_codes_are_unique_within_a_campaign():
    team = TeamFactory(code="AP")
    assert_db_rejects(
        "team_unique_code_per_campaign",
        lambda: Team.objects.create(campaign=team.campaign, code="AP", name="Tổ An Phú 2"),
        unique=True,
    )


def test_cluster_numbers_are_unique_within_a_campaign():
    cluster = ClusterFactory(number=1)
    assert_db_rejects(
        "cluster_unique_number_per_campaign",
        lambda: Cluster.objects.create(campaign=cluster.campaign, number=1, name="Another"),
        unique=True,
    )


def test_cluster_names_are_unique_within_a_campaign():
    cluster = ClusterFactory(number=1, name="Cụm 1")
    assert_db_rejects(
        "cluster_unique_name_per_campaign",
        lambda: Cluster.objects.create(campaign=cluster.campaign, number=2, name="Cụm 1"),
        unique=True,
    )


def test_a_quota_is_at_least_one():
    campaign = CampaignFactory()
    assert_db_rejects("quota_minimum_positive", lambda: Quota.objects.create(campaign=campaign, minimum=0))


def test_a_role_quota_applies_to_agents_only():
    campaign = CampaignFactory()
    assert_db_rejects(
        "quota_role_only_for_agents",
        lambda: Quota.objects.create(campaign=campaign, competitor_kind="team", role="leader", minimum=2),
    )


def test_a_quota_cannot_use_another_campaigns_phase():
    quota = Quota(campaign=CampaignFactory(), phase=PhaseFactory(), minimum=5)
    with pytest.raises(ValidationError) as caught:
        quota.full_clean()
    assert "phase" in caught.value.message_dict


def test_a_plan_target_must_name_the_target_its_scope_says():
    campaign = CampaignFactory()
    assert_db_rejects(
        "plantarget_scope_matches_target",
        lambda: PlanTarget.objects.create(campaign=campaign, scope="team", target=15),
    )


def test_a_plan_target_cannot_name_two_targets():
    campaign = CampaignFactory()
    team = TeamFactory(campaign=campaign)
    assert_db_rejects(
        "plantarget_scope_matches_target",
        lambda: PlanTarget.objects.create(
            campaign=campaign, scope="team", team=team, locality=DistrictFactory(), target=15
        ),
    )


def test_a_team_plan_target_is_stored():
    campaign = CampaignFactory()
    team = TeamFactory(campaign=campaign)
    target = PlanTarget.objects.create(campaign=campaign, scope="team", team=team, target=15)
    target.full_clean()
    assert team.plan_targets.get().target == 15


def test_a_plan_target_is_at_least_one():
    campaign = CampaignFactory()
    assert_db_rejects(
        "plantarget_target_positive",
        lambda: PlanTarget.objects.create(campaign=campaign, scope="campaign", target=0),
    )


def test_indicator_codes_are_unique_within_a_campaign():
    indicator = IndicatorFactory(code="SI_RATIO")
    assert_db_rejects(
        "indicator_unique_code_per_campaign",
        lambda: IndicatorFactory(campaign=indicator.campaign, code="SI_RATIO"),
        unique=True,
    )


def test_a_unit_has_one_target_per_indicator():
    indicator = IndicatorFactory()
    unit = UnitFactory()
    IndicatorTarget.objects.create(indicator=indicator, unit=unit, target=Decimal("1.5"))
    assert_db_rejects(
        "indicatortarget_unique_per_unit",
        lambda: IndicatorTarget.objects.create(indicator=indicator, unit=unit, target=Decimal("2")),
        unique=True,
    )


def test_a_unit_has_one_value_per_indicator_and_phase():
    indicator = IndicatorFactory()
    phase = PhaseFactory(campaign=indicator.campaign)
    unit = UnitFactory()
    IndicatorValue.objects.create(indicator=indicator, unit=unit, phase=phase, value=Decimal("27.1"))
    assert_db_rejects(
        "indicatorvalue_unique_per_unit_phase",
        lambda: IndicatorValue.objects.create(indicator=indicator, unit=unit, phase=phase, value=Decimal("28")),
        unique=True,
    )


def test_award_rule_codes_are_unique_within_a_campaign():
    rule = AwardRuleFactory(code="TOP3")
    assert_db_rejects(
        "awardrule_unique_code_per_campaign",
        lambda: AwardRule.objects.create(campaign=rule.campaign, code="TOP3", name="Again"),
        unique=True,
    )


def test_a_threshold_rule_needs_a_threshold():
    campaign = CampaignFactory()
    assert_db_rejects(
        "awardrule_threshold_iff_threshold_selection",
        lambda: AwardRule.objects.create(campaign=campaign, code="T", name="T", selection="threshold"),
    )


def test_a_ranked_rule_has_no_threshold():
    campaign = CampaignFactory()
    assert_db_rejects(
        "awardrule_threshold_iff_threshold_selection",
        lambda: AwardRule.objects.create(campaign=campaign, code="R", name="R", selection="ranked", threshold=10),
    )


def test_only_units_are_judged_on_indicators():
    campaign = CampaignFactory()
    assert_db_rejects(
        "awardrule_indicators_only_for_units",
        lambda: AwardRule.objects.create(
            campaign=campaign, code="I", name="I", metric="indicators", competitor_kind="agent"
        ),
    )


def test_a_whole_campaign_rule_is_not_limited_to_a_phase():
    phase = PhaseFactory()
    assert_db_rejects(
        "awardrule_campaign_scope_has_no_phase",
        lambda: AwardRule.objects.create(campaign=phase.campaign, code="C", name="C", scope="campaign", phase=phase),
    )


def test_a_role_filter_applies_to_agent_rules_only():
    campaign = CampaignFactory()
    assert_db_rejects(
        "awardrule_role_only_for_agents",
        lambda: AwardRule.objects.create(campaign=campaign, code="U", name="U", competitor_kind="unit", role="staff"),
    )


def test_prize_positions_are_unique_within_a_rule():
    tier = PrizeTierFactory(position=1)
    assert_db_rejects(
        "prizetier_unique_position_per_rule",
        lambda: PrizeTier.objects.create(rule=tier.rule, position=1, title="Giải Nhất bis", winners=1),
        unique=True,
    )


@pytest.mark.parametrize(
    ("money", "amount", "coefficient"),
    [
        ("fixed", None, None),
        ("per_headcount", None, None),
        ("salary_coefficient", None, None),
        ("salary_coefficient", None, Decimal("0")),
        ("none", 1_000_000, None),
        ("fixed", 1_000_000, Decimal("1.5")),
    ],
    ids=[
        "fixed-without-amount",
        "per-headcount-without-amount",
        "coefficient-missing",
        "coefficient-zero",
        "no-money-with-amount",
        "fixed-with-coefficient",
    ],
)
def test_prize_money_fields_must_match_the_money_kind(money, amount, coefficient):
    rule = AwardRuleFactory()
    assert_db_rejects(
        "prizetier_money_fields_match_kind",
        lambda: PrizeTier.objects.create(
            rule=rule, position=1, title="Giải", winners=1, money=money, amount=amount, coefficient=coefficient
        ),
    )


@pytest.mark.parametrize(
    ("money", "amount", "coefficient"),
    [
        ("none", None, None),
        ("fixed", 5_000_000, None),
        ("per_headcount", 130_000, None),
        ("salary_coefficient", None, Decimal("1.5")),
    ],
)
def test_prize_money_of_each_kind_is_stored(money, amount, coefficient):
    tier = PrizeTierFactory(money=money, amount=amount, coefficient=coefficient)
    tier.full_clean()
    assert PrizeTier.objects.get(pk=tier.pk).money == money


def test_a_prize_has_at_least_one_winner():
    rule = AwardRuleFactory()
    assert_db_rejects(
        "prizetier_winners_positive",
        lambda: PrizeTier.objects.create(rule=rule, position=1, title="Giải", winners=0),
    )


def test_money_per_nominee_needs_nominees():
    rule = AwardRuleFactory()
    assert_db_rejects(
        "prizetier_nominee_money_needs_nominees",
        lambda: PrizeTier.objects.create(
            rule=rule, position=1, title="Giải", winners=6, nominees_per_winner=0, nominee_amount=5_000_000
        ),
    )


def test_full_clean_reports_a_constraint_with_its_message():
    rule = AwardRule(campaign=CampaignFactory(), code="T", name="T", selection="threshold")
    with translation.override("en"), pytest.raises(ValidationError, match="A threshold rule needs a threshold"):
        rule.full_clean()


def test_deleting_a_campaign_removes_its_rules():
    tier = PrizeTierFactory()
    tier.rule.campaign.delete()
    assert not Campaign.objects.exists()
    assert not PrizeTier.objects.exists()
