"""Closing and finalizing phases, versions, and the awards workflow."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from awards.models import Award, AwardTransition, Finalization, Nomination, Standing
from awards.money import salary_prize
from awards.nominations import nomination_add
from awards.services import (
    award_approve,
    award_reject,
    award_review,
    award_revoke,
    phase_finalize,
    phase_reopen,
    phases_due_for_finalizing,
)
from campaigns.models import AwardRule, Phase, PhaseTransition, PrizeTier
from campaigns.services import phase_close, phases_advance
from collectors.selectors import user_reach
from core.errors import InvalidTransition
from core.reach import OutOfReach
from enrollments.choices import EnrollmentStatus
from enrollments.services import enrollment_cancel
from tests.constraints import assert_db_rejects
from tests.factories import (
    AwardRuleFactory,
    CampaignFactory,
    PhaseFactory,
    PrizeTierFactory,
    UserFactory,
    assign_unit,
)
from tests.offices import build_offices

pytestmark = pytest.mark.django_db


def winners(finalization) -> dict[str, list[str]]:
    board: dict[str, list[str]] = {}
    for award in Award.objects.filter(finalization=finalization).order_by("cluster__number", "tier__position"):
        board.setdefault(award.cluster.name, []).append(award.competitor_code)
    return board


def test_the_periodic_task_closes_a_phase_once_cutoff_and_grace_have_passed(contest):
    phase = contest["phase"]
    assert phases_advance(now=phase.cutoff + timedelta(hours=23))["closed"] == []
    moved = phases_advance(now=phase.cutoff + timedelta(days=1))
    phase.refresh_from_db()
    assert moved["closed"] == [phase.pk]
    assert phase.status == Phase.Status.CLOSED
    assert phases_advance(now=phase.cutoff + timedelta(days=2))["closed"] == []  # once
    assert PhaseTransition.objects.filter(phase=phase, to_status="closed").count() == 1


def test_a_scheduled_phase_opens_at_its_start(contest):
    later = PhaseFactory(
        campaign=contest["campaign"],
        number=2,
        start=timezone.now() + timedelta(days=1),
        cutoff=timezone.now() + timedelta(days=30),
    )
    assert phases_advance()["opened"] == []
    assert phases_advance(now=later.start)["opened"] == [later.pk]


def test_finalizing_stores_every_board_and_proposes_the_prizes(contest):
    contest.sell("E1", 5)
    contest.sell("E2", 4)
    contest.sell("E3", 2)  # one short of the cluster quota of 3: not eligible
    contest.sell("E4", 3, hours=2)
    contest.sell("W1", 1)
    contest.sell("W2", 2)
    contest.sell("W3", 6, status=EnrollmentStatus.SUBMITTED)  # never confirmed: not in final standings
    phase_close(phase=contest["phase"], reason="Đóng sớm")

    finalization = phase_finalize(phase_id=contest["phase"].pk)

    assert finalization.version == 1 and finalization.current
    assert winners(finalization) == {"Cụm 1": ["E1", "E2", "E4"], "Cụm 2": ["W2", "W1"]}
    e3 = Standing.objects.get(finalization=finalization, agent=contest["agents"]["E3"])
    assert (e3.score, e3.eligible, e3.rank, e3.quotas) == (2, False, None, (2,))
    w3 = Standing.objects.get(finalization=finalization, agent=contest["agents"]["W3"])
    assert (w3.score, w3.eligible, w3.position) == (0, False, 3)
    assert Standing.objects.filter(finalization=finalization).count() == 7
    amounts = sorted(Award.objects.filter(finalization=finalization).values_list("amount", flat=True))
    assert amounts == [1_000_000, 2_000_000, 2_000_000, 3_000_000, 3_000_000]
    assert set(Award.objects.values_list("status", flat=True)) == {Award.Status.PROPOSED}
    assert AwardTransition.objects.filter(to_status=Award.Status.PROPOSED).count() == 5
    contest["phase"].refresh_from_db()
    assert contest["phase"].status == Phase.Status.FINALIZED


def test_finalizing_again_changes_nothing(contest):
    contest.sell("E1", 5)
    phase_close(phase=contest["phase"], reason="Đóng sớm")
    first = phase_finalize(phase_id=contest["phase"].pk)

    assert phase_finalize(phase_id=contest["phase"].pk) is None
    assert Finalization.objects.get() == first
    assert Award.objects.count() == 1


def test_an_open_phase_cannot_be_finalized(contest):
    with pytest.raises(InvalidTransition):
        phase_finalize(phase_id=contest["phase"].pk)
    assert not Finalization.objects.exists()


def test_cancellation_reopen_and_refinalize_make_a_new_version_that_shows_the_changed_winner(contest):
    contest.sell("E1", 5)
    refunded = contest.sell("E2", 4)
    contest.sell("E4", 3)
    phase_close(phase=contest["phase"], reason="Đóng sớm")
    first = phase_finalize(phase_id=contest["phase"].pk)
    manager = UserFactory(username="manager")
    assign_unit(manager, contest.campaign.organizer)

    with pytest.raises(ValidationError):
        phase_reopen(phase=contest["phase"], by=manager, reason=" ")
    for enrollment in refunded[:2]:
        enrollment_cancel(enrollment=enrollment, by=manager, reason="Hoàn trả")
    phase_reopen(phase=contest["phase"], by=manager, reason="Hoàn trả 2 biên lai của E2")
    assert set(Award.objects.values_list("status", flat=True)) == {Award.Status.SUPERSEDED}
    second = phase_finalize(phase_id=contest["phase"].pk, by=manager)

    first.refresh_from_db()
    assert (first.current, second.version, second.current) == (False, 2, True)
    assert winners(second) == {"Cụm 1": ["E1", "E4"]}  # E2 now has 2, under the quota
    lost = {(c["competitor"].split(" · ")[0], c["tier"]) for c in second.changes["lost"]}
    gained = {(c["competitor"].split(" · ")[0], c["tier"]) for c in second.changes["gained"]}
    assert lost == {("E2", "Giải 2"), ("E4", "Giải 3")}
    assert gained == {("E4", "Giải 2")}
    assert second.changes["previous_version"] == 1


def test_no_reopening_once_an_award_is_approved(contest):
    contest.sell("E1", 5)
    phase_close(phase=contest["phase"], reason="Đóng sớm")
    phase_finalize(phase_id=contest["phase"].pk)
    award = Award.objects.get()
    award_review(award=award, by=UserFactory(), minutes="BB-01/HĐTĐKT")
    award_approve(award=award, by=UserFactory(), decision_number="QĐ-15/BHXH", decision_date=date(2025, 1, 10))

    with pytest.raises(InvalidTransition):
        phase_reopen(phase=contest["phase"], by=UserFactory(), reason="Muộn")


def test_the_award_workflow_is_recorded_step_by_step(contest):
    contest.sell("E1", 5)
    contest.sell("E2", 4)
    phase_close(phase=contest["phase"], reason="Đóng sớm")
    phase_finalize(phase_id=contest["phase"].pk)
    first, second = Award.objects.order_by("tier__position")
    council, director = UserFactory(username="council"), UserFactory(username="director")

    with pytest.raises(InvalidTransition):  # the director decides after the council
        award_approve(award=first, by=director, decision_number="QĐ-1", decision_date=date(2025, 1, 10))
    with pytest.raises(ValidationError):
        award_review(award=first, by=council, minutes="")
    award_review(award=first, by=council, minutes="BB-01")
    with pytest.raises(ValidationError):
        award_approve(award=first, by=director, decision_number="", decision_date=date(2025, 1, 10))
    approved = award_approve(award=first, by=director, decision_number="QĐ-1", decision_date=date(2025, 1, 10))
    award_reject(award=second, by=council, reason="Hồ sơ chưa đủ")
    revoked = award_revoke(award=approved, by=director, reason="Phát hiện biên lai trùng")

    assert revoked.status == Award.Status.REVOKED
    steps = list(AwardTransition.objects.filter(award=first).values_list("from_status", "to_status", "by__username"))
    assert steps == [
        ("", "proposed", None),
        ("proposed", "reviewed", "council"),
        ("reviewed", "approved", "director"),
        ("approved", "revoked", "director"),
    ]
    with pytest.raises(InvalidTransition):
        award_review(award=second, by=council, minutes="BB-02")


def test_the_database_refuses_a_second_live_prize_for_one_competitor(contest):
    contest.sell("E1", 5)
    phase_close(phase=contest["phase"], reason="Đóng sớm")
    phase_finalize(phase_id=contest["phase"].pk)
    award = Award.objects.get()
    duplicate = Award.objects.get(pk=award.pk)
    duplicate.pk = None
    duplicate.standing = Standing.objects.exclude(pk=award.standing_id).first()
    duplicate.tier = PrizeTier.objects.get(rule=award.rule, position=2)
    assert_db_rejects("award_one_tier_per_agent", lambda: duplicate.save(force_insert=True), unique=True)


def test_salary_prizes_round_up_to_the_next_ten_thousand():
    assert salary_prize(0.6, 1_490_000) == 900_000  # 894,000 → 900,000
    assert salary_prize(0.3, 1_490_000) == 450_000  # 447,000 → 450,000
    assert salary_prize(1, 2_340_000) == 2_340_000  # already round


def test_a_threshold_rule_rewards_everyone_who_reaches_it(contest):
    rule = contest["rule"]
    rule.selection, rule.threshold, rule.per_cluster = AwardRule.Selection.THRESHOLD, 3, False
    rule.save()
    rule.tiers.exclude(position=1).delete()
    rule.tiers.update(winners=None)
    contest.sell("E1", 5)
    contest.sell("E2", 3)
    contest.sell("E3", 2)
    contest.sell("W1", 4)
    phase_close(phase=contest["phase"], reason="Đóng sớm")
    finalization = phase_finalize(phase_id=contest["phase"].pk)
    assert sorted(Award.objects.filter(finalization=finalization).values_list("competitor_code", flat=True)) == [
        "E1",
        "E2",
        "W1",
    ]


def test_a_review_period_starts_finalizing_on_its_own(contest):
    campaign = contest["campaign"]
    campaign.review_period = timedelta(days=3)
    campaign.save()
    phase_close(phase=contest["phase"], reason="Đóng sớm")
    closed_at = Phase.objects.get(pk=contest["phase"].pk).closed_at
    assert phases_due_for_finalizing(now=closed_at + timedelta(days=2)) == []
    assert phases_due_for_finalizing(now=closed_at + timedelta(days=3)) == [contest["phase"].pk]


def test_nominations_are_capped_per_unit_award():
    from tests.factories import IndicatorFactory, UnitFactory

    vss = UnitFactory(code="VSS", kind="national")
    campaign = CampaignFactory(code="vss", organizer=vss)
    phase = PhaseFactory(campaign=campaign, number=1, status=Phase.Status.CLOSED)
    office = UnitFactory(code="BHXH-01", parent=vss, headcount=200)
    indicator = IndicatorFactory(campaign=campaign, code="SI", default_target=20)
    from campaigns.models import IndicatorValue

    IndicatorValue.objects.create(indicator=indicator, unit=office, phase=phase, value=25)
    rule = AwardRuleFactory(
        campaign=campaign, code="UNITS", competitor_kind="unit", metric="indicators", per_cluster=False
    )
    PrizeTierFactory(
        rule=rule,
        position=1,
        winners=1,
        money="per_headcount",
        amount=130_000,
        nominees_per_winner=2,
        nominee_amount=5_000_000,
    )
    phase_finalize(phase_id=phase.pk)
    award = Award.objects.get()
    assert (award.unit, award.amount) == (office, 26_000_000)

    nomination_add(award=award, full_name="Nguyễn Văn A", job_title="Trưởng phòng")
    nomination_add(award=award, full_name="Trần Thị B")
    with pytest.raises(ValidationError):
        nomination_add(award=award, full_name="Lê Văn C")
    assert Nomination.objects.filter(award=award).count() == 2
    assert set(Nomination.objects.values_list("amount", flat=True)) == {5_000_000}


def test_closing_a_finalized_phase_is_refused(contest):
    contest.sell("E1", 5)
    phase_close(phase=contest["phase"], reason="Đóng sớm")
    phase_finalize(phase_id=contest["phase"].pk)
    with pytest.raises(InvalidTransition):
        phase_close(phase=contest["phase"], reason="Đóng sớm")
    contest["phase"].refresh_from_db()
    assert contest["phase"].status == Phase.Status.FINALIZED
    assert set(Award.objects.values_list("status", flat=True)) == {Award.Status.PROPOSED}


# --- Offices' reach (DESIGN §10) ---------------------------------------------------------


def test_a_decision_on_another_offices_award_is_refused_and_changes_nothing():
    offices = build_offices()
    award = offices.tay_ninh.award
    quang_nam = user_reach(offices.quang_nam.staff)

    for decide in (
        lambda: award_review(award=award, by=offices.quang_nam.staff, minutes="BB-01", reach=quang_nam),
        lambda: award_reject(award=award, by=offices.quang_nam.staff, reason="Sai", reach=quang_nam),
    ):
        with pytest.raises(OutOfReach):
            decide()
    award.refresh_from_db()
    assert award.status == Award.Status.PROPOSED and not award.transitions.exclude(to_status="proposed").exists()
    reviewed = award_review(
        award=award, by=offices.tay_ninh.staff, minutes="BB-01", reach=user_reach(offices.tay_ninh.staff)
    )
    assert reviewed.status == Award.Status.REVIEWED


def test_reopening_another_offices_phase_is_refused():
    offices = build_offices()
    phase = offices.tay_ninh.finalized

    with pytest.raises(OutOfReach):
        phase_reopen(phase=phase, by=offices.quang_nam.staff, reason="Sửa", reach=user_reach(offices.quang_nam.staff))
    phase.refresh_from_db()
    assert phase.status == Phase.Status.FINALIZED


def test_finalizing_asked_by_staff_who_left_the_office_does_nothing_when_it_runs():
    offices = build_offices()
    tay_ninh = offices.tay_ninh
    phase_close(phase=tay_ninh.open_phase, reason="Đóng sớm")
    assign_unit(tay_ninh.staff, offices.quang_nam.unit)  # moved before the worker took the task

    assert phase_finalize(phase_id=tay_ninh.open_phase.pk, by=tay_ninh.staff) is None
    tay_ninh.open_phase.refresh_from_db()
    assert tay_ninh.open_phase.status == Phase.Status.CLOSED
    assert phase_finalize(phase_id=tay_ninh.open_phase.pk, by=offices.national).version == 1


def test_a_phase_closed_early_opens_again_with_the_reason_recorded():
    office = build_offices().quang_nam
    phase = office.open_phase
    phase_close(phase=phase, by=office.staff, reason="Bấm nhầm")

    with pytest.raises(ValidationError):
        phase_reopen(phase=phase, by=office.staff, reason="")
    reopened = phase_reopen(phase=phase, by=office.staff, reason="Đóng nhầm", reach=user_reach(office.staff))

    assert (reopened.status, reopened.closed_at) == (Phase.Status.OPEN, None)
    move = PhaseTransition.objects.filter(phase=phase).latest("pk")
    assert (move.from_status, move.to_status, move.by, move.reason) == (
        Phase.Status.CLOSED,
        Phase.Status.OPEN,
        office.staff,
        "Đóng nhầm",
    )
    assert not Finalization.objects.filter(phase=phase).exists()


def test_a_closed_phase_past_its_submission_deadline_does_not_open_again(contest):
    phase = contest["phase"]  # its cutoff and grace are behind us
    phase_close(phase=phase)
    with pytest.raises(InvalidTransition):
        phase_reopen(phase=phase, by=UserFactory(), reason="Muộn quá")
    phase.refresh_from_db()
    assert phase.status == Phase.Status.CLOSED


def test_another_offices_closed_phase_is_not_reopened():
    offices = build_offices()
    phase = offices.tay_ninh.open_phase
    phase_close(phase=phase, reason="Đóng sớm")
    staff = offices.quang_nam.staff
    with pytest.raises(OutOfReach):
        phase_reopen(phase=phase, by=staff, reason="Không phải của mình", reach=user_reach(staff))
    phase.refresh_from_db()
    assert phase.status == Phase.Status.CLOSED
