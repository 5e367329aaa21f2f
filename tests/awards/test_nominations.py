"""Nominations move like awards: proposed, reviewed by the council, approved by the
director or rejected, each step recorded; they take their prize's distinction and money."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from awards.models import Nomination, NominationTransition
from awards.nominations import (
    nomination_add,
    nomination_approve,
    nomination_outside,
    nomination_reject,
    nomination_review,
)
from awards.services import award_approve, award_reject, award_review
from awards.workbooks import OUTSIDE_SECTOR, write_award_list
from campaigns.models import Phase
from core.errors import InvalidTransition
from core.reach import OutOfReach, Reach
from tests.awards.units import NOMINEE_AMOUNT, build_unit_contest
from tests.factories import PhaseFactory, PrizeTierFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def units():
    return build_unit_contest()


def history(nomination) -> list[tuple[str, str, str]]:
    rows = NominationTransition.objects.filter(nomination=nomination).order_by("pk")
    return list(rows.values_list("from_status", "to_status", "reference"))


def test_a_nominee_under_a_units_award_takes_the_prizes_distinction_and_money(units):
    award = units.award("BHXH-49-1")
    nomination = nomination_add(award=award, full_name="Nguyễn Văn An", job_title="Phó Giám đốc")

    assert (nomination.distinction, nomination.amount) == ("Giấy khen của Giám đốc", NOMINEE_AMOUNT)
    assert (nomination.campaign, nomination.phase, nomination.tier) == (units.campaign, units.phase, units.tier)
    assert nomination.proposed_by_unit == units.offices["BHXH-49-1"]
    assert history(nomination) == [("", "proposed", "")]


def test_the_prize_caps_nominees_per_unit_and_a_rejected_one_frees_its_place(units):
    award = units.award("BHXH-49-1")
    first = nomination_add(award=award, full_name="Nguyễn Văn An")
    nomination_add(award=award, full_name="Trần Thị Bình")
    with pytest.raises(ValidationError) as refused:
        nomination_add(award=award, full_name="Lê Văn Cường")
    assert "2" in refused.value.message_dict["award"][0]

    nomination_reject(nomination=first, by=UserFactory(), reason="Chưa đủ thời gian công tác")
    assert nomination_add(award=award, full_name="Lê Văn Cường").status == Nomination.Status.PROPOSED


def test_a_nomination_is_reviewed_then_approved_and_each_step_is_recorded(units):
    nomination = nomination_add(award=units.award("BHXH-49-2"), full_name="Phạm Thị Dung")
    with pytest.raises(InvalidTransition):
        nomination_approve(
            nomination=nomination, by=None, decision_number="15/QĐ-BHXH", decision_date=date(2025, 1, 15)
        )

    nomination_review(nomination=nomination, by=None, minutes="03/BB-HĐTĐKT")
    approved = nomination_approve(
        nomination=nomination, by=None, decision_number="15/QĐ-BHXH", decision_date=date(2025, 1, 15)
    )

    assert (approved.status, approved.council_reference) == ("approved", "03/BB-HĐTĐKT")
    assert (approved.decision_number, approved.decision_date) == ("15/QĐ-BHXH", date(2025, 1, 15))
    assert history(nomination) == [
        ("", "proposed", ""),
        ("proposed", "reviewed", "03/BB-HĐTĐKT"),
        ("reviewed", "approved", "15/QĐ-BHXH"),
    ]
    with pytest.raises(InvalidTransition):
        nomination_reject(nomination=approved, by=None, reason="Muộn")


def test_bad_decisions_name_every_missing_field(units):
    nomination = nomination_add(award=units.award("BHXH-49-2"), full_name="Phạm Thị Dung")
    with pytest.raises(ValidationError) as refused:
        nomination_approve(nomination=nomination, by=None, decision_number=" ", decision_date=None)
    assert set(refused.value.message_dict) == {"decision_number", "decision_date"}
    with pytest.raises(ValidationError) as refused:
        nomination_review(nomination=nomination, by=None, minutes="")
    assert set(refused.value.message_dict) == {"council_reference"}


def test_the_award_carries_its_nominees_through_review_and_decision(units):
    award = units.award("BHXH-49-1")
    early = nomination_add(award=award, full_name="Nguyễn Văn An")
    award_review(award=award, by=None, minutes="03/BB-HĐTĐKT")
    late = nomination_add(award=award, full_name="Trần Thị Bình")
    assert Nomination.objects.get(pk=early.pk).status == "reviewed"

    award_approve(award=award, by=None, decision_number="15/QĐ-BHXH", decision_date=date(2025, 1, 15))

    for nomination in (early, late):
        nomination.refresh_from_db()
        assert (nomination.status, nomination.decision_number) == ("approved", "15/QĐ-BHXH")
    assert [step[:2] for step in history(late)] == [
        ("", "proposed"),
        ("proposed", "reviewed"),
        ("reviewed", "approved"),
    ]


def test_rejecting_the_award_rejects_its_nominees_and_refuses_new_ones(units):
    award = units.award("BHXH-49-2")
    nomination = nomination_add(award=award, full_name="Phạm Thị Dung")
    award_reject(award=award, by=None, reason="Sai số liệu")
    nomination.refresh_from_db()
    assert nomination.status == "rejected"
    with pytest.raises(ValidationError):
        nomination_add(award=award, full_name="Lê Văn Cường")


def test_an_outside_nomination_takes_a_chosen_prizes_money_and_the_last_phase_by_default(units):
    later = PhaseFactory(campaign=units.campaign, number=2, name="Bổ sung", status=Phase.Status.SCHEDULED)
    nomination = nomination_outside(
        campaign=units.campaign, tier=units.tier, full_name="Liên đoàn Lao động tỉnh", collective=True
    )
    assert (nomination.outside_sector, nomination.award, nomination.phase) == (True, None, later)
    assert (nomination.distinction, nomination.amount) == ("Giấy khen của Giám đốc", NOMINEE_AMOUNT)

    given = nomination_outside(
        campaign=units.campaign, phase=units.phase, full_name="Ông Hồ Văn Em", distinction="Thư khen", amount=0
    )
    assert (given.phase, given.distinction, given.amount) == (units.phase, "Thư khen", 0)


def test_an_outside_nomination_refuses_another_campaigns_phase_and_prize_at_once(units):
    other = PhaseFactory(number=1)
    foreign_tier = PrizeTierFactory()
    with pytest.raises(ValidationError) as refused:
        nomination_outside(campaign=units.campaign, phase=other, tier=foreign_tier, full_name="Ông Hồ Văn Em")
    assert set(refused.value.message_dict) == {"phase", "tier"}


def test_nominations_of_another_office_are_out_of_reach(units):
    elsewhere = Reach.units([UnitFactory(code="BHXH-72").pk])
    nomination = nomination_add(award=units.award("BHXH-49-1"), full_name="Nguyễn Văn An")
    with pytest.raises(OutOfReach):
        nomination_review(nomination=nomination, by=None, minutes="03/BB", reach=elsewhere)
    with pytest.raises(OutOfReach):
        nomination_add(award=units.award("BHXH-49-2"), full_name="Trần Thị Bình", reach=elsewhere)
    with pytest.raises(OutOfReach):
        nomination_outside(campaign=units.campaign, full_name="Ông Hồ Văn Em", reach=elsewhere)
    assert Nomination.objects.get().status == "proposed"


def test_the_award_list_workbook_lists_outside_nominations_and_counts_them(units):
    nomination_add(award=units.award("BHXH-49-1"), full_name="Nguyễn Văn An")
    nomination_outside(campaign=units.campaign, tier=units.tier, full_name="Liên đoàn Lao động tỉnh")
    output = BytesIO()
    write_award_list(output, phase=units.phase)
    sheet = load_workbook(output).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    # STT first, then the award list's columns.
    outside = [row for row in rows if row[6] == "Liên đoàn Lao động tỉnh"]
    assert len(outside) == 1
    assert outside[0][1:3] == (units.phase.name, OUTSIDE_SECTOR)
    assert outside[0][8] == NOMINEE_AMOUNT
    totals = {row[1]: row[8] for row in rows if row[1] in ("Cộng cá nhân, tập thể được đề nghị", "Tổng cộng")}
    awards_amount = 130_000 * (40 + 25)  # Điện Bàn and Tam Kỳ win
    assert totals == {
        "Cộng cá nhân, tập thể được đề nghị": 2 * NOMINEE_AMOUNT,
        "Tổng cộng": awards_amount + 2 * NOMINEE_AMOUNT,
    }
