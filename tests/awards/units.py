"""A small collective contest for nominations and the award dossier: BHXH tỉnh
Quảng Nam organizes it among three of its district offices judged on one
indicator; the two best get a Bằng khen and 130,000 VND per head, and each may
nominate up to two individuals (Giấy khen + 5,000,000 VND each)."""

from __future__ import annotations

from dataclasses import dataclass

from awards.models import Award, Finalization
from awards.services import phase_finalize
from campaigns.models import Campaign, IndicatorValue, Phase, PrizeTier
from collectors.models import Unit
from tests.factories import (
    AwardRuleFactory,
    CampaignFactory,
    IndicatorFactory,
    PhaseFactory,
    PrizeTierFactory,
    ProvinceFactory,
    UnitFactory,
    vss_unit,
)

NOMINEE_AMOUNT = 5_000_000
PER_HEAD = 130_000


@dataclass
class UnitContest:
    province: Unit
    offices: dict[str, Unit]
    campaign: Campaign
    phase: Phase
    tier: PrizeTier
    finalization: Finalization

    def award(self, code: str) -> Award:
        return Award.objects.get(finalization=self.finalization, competitor_code=code)


def build_unit_contest(*, code: str = "qn-units", province_code: str = "BHXH-49") -> UnitContest:
    vss = vss_unit()
    locality = ProvinceFactory(code=f"P{province_code[-2:]}", name="Tỉnh Quảng Nam")
    province = UnitFactory(
        code=province_code,
        name="Bảo hiểm xã hội tỉnh Quảng Nam",
        kind=Unit.Kind.PROVINCE,
        parent=vss,
        locality=locality,
    )
    offices = {
        f"{province_code}-{n}": UnitFactory(
            code=f"{province_code}-{n}", name=name, kind=Unit.Kind.DISTRICT, parent=province, headcount=heads
        )
        for n, name, heads in (
            (1, "BHXH thị xã Điện Bàn", 40),
            (2, "BHXH thành phố Tam Kỳ", 25),
            (3, "BHXH huyện Đại Lộc", 30),
        )
    }
    campaign = CampaignFactory(
        code=code,
        name="Phong trào thi đua phát triển người tham gia năm 2024",
        organizer=province,
        launch_reference="Kế hoạch số 12/KH-BHXH ngày 05 tháng 01 năm 2024",
    )
    phase = PhaseFactory(campaign=campaign, number=1, name="Năm 2024", status=Phase.Status.CLOSED)
    indicator = IndicatorFactory(campaign=campaign, code="SI", default_target=20)
    for office, value in zip(offices.values(), (30, 25, 21), strict=True):
        IndicatorValue.objects.create(indicator=indicator, unit=office, phase=phase, value=value)
    rule = AwardRuleFactory(
        campaign=campaign,
        code="UNITS",
        name="Tập thể xuất sắc",
        competitor_kind="unit",
        metric="indicators",
        per_cluster=False,
    )
    tier = PrizeTierFactory(
        rule=rule,
        position=1,
        title="Tập thể tiêu biểu",
        distinction="Bằng khen của Giám đốc",
        winners=2,
        money="per_headcount",
        amount=PER_HEAD,
        nominees_per_winner=2,
        nominee_distinction="Giấy khen của Giám đốc",
        nominee_amount=NOMINEE_AMOUNT,
    )
    finalization = phase_finalize(phase_id=phase.pk)
    phase.refresh_from_db()
    return UnitContest(province, offices, campaign, phase, tier, finalization)
