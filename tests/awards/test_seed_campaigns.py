"""The five seed campaigns end to end (DESIGN §3 and §5).

Each test imports an example definition file with the real importer, brings in
receipts through the real intake service (or reports indicator values, for
collectives) so that the winners are known by construction, moves enrollments
and phases through the real services, finalizes, and checks the proposed
awards: who, which tier, how much.
"""

from __future__ import annotations

import itertools
import math
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from awards.models import Award, Finalization, Nomination, Standing
from awards.nominations import nomination_add, nomination_outside
from awards.scoring import standings
from awards.selectors import award_totals
from awards.services import (
    award_approve,
    award_review,
    phase_finalize,
    phase_reopen,
)
from campaigns.definition import campaign_import, parse_definition
from campaigns.models import AwardRule, Campaign, Indicator, IndicatorValue, Phase, Team
from campaigns.services import phase_close
from collectors.models import Agent, Locality, ServiceOrganization, Unit
from enrollments.choices import EnrollmentStatus, Gender, NotCountedReason, Product
from enrollments.identity import make_personal_id
from enrollments.models import Enrollment, Parameter
from enrollments.services import enrollment_cancel, enrollment_confirm, enrollments_submit
from tests.factories import AgentFactory, CoveragePeriodFactory, ParticipantFactory, ServiceOrganizationFactory

pytestmark = pytest.mark.django_db

EXAMPLES = Path(settings.BASE_DIR) / "examples" / "campaigns"
VN = ZoneInfo("Asia/Ho_Chi_Minh")

_SERIALS = itertools.count(1)
_REFS = itertools.count(1)
_SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Phan", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
_GIVEN = ["An", "Bình", "Chi", "Dũng", "Hà", "Hạnh", "Khoa", "Lan", "Minh", "Nga", "Phúc", "Quyên", "Sơn", "Thảo"]


# --- Helpers ---------------------------------------------------------------------------


def import_campaign(name: str) -> Campaign:
    """Import an example file as staff would, and start the campaign (the files
    leave it a draft, and only running campaigns take submissions)."""
    text = (EXAMPLES / f"{name}.yaml").read_text(encoding="utf-8")
    campaign = campaign_import(definition=parse_definition(text))
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.RUNNING)
    campaign.refresh_from_db()
    return campaign


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A moment in local (Vietnam) time."""
    return datetime(year, month, day, hour, minute, tzinfo=VN)


def person(province: str) -> dict:
    """A new person whose 12-digit personal ID agrees with their date of birth and gender (DESIGN §6)."""
    serial = next(_SERIALS)
    born = date(1965 + serial % 35, 1 + serial % 12, 1 + serial % 28)
    gender = Gender.FEMALE if serial % 2 else Gender.MALE
    middle = "Thị" if gender == Gender.FEMALE else "Văn"
    return {
        "personal_id": make_personal_id(province_code=province, date_of_birth=born, gender=gender, serial=serial),
        "full_name": f"{_SURNAMES[serial % len(_SURNAMES)]} {middle} {_GIVEN[serial % len(_GIVEN)]}",
        "date_of_birth": born,
        "gender": gender,
        "household_category": "other",
    }


def known_person(province: str, *, covered: tuple[date, date]) -> dict:
    """A person the core system already knows, with an earlier VSI coverage period."""
    body = person(province)
    participant = ParticipantFactory(
        personal_id=body["personal_id"],
        full_name=body["full_name"],
        date_of_birth=body["date_of_birth"],
        gender=body["gender"],
    )
    CoveragePeriodFactory(participant=participant, product=Product.VSI, start=covered[0], end=covered[1])
    return body


def known(enrollment: Enrollment) -> dict:
    """The participant of a stored enrollment, as an intake item names them."""
    p = enrollment.participant
    return {
        "personal_id": p.personal_id,
        "full_name": p.full_name,
        "date_of_birth": p.date_of_birth,
        "gender": p.gender,
        "household_category": p.household_category,
    }


def receipt(agent: Agent, receipt_at: datetime, participant: dict, *, product: str = "VSI", months: int = 3) -> dict:
    """One intake item, shaped as the API hands it to the service."""
    item = {
        "client_ref": f"{agent.code}-{next(_REFS):06d}",
        "product": product,
        "participant": participant,
        "receipt_at": receipt_at,
        "payment_months": months,
        "receipt_no": f"BL-{next(_REFS):06d}",
    }
    if product == Product.VSI:
        item["declared_income"] = 1_500_000
    else:
        item["household_member_order"] = 1
    return item


def submit(agent: Agent, items: list[dict], *, now: datetime) -> list[Enrollment]:
    """Submit through the intake service; every item must be accepted."""
    results = enrollments_submit(agent=agent, items=items, now=now)
    assert [r.outcome for r in results] == ["created"] * len(items), [r.errors for r in results if r.errors]
    return [r.enrollment for r in results]


def sell(agent: Agent, moments: list[datetime], *, province: str, now: datetime, **fields) -> list[Enrollment]:
    """An agent brings one new person per moment."""
    return submit(agent, [receipt(agent, moment, person(province), **fields) for moment in moments], now=now)


def every(start: datetime, count: int, *, hours: float = 3) -> list[datetime]:
    """``count`` moments, ``hours`` apart."""
    return [start + n * timedelta(hours=hours) for n in range(count)]


def confirm_all(campaign: Campaign, *, by) -> None:
    """Staff confirm every submitted receipt of the campaign (final standings count confirmed ones only)."""
    for enrollment in Enrollment.objects.filter(campaign=campaign, status=EnrollmentStatus.SUBMITTED).order_by("pk"):
        enrollment_confirm(enrollment=enrollment, by=by)


def close_and_finalize(phase: Phase, *, by, now: datetime | None = None) -> Finalization:
    phase_close(phase=phase, by=by, reason="Hết thời gian thi đua")
    finalization = phase_finalize(phase_id=phase.pk, by=by, now=now)
    assert finalization is not None
    return finalization


def awards_of(finalization: Finalization) -> list[tuple[str, str, str, int]]:
    """(cluster, tier, competitor code, amount) of every proposed award, board by board."""
    rows = (
        Award.objects.filter(finalization=finalization)
        .select_related("cluster", "tier")
        .order_by("cluster__number", "tier__position", "standing__position")
    )
    return [(a.cluster.name if a.cluster else "", a.tier.title, a.competitor_code, a.amount) for a in rows]


def standing_of(finalization: Finalization, code: str) -> Standing:
    return Standing.objects.get(finalization=finalization, competitor_code=code)


def staff_agent(code: str, name: str, *, unit: Unit, role: str, locality: Locality) -> Agent:
    """A member of BHXH staff recruiting for a campaign of their own office."""
    return AgentFactory(code=code, full_name=name, organization=None, unit=unit, role=role, locality=locality)


def add_indicator_values(campaign: Campaign, phase: Phase, values: dict[str, tuple]) -> None:
    """Unit code → one value per indicator, in the campaign's indicator order."""
    indicators = list(Indicator.objects.filter(campaign=campaign).order_by("position"))
    units = Unit.objects.in_bulk(list(values), field_name="code")
    IndicatorValue.objects.bulk_create(
        [
            IndicatorValue(indicator=indicator, unit=units[code], phase=phase, value=Decimal(value))
            for code, row in values.items()
            for indicator, value in zip(indicators, row, strict=True)
        ]
    )


# --- Quảng Nam 2024: agents of the TCDVs, per phase and cluster ------------------------

QN_NOW = at(2024, 6, 28, 18)  # inside phase 1's submission window (cutoff 01/07 00:00, grace 1 day)


def test_quang_nam_2024_phase_prizes_per_cluster_with_quota_tie_duplicate_and_rejoins(reviewer, campaign_manager):
    campaign = import_campaign("quang-nam-2024")
    phase = campaign.phases.get(number=1)
    cluster_one = campaign.clusters.get(number=1)
    post_office = ServiceOrganization.objects.get(code="BD-49")
    districts = Locality.objects.in_bulk(["502", "503", "507", "509", "512", "514", "518", "519"], field_name="code")

    def agent(code, name, district):
        return AgentFactory(code=code, full_name=name, organization=post_office, locality=districts[district])

    # Cluster 1 (Hội An, Tam Kỳ, Điện Bàn …): at least 90 new participants to be eligible.
    hoi_an = agent("QN-HA-01", "Nguyễn Thị Thu Hà", "503")
    tam_ky = agent("QN-TK-02", "Trần Văn Minh", "502")
    dien_ban = agent("QN-DB-03", "Lê Thị Hồng", "507")
    sell(hoi_an, every(at(2024, 4, 2, 7), 91), province="049", now=QN_NOW)
    sell(tam_ky, every(at(2024, 4, 2, 8), 90), province="049", now=QN_NOW)  # exactly the quota
    # Điện Bàn submits 90 receipts, but one person re-joins within 12 months:
    # 89 new participants, one short of the quota.
    within = known_person("049", covered=(date(2023, 1, 1), date(2023, 10, 31)))  # ended 6½ months before
    beyond = known_person("049", covered=(date(2022, 1, 1), date(2023, 2, 28)))  # ended 14½ months before
    sell(dien_ban, every(at(2024, 4, 2, 9), 88), province="049", now=QN_NOW)
    rejoin_beyond, rejoin_within = submit(
        dien_ban,
        [receipt(dien_ban, at(2024, 5, 15, 9), beyond), receipt(dien_ban, at(2024, 5, 15, 10), within)],
        now=QN_NOW,
    )

    # Cluster 2 (no quota): the third prize is disputed by two agents with four each.
    que_son = agent("QN-QS-11", "Phạm Văn Quang", "509")
    hiep_duc = agent("QN-HD-12", "Võ Thị Lan", "512")
    phu_ninh = agent("QN-PN-13", "Huỳnh Văn Phúc", "518")
    tien_phuoc = agent("QN-TP-14", "Đặng Thị Tuyết", "514")
    nong_son = agent("QN-NS-15", "Bùi Văn Nam", "519")
    sell(que_son, every(at(2024, 5, 2, 8), 6, hours=24), province="049", now=QN_NOW)
    sell(hiep_duc, every(at(2024, 5, 3, 8), 5, hours=24), province="049", now=QN_NOW)
    # Tiên Phước reaches four at 09:00 on 10/06, Phú Ninh only at 16:00 the same day
    # (the codes sort the other way round, so the code is not what decides).
    sell(
        tien_phuoc,
        [at(2024, 5, 20, 8), at(2024, 5, 27, 8), at(2024, 6, 3, 8), at(2024, 6, 10, 9)],
        province="049",
        now=QN_NOW,
    )
    sell(
        phu_ninh,
        [at(2024, 5, 21, 8), at(2024, 5, 28, 8), at(2024, 6, 4, 8), at(2024, 6, 10, 16)],
        province="049",
        now=QN_NOW,
    )
    # Phú Ninh also submits a fifth person first …
    shared = person("049")
    (late,) = submit(phu_ninh, [receipt(phu_ninh, at(2024, 6, 5, 10), shared)], now=QN_NOW)
    # … whom Nông Sơn had received earlier (10/05) and submits the next day:
    # the earliest receipt wins, whoever submitted first.
    (first,) = submit(nong_son, [receipt(nong_son, at(2024, 5, 10, 9), shared)], now=at(2024, 6, 29, 9))

    late.refresh_from_db()
    first.refresh_from_db()
    assert (first.counted, first.not_counted_reason) == (True, "")
    assert (late.counted, late.not_counted_reason, late.duplicate_of_id) == (
        False,
        NotCountedReason.DUPLICATE,
        first.pk,
    )
    rejoin_within.refresh_from_db()
    rejoin_beyond.refresh_from_db()
    assert (rejoin_within.counted, rejoin_within.not_counted_reason) == (False, NotCountedReason.NOT_NEW)
    assert (rejoin_beyond.counted, rejoin_beyond.not_counted_reason) == (True, "")

    confirm_all(campaign, by=reviewer)
    finalization = close_and_finalize(phase, by=campaign_manager)

    assert awards_of(finalization) == [
        ("Cụm thi đua số 1", "Giải Nhất", "QN-HA-01", 3_000_000),
        ("Cụm thi đua số 1", "Giải Nhì", "QN-TK-02", 2_000_000),
        # No third prize in cluster 1: Điện Bàn would be third but is one short of the quota.
        ("Cụm thi đua số 2", "Giải Nhất", "QN-QS-11", 3_000_000),
        ("Cụm thi đua số 2", "Giải Nhì", "QN-HD-12", 2_000_000),
        ("Cụm thi đua số 2", "Giải Ba", "QN-TP-14", 1_000_000),
    ]
    short = standing_of(finalization, "QN-DB-03")
    assert (short.score, short.eligible, short.rank, short.position) == (89, False, None, 3)
    # The quota counts beside the final leaderboard of cluster 1 (read through the scoring service).
    rule = AwardRule.objects.get(campaign=campaign, code="GIAI-DOT")
    board = {row.code: row for row in standings(rule=rule, phase=phase, cluster=cluster_one, final=True)}
    assert [(code, board[code].quota_counts, board[code].eligible) for code in sorted(board)] == [
        ("QN-DB-03", (89,), False),
        ("QN-HA-01", (91,), True),
        ("QN-TK-02", (90,), True),
    ]
    winner, runner_up = standing_of(finalization, "QN-TP-14"), standing_of(finalization, "QN-PN-13")
    assert (winner.score, winner.rank, winner.reached_at) == (4, 3, at(2024, 6, 10, 9))
    assert (runner_up.score, runner_up.rank, runner_up.reached_at) == (4, 4, at(2024, 6, 10, 16))
    assert standing_of(finalization, "QN-NS-15").score == 1


# --- Tam Kỳ 2020: propaganda teams ------------------------------------------------------

TK_NOW = at(2020, 10, 5, 20)  # the last evening of the three-day drive


def test_tam_ky_2020_teams_rank_by_their_members_and_a_refund_after_finalizing_changes_the_winner(
    reviewer, campaign_manager
):
    campaign = import_campaign("tam-ky-2020")
    phase = campaign.phases.get()
    committees = ServiceOrganizationFactory(
        code="UBND-TKY",
        name="UBND các phường, xã TP. Tam Kỳ",
        kind=ServiceOrganization.Kind.COMMUNE_COMMITTEE,
        contracting_unit=Unit.objects.get(code="BHXH-49"),
    )

    def member(code, name, team_code):
        team = Team.objects.get(campaign=campaign, code=team_code)
        agent = AgentFactory(code=code, full_name=name, organization=committees, locality=team.locality)
        team.members.add(agent)
        return agent

    an_phu_1 = member("TK-AP-1", "Trương Thị Mỹ", "TKY-AN-PHU")
    an_phu_2 = member("TK-AP-2", "Lương Văn Tài", "TKY-AN-PHU")
    tan_thanh = member("TK-TT-1", "Phan Thị Ngọc", "TKY-TAN-THANH")
    an_xuan = member("TK-AX-1", "Hồ Văn Lực", "TKY-AN-XUAN")
    an_my = member("TK-AM-1", "Đỗ Thị Hiền", "TKY-AN-MY")
    # As the article reports: An Phú 21 of 15 (140%), Tân Thạnh 19 (126%), An Xuân 15 (100%).
    an_phu_sales = sell(an_phu_1, every(at(2020, 10, 3, 7), 12, hours=1), province="049", now=TK_NOW)
    sell(an_phu_2, every(at(2020, 10, 4, 7), 9, hours=1), province="049", now=TK_NOW)
    sell(tan_thanh, every(at(2020, 10, 3, 7, 30), 19, hours=1), province="049", now=TK_NOW)
    sell(an_xuan, every(at(2020, 10, 3, 8), 15, hours=1), province="049", now=TK_NOW)
    sell(an_my, every(at(2020, 10, 3, 9), 7, hours=2), province="049", now=TK_NOW)
    # A second member of the team brings a person the first already brought: counted once.
    (again,) = submit(an_phu_2, [receipt(an_phu_2, at(2020, 10, 5, 9), known(an_phu_sales[0]))], now=TK_NOW)
    again.refresh_from_db()
    assert (again.counted, again.not_counted_reason) == (False, NotCountedReason.DUPLICATE)
    confirm_all(campaign, by=reviewer)

    first = close_and_finalize(phase, by=campaign_manager)

    assert awards_of(first) == [("", "Tổ tuyên truyền xuất sắc nhất", "TKY-AN-PHU", 2_000_000)]
    board = Standing.objects.filter(finalization=first).order_by("position")
    assert [(s.competitor_code, s.score) for s in board[:5]] == [
        ("TKY-AN-PHU", 21),
        ("TKY-TAN-THANH", 19),
        ("TKY-AN-XUAN", 15),
        ("TKY-AN-MY", 7),
        ("TKY-AN-SON", 0),
    ]
    assert board.count() == 13  # all thirteen teams are ranked together
    # The reports' percent of plan: the same teams judged on a percent-of-target
    # copy of the rule (not saved), against each team's plan of 15.
    percent = AwardRule.objects.get(campaign=campaign, code="TO-NHIEU-NHAT")
    percent.metric = AwardRule.Metric.PERCENT_OF_TARGET
    rows = standings(rule=percent, phase=phase, cluster=None, final=True)
    assert [(r.code, r.score, r.target) for r in rows[:4]] == [
        ("TKY-AN-PHU", Decimal("140.0000"), 15),
        ("TKY-TAN-THANH", Decimal("126.6667"), 15),
        ("TKY-AN-XUAN", Decimal("100.0000"), 15),
        ("TKY-AN-MY", Decimal("46.6667"), 15),
    ]

    # Three of An Phú's participants are refunded after finalizing: An Phú falls to 18.
    for enrollment in an_phu_sales[1:4]:
        enrollment_cancel(enrollment=enrollment, by=reviewer, reason="Hoàn trả tiền đóng theo đề nghị của người dân")
    phase_reopen(phase=phase, by=campaign_manager, reason="Tổ An Phú có 3 biên lai hoàn trả sau khi xét")
    second = phase_finalize(phase_id=phase.pk, by=campaign_manager)

    first.refresh_from_db()
    assert (first.current, second.version, second.current) == (False, 2, True)
    assert awards_of(second) == [("", "Tổ tuyên truyền xuất sắc nhất", "TKY-TAN-THANH", 2_000_000)]
    assert set(Award.objects.filter(finalization=first).values_list("status", flat=True)) == {Award.Status.SUPERSEDED}
    tier = "Tổ tuyên truyền xuất sắc nhất"
    assert second.changes == {
        "previous_version": 1,
        "gained": [
            {
                "rule": "TO-NHIEU-NHAT",
                "tier": tier,
                "cluster": "",
                "competitor": "TKY-TAN-THANH · Tổ tuyên truyền phường Tân Thạnh",
            }
        ],
        "lost": [
            {
                "rule": "TO-NHIEU-NHAT",
                "tier": tier,
                "cluster": "",
                "competitor": "TKY-AN-PHU · Tổ tuyên truyền phường An Phú",
            }
        ],
    }
    assert standing_of(second, "TKY-AN-PHU").score == 18


# --- VSS national Q4 2017: provincial offices judged on four indicators ---------------


def test_vss_q4_2017_six_best_offices_on_the_indicators_get_money_per_head_and_nominate_five(
    campaign_manager, council_member
):
    campaign = import_campaign("vss-q4-2017")
    phase = campaign.phases.get()
    # SI ≥ 26.8, UI ≥ 22.4, HI ≥ 83.2 (% of labour force / population); debt < each office's limit
    # (3.0 by default; Hà Nội 3.5, Hải Phòng 2.8, Đà Nẵng 2.0, Tây Ninh 2.5, Bình Dương 3.2, TP.HCM 3.4).
    add_indicator_values(
        campaign,
        phase,
        {
            "BHXH-79": ("53.6", "44.8", "91.52", "1.7"),  # 2, 2, 1.1, 2 → 1.775
            "BHXH-74": ("80.4", "44.8", "83.2", "1.6"),  # SI 3.0 capped at 2: 2, 2, 1, 2 → 1.75 (2.0 uncapped)
            "BHXH-72": ("53.6", "44.8", "99.84", "2.5"),  # debt at its limit, not below: 1.55, not eligible
            "BHXH-01": ("40.2", "33.6", "91.52", "3.2"),  # debt above 3.0 but below its own 3.5 → 1.2984
            "BHXH-92": ("26.0", "24.64", "87.36", "1.5"),  # SI below 26.8: 1.28, not eligible
            "BHXH-48": ("40.2", "33.6", "99.84", "2.5"),  # debt below 3.0 but above its own 2.0: 1.25, not eligible
            "BHXH-31": ("33.5", "28.0", "87.36", "2.0"),  # 1.25, 1.25, 1.05, 1.4 → 1.2375
            "BHXH-49": ("26.8", "22.4", "83.2", "2.0"),  # every target met exactly: 1, 1, 1, 1.5 → 1.125
            "BHXH-38": ("29.48", "24.64", "87.36", "2.5"),  # 1.1, 1.1, 1.05, 1.2 → 1.1125
            "BHXH-40": ("28.14", "23.52", "84.864", "2.4"),  # 1.05, 1.05, 1.02, 1.25 → 1.0925: seventh
        },
    )

    finalization = close_and_finalize(phase, by=campaign_manager)

    # 130,000 VND × the office's headcount.
    assert awards_of(finalization) == [
        ("BHXH các tỉnh, thành phố", "Tập thể tiêu biểu xuất sắc", "BHXH-79", 130_000 * 1480),
        ("BHXH các tỉnh, thành phố", "Tập thể tiêu biểu xuất sắc", "BHXH-74", 130_000 * 380),
        ("BHXH các tỉnh, thành phố", "Tập thể tiêu biểu xuất sắc", "BHXH-01", 130_000 * 1650),
        ("BHXH các tỉnh, thành phố", "Tập thể tiêu biểu xuất sắc", "BHXH-31", 130_000 * 560),
        ("BHXH các tỉnh, thành phố", "Tập thể tiêu biểu xuất sắc", "BHXH-49", 130_000 * 420),
        ("BHXH các tỉnh, thành phố", "Tập thể tiêu biểu xuất sắc", "BHXH-38", 130_000 * 720),
    ]
    board = Standing.objects.filter(finalization=finalization).order_by("position")
    assert [(s.competitor_code, s.eligible, s.rank) for s in board] == [
        ("BHXH-79", True, 1),
        ("BHXH-74", True, 2),
        ("BHXH-01", True, 3),
        ("BHXH-31", True, 4),
        ("BHXH-49", True, 5),
        ("BHXH-38", True, 6),
        ("BHXH-40", True, 7),
        ("BHXH-72", False, None),
        ("BHXH-92", False, None),
        ("BHXH-48", False, None),
    ]
    scores = {s.competitor_code: float(s.score) for s in board}
    assert scores["BHXH-79"] == pytest.approx(1.775, abs=1e-4)
    assert scores["BHXH-74"] == pytest.approx(1.75, abs=1e-4)
    assert scores["BHXH-01"] == pytest.approx(1.2984, abs=1e-4)

    # Each winning office nominates its five best individuals (Bằng khen + 5,000,000 VND each), no more.
    awards = {a.competitor_code: a for a in Award.objects.filter(finalization=finalization)}
    for n in range(5):
        nomination_add(
            award=awards["BHXH-79"],
            by=council_member,
            full_name=f"Cán bộ BHXH TP.HCM số {n + 1}",
            job_title="Chuyên viên",
        )
    with pytest.raises(ValidationError):
        nomination_add(award=awards["BHXH-79"], by=council_member, full_name="Cán bộ thứ sáu")
    nomination_add(award=awards["BHXH-74"], by=council_member, full_name="Trần Thị Bình", job_title="Trưởng phòng Thu")
    # People and bodies outside the sector may be nominated too, under no office's award.
    outside = nomination_outside(
        campaign=campaign,
        by=council_member,
        full_name="Liên đoàn Lao động thành phố Hồ Chí Minh",
        collective=True,
        distinction="Bằng khen của Tổng Giám đốc",
        achievements="Phối hợp tuyên truyền phát triển người tham gia BHXH",
    )

    nominees = Nomination.objects.filter(award=awards["BHXH-79"])
    assert nominees.count() == 5
    assert set(nominees.values_list("amount", "distinction", "proposed_by_unit__code")) == {
        (5_000_000, "Bằng khen của Tổng Giám đốc", "BHXH-79")
    }
    assert (outside.outside_sector, outside.award_id, outside.campaign_id) == (True, None, campaign.pk)
    totals = award_totals(Award.objects.filter(finalization=finalization))
    assert {
        "awards": totals["count"],
        "amount": totals["amount"],
        "nominations": totals["nominations"]["count"],
        "nomination_amount": totals["nominations"]["amount"],
    } == {
        "awards": 6,
        "amount": 130_000 * (1480 + 380 + 1650 + 560 + 420 + 720),
        # Six individuals under the offices' awards, and the body from outside the sector (no money).
        "nominations": 7,
        "nomination_amount": 6 * 5_000_000,
    }


# --- Hải Phòng 2019: staff, role quotas and a threshold award ---------------------------

HP_NOW = at(2019, 6, 30, 12)


def test_hai_phong_2019_rewards_everyone_with_ten_new_vsi_paying_three_months_and_checks_role_quotas(
    reviewer, campaign_manager
):
    campaign = import_campaign("hai-phong-2019")
    phase = campaign.phases.get()
    office, city = Unit.objects.get(code="BHXH-31"), Locality.objects.get(code="31")
    leader_1 = staff_agent("HP-LD-01", "Phạm Văn Hùng", unit=office, role=Agent.Role.LEADER, locality=city)
    leader_2 = staff_agent("HP-LD-02", "Ngô Thị Mai", unit=office, role=Agent.Role.LEADER, locality=city)
    staff_1 = staff_agent("HP-CB-01", "Vũ Thị Thanh", unit=office, role=Agent.Role.STAFF, locality=city)
    staff_2 = staff_agent("HP-CB-02", "Đinh Văn Long", unit=office, role=Agent.Role.STAFF, locality=city)
    staff_3 = staff_agent("HP-CB-03", "Cao Thị Yến", unit=office, role=Agent.Role.STAFF, locality=city)

    def bring(agent, start, *, vsi_months: list[int], hhi: int):
        items = [
            receipt(agent, start + n * timedelta(days=3), person("031"), months=months)
            for n, months in enumerate(vsi_months)
        ]
        items += [
            receipt(agent, start + timedelta(days=1 + 3 * n), person("031"), product=Product.HHI, months=3)
            for n in range(hhi)
        ]
        submit(agent, items, now=HP_NOW)

    bring(leader_1, at(2019, 2, 1, 8), vsi_months=[3, 6, 12, 3, 6, 12, 3, 6, 12, 3], hhi=5)
    bring(staff_1, at(2019, 2, 2, 8), vsi_months=[3] * 9 + [1], hhi=5)  # ten VSI, only nine for ≥ 3 months
    bring(staff_2, at(2019, 2, 3, 8), vsi_months=[6] * 12, hhi=0)
    bring(leader_2, at(2019, 3, 1, 8), vsi_months=[3], hhi=5)
    bring(staff_3, at(2019, 3, 2, 8), vsi_months=[3], hhi=5)
    confirm_all(campaign, by=reviewer)

    finalization = close_and_finalize(phase, by=campaign_manager)

    # Threshold award: everyone with ≥ 10 new VSI participants paying ≥ 3 months, quotas or not.
    assert sorted(awards_of(finalization)) == [
        ("", "Khen thưởng vận động BHXH tự nguyện", "HP-CB-02", 500_000),
        ("", "Khen thưởng vận động BHXH tự nguyện", "HP-LD-01", 500_000),
    ]
    assert standing_of(finalization, "HP-CB-01").score == 9

    # The quotas are every official's obligation, met or not beside the award
    # (the rule leaves requires_quota false: the award comes in addition to them).
    # Who met their role's quota is read from the same standings with the rule
    # requiring quotas (an unsaved copy): the quota counts are the counted VSI and
    # HHI participants (any payment period), and a leader needs 2 VSI + 5 HHI, other staff 1 VSI + 5 HHI.
    quota_rule = AwardRule.objects.get(campaign=campaign, code="MUOI-NGUOI-VSI")
    quota_rule.requires_quota = True
    rows = standings(rule=quota_rule, phase=phase, cluster=None, final=True)
    # Columns: leader VSI ≥ 2, leader HHI ≥ 5, staff VSI ≥ 1, staff HHI ≥ 5 (the file's order).
    assert sorted((r.code, r.quota_counts, r.eligible) for r in rows) == [
        ("HP-CB-01", (10, 5, 10, 5), True),
        ("HP-CB-02", (12, 0, 12, 0), False),  # no HHI participant
        ("HP-CB-03", (1, 5, 1, 5), True),  # one VSI is enough for staff …
        ("HP-LD-01", (10, 5, 10, 5), True),
        ("HP-LD-02", (1, 5, 1, 5), False),  # … but not for a leader
    ]


# --- Tây Ninh Q4 2021: departments and district offices, indicators, salary-based prizes --


def test_tay_ninh_2021_counts_receipts_until_17_00_on_31_december():
    campaign = import_campaign("tay-ninh-2021")
    phase = campaign.phases.get()
    agent = staff_agent(
        "TN-703-01",
        "Nguyễn Thị Bích",
        unit=Unit.objects.get(code="BHXH-72-703"),
        role=Agent.Role.STAFF,
        locality=Locality.objects.get(code="703"),
    )

    in_time, too_late = enrollments_submit(
        agent=agent,
        items=[
            receipt(agent, at(2021, 12, 31, 16, 59), person("072")),
            receipt(agent, at(2021, 12, 31, 17), person("072")),
        ],
        now=at(2021, 12, 31, 17, 30),
    )

    assert in_time.outcome == "created"
    assert (in_time.enrollment.phase_id, in_time.enrollment.counted) == (phase.pk, True)
    # 17:00 is the cutoff itself: outside the phase, so outside every phase of the campaign.
    assert too_late.outcome == "invalid"
    assert campaign.name in too_late.errors["receipt_at"][0]
    assert Enrollment.objects.filter(campaign=campaign).count() == 1
    # Once cutoff + grace (1 day) has passed, even a receipt dated before the cutoff is refused.
    (after_grace,) = enrollments_submit(
        agent=agent, items=[receipt(agent, at(2021, 12, 31, 16, 58), person("072"))], now=at(2022, 1, 1, 17, 1)
    )
    assert after_grace.outcome == "invalid"
    message = after_grace.errors["receipt_at"][0]
    assert phase.name in message and "31/12/2021 17:00" in message  # the cutoff, in local time


def test_tay_ninh_2021_two_best_units_per_cluster_get_0_6_base_salary_on_the_decision_date(
    campaign_manager, council_member, director
):
    campaign = import_campaign("tay-ninh-2021")
    phase = campaign.phases.get()
    # Participants and revenue as % of plan (≥ 100), debt ratio in % (strictly below 0.9).
    add_indicator_values(
        campaign,
        phase,
        {
            # Departments.
            "BHXH-72-KTTN": ("100", "100", "0.45"),  # 1, 1, 2 → 1.3333
            "BHXH-72-QLT": ("105", "103", "0.7"),  # 1.05, 1.03, 1.2857 → 1.1219
            "BHXH-72-VP": ("100", "100", "0.85"),  # 1.0196: third, no prize
            "BHXH-72-TTPTDT": ("99", "120", "0.3"),  # participants below plan: 1.3967, not eligible
            # District offices.
            "BHXH-72-703": ("120", "115", "0.5"),  # 1.2, 1.15, 1.8 → 1.3833
            "BHXH-72-710": ("150", "140", "0.9"),  # debt exactly 0.9, not below: 1.3, not eligible
            "BHXH-72-712": ("110", "108", "0.6"),  # 1.1, 1.08, 1.5 → 1.2267
            "BHXH-72-705": ("101", "100", "0.8"),  # 1.045: third, no prize
        },
    )

    # Staff finalize by hand (no review period), today: the proposal is priced
    # with today's base salary until the director's decision fixes the date.
    finalization = close_and_finalize(phase, by=campaign_manager)

    phase.refresh_from_db()
    finalized_on = timezone.localtime(phase.finalized_at, VN).date()
    base_then = (
        Parameter.objects.filter(
            kind=Parameter.Kind.BASE_SALARY, household_category="", effective_from__lte=finalized_on
        )
        .order_by("-effective_from")
        .values_list("value", flat=True)
        .first()
    )
    proposed = math.ceil(Decimal("0.6") * base_then / 10_000) * 10_000
    title = "Tập thể tiêu biểu, xuất sắc"
    assert awards_of(finalization) == [
        ("Khối các phòng nghiệp vụ", title, "BHXH-72-KTTN", proposed),
        ("Khối các phòng nghiệp vụ", title, "BHXH-72-QLT", proposed),
        ("Khối BHXH huyện, thị xã, thành phố", title, "BHXH-72-703", proposed),
        ("Khối BHXH huyện, thị xã, thành phố", title, "BHXH-72-712", proposed),
    ]
    go_dau = standing_of(finalization, "BHXH-72-710")
    assert (go_dau.eligible, go_dau.rank) == (False, None)

    # Each collective nominates two individuals (0.3 × base salary, rounded: 450,000 VND).
    best = Award.objects.get(finalization=finalization, competitor_code="BHXH-72-KTTN")
    for name in ("Lê Văn Thành", "Phạm Thị Thu"):
        nomination_add(award=best, by=council_member, full_name=name, job_title="Chuyên viên")
    with pytest.raises(ValidationError):
        nomination_add(award=best, by=council_member, full_name="Người thứ ba")

    # The council reviews; the director decides on 14/01/2022, when the base
    # salary was 1,490,000: 0.6 × 1,490,000 = 894,000 → 900,000 VND.
    for award in Award.objects.filter(finalization=finalization).order_by("pk"):
        award_review(award=award, by=council_member, minutes="BB-02/HĐTĐKT")
        award_approve(
            award=award,
            by=director,
            decision_number="QĐ-35/QĐ-BHXH",
            decision_date=date(2022, 1, 14),
            now=finalization.notice_ends_at,  # once the public notice has ended (tests/awards/test_seed_appeals.py)
        )

    approved = Award.objects.filter(finalization=finalization)
    assert set(approved.values_list("status", "amount", "decision_date")) == {
        (Award.Status.APPROVED, 900_000, date(2022, 1, 14))
    }
    assert set(Nomination.objects.filter(award=best).values_list("status", "amount", "decision_number")) == {
        (Nomination.Status.APPROVED, 450_000, "QĐ-35/QĐ-BHXH")
    }
