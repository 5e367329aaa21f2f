"""Bars from commendation (awards.screening, DESIGN §11.3): a competitor barred
during a phase stays on its boards, not eligible, with the reason shown; the
tally hears of every bar recorded, changed or removed; finalizing stores the
reason and gives the barred no prize."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.utils import timezone, translation
from openpyxl import load_workbook

from awards.models import Award, Standing, Tally
from awards.scoring import standings
from awards.screening import screened_days
from awards.selectors import leaderboard_page
from awards.services import phase_finalize
from awards.tally import tally_differences, tally_rebuild
from awards.workbooks import write_ranking
from campaigns.models import AwardRule, PrizeTier
from campaigns.services import phase_close
from collectors.models import CommendationBar
from tests.contest import build_contest
from tests.factories import IndicatorFactory, IndicatorValueFactory, UnitFactory
from tests.intake_fixtures import client_for

pytestmark = pytest.mark.django_db

DISCIPLINE = CommendationBar.Reason.DISCIPLINE
INVESTIGATION = CommendationBar.Reason.INVESTIGATION


def shown(reason: str, note: str = "QĐ 12/QĐ-BHXH") -> str:
    """What a board shows of a bar in the active language: "<reason>: <note>"."""
    label = str(CommendationBar.Reason(reason).label)
    return f"{label}: {note}" if note else label


def bar(agent=None, *, start: date, end: date | None = None, unit=None, note="QĐ 12/QĐ-BHXH", reason=DISCIPLINE):
    return CommendationBar.objects.create(
        agent=agent, unit=unit, reason=reason, note=note, start_date=start, end_date=end
    )


def days(contest) -> tuple[date, date]:
    """The first and the last day of phase 1, in the campaign's time zone."""
    return screened_days(contest.rule, contest.phase)


def tally_row(contest, code: str) -> Tally:
    return Tally.objects.get(rule=contest.rule, phase=contest.phase, competitor_id=contest.agents[code].pk)


def board(contest, cluster: int = 0):
    page = leaderboard_page(phase=contest.phase, rule=contest.rule, cluster=contest.clusters[cluster])
    return [(row.code, row.eligible, row.rank, row.barred) for row in page.rows]


@pytest.fixture
def built(sold):
    tally_rebuild(campaign_id=sold.campaign.pk, force=True)  # the tallies exist before the bars are recorded
    return sold


# --- When a bar falls in a phase -------------------------------------------------------


def test_the_days_of_a_phase_end_the_day_before_its_cutoff_in_the_campaigns_time_zone(contest):
    phase, tz = contest.phase, contest.campaign.tzinfo
    first, last = days(contest)

    assert first == timezone.localtime(phase.start, tz).date()
    assert last == timezone.localtime(phase.cutoff - timedelta(microseconds=1), tz).date()


def test_a_whole_campaign_rule_looks_at_the_days_of_every_phase(db):
    contest = build_contest(second_phase=True)
    rule = contest.rule
    rule.scope = AwardRule.Scope.CAMPAIGN
    one, two = contest.phases

    first, last = screened_days(rule, two)

    tz = contest.campaign.tzinfo
    assert first == timezone.localtime(one.start, tz).date()
    assert last == timezone.localtime(two.cutoff - timedelta(microseconds=1), tz).date()


@pytest.mark.parametrize(
    ("start", "end", "barred"),
    [
        (-30, -1, False),  # ended the day before the phase began
        (-30, 0, True),  # ended on its first day
        (5, 6, True),  # within it
        (10, None, True),  # began during it and still runs
        ("last", None, True),  # began on its last day
        ("after", None, False),  # began on the day of the cutoff
    ],
)
def test_a_bar_sharing_a_day_with_the_phase_makes_the_agent_not_eligible(built, start, end, barred):
    first, last = days(built)
    begins = {"last": last, "after": last + timedelta(days=1)}.get(start) or first + timedelta(days=start)
    ends = None if end is None else first + timedelta(days=end)

    recorded = bar(built.agents["E1"], start=begins, end=ends)

    row = tally_row(built, "E1")
    assert (row.eligible, row.screen_id) == ((False, recorded.pk) if barred else (True, None))
    assert tally_differences(campaign_id=built.campaign.pk) == []


# --- The board shows it ------------------------------------------------------------------


def test_a_barred_agent_stays_on_the_board_not_eligible_with_the_reason(built):
    first, _last = days(built)
    bar(built.agents["E1"], start=first + timedelta(days=3))

    # E1 sold the most: still listed, after the eligible, without a prize rank.
    assert board(built) == [
        ("E2", True, 1, None),
        ("E4", True, 2, None),
        ("E1", False, None, shown(DISCIPLINE)),
        ("E3", False, None, None),  # short of the quota: not eligible, but not barred
    ]
    # The recount (the final standings' statement) agrees with the tally.
    recount = standings(rule=built.rule, phase=built.phase, cluster=built.clusters[0])
    assert [(row.code, row.eligible, row.screen_id is not None) for row in recount] == [
        ("E2", True, False),
        ("E4", True, False),
        ("E1", False, True),
        ("E3", False, False),
    ]


def test_changing_or_removing_a_bar_reaches_the_tally(built):
    first, _last = days(built)
    recorded = bar(built.agents["E1"], start=first + timedelta(days=3))
    assert not tally_row(built, "E1").eligible

    recorded.start_date, recorded.end_date = first - timedelta(days=60), first - timedelta(days=1)
    recorded.save()
    assert (tally_row(built, "E1").eligible, tally_row(built, "E1").screen_id) == (True, None)

    recorded.end_date = None
    recorded.save()
    assert not tally_row(built, "E1").eligible

    recorded.agent = built.agents["E2"]  # recorded against the wrong agent, corrected
    recorded.save()
    assert tally_row(built, "E1").eligible and not tally_row(built, "E2").eligible

    recorded.delete()
    assert tally_row(built, "E2").eligible
    assert tally_differences(campaign_id=built.campaign.pk) == []


def test_of_two_bars_the_one_that_began_first_is_shown(built):
    first, _last = days(built)
    bar(built.agents["E1"], start=first + timedelta(days=9), reason=CommendationBar.Reason.OTHER, note="Vi phạm")
    earlier = bar(built.agents["E1"], start=first + timedelta(days=2), reason=INVESTIGATION)

    assert tally_row(built, "E1").screen_id == earlier.pk
    assert board(built)[2] == ("E1", False, None, shown(INVESTIGATION))


def test_the_standings_api_gives_the_reason_of_a_barred_agent(built, campaign_manager):
    first, _last = days(built)
    bar(built.agents["E1"], start=first, note="")

    body = (
        client_for(campaign_manager)
        .get(f"/api/v1/phases/{built.phase.pk}/standings/", {"cluster": built.clusters[0].pk})
        .json()
    )

    rows = {row["code"]: row for row in body["results"]}
    assert (rows["E1"]["eligible"], rows["E1"]["rank"], rows["E1"]["barred"]) == (False, None, shown(DISCIPLINE, ""))
    assert rows["E3"]["barred"] is None and rows["E2"]["barred"] is None


def test_the_leaderboard_and_the_agents_page_show_the_reason(built, client, campaign_manager):
    first, _last = days(built)
    bar(built.agents["E1"], start=first, note="QĐ 77")
    client.force_login(campaign_manager)

    url = f"/campaigns/{built.campaign.code}/phases/1/leaderboard/"
    page = client.get(url, {"cluster": built.clusters[0].pk}).content.decode()
    agent_page = client.get(f"/agents/{built.agents['E1'].code}/").content.decode()

    assert 'data-testid="barred"' in page and "QĐ 77" in page
    assert 'data-testid="barred"' in agent_page and "QĐ 77" in agent_page


def test_the_ranking_workbook_gives_the_reason_in_vietnamese(built):
    first, _last = days(built)
    bar(built.agents["E1"], start=first, note="QĐ 77")
    buffer = io.BytesIO()

    write_ranking(buffer, phase=built.phase)

    sheet = load_workbook(buffer)["Cụm 1"]
    assert sheet["N5"].value == "Lý do không đủ điều kiện"
    reasons = {row[3]: (row[10], row[13]) for row in sheet.iter_rows(min_row=6, values_only=True)}
    with translation.override("vi"):  # the offices' language, whatever the reader's
        assert reasons["E1"] == ("Không", shown(DISCIPLINE, "QĐ 77"))
    assert reasons["E3"] == ("Không", None)
    assert reasons["E2"] == ("Có", None)


# --- Finalizing -----------------------------------------------------------------------------


def test_finalizing_stores_the_barred_standing_and_gives_it_no_prize(built):
    first, _last = days(built)
    bar(built.agents["E1"], start=first + timedelta(days=1), end=first + timedelta(days=2), note="QĐ 5")
    phase_close(phase=built.phase)

    finalization = phase_finalize(phase_id=built.phase.pk)

    stored = Standing.objects.get(finalization=finalization, agent=built.agents["E1"])
    assert (stored.eligible, stored.rank, stored.screen_reason, stored.screen_note) == (False, None, DISCIPLINE, "QĐ 5")
    winners = Award.objects.filter(finalization=finalization, cluster=built.clusters[0])
    assert sorted(winners.values_list("competitor_code", "tier__title")) == [("E2", "Giải 1"), ("E4", "Giải 2")]
    built.phase.refresh_from_db()
    # The final board reads the stored reason, even once the bar is gone.
    CommendationBar.objects.all().delete()
    assert board(built)[2] == ("E1", False, None, shown(DISCIPLINE, "QĐ 5"))
    assert finalization.tally_agreed is not False


def test_a_barred_unit_is_not_eligible_for_a_unit_prize(db):
    organizer = UnitFactory(code="BHXH-49", name="BHXH Quảng Nam")
    contest = build_contest(organizer=organizer, quota=None)
    east, west = (UnitFactory(code=f"BHXH-49-{n}", name=f"BHXH huyện {n}", parent=organizer) for n in (1, 2))
    for code, unit in (("E1", east), ("E2", east), ("W1", west)):
        agent = contest.agents[code]
        agent.unit, agent.organization = unit, None
        agent.save()
    contest.clusters[0].units.add(east)  # units compete where the clusters list them
    contest.clusters[1].units.add(west)
    rule = AwardRule.objects.create(
        campaign=contest.campaign, code="UNITS", name="Đơn vị", competitor_kind="unit", per_cluster=False
    )
    PrizeTier.objects.create(rule=rule, position=1, title="Cờ thi đua", money="fixed", amount=5_000_000, winners=1)
    contest.sell("E1", 4)
    contest.sell("E2", 1)
    contest.sell("W1", 3)
    tally_rebuild(campaign_id=contest.campaign.pk, force=True)
    first, _last = screened_days(rule, contest.phase)

    bar(unit=east, start=first, reason=INVESTIGATION, note="Thanh tra 2024")

    rows = Tally.objects.filter(rule=rule, phase=contest.phase).order_by("code")
    assert [(row.code, row.score, row.eligible) for row in rows] == [("BHXH-49-1", 5, False), ("BHXH-49-2", 3, True)]
    assert tally_differences(campaign_id=contest.campaign.pk) == []
    phase_close(phase=contest.phase)
    finalization = phase_finalize(phase_id=contest.phase.pk)
    assert list(Award.objects.filter(finalization=finalization, rule=rule).values_list("competitor_code")) == [
        ("BHXH-49-2",)
    ]
    stored = Standing.objects.get(finalization=finalization, rule=rule, unit=east)
    assert (stored.eligible, stored.screen_reason, stored.screen_note) == (
        False,
        INVESTIGATION,
        "Thanh tra 2024",
    )


def test_a_barred_unit_is_not_eligible_on_collective_indicators_either(db):
    organizer = UnitFactory(code="BHXH-72", name="BHXH Tây Ninh")
    contest = build_contest(organizer=organizer, quota=None, east=(), west=())
    best, second = (UnitFactory(code=f"BHXH-72-{n}", name=f"BHXH huyện {n}", parent=organizer) for n in (1, 2))
    contest.clusters[0].units.add(best, second)
    rule = AwardRule.objects.create(
        campaign=contest.campaign,
        code="COLLECTIVE",
        name="Tập thể",
        competitor_kind="unit",
        metric=AwardRule.Metric.INDICATORS,
        per_cluster=False,
    )
    indicator = IndicatorFactory(campaign=contest.campaign, default_target=100)
    IndicatorValueFactory(indicator=indicator, unit=best, phase=contest.phase, value=150)
    IndicatorValueFactory(indicator=indicator, unit=second, phase=contest.phase, value=110)
    first, _last = screened_days(rule, contest.phase)

    bar(unit=best, start=first, note="QĐ 3")

    rows = standings(rule=rule, phase=contest.phase, cluster=None)
    assert [(row.code, row.eligible, row.rank) for row in rows] == [("BHXH-72-2", True, 1), ("BHXH-72-1", False, None)]
    page = leaderboard_page(phase=contest.phase, rule=rule, cluster=None)
    assert [row.barred for row in page.rows] == [None, shown(DISCIPLINE, "QĐ 3")]
    assert tally_differences(campaign_id=contest.campaign.pk) == []
