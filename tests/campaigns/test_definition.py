"""Campaign definition files: parse, validate, import, export, the commands and the admin upload."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from campaigns.definition import (
    DefinitionError,
    campaign_export,
    campaign_import,
    dump_definition,
    normalize_definition,
    parse_definition,
)
from campaigns.models import (
    AwardRule,
    Campaign,
    Cluster,
    Indicator,
    IndicatorTarget,
    Phase,
    PlanTarget,
    PrizeTier,
    Quota,
    Team,
)
from collectors.models import Locality, ServiceOrganization, Unit
from tests.factories import AgentFactory, EnrollmentFactory, IndicatorValueFactory, assign_unit

pytestmark = pytest.mark.django_db

EXAMPLES = Path(settings.BASE_DIR) / "examples" / "campaigns"
EXAMPLE_FILES = sorted(path.name for path in EXAMPLES.glob("*.yaml"))
VN = ZoneInfo("Asia/Ho_Chi_Minh")
ADMIN_URLS = "tests.campaigns.definition_admin_urls"


@pytest.fixture(autouse=True)
def english():
    # Messages are compared word for word; the app's default language is Vietnamese.
    with translation.override("en"):
        yield


def _example(name: str) -> dict:
    return parse_definition((EXAMPLES / name).read_text(encoding="utf-8"))


def _import_example(name: str, *, replace: bool = False) -> Campaign:
    return campaign_import(definition=_example(name), replace=replace)


def _errors(definition: dict, *, replace: bool = False) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        campaign_import(definition=definition, replace=replace)
    return caught.value.errors


MINIMAL = """
campaign:
  code: mini-2024
  name: Thi đua nhỏ
  organizer: BHXH-49
  products: [VSI]
localities:
  - {code: "49", name: Tỉnh Quảng Nam, level: province}
units:
  - {code: BHXH-49, name: Bảo hiểm xã hội tỉnh Quảng Nam, kind: province, locality: "49"}
phases:
  - {name: Đợt 1, start: 2024-04-01, end: 2024-06-30}
"""


def _minimal(**sections) -> dict:
    definition = parse_definition(MINIMAL)
    for key, value in sections.items():
        if key in definition and isinstance(definition[key], dict):
            definition[key] = {**definition[key], **value}
        else:
            definition[key] = value
    return definition


# Every table an import writes to, reference data and many-to-many tables included.
TOUCHED = [
    Locality,
    Unit,
    ServiceOrganization,
    Campaign,
    Phase,
    Team,
    Team.members.through,
    Cluster,
    Cluster.localities.through,
    Cluster.units.through,
    Cluster.teams.through,
    Cluster.agents.through,
    Quota,
    PlanTarget,
    Indicator,
    IndicatorTarget,
    AwardRule,
    PrizeTier,
]


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in TOUCHED}


# --- The five example campaigns ----------------------------------------------


def test_there_are_five_example_campaigns():
    assert EXAMPLE_FILES == [
        "hai-phong-2019.yaml",
        "quang-nam-2024.yaml",
        "tam-ky-2020.yaml",
        "tay-ninh-2021.yaml",
        "vss-q4-2017.yaml",
    ]


@pytest.mark.parametrize("name", EXAMPLE_FILES)
def test_example_exports_and_reimports_to_an_identical_definition(name):
    first = campaign_export(campaign=_import_example(name))

    campaign = campaign_import(definition=parse_definition(dump_definition(first)), replace=True)

    assert campaign_export(campaign=campaign) == first


@pytest.mark.parametrize("name", EXAMPLE_FILES)
def test_example_export_equals_the_normalized_example(name):
    campaign = _import_example(name)

    assert campaign_export(campaign=campaign) == normalize_definition(_example(name))


@pytest.mark.parametrize("name", EXAMPLE_FILES)
def test_example_dump_reads_back_as_the_same_definition(name):
    definition = campaign_export(campaign=_import_example(name))

    assert parse_definition(dump_definition(definition)) == definition


def test_all_examples_share_their_reference_data_without_changing_each_other():
    for name in EXAMPLE_FILES:
        _import_example(name)

    for name in EXAMPLE_FILES:
        expected = normalize_definition(_example(name))
        campaign = Campaign.objects.get(code=expected["campaign"]["code"])
        assert campaign_export(campaign=campaign) == expected, name


def test_quang_nam_has_three_phases_ending_at_local_midnight_after_their_last_day():
    campaign = _import_example("quang-nam-2024.yaml")

    windows = [(phase.start, phase.cutoff) for phase in campaign.phases.order_by("number")]

    assert windows == [
        (datetime(2024, 4, 1, tzinfo=VN), datetime(2024, 7, 1, tzinfo=VN)),
        (datetime(2024, 7, 1, tzinfo=VN), datetime(2024, 10, 1, tzinfo=VN)),
        (datetime(2024, 10, 1, tzinfo=VN), datetime(2025, 1, 1, tzinfo=VN)),
    ]


def test_quang_nam_cluster_one_is_the_seven_localities_of_the_article():
    campaign = _import_example("quang-nam-2024.yaml")

    cluster = campaign.clusters.get(number=1)

    names = sorted(cluster.localities.values_list("name", flat=True))
    assert names == sorted(
        [
            "Thành phố Hội An",
            "Thành phố Tam Kỳ",
            "Thị xã Điện Bàn",
            "Huyện Đại Lộc",
            "Huyện Duy Xuyên",
            "Huyện Thăng Bình",
            "Huyện Núi Thành",
        ]
    )


def test_quang_nam_puts_every_district_in_exactly_one_cluster():
    campaign = _import_example("quang-nam-2024.yaml")

    members = list(Cluster.localities.through.objects.filter(cluster__campaign=campaign).values_list("locality_id"))

    districts = Locality.objects.filter(parent__code="49", level=Locality.Level.DISTRICT)
    assert sorted(members) == sorted(districts.values_list("pk"))


def test_quang_nam_requires_90_per_phase_in_cluster_one_for_three_ranked_prizes():
    campaign = _import_example("quang-nam-2024.yaml")

    quota = campaign.quotas.get()
    rule = campaign.award_rules.get()

    assert (quota.cluster.number, quota.phase, quota.product, quota.minimum) == (1, None, "VSI", 90)
    assert (rule.scope, rule.per_cluster, rule.selection, rule.requires_quota) == ("phase", True, "ranked", True)
    assert list(rule.tiers.values_list("title", "winners")) == [("Giải Nhất", 1), ("Giải Nhì", 1), ("Giải Ba", 1)]


def test_tam_ky_city_plan_makes_217_participants_111_percent():
    campaign = _import_example("tam-ky-2020.yaml")

    city = campaign.plan_targets.get(scope=PlanTarget.Scope.LOCALITY, locality__code="502")

    assert round(217 / city.target * 100) == 111


def test_tam_ky_has_thirteen_teams_each_planned_at_15():
    campaign = _import_example("tam-ky-2020.yaml")

    team_targets = campaign.plan_targets.filter(scope=PlanTarget.Scope.TEAM)

    assert campaign.teams.count() == 13
    assert sorted(team_targets.values_list("team__locality__name", "target")) == sorted(
        (name, 15) for name in campaign.teams.values_list("locality__name", flat=True)
    )


def test_vss_rewards_six_offices_with_130000_per_head_and_five_nominees_each():
    campaign = _import_example("vss-q4-2017.yaml")

    tier = PrizeTier.objects.get(rule__campaign=campaign)

    assert (tier.winners, tier.money, tier.amount) == (6, PrizeTier.Money.PER_HEADCOUNT, 130_000)
    assert (tier.nominees_per_winner, tier.nominee_amount) == (5, 5_000_000)


def test_vss_judges_offices_on_four_indicators_with_per_unit_debt_limits():
    campaign = _import_example("vss-q4-2017.yaml")

    indicators = {i.code: (i.comparator, i.default_target) for i in campaign.indicators.all()}

    assert indicators == {
        "SI-LABOUR": ("gte", Decimal("26.8")),
        "UI-LABOUR": ("gte", Decimal("22.4")),
        "HI-COVERAGE": ("gte", Decimal("83.2")),
        "DEBT": ("lt", Decimal("3")),
    }
    assert campaign.indicators.get(code="DEBT").targets.count() > 0


def test_hai_phong_plan_makes_8148_participants_56_43_percent():
    campaign = _import_example("hai-phong-2019.yaml")

    plan = campaign.plan_targets.get(product="VSI")

    assert round(8148 / plan.target * 100, 2) == 56.43


def test_hai_phong_rewards_everyone_with_10_vsi_paying_3_months_or_more():
    campaign = _import_example("hai-phong-2019.yaml")

    rule = campaign.award_rules.get()

    assert (rule.selection, rule.threshold, rule.product, rule.min_payment_months) == ("threshold", 10, "VSI", 3)
    assert set(campaign.quotas.values_list("role", "product", "minimum")) == {
        ("leader", "VSI", 2),
        ("leader", "HHI", 5),
        ("staff", "VSI", 1),
        ("staff", "HHI", 5),
    }


def test_tay_ninh_counting_stops_at_17_00_local_on_31_december_2021():
    campaign = _import_example("tay-ninh-2021.yaml")

    phase = campaign.phases.get()

    assert phase.cutoff == datetime(2021, 12, 31, 17, 0, tzinfo=VN)
    assert phase.cutoff == datetime(2021, 12, 31, 10, 0, tzinfo=UTC)


# --- A broken file: every problem, and nothing stored -----------------------

BROKEN = """
campaign:
  code: broken-2024
  name: Thi đua lỗi
  organizer: BHXH-NEW
  products: [VSI]
localities:
  - {code: "NEW-49", name: Tỉnh mới, level: province}
units:
  - {code: BHXH-NEW, name: BHXH mới, kind: province, locality: "NEW-49"}
phases:
  - {number: 1, name: Đợt 1, start: 2024-04-01, end: 2024-06-30}
  - {number: 2, name: Đợt 2, start: 2024-06-15, end: 2024-09-30}
  - {number: 3, name: Đợt 3, start: 2024-12-01, cutoff: 2024-11-30 17:00}
  - {number: 4, start: 2025-01-01, end: 2025-03-31}
teams:
  - {code: T1, name: Tổ 1}
  - {code: T1, name: Tổ 2}
clusters:
  - {name: Cụm 1, localities: ["NEW-49", "X"]}
quotas:
  - {cluster: 1, minimum: ninety}
award_rules:
  - code: R1
    name: Ngưỡng 10 người
    selection: threshold
    tiers:
      - {title: Khen thưởng, money: fixed}
"""


def test_broken_file_is_rejected_with_every_problem_at_its_path():
    errors = _errors(parse_definition(BROKEN))

    assert errors == [
        "phases[1].start: overlaps phase 1 (phases[0])",
        "phases[2].cutoff: must be after start",
        "phases[3].name: required",
        'teams[1].code: duplicate code "T1" (also teams[0])',
        'clusters[0].localities[1]: unknown locality code "X"',
        "quotas[0].minimum: must be a whole number",
        "award_rules[0].threshold: required when selection is threshold",
        "award_rules[0].tiers[0].amount: required when money is fixed",
    ]


def test_broken_file_stores_nothing_not_even_its_localities_and_units():
    before = _row_counts()

    _errors(parse_definition(BROKEN))

    assert _row_counts() == before
    assert not Locality.objects.filter(code="NEW-49").exists()


def test_yaml_syntax_error_names_the_line_and_column():
    with pytest.raises(DefinitionError) as caught:
        parse_definition("campaign:\n  code: x\n  name: [unclosed\nphases: []\n")

    assert caught.value.errors == ["line 4, column 7: expected ',' or ']', but got ':'"]


def test_key_given_twice_in_a_mapping_is_an_error_with_its_line():
    with pytest.raises(DefinitionError) as caught:
        parse_definition("campaign:\n  code: a\n  code: b\n")

    assert caught.value.errors == ["line 3, column 3: found duplicate key 'code'"]


def test_file_that_is_not_a_mapping_is_an_error():
    with pytest.raises(DefinitionError) as caught:
        parse_definition("- one\n- two\n")

    assert caught.value.errors == ["the file must be a mapping (key: value) at the top level"]


def test_unknown_keys_are_errors_at_every_level():
    definition = _minimal(extra=1)
    definition["phases"][0]["finish"] = "2024-06-30"

    assert _errors(definition) == ["extra: unknown key", "phases[0].finish: unknown key"]


def test_missing_campaign_is_an_error():
    definition = _minimal()
    del definition["campaign"]

    assert _errors(definition) == ["campaign: required"]


def test_model_validation_messages_are_reported_at_the_key_path():
    definition = _minimal(campaign={"code": "not a slug", "new_participant_gap_months": 0})

    assert _errors(definition) == [
        "campaign.code: Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.",
        "campaign.new_participant_gap_months: Ensure this value is greater than or equal to 1.",
    ]


def test_invalid_choice_lists_the_allowed_values():
    definition = _minimal()
    definition["localities"][0]["level"] = "region"

    assert _errors(definition) == ["localities[0].level: must be one of: province, district, commune"]


def test_end_and_cutoff_together_are_an_error():
    definition = _minimal()
    definition["phases"][0]["cutoff"] = "2024-06-30 17:00"

    assert _errors(definition) == ["phases[0]: give either end or cutoff, not both"]


def test_end_with_a_time_of_day_is_an_error():
    definition = _minimal()
    definition["phases"][0]["end"] = datetime(2024, 6, 30, 17, 0)

    assert _errors(definition) == ["phases[0].end: must be a date (YYYY-MM-DD); use cutoff for a time of day"]


def test_unknown_agent_in_a_team_is_an_error():
    definition = _minimal(teams=[{"code": "T1", "name": "Tổ 1", "members": ["A-MISSING"]}])

    assert _errors(definition) == ['teams[0].members[0]: unknown agent code "A-MISSING"']


def test_cluster_referring_to_a_team_not_in_the_file_is_an_error():
    definition = _minimal(clusters=[{"name": "Cụm 1", "teams": ["T9"]}])

    assert _errors(definition) == ['clusters[0].teams[0]: unknown team code "T9"']


def test_rule_referring_to_a_phase_not_in_the_file_is_an_error():
    definition = _minimal(award_rules=[{"code": "R1", "name": "Giải", "phase": 7}])

    assert _errors(definition) == ["award_rules[0].phase: unknown phase number 7"]


def test_unit_parents_in_a_cycle_are_an_error():
    definition = _minimal(
        units=[
            {"code": "BHXH-49", "name": "BHXH tỉnh", "kind": "province", "parent": "U2"},
            {"code": "U2", "name": "BHXH khác", "kind": "province", "parent": "BHXH-49"},
        ]
    )

    errors = _errors(definition)

    assert len(errors) == 1
    assert re.fullmatch(r"units\[\d\]\.parent: the parents form a cycle: .+ → .+ → .+", errors[0])


def test_locality_parent_of_the_same_level_is_an_error():
    definition = _minimal()
    definition["localities"] += [
        {"code": "502", "name": "Tam Kỳ", "level": "district", "parent": "49"},
        {"code": "503", "name": "Hội An", "level": "district", "parent": "502"},
    ]

    assert _errors(definition) == ["localities[2].parent: must be a higher level than the locality itself"]


def test_tier_money_rules_are_checked_per_kind():
    definition = _minimal(
        award_rules=[
            {
                "code": "R1",
                "name": "Giải",
                "tiers": [
                    {"title": "A", "money": "none", "amount": 100},
                    {"title": "B", "money": "salary_coefficient"},
                    {"title": "C", "money": "per_headcount", "amount": 100},
                    {"title": "D", "nominee_amount": 100},
                ],
            }
        ]
    )

    assert _errors(definition) == [
        "award_rules[0].tiers[0].amount: not allowed when money is none",
        "award_rules[0].tiers[1].coefficient: required when money is salary_coefficient",
        "award_rules[0].tiers[2].money: per_headcount is only for unit competitors",
        "award_rules[0].tiers[3].nominee_amount: needs nominees_per_winner of at least 1",
    ]


def test_plan_target_with_two_subjects_is_an_error():
    definition = _minimal(plan_targets=[{"locality": "49", "unit": "BHXH-49", "target": 10}])

    assert _errors(definition) == ["plan_targets[0]: give only one of cluster, locality, unit, organization, team"]


def test_plan_target_scope_defaults_to_the_subject_given():
    campaign = campaign_import(definition=_minimal(plan_targets=[{"locality": "49", "target": 10}]))

    target = campaign.plan_targets.get()

    assert (target.scope, target.locality.code) == (PlanTarget.Scope.LOCALITY, "49")


def test_rule_product_must_be_counted_by_the_campaign():
    definition = _minimal(award_rules=[{"code": "R1", "name": "Giải", "product": "HHI"}])

    assert _errors(definition) == ['award_rules[0].product: product "HHI" is not counted by the campaign']


# --- Times, durations, decimals -----------------------------------------------


def test_phase_times_are_read_in_the_campaign_time_zone():
    definition = _minimal(campaign={"time_zone": "Asia/Tokyo"})
    definition["phases"][0] = {"name": "Đợt 1", "start": "2024-04-01 08:30", "cutoff": "2024-06-30 17:00"}

    phase = campaign_import(definition=definition).phases.get()

    tokyo = ZoneInfo("Asia/Tokyo")
    assert (phase.start, phase.cutoff) == (
        datetime(2024, 4, 1, 8, 30, tzinfo=tokyo),
        datetime(2024, 6, 30, 17, tzinfo=tokyo),
    )


def test_cutoff_at_local_midnight_is_exported_as_the_previous_end_date():
    definition = _minimal()
    definition["phases"][0] = {"name": "Đợt 1", "start": date(2024, 4, 1), "cutoff": "2024-07-01 00:00"}

    exported = campaign_export(campaign=campaign_import(definition=definition))

    assert exported["phases"][0]["end"] == date(2024, 6, 30)
    assert "cutoff" not in exported["phases"][0]


def test_cutoff_at_another_time_is_exported_as_a_local_time():
    definition = _minimal()
    definition["phases"][0] = {"name": "Đợt 1", "start": date(2021, 10, 1), "cutoff": "2021-12-31T17:00:00+07:00"}

    exported = campaign_export(campaign=campaign_import(definition=definition))

    assert exported["phases"][0]["cutoff"] == datetime(2021, 12, 31, 17, 0)
    assert "end" not in exported["phases"][0]


@pytest.mark.parametrize(
    ("written", "stored", "exported"),
    [
        ("1d", timedelta(days=1), "1d"),
        ("12h", timedelta(hours=12), "12h"),
        ("2d 6h", timedelta(days=2, hours=6), "2d 6h"),
        ("24h", timedelta(days=1), "1d"),
        ("1d 30m", timedelta(days=1, minutes=30), "1d 30m"),
        ("0d", timedelta(0), "0d"),
    ],
)
def test_grace_is_a_short_duration(written, stored, exported):
    definition = _minimal()
    definition["phases"][0]["grace"] = written

    campaign = campaign_import(definition=definition)

    assert campaign.phases.get().grace == stored
    assert campaign_export(campaign=campaign)["phases"][0]["grace"] == exported


@pytest.mark.parametrize("written", ["1 day", "-1d", "6h 2d", 3, ""])
def test_grace_that_is_not_a_short_duration_is_an_error(written):
    definition = _minimal()
    definition["phases"][0]["grace"] = written

    assert _errors(definition) == ["phases[0].grace: must be a duration like 1d, 12h or 2d 6h"]


@pytest.mark.parametrize("written", [26.8, "26.8", "26.80", Decimal("26.8000")])
def test_decimal_given_as_number_or_text_is_stored_exactly_and_exported_as_a_number(written):
    definition = _minimal(
        indicators=[{"code": "SI", "name": "BHXH", "comparator": "gte", "default_target": str(written)}]
    )
    definition["indicators"][0]["default_target"] = written if not isinstance(written, Decimal) else str(written)

    campaign = campaign_import(definition=definition)

    assert campaign.indicators.get().default_target == Decimal("26.8")
    assert campaign_export(campaign=campaign)["indicators"][0]["default_target"] == 26.8


def test_decimal_with_too_many_places_is_an_error():
    definition = _minimal(indicators=[{"code": "SI", "name": "BHXH", "comparator": "gte", "default_target": 1.23456}])

    assert _errors(definition) == ["indicators[0].default_target: Ensure that there are no more than 4 decimal places."]


def test_money_must_be_a_whole_number_of_vnd():
    definition = _minimal(
        award_rules=[{"code": "R1", "name": "Giải", "tiers": [{"title": "A", "money": "fixed", "amount": 1.5}]}]
    )

    assert _errors(definition) == ["award_rules[0].tiers[0].amount: must be a whole number of VND"]


# --- Existing campaigns, replace, reference data ------------------------------


def test_existing_campaign_code_is_an_error_without_replace():
    _import_example("hai-phong-2019.yaml")

    errors = _errors(_example("hai-phong-2019.yaml"))

    assert errors == [
        'campaign.code: a campaign with code "hai-phong-2019" already exists; import with replace to overwrite it'
    ]


def test_replace_swaps_the_rules_and_keeps_the_campaign():
    original = _import_example("hai-phong-2019.yaml")
    definition = _example("hai-phong-2019.yaml")
    definition["campaign"]["name"] = "Tên mới"
    definition["quotas"] = definition["quotas"][:1]

    replaced = campaign_import(definition=definition, replace=True)

    assert replaced.pk == original.pk
    assert replaced.name == "Tên mới"
    assert Quota.objects.filter(campaign=original).count() == 1


def test_replace_is_refused_when_the_campaign_has_enrollments():
    campaign = _import_example("hai-phong-2019.yaml")
    EnrollmentFactory(phase=campaign.phases.get(), campaign=campaign)
    before = _row_counts()

    errors = _errors(_example("hai-phong-2019.yaml"), replace=True)

    assert errors == ['campaign.code: cannot replace campaign "hai-phong-2019": it already has enrollments']
    assert _row_counts() == before


def test_replace_is_refused_when_indicator_values_were_reported():
    campaign = _import_example("vss-q4-2017.yaml")
    IndicatorValueFactory(indicator=campaign.indicators.first(), phase=campaign.phases.get())

    errors = _errors(_example("vss-q4-2017.yaml"), replace=True)

    assert errors == ['campaign.code: cannot replace campaign "vss-q4-2017": it already has reported indicator values']


def test_reference_data_in_the_file_updates_existing_rows_by_code():
    Locality.objects.create(code="49", name="Tên cũ", level=Locality.Level.PROVINCE)

    campaign_import(definition=_minimal())

    assert Locality.objects.get(code="49").name == "Tỉnh Quảng Nam"


def test_reference_data_already_in_the_database_may_be_referred_to_without_being_in_the_file():
    campaign_import(definition=_minimal())
    definition = _minimal(campaign={"code": "mini-2025"}, localities=[], units=[])

    campaign = campaign_import(definition=definition)

    assert campaign.organizer.code == "BHXH-49"


def test_existing_agents_may_be_named_as_team_and_cluster_members():
    agent = AgentFactory(code="A-0001")
    definition = _minimal(
        teams=[{"code": "T1", "name": "Tổ 1", "members": ["A-0001"]}],
        clusters=[{"name": "Cụm 1", "agents": ["A-0001"], "teams": ["T1"]}],
    )

    campaign = campaign_import(definition=definition)

    assert list(campaign.teams.get().members.all()) == [agent]
    assert list(campaign.clusters.get().agents.all()) == [agent]


def test_export_carries_the_parents_of_referenced_localities_and_units():
    definition = _minimal(campaign={"organizer": "BHXH-49-502"})
    definition["localities"].append({"code": "502", "name": "Tam Kỳ", "level": "district", "parent": "49"})
    definition["units"].append(
        {"code": "BHXH-49-502", "name": "BHXH Tam Kỳ", "kind": "district", "parent": "BHXH-49", "locality": "502"}
    )

    exported = campaign_export(campaign=campaign_import(definition=definition))

    assert [row["code"] for row in exported["localities"]] == ["49", "502"]
    assert [row["code"] for row in exported["units"]] == ["BHXH-49", "BHXH-49-502"]


# --- No query per row -----------------------------------------------------------


def _sized_definition(count: int) -> dict:
    """A definition with ``count`` rows of every kind that refers to others by code."""
    codes = [f"{n:03d}" for n in range(count)]
    for code in codes:
        AgentFactory(code=f"A{code}")
    definition = _minimal(
        units=[
            *_minimal()["units"],
            *({"code": f"U{c}", "name": f"Phòng {c}", "kind": "department", "parent": "BHXH-49"} for c in codes),
        ],
        organizations=[
            {"code": f"O{c}", "name": f"Đại lý {c}", "kind": "other_agent", "contracting_unit": f"U{c}"} for c in codes
        ],
        teams=[
            {"code": f"T{c}", "name": f"Tổ {c}", "locality": f"C{c}", "unit": f"U{c}", "members": [f"A{c}"]}
            for c in codes
        ],
        clusters=[
            {"name": f"Cụm {c}", "localities": [f"C{c}"], "units": [f"U{c}"], "teams": [f"T{c}"], "agents": [f"A{c}"]}
            for c in codes
        ],
        plan_targets=[
            *({"team": f"T{c}", "target": 15} for c in codes),
            *({"organization": f"O{c}", "target": 15} for c in codes),
        ],
        indicators=[
            {
                "code": "DEBT",
                "name": "Tỷ lệ nợ",
                "comparator": "lte",
                "default_target": 0.9,
                "targets": [{"unit": f"U{c}", "target": 1.2} for c in codes],
            }
        ],
    )
    definition["localities"] += [
        {"code": f"C{c}", "name": f"Xã {c}", "level": "commune", "parent": "49"} for c in codes
    ]
    return definition


def _queries(function) -> int:
    with CaptureQueriesContext(connection) as captured:
        function()
    return len(captured.captured_queries)


def test_import_takes_as_many_queries_for_forty_rows_of_each_kind_as_for_two():
    small_definition, large_definition = _sized_definition(2), _sized_definition(40)
    small = _queries(lambda: campaign_import(definition=small_definition))
    Campaign.objects.all().delete()

    large = _queries(lambda: campaign_import(definition=large_definition))

    assert large == small


def test_export_takes_as_many_queries_for_forty_rows_of_each_kind_as_for_two():
    small_campaign = campaign_import(definition=_sized_definition(2))
    small = _queries(lambda: campaign_export(campaign=small_campaign))
    small_campaign.delete()
    large_campaign = campaign_import(definition=_sized_definition(40))

    large = _queries(lambda: campaign_export(campaign=large_campaign))

    assert large == small


# --- The documentation ----------------------------------------------------------


def test_annotated_example_in_the_documentation_is_a_valid_definition():
    text = (Path(settings.BASE_DIR) / "docs" / "campaign-definition.md").read_text(encoding="utf-8")
    example = next(block for block in re.findall(r"```yaml\n(.*?)```", text, re.S) if "code: tay-ninh-2021" in block)

    normalized = normalize_definition(parse_definition(example))

    assert normalized["phases"][0]["cutoff"] == datetime(2021, 12, 31, 17, 0)


# --- Management commands --------------------------------------------------------


def test_import_campaign_command_creates_the_campaign_and_says_so():
    out = io.StringIO()

    call_command("import_campaign", str(EXAMPLES / "tay-ninh-2021.yaml"), stdout=out)

    assert Campaign.objects.filter(code="tay-ninh-2021").exists()
    assert "Imported campaign tay-ninh-2021" in out.getvalue()


def test_import_campaign_command_prints_every_error_to_stderr_and_fails(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(BROKEN, encoding="utf-8")
    err = io.StringIO()

    with pytest.raises(CommandError, match="has 8 errors; nothing was imported"):
        call_command("import_campaign", str(broken), stderr=err)

    lines = err.getvalue().splitlines()
    assert len(lines) == 8
    assert f"{broken}: phases[2].cutoff: must be after start" in lines
    assert not Campaign.objects.filter(code="broken-2024").exists()


def test_import_campaign_command_refuses_an_existing_code_without_replace():
    call_command("import_campaign", str(EXAMPLES / "tam-ky-2020.yaml"), stdout=io.StringIO())

    with pytest.raises(CommandError):
        call_command("import_campaign", str(EXAMPLES / "tam-ky-2020.yaml"), stderr=io.StringIO())


def test_import_campaign_command_replaces_with_the_flag():
    call_command("import_campaign", str(EXAMPLES / "tam-ky-2020.yaml"), stdout=io.StringIO())

    call_command("import_campaign", str(EXAMPLES / "tam-ky-2020.yaml"), "--replace", stdout=io.StringIO())

    assert Campaign.objects.filter(code="tam-ky-2020").count() == 1


def test_export_campaign_command_writes_the_yaml_to_stdout():
    campaign = _import_example("vss-q4-2017.yaml")
    out = io.StringIO()

    call_command("export_campaign", "vss-q4-2017", stdout=out)

    assert parse_definition(out.getvalue()) == campaign_export(campaign=campaign)


def test_export_campaign_command_writes_to_the_file_given_with_o(tmp_path):
    _import_example("vss-q4-2017.yaml")
    target = tmp_path / "vss.yaml"

    call_command("export_campaign", "vss-q4-2017", "-o", str(target), stdout=io.StringIO(), stderr=io.StringIO())

    assert parse_definition(target.read_text(encoding="utf-8"))["campaign"]["code"] == "vss-q4-2017"


def test_export_campaign_command_fails_for_an_unknown_code():
    with pytest.raises(CommandError, match='No campaign has the code "nope"'):
        call_command("export_campaign", "nope", stdout=io.StringIO())


# --- Admin ------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # English, chosen with the language switch
    return client


def _upload(client, text: str, *, replace: bool = False):
    data = {"file": SimpleUploadedFile("campaign.yaml", text.encode("utf-8"), content_type="application/yaml")}
    if replace:
        data["replace"] = "on"
    return client.post(reverse("admin:campaigns_campaign_import_definition"), data)


@pytest.mark.urls(ADMIN_URLS)
def test_admin_change_list_has_an_import_from_yaml_button(admin_client):
    response = admin_client.get(reverse("admin:campaigns_campaign_changelist"))

    assert reverse("admin:campaigns_campaign_import_definition") in response.content.decode()
    assert "Import from YAML" in response.content.decode()


@pytest.mark.urls(ADMIN_URLS)
def test_admin_upload_creates_the_campaign_and_opens_its_change_page(admin_client):
    response = _upload(admin_client, (EXAMPLES / "quang-nam-2024.yaml").read_text(encoding="utf-8"))

    campaign = Campaign.objects.get(code="quang-nam-2024")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:campaigns_campaign_change", args=[campaign.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f'The campaign "{campaign.name}" was imported from the definition file.'
    ]


@pytest.mark.urls(ADMIN_URLS)
def test_admin_upload_lists_every_error_and_stores_nothing(admin_client):
    before = _row_counts()

    response = _upload(admin_client, BROKEN)

    assert response.status_code == 200
    assert response.context["definition_errors"] == _errors(parse_definition(BROKEN))
    assert "clusters[0].localities[1]: unknown locality code &quot;X&quot;" in response.content.decode()
    assert _row_counts() == before


@pytest.mark.urls(ADMIN_URLS)
def test_admin_upload_shows_a_yaml_syntax_error_with_its_line(admin_client):
    response = _upload(admin_client, "campaign: [\n")

    assert response.context["definition_errors"][0].startswith("line 2, column 1:")


@pytest.mark.urls(ADMIN_URLS)
def test_admin_upload_replaces_an_existing_campaign_when_asked(admin_client):
    original = _import_example("tam-ky-2020.yaml")

    response = _upload(admin_client, (EXAMPLES / "tam-ky-2020.yaml").read_text(encoding="utf-8"), replace=True)

    assert response["Location"] == reverse("admin:campaigns_campaign_change", args=[original.pk])
    assert LogEntry.objects.get(object_id=str(original.pk)).is_change()


@pytest.mark.urls(ADMIN_URLS)
def test_admin_upload_is_forbidden_without_the_add_campaign_permission(client, reviewer):
    client.force_login(reviewer)

    response = client.get(reverse("admin:campaigns_campaign_import_definition"))

    assert response.status_code == 403


@pytest.mark.urls(ADMIN_URLS)
def test_admin_action_downloads_one_campaign_as_a_yaml_file(admin_client):
    campaign = _import_example("hai-phong-2019.yaml")

    response = admin_client.post(
        reverse("admin:campaigns_campaign_changelist"),
        {"action": "export_definition", "_selected_action": [campaign.pk]},
    )

    assert response["Content-Disposition"] == 'attachment; filename="hai-phong-2019.yaml"'
    assert parse_definition(response.content.decode("utf-8")) == campaign_export(campaign=campaign)


@pytest.mark.urls(ADMIN_URLS)
def test_admin_action_downloads_several_campaigns_as_a_zip_of_yaml_files(admin_client):
    campaigns = [_import_example("hai-phong-2019.yaml"), _import_example("tam-ky-2020.yaml")]

    response = admin_client.post(
        reverse("admin:campaigns_campaign_changelist"),
        {"action": "export_definition", "_selected_action": [c.pk for c in campaigns]},
    )

    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert response["Content-Type"] == "application/zip"
    assert sorted(archive.namelist()) == ["hai-phong-2019.yaml", "tam-ky-2020.yaml"]
    assert parse_definition(archive.read("tam-ky-2020.yaml").decode("utf-8"))["campaign"]["code"] == "tam-ky-2020"


@pytest.mark.urls(ADMIN_URLS)
def test_admin_upload_needs_the_reference_data_permissions_too(client, django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("campaigns-only", password="x-pass-123", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["add_campaign", "view_campaign"]))
    assign_unit(user)  # reaching every office: only the missing permissions refuse the upload
    client.force_login(user)

    response = client.get(reverse("admin:campaigns_campaign_import_definition"))

    assert response.status_code == 403


@pytest.mark.urls(ADMIN_URLS)
def test_a_campaign_manager_may_upload_a_definition(client, campaign_manager):
    client.force_login(campaign_manager)

    response = _upload(client, (EXAMPLES / "tam-ky-2020.yaml").read_text(encoding="utf-8"))

    assert response.status_code == 302
    assert Campaign.objects.filter(code="tam-ky-2020").exists()
