"""Standings kept on write (awards.tally) against the full recount.

The property test drives random sequences of writes through the services
(submit, a person submitted again by another agent, reject, confirm and cancel,
withdraw, a re-join found by a coverage import, a move to another cluster, a
change of team, a bulk batch, a bar from commendation recorded, moved or
removed) and checks after every step that each tally row
equals the set-wise recount of DESIGN §5, for agent, team and unit rules, per
cluster and for the whole campaign, ranked or with shared ties.
"""

from __future__ import annotations

import io
import random
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import Workbook

from awards.models import Finalization, Tally, TallyState
from awards.scoring import rule_applies, rule_clusters, standings
from awards.selectors import agent_standing, leaderboard_page
from awards.tally import tally_differences, tally_place
from awards.tasks import finalize_phase
from campaigns.models import AwardRule, Cluster, Phase, Team
from campaigns.services import phase_close
from collectors.models import CommendationBar, Locality
from enrollments.choices import EnrollmentStatus, NotCountedReason
from enrollments.identity import make_personal_id
from enrollments.imports import coverage_import
from enrollments.models import Enrollment
from enrollments.serializers import EnrollmentInSerializer
from enrollments.services import (
    enrollment_cancel,
    enrollment_confirm,
    enrollment_reject,
    enrollment_submit,
    enrollment_withdraw,
    enrollments_submit,
)
from tests.factories import AgentFactory, AwardRuleFactory, ServiceOrganizationFactory, UnitFactory
from tests.intake_fixtures import submission

pytestmark = pytest.mark.django_db

COVERAGE_HEADER = ["Số CCCD", "Họ và tên", "Ngày sinh", "Giới tính", "Loại hình", "Từ ngày", "Đến ngày"]


@pytest.fixture
def league(campaign, quang_nam):
    """The campaign of tests.intake_fixtures with a second cluster, six agents
    in two offices, a team and five rules of every kind."""
    nui_thanh = Locality.objects.create(
        code="504", name="Huyện Núi Thành", level="district", parent=quang_nam["province"]
    )
    two = Cluster.objects.create(campaign=campaign, number=2, name="Cụm 2")
    two.localities.add(nui_thanh)
    organizer = campaign.organizer
    offices = [UnitFactory(code=f"BHXH-49-{n}", name=f"BHXH huyện {n}", parent=organizer) for n in (1, 2)]
    contracted = ServiceOrganizationFactory(code="DL-49", name="Đại lý Tam Kỳ", contracting_unit=offices[1])
    places = [quang_nam["tam_ky"], quang_nam["hoi_an"], nui_thanh]
    agents = []
    for n in range(6):
        fields = {"unit": offices[0], "organization": None} if n % 2 else {"organization": contracted}
        agents.append(AgentFactory(code=f"A{n:02d}", full_name=f"Đại lý {n}", locality=places[n % 3], **fields))
    team = Team.objects.create(campaign=campaign, code="T1", name="Tổ 1", locality=quang_nam["tam_ky"])
    team.members.add(agents[0], agents[1], agents[4])
    phase = campaign.phases.get(number=2)
    AwardRuleFactory(campaign=campaign, code="AGENTS", competitor_kind="agent")
    AwardRuleFactory(
        campaign=campaign,
        code="SHARED",
        competitor_kind="agent",
        scope=AwardRule.Scope.CAMPAIGN,
        per_cluster=False,
        tie_policy=AwardRule.TiePolicy.SHARE,
        requires_quota=False,
    )
    AwardRuleFactory(campaign=campaign, code="MONEY", competitor_kind="agent", metric=AwardRule.Metric.REVENUE)
    AwardRuleFactory(campaign=campaign, code="TEAMS", competitor_kind="team", requires_quota=False)
    AwardRuleFactory(campaign=campaign, code="UNITS", competitor_kind="unit", per_cluster=False, requires_quota=False)
    return {"campaign": campaign, "phase": phase, "agents": agents, "team": team, "places": places}


class Writer:
    """Random writes through the services, as agents and staff make them."""

    def __init__(self, league, seed: int):
        self.league, self.random = league, random.Random(seed)
        self.people: list[str] = []
        self.serial = 0

    def _item(self, personal_id: str):
        self.serial += 1
        start = self.league["phase"].start
        span = int((timezone.now() - start).total_seconds()) - 3600
        receipt = start + timedelta(seconds=self.random.randrange(60, span))
        body = submission(
            client_ref=f"R-{self.serial}",
            receipt_no=f"BL-{self.serial}",
            receipt_at=receipt.isoformat(),
            participant={"personal_id": personal_id},
            payment_months=self.random.choice([1, 3, 6, 12]),
        )
        return EnrollmentInSerializer().run_validation(body)

    def _new_person(self) -> str:
        personal_id = make_personal_id(
            province_code="049", date_of_birth=date(1990, 5, 17), gender="male", serial=len(self.people) + 1
        )
        self.people.append(personal_id)
        return personal_id

    def _agent(self):
        return self.random.choice(self.league["agents"])

    def _enrollment(self, *statuses):
        chosen = Enrollment.objects.filter(status__in=statuses).order_by("pk")
        count = chosen.count()
        return chosen[self.random.randrange(count)] if count else None

    def submit(self):
        enrollment_submit(agent=self._agent(), item=self._item(self._new_person()))

    def submit_again(self):
        if self.people:
            enrollment_submit(agent=self._agent(), item=self._item(self.random.choice(self.people)))

    def bulk(self):
        people = [self._new_person() for _ in range(3)] + self.random.sample(self.people, min(2, len(self.people)))
        enrollments_submit(agent=self._agent(), items=[self._item(pid) for pid in people])

    def reject(self):
        if enrollment := self._enrollment(EnrollmentStatus.SUBMITTED):
            enrollment_reject(enrollment=enrollment, reason="Sai biên lai")

    def cancel(self):
        if enrollment := self._enrollment(EnrollmentStatus.SUBMITTED):
            enrollment_cancel(enrollment=enrollment_confirm(enrollment=enrollment), reason="Hoàn tiền")

    def withdraw(self):
        if enrollment := self._enrollment(EnrollmentStatus.SUBMITTED):
            enrollment_withdraw(enrollment=enrollment)

    def rejoin(self):
        """Coverage found for a person makes their enrollments renewals, not new."""
        if not self.people:
            return
        book = Workbook()
        today = timezone.localdate()
        book.active.append(COVERAGE_HEADER)
        row = [self.random.choice(self.people), "Nguyễn Văn An", date(1990, 5, 17), "Nam", "BHXH tự nguyện"]
        book.active.append([*row, today - timedelta(days=500), today - timedelta(days=200)])
        buffer = io.BytesIO()
        book.save(buffer)
        buffer.seek(0)
        report = coverage_import(file=buffer, apply_valid=True)
        assert report.applied and not report.error_rows, [row.errors for row in report.error_rows]

    def move(self):
        agent = self._agent()
        agent.locality = self.random.choice(self.league["places"])
        agent.save()

    def team_change(self):
        agent, team = self._agent(), self.league["team"]
        if team.members.filter(pk=agent.pk).exists():
            team.members.remove(agent)
        else:
            team.members.add(agent)

    def bar(self):
        """A bar from commendation recorded, moved in time or removed, for an agent or its unit."""
        bars = list(CommendationBar.objects.order_by("pk"))
        phase = self.league["phase"]
        begins = timezone.localtime(phase.start).date() + timedelta(days=self.random.randrange(-20, 20))
        ends = self.random.choice([None, begins + timedelta(days=self.random.randrange(0, 10))])
        choice = self.random.random()
        if bars and choice < 0.25:
            self.random.choice(bars).delete()
        elif bars and choice < 0.5:
            moved = self.random.choice(bars)
            moved.start_date, moved.end_date = begins, ends
            moved.save()
        else:
            agent = self._agent()
            owner = {"unit_id": agent.unit_id} if agent.unit_id and self.random.random() < 0.3 else {"agent": agent}
            CommendationBar.objects.create(reason="discipline", start_date=begins, end_date=ends, **owner)

    ENROLLMENT_WRITES = ("submit", "submit", "submit_again", "bulk", "reject", "cancel", "withdraw", "rejoin")
    SETUP_WRITES = ("move", "team_change")


def assert_places_match_the_recount(campaign):
    """Every competitor's place read from the tally (rows ahead, under the tie
    policy) is the one the recount's window functions give, on every board."""
    for rule in AwardRule.objects.filter(campaign=campaign).select_related("campaign", "cluster"):
        for phase in campaign.phases.all():
            if not rule_applies(rule, phase):
                continue
            for cluster in rule_clusters(rule):
                for row in standings(rule=rule, phase=phase, cluster=cluster):
                    place = tally_place(
                        rule=rule,
                        phase=phase,
                        cluster_id=cluster.pk if cluster else None,
                        competitor_id=row.competitor_id,
                    )
                    assert (place.position, place.rank, place.eligible) == (row.position, row.rank, row.eligible), (
                        rule.code,
                        row.code,
                    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_tally_equals_the_recount_after_every_write(league, seed):
    campaign = league["campaign"]
    writer = Writer(league, seed)
    assert tally_differences(campaign_id=campaign.pk) == []
    for step in range(30):
        setup = writer.random.random() < 0.15
        action = writer.random.choice(writer.SETUP_WRITES if setup else writer.ENROLLMENT_WRITES)
        getattr(writer, action)()
        if not setup:
            # Enrollment writes keep the tallies fresh: what follows is no rebuild.
            assert TallyState.objects.get(campaign=campaign).stale is False, action
        differences = tally_differences(campaign_id=campaign.pk)
        assert differences == [], f"step {step} ({action}): " + "; ".join(map(str, differences))
        assert_places_match_the_recount(campaign)
    assert Tally.objects.filter(rule__campaign=campaign).exists()
    assert Enrollment.objects.filter(counted=True).count() >= 3


@pytest.mark.parametrize("seed", [4, 5])
def test_the_tally_equals_the_recount_as_bars_from_commendation_come_and_go(league, seed):
    campaign = league["campaign"]
    writer = Writer(league, seed)
    assert tally_differences(campaign_id=campaign.pk) == []  # built once; kept on write from here
    barred = set()
    for step in range(24):
        action = writer.random.choice(("submit", "bulk", "bar", "bar", "reject"))
        getattr(writer, action)()
        # A bar is heard like an enrollment: the touched rows are recounted, nothing is rebuilt.
        assert TallyState.objects.get(campaign=campaign).stale is False, action
        differences = tally_differences(campaign_id=campaign.pk)
        assert differences == [], f"step {step} ({action}): " + "; ".join(map(str, differences))
        barred |= set(Tally.objects.filter(rule__campaign=campaign, screen_id__isnull=False).values_list("pk"))
    assert_places_match_the_recount(campaign)
    assert barred, "no bar ever fell in the phase: choose another seed"


def test_a_write_that_skips_the_tally_is_found_and_repaired(league):
    """An UPDATE behind the services' back is exactly what verify_standings reports."""
    writer = Writer(league, 7)
    for _ in range(4):
        writer.submit()
    campaign = league["campaign"]
    assert tally_differences(campaign_id=campaign.pk) == []
    counted = Enrollment.objects.filter(counted=True).order_by("pk").first()
    Enrollment.objects.filter(pk=counted.pk).update(
        status=EnrollmentStatus.REJECTED, counted=False, not_counted_reason=NotCountedReason.REJECTED
    )
    with pytest.raises(SystemExit) as exited:
        call_command("verify_standings", "--campaign", campaign.code, stdout=io.StringIO())
    assert exited.value.code == 1
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("verify_standings", "--campaign", campaign.code, "--repair", stdout=out)
    assert f"competitor {counted.agent_id}: score" in out.getvalue()
    call_command("verify_standings", "--campaign", campaign.code, "--phase", "2", stdout=out)
    assert tally_differences(campaign_id=campaign.pk) == []


def test_finalizing_records_whether_the_tally_agreed(league):
    writer = Writer(league, 11)
    for _ in range(5):
        writer.submit()
    for enrollment in Enrollment.objects.filter(status=EnrollmentStatus.SUBMITTED):
        enrollment_confirm(enrollment=enrollment)
    phase = league["phase"]
    Phase.objects.filter(pk=phase.pk).update(cutoff=timezone.now() - timedelta(hours=1), grace=timedelta(0))
    phase_close(phase=Phase.objects.get(pk=phase.pk), reason="Hết đợt")
    assert tally_differences(campaign_id=phase.campaign_id) == []
    broken = Enrollment.objects.filter(counted=True).order_by("pk").first()
    assert Tally.objects.filter(competitor_id=broken.agent_id, rule__code="AGENTS", phase=phase).update(score=999) == 1
    assert TallyState.objects.get(campaign=phase.campaign).stale is False
    result = finalize_phase.delay(phase.pk).get()
    assert result["finalized"] and result["tally_agreed"] is False
    finalization = Finalization.objects.get(phase=phase, current=True)
    assert finalization.tally_agreed is False
    assert finalization.tally_differences >= 1
    assert tally_differences(campaign_id=phase.campaign_id) == []
    # Checked once: a task delivered again finds it recorded and leaves it.
    assert finalize_phase.delay(phase.pk).get() == {"phase": phase.pk, "finalized": False}
    assert Finalization.objects.get(pk=finalization.pk).tally_differences == finalization.tally_differences


def test_a_board_page_and_a_place_come_from_the_tally(league):
    """Positions, shared ranks and the rows ahead of an agent, read from the index."""
    campaign, phase = league["campaign"], league["phase"]
    agents = league["agents"]
    writer = Writer(league, 3)
    # Agents 0 and 2 tie on two counted enrollments each, agent 4 has one.
    for agent, count in ((agents[0], 2), (agents[2], 2), (agents[4], 1)):
        for _ in range(count):
            enrollment_submit(agent=agent, item=writer._item(writer._new_person()))
    shared = AwardRule.objects.get(campaign=campaign, code="SHARED")
    last = campaign.phases.order_by("-number").first()
    page = leaderboard_page(phase=last, rule=shared, cluster=None, page=1, page_size=2)
    assert [row.score for row in page.rows] == [2, 2]
    assert [row.rank for row in page.rows] == [1, 1]
    assert page.count == 6
    second = leaderboard_page(phase=last, rule=shared, cluster=None, page=2, page_size=2)
    assert second.rows[0].id == agents[4].pk and second.rows[0].rank == 3 and second.rows[0].position == 3
    place = tally_place(rule=shared, phase=last, cluster_id=None, competitor_id=agents[4].pk)
    assert (place.position, place.rank, place.competitors) == (3, 3, 6)
    ranked = AwardRule.objects.get(campaign=campaign, code="AGENTS")
    cluster = Cluster.objects.get(campaign=campaign, number=1)
    mine = agent_standing(phase=phase, agent=agents[4], cluster=cluster, rules=[ranked])
    board = leaderboard_page(phase=phase, rule=ranked, cluster=cluster, page_size=50)
    row = next(row for row in board.rows if row.id == agents[4].pk)
    assert (mine["position"], mine["competitors"]) == (row.position, board.count)


@pytest.mark.parametrize(
    ("field", "change"),
    [
        ("score", {"score": 42}),
        ("eligible", {"eligible": True}),
        ("reached_at", {"reached_at": None}),
        ("quota_counts", {"quota_counts": [99]}),
        ("cluster_id", {"cluster": None}),
        ("name", {"name": "Tên khác"}),
        ("screen_id", {"screen_id": 10**9}),
    ],
)
def test_every_field_a_tally_row_can_get_wrong_is_reported(league, field, change):
    writer = Writer(league, 5)
    for _ in range(3):
        writer.submit()
    campaign = league["campaign"]
    assert tally_differences(campaign_id=campaign.pk) == []
    counted = Enrollment.objects.filter(counted=True).order_by("pk").first()
    rows = Tally.objects.filter(rule__code="AGENTS", phase=league["phase"], competitor_id=counted.agent_id)
    assert rows.update(**change) == 1
    found = tally_differences(campaign_id=campaign.pk)
    assert [(d.rule, d.competitor_id, d.field) for d in found] == [("AGENTS", counted.agent_id, field)]


def test_a_row_missing_or_left_over_is_reported(league):
    writer = Writer(league, 6)
    for _ in range(3):
        writer.submit()
    campaign, phase = league["campaign"], league["phase"]
    assert tally_differences(campaign_id=campaign.pk) == []
    rule = AwardRule.objects.get(campaign=campaign, code="AGENTS")
    gone = Tally.objects.filter(rule=rule, phase=phase).order_by("competitor_id").first()
    gone.delete()
    Tally.objects.create(rule=rule, phase=phase, competitor_id=10**9, code="X", name="Không có")
    found = {(d.competitor_id, d.field, d.tally, d.recount) for d in tally_differences(campaign_id=campaign.pk)}
    assert found == {(gone.competitor_id, "row", False, True), (10**9, "row", True, False)}
