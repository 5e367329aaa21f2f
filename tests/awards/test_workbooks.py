"""The ranking and award list workbooks, opened again and read cell by cell."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from awards.models import Award
from awards.nominations import nomination_add, nomination_reject
from awards.services import (
    award_approve,
    award_reject,
    award_review,
    phase_finalize,
)
from awards.workbooks import NoRanking, write_award_list, write_ranking
from campaigns.models import AwardRule, Campaign, IndicatorValue, Phase, PrizeTier
from campaigns.services import phase_close
from collectors.models import Agent, Locality, ServiceOrganization
from core.workbooks import WorkbookWriter, attachment_header, period_text, sheet_title
from tests.factories import (
    AwardRuleFactory,
    CampaignFactory,
    IndicatorFactory,
    PhaseFactory,
    PrizeTierFactory,
    UnitFactory,
    UserFactory,
)
from tests.workbooks import AT, HYPERLINK, MINUS, PLUS, TAB, WEBSERVICE, assert_written_as_text, cell_formats

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")
HEADERS = [
    "STT",
    "Hạng",
    "Vị trí",
    "Mã",
    "Họ và tên",
    "Tổ chức dịch vụ thu / Đơn vị",
    "Địa bàn",
    "Điểm",
    "Chỉ tiêu tối thiểu",
    "% chỉ tiêu",
    "Đủ điều kiện",
    "Thời điểm đạt",
    "Giải",
    "Lý do không đủ điều kiện",
]


def opened(write, **kwargs):
    buffer = io.BytesIO()
    written = write(buffer, **kwargs)
    buffer.seek(0)
    return load_workbook(buffer), written


def rows(sheet, first: int, last: int | None = None, columns: str = "ABCDEFGHIJKL") -> list[list]:
    last = last or sheet.max_row
    return [[sheet[f"{col}{row}"].value for col in columns] for row in range(first, last + 1)]


def reached(contest, count: int, hours: int = 0) -> datetime:
    """The naive local time of an agent's last sale made with ``contest.sell(…, count, hours=…)``."""
    moment = contest["phase"].start + timedelta(days=1, hours=hours, minutes=count - 1)
    return moment.astimezone(VN).replace(tzinfo=None)


def assert_same_minute(value: datetime, expected: datetime) -> None:
    # Excel keeps times as fractions of a day: a millisecond may be lost on the way.
    assert abs(value - expected) < timedelta(seconds=1)


@pytest.fixture
def finalized(sold):
    phase_close(phase=sold["phase"])
    sold["finalization"] = phase_finalize(phase_id=sold["phase"].pk)
    sold["phase"].refresh_from_db()
    return sold


# --- The ranking ------------------------------------------------------------------------


def test_the_final_ranking_has_a_sheet_per_cluster_with_title_rows_and_headers(finalized):
    book, written = opened(write_ranking, phase=finalized["phase"])

    assert book.sheetnames == ["Cụm 1", "Cụm 2"]
    assert written == 7
    sheet = book["Cụm 1"]
    phase, campaign, rule = finalized["phase"], finalized["campaign"], finalized["rule"]
    assert sheet["A1"].value == campaign.name
    assert sheet["A1"].font.b
    assert sheet["A2"].value == f"{phase.name} ({period_text(phase.start, phase.cutoff, VN)})"
    assert sheet["A3"].value == f"{rule.name} — Cụm 1"
    at = finalized["finalization"].at.astimezone(VN).strftime("%d/%m/%Y %H:%M")
    assert sheet["A4"].value == f"Chính thức — phiên bản 1, chốt lúc {at}"
    assert [cell.value for cell in sheet[5]] == HEADERS
    assert all(cell.font.b for cell in sheet[5])
    assert book["Cụm 2"]["A3"].value == f"{rule.name} — Cụm 2"


def test_the_final_ranking_freezes_the_header_and_filters_the_data(finalized):
    book, _written = opened(write_ranking, phase=finalized["phase"])

    one, two = book["Cụm 1"], book["Cụm 2"]
    assert one.freeze_panes == "A6"
    assert one.auto_filter.ref == "A5:N9"  # header and four agents
    assert two.auto_filter.ref == "A5:N8"
    assert one.column_dimensions["E"].width >= 24  # the name, wrapped within it


def test_the_final_ranking_lists_ranks_ties_eligibility_and_prizes(finalized):
    book, _written = opened(write_ranking, phase=finalized["phase"])

    one = rows(book["Cụm 1"], 6, columns="BCDHIKM")
    assert one == [
        [1, 1, "E1", 5, 3, "Có", "Giải 1"],
        [2, 2, "E2", 3, 3, "Có", "Giải 2"],  # tied with E4, reached 3 first
        [3, 3, "E4", 3, 3, "Có", "Giải 3"],
        [None, 4, "E3", 2, 3, "Không", None],  # short of the quota
    ]
    two = rows(book["Cụm 2"], 6, columns="BCDHIJKM")
    assert two == [
        [1, 1, "W2", 2, None, None, "Có", "Giải 1"],
        [2, 2, "W1", 1, None, None, "Có", "Giải 2"],
        [None, 3, "W3", 0, None, None, "Không", None],  # submitted only: not in the final count
    ]


def test_the_final_ranking_shows_names_organizations_localities_and_the_share_of_quota(finalized):
    book, _written = opened(write_ranking, phase=finalized["phase"])
    sheet = book["Cụm 1"]
    e1, e3 = finalized["agents"]["E1"], finalized["agents"]["E3"]

    assert [sheet[f"{col}6"].value for col in "EFG"] == [e1.full_name, e1.organization.name, e1.locality.name]
    assert sheet["J6"].value == pytest.approx(5 / 3)
    assert sheet["J9"].value == pytest.approx(2 / 3)
    assert sheet["D9"].value == e3.code
    assert_same_minute(sheet["L6"].value, reached(finalized, 5))
    assert_same_minute(sheet["L7"].value, reached(finalized, 3, hours=1))
    assert book["Cụm 2"]["L8"].value is None  # W3 never reached a counted sale


def test_ranking_cells_carry_number_formats(finalized):
    book, _written = opened(write_ranking, phase=finalized["phase"])
    sheet = book["Cụm 1"]

    assert sheet["H6"].number_format == "#,##0"
    assert sheet["I6"].number_format == "#,##0"
    assert sheet["J6"].number_format == "0.00%"
    assert sheet["L6"].number_format == "dd/mm/yyyy hh:mm"
    assert sheet["L6"].is_date
    assert sheet["D6"].number_format == "General"


def test_a_provisional_ranking_says_so_and_counts_submitted_sales(sold):
    book, written = opened(write_ranking, phase=sold["phase"])

    assert written == 7
    two = book["Cụm 2"]
    assert two["A4"].value.startswith("Tạm tính — số liệu đến ")
    assert rows(two, 6, columns="BCDHKM") == [
        [1, 1, "W3", 6, "Có", None],
        [2, 2, "W2", 2, "Có", None],
        [3, 3, "W1", 1, "Có", None],
    ]
    one = book["Cụm 1"]
    assert rows(one, 6, columns="BCDHIK") == [
        [1, 1, "E1", 5, 3, "Có"],
        [2, 2, "E2", 3, 3, "Có"],
        [3, 3, "E4", 3, 3, "Có"],
        [None, 4, "E3", 2, 3, "Không"],
    ]
    assert one["F6"].value == sold["agents"]["E1"].organization.name
    assert one["J9"].value == pytest.approx(2 / 3)
    assert one["J9"].number_format == "0.00%"
    assert_same_minute(one["L8"].value, reached(sold, 3, hours=2))


def test_reopening_makes_the_ranking_provisional_again_and_refinalizing_shows_the_new_version(finalized):
    from awards.services import phase_reopen

    phase = finalized["phase"]
    phase_reopen(phase=phase, by=UserFactory(username="manager"), reason="Sai số liệu")
    phase.refresh_from_db()
    book, _written = opened(write_ranking, phase=phase)
    assert book["Cụm 1"]["A4"].value.startswith("Tạm tính")
    assert book["Cụm 1"]["M6"].value is None  # no prize while provisional

    phase_finalize(phase_id=phase.pk)
    phase.refresh_from_db()
    book, _written = opened(write_ranking, phase=phase)
    assert book["Cụm 1"]["A4"].value.startswith("Chính thức — phiên bản 2, chốt lúc ")


def test_a_rejected_award_leaves_its_standing_without_a_prize(finalized):
    award = Award.objects.get(competitor_code="W1")
    award_reject(award=award, by=UserFactory(username="director"), reason="Hồ sơ thiếu")

    book, _written = opened(write_ranking, phase=finalized["phase"])
    assert book["Cụm 2"]["M7"].value is None
    assert book["Cụm 2"]["M6"].value == "Giải 1"


def test_only_the_clusters_a_reader_may_see_are_written(finalized):
    two = finalized["clusters"][1]

    book, written = opened(write_ranking, phase=finalized["phase"], allows=lambda cluster_id: cluster_id == two.pk)

    assert book.sheetnames == ["Cụm 2"]
    assert written == 3


def test_units_ranked_together_on_indicators_get_one_sheet_with_decimal_scores():
    vss = UnitFactory(code="VSS", name="BHXH Việt Nam", kind="national")
    campaign = CampaignFactory(code="vss", organizer=vss)
    phase = PhaseFactory(campaign=campaign, number=1, status=Phase.Status.OPEN)
    north = UnitFactory(code="BHXH-01", name="BHXH tỉnh A", parent=vss)
    south = UnitFactory(code="BHXH-02", name="BHXH tỉnh B", parent=vss)
    indicator = IndicatorFactory(campaign=campaign, code="SI", default_target=20)
    IndicatorValue.objects.create(indicator=indicator, unit=north, phase=phase, value=25)
    IndicatorValue.objects.create(indicator=indicator, unit=south, phase=phase, value=15)
    AwardRuleFactory(campaign=campaign, code="UNITS", competitor_kind="unit", metric="indicators", per_cluster=False)

    book, written = opened(write_ranking, phase=phase)

    assert (book.sheetnames, written) == (["Bảng xếp hạng"], 2)
    sheet = book["Bảng xếp hạng"]
    # Row 5 names the indicator over its value and target; row 6 is the header.
    assert [sheet["E6"].value, sheet["F6"].value] == ["Tên", "Đơn vị"]
    assert rows(sheet, 7, columns="ABCDEFGHIJ") == [
        [1, 1, 1, "BHXH-01", "BHXH tỉnh A", "BHXH Việt Nam", 1.25, 25, 20, "Có"],
        [2, None, 2, "BHXH-02", "BHXH tỉnh B", "BHXH Việt Nam", 0.75, 15, 20, "Không"],  # below its target
    ]
    assert sheet["G7"].number_format == "#,##0.00"


def test_a_phase_without_a_rule_has_no_ranking():
    phase = PhaseFactory(campaign=CampaignFactory(code="empty"))
    with pytest.raises(NoRanking):
        write_ranking(io.BytesIO(), phase=phase)


# --- The award list ------------------------------------------------------------------------


def test_the_award_list_lists_the_live_awards_with_their_decisions_and_totals(finalized):
    council, director = UserFactory(username="council"), UserFactory(username="director")
    first = Award.objects.get(competitor_code="E1")
    award_review(award=first, by=council, minutes="BB-07/2024")
    award_approve(award=first, by=director, decision_number="123/QĐ-BHXH", decision_date=date(2024, 8, 1))
    award_reject(award=Award.objects.get(competitor_code="W1"), by=director, reason="Hồ sơ thiếu")

    book, written = opened(write_award_list, phase=finalized["phase"])

    assert written == 4
    assert book.sheetnames == ["Danh sách khen thưởng", "Tổng hợp"]
    sheet = book["Danh sách khen thưởng"]
    assert sheet["A1"].value == "Danh sách khen thưởng"
    assert sheet["A2"].value.startswith(f"{finalized['campaign'].name} — {finalized['phase'].name} (")
    assert sheet["A3"].value == "Trạng thái: Đề nghị, Hội đồng đã xét, Đã phê duyệt"
    assert sheet["B5"].value == "Đợt" and sheet["I5"].value == "Số tiền (đồng)"
    assert sheet.freeze_panes == "A6"
    assert sheet.auto_filter.ref == "A5:N9"
    rule = finalized["rule"].name
    assert rows(sheet, 6, 9, columns="CDEFIJKL") == [
        [rule, "Cụm 1", "Giải 1", "E1", 3_000_000, "Đã phê duyệt", "BB-07/2024", "123/QĐ-BHXH"],
        [rule, "Cụm 1", "Giải 2", "E2", 2_000_000, "Đề nghị", None, None],
        [rule, "Cụm 1", "Giải 3", "E4", 1_000_000, "Đề nghị", None, None],
        [rule, "Cụm 2", "Giải 1", "W2", 3_000_000, "Đề nghị", None, None],
    ]
    assert sheet["M6"].value == datetime(2024, 8, 1)
    assert sheet["M6"].number_format == "dd/mm/yyyy"
    assert sheet["I6"].number_format == "#,##0"
    assert rows(sheet, 11, 13, columns="BI") == [
        ["Cộng giải thưởng", 9_000_000],
        ["Cộng cá nhân, tập thể được đề nghị", 0],
        ["Tổng cộng", 9_000_000],
    ]
    assert sheet["B13"].font.b

    summary = book["Tổng hợp"]
    assert [cell.value for cell in summary[5]] == ["STT", "Giải thưởng", "Giải", "Số lượng", "Số tiền (đồng)"]
    assert rows(summary, 6, columns="BCDE") == [
        [rule, "Giải 1", 2, 6_000_000],
        [rule, "Giải 2", 1, 2_000_000],
        [rule, "Giải 3", 1, 1_000_000],
        ["Cộng giải thưởng", None, 4, 9_000_000],
        ["Cộng cá nhân, tập thể được đề nghị", None, 0, 0],
        ["Tổng cộng", None, 4, 9_000_000],
    ]
    assert summary["E6"].number_format == "#,##0"


def test_the_award_list_of_chosen_statuses(finalized):
    award_reject(award=Award.objects.get(competitor_code="W1"), by=UserFactory(username="d"), reason="Hồ sơ thiếu")

    book, written = opened(write_award_list, phase=finalized["phase"], statuses=[Award.Status.REJECTED])

    assert written == 1
    sheet = book["Danh sách khen thưởng"]
    assert sheet["A3"].value == "Trạng thái: Bị từ chối"
    assert rows(sheet, 6, 6, columns="FIJ") == [["W1", 2_000_000, "Bị từ chối"]]


def test_nominations_are_listed_under_their_award_and_counted_unless_rejected():
    vss = UnitFactory(code="VSS", name="BHXH Việt Nam", kind="national")
    campaign = CampaignFactory(code="vss", name="Thi đua quý IV/2017", organizer=vss)
    phase = PhaseFactory(campaign=campaign, number=1, status=Phase.Status.CLOSED)
    office = UnitFactory(code="BHXH-01", name="BHXH tỉnh A", parent=vss, headcount=200)
    indicator = IndicatorFactory(campaign=campaign, code="SI", default_target=20)
    IndicatorValue.objects.create(indicator=indicator, unit=office, phase=phase, value=25)
    rule = AwardRuleFactory(
        campaign=campaign, code="UNITS", name="Tập thể", competitor_kind="unit", metric="indicators", per_cluster=False
    )
    PrizeTierFactory(
        rule=rule,
        position=1,
        title="Bằng khen",
        money="per_headcount",
        amount=130_000,
        nominees_per_winner=5,
        nominee_distinction="Bằng khen cá nhân",
        nominee_amount=5_000_000,
    )
    phase_finalize(phase_id=phase.pk)
    award = Award.objects.get()
    nomination_add(award=award, full_name="Nguyễn Văn A", job_title="Trưởng phòng", organization="BHXH tỉnh A")
    refused = nomination_add(award=award, full_name="Trần Thị B")
    nomination_reject(nomination=refused, by=UserFactory(username="director"), reason="Chưa đủ thành tích")

    book, written = opened(write_award_list, campaign=campaign)

    assert written == 1
    sheet = book["Danh sách khen thưởng"]
    assert sheet["A2"].value == campaign.name
    assert rows(sheet, 6, 8, columns="EFGHIJ") == [
        ["Bằng khen", "BHXH-01", "BHXH tỉnh A", "BHXH Việt Nam", 26_000_000, "Đề nghị"],
        ["Bằng khen cá nhân", None, "Nguyễn Văn A", "Trưởng phòng, BHXH tỉnh A", 5_000_000, "Đề nghị"],
        ["Bằng khen cá nhân", None, "Trần Thị B", None, 5_000_000, "Bị từ chối"],
    ]
    assert sheet["G7"].alignment.indent == 2
    assert sheet["G6"].alignment.indent == 0
    assert sheet.auto_filter.ref == "A5:N8"
    assert rows(sheet, 10, 12, columns="BI") == [
        ["Cộng giải thưởng", 26_000_000],
        ["Cộng cá nhân, tập thể được đề nghị", 5_000_000],
        ["Tổng cộng", 31_000_000],
    ]
    assert rows(book["Tổng hợp"], 6, columns="BCDE") == [
        ["Tập thể", "Bằng khen", 1, 26_000_000],
        ["Cộng giải thưởng", None, 1, 26_000_000],
        ["Cộng cá nhân, tập thể được đề nghị", None, 1, 5_000_000],
        ["Tổng cộng", None, 2, 31_000_000],
    ]


# --- Users' text stays text ----------------------------------------------------------------


def written(write, **kwargs) -> bytes:
    buffer = io.BytesIO()
    write(buffer, **kwargs)
    return buffer.getvalue()


@pytest.mark.parametrize("final", [True, False], ids=["final", "provisional"])
def test_names_that_look_like_formulas_are_written_as_text_in_the_ranking(sold, final):
    agent, rule, phase = sold["agents"]["E1"], sold["rule"], sold["phase"]
    Campaign.objects.filter(pk=sold["campaign"].pk).update(name=WEBSERVICE)
    AwardRule.objects.filter(pk=rule.pk).update(name=AT)
    PrizeTier.objects.filter(rule=rule, position=1).update(title=TAB)
    Agent.objects.filter(pk=agent.pk).update(full_name=HYPERLINK)
    ServiceOrganization.objects.filter(pk=agent.organization_id).update(name=PLUS)
    Locality.objects.filter(pk=agent.locality_id).update(name=MINUS)
    if final:
        phase_close(phase=phase)
        phase_finalize(phase_id=phase.pk)

    content = written(write_ranking, phase=Phase.objects.get(pk=phase.pk))

    expected = {
        ("Cụm 1", "A1"): WEBSERVICE,  # the campaign, first title line
        ("Cụm 1", "A3"): f"{AT} — Cụm 1",  # the rule and its board
        ("Cụm 1", "E6"): HYPERLINK,  # E1, first of cluster 1
        ("Cụm 1", "F6"): PLUS,
        ("Cụm 1", "G6"): MINUS,
    }
    if final:
        expected["Cụm 1", "M6"] = TAB  # the first prize
    assert_written_as_text(content, expected)
    assert load_workbook(io.BytesIO(content))["Cụm 1"]["H6"].value == 5  # the score is still a number


def test_names_that_look_like_formulas_are_written_as_text_in_the_award_list():
    parent = UnitFactory(code="VSS", name=PLUS, kind="national")
    campaign = CampaignFactory(code="vss", name=WEBSERVICE, organizer=parent)
    phase = PhaseFactory(campaign=campaign, number=1, status=Phase.Status.CLOSED)
    office = UnitFactory(code="BHXH-01", name=HYPERLINK, parent=parent, headcount=200)
    indicator = IndicatorFactory(campaign=campaign, code="SI", default_target=20)
    IndicatorValue.objects.create(indicator=indicator, unit=office, phase=phase, value=25)
    rule = AwardRuleFactory(
        campaign=campaign, code="UNITS", name=AT, competitor_kind="unit", metric="indicators", per_cluster=False
    )
    PrizeTierFactory(
        rule=rule,
        position=1,
        title=MINUS,
        money="per_headcount",
        amount=130_000,
        nominees_per_winner=5,
        nominee_distinction="Bằng khen cá nhân",
        nominee_amount=5_000_000,
    )
    phase_finalize(phase_id=phase.pk)
    award = Award.objects.get()
    Award.objects.filter(pk=award.pk).update(council_reference="=1+1", decision_number="-1")
    nomination_add(award=award, full_name=TAB, job_title="@Trưởng phòng", distinction="+Bằng khen")

    content = written(write_award_list, campaign=campaign)

    sheet, summary = "Danh sách khen thưởng", "Tổng hợp"
    assert_written_as_text(
        content,
        {
            (sheet, "A2"): WEBSERVICE,  # the campaign
            (sheet, "C6"): AT,  # the rule
            (sheet, "E6"): MINUS,  # the prize
            (sheet, "G6"): HYPERLINK,  # the winning unit
            (sheet, "H6"): PLUS,  # its parent
            (sheet, "K6"): "=1+1",
            (sheet, "L6"): "-1",
            (sheet, "E7"): "+Bằng khen",  # the nomination under it
            (sheet, "G7"): TAB,
            (sheet, "H7"): "@Trưởng phòng",
            (summary, "A2"): WEBSERVICE,
            (summary, "B6"): AT,
            (summary, "C6"): MINUS,
        },
    )
    assert load_workbook(io.BytesIO(content))[sheet]["I6"].value == 26_000_000  # the amount is still a number


# --- The shared layer -----------------------------------------------------------------------


def test_sheet_titles_are_valid_and_unique():
    taken: set[str] = set()
    assert sheet_title("Cụm 1: Hội An/Tam Kỳ [TP]", taken) == "Cụm 1 Hội An Tam Kỳ TP"
    assert sheet_title("Cụm 1 hội an tam kỳ tp", taken) == "Cụm 1 hội an tam kỳ tp (2)"
    long = "Cụm thi đua số một của các huyện miền núi phía tây"
    assert len(sheet_title(long, taken)) == 31
    assert sheet_title(long, taken) == long[:27].rstrip() + " (2)"
    assert sheet_title("'?*'", taken) == "Sheet"


def test_phase_dates_read_as_an_office_writes_them():
    start = datetime(2024, 4, 1, tzinfo=VN)
    assert period_text(start, datetime(2024, 7, 1, tzinfo=VN), VN) == "01/04/2024 – 30/06/2024"
    cutoff = datetime(2021, 12, 31, 17, 0, tzinfo=VN)
    assert period_text(datetime(2021, 10, 1, tzinfo=VN), cutoff, VN) == "01/10/2021 – 31/12/2021 17:00"


def test_downloads_carry_an_ascii_name_and_the_exact_vietnamese_one():
    header = attachment_header("Bảng xếp hạng Đợt 1.xlsx")
    assert header == (
        "attachment; filename=\"Bang-xep-hang-Dot-1.xlsx\"; filename*=UTF-8''B%E1%BA%A3ng%20x%E1%BA%BFp%20h%E1%BA%A1ng"
        "%20%C4%90%E1%BB%A3t%201.xlsx"
    )


def test_a_styled_sheet_keeps_one_style_per_format_however_many_rows():
    from core.workbooks import Column

    buffer = io.BytesIO()
    with WorkbookWriter(buffer) as book:
        sheet = book.sheet(
            "Dữ liệu", columns=[Column("Số", 8, "#,##0"), Column("Tỷ lệ", 8, "0.00%")], titles=["Tiêu đề"]
        )
        for n in range(500):
            sheet.append([n, n / 500])

    # default, hyperlink, title, header, the row number, two formats (each also quote-prefixed)
    assert cell_formats(buffer.getvalue()) <= 9
    reopened = load_workbook(io.BytesIO(buffer.getvalue()))["Dữ liệu"]
    assert reopened["B502"].value == 499 and reopened["C502"].number_format == "0.00%"
    assert reopened.auto_filter.ref == "A2:C502"
    assert reopened.freeze_panes == "A3"


# --- The admin ---------------------------------------------------------------------------------

PHASES, AWARDS = "/admin/campaigns/phase/", "/admin/awards/award/"


def downloaded(response):
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_a_phase_page_links_to_its_ranking_workbook(client, campaign_manager, finalized):
    phase = finalized["phase"]
    client.force_login(campaign_manager)

    page = client.get(f"{PHASES}{phase.pk}/change/")
    link = f"{PHASES}{phase.pk}/ranking.xlsx?rule={finalized['rule'].pk}"
    assert link in page.text

    book = downloaded(client.get(link))
    assert book.sheetnames == ["Cụm 1", "Cụm 2"]
    assert book["Cụm 1"]["A4"].value.startswith("Chính thức")


def test_an_admin_action_downloads_the_ranking_of_one_selected_phase(client, campaign_manager, finalized):
    from django.contrib.admin import helpers

    client.force_login(campaign_manager)
    phase = finalized["phase"]
    response = client.post(PHASES, {"action": "download_ranking", helpers.ACTION_CHECKBOX_NAME: [phase.pk]})
    assert downloaded(response)["Cụm 2"]["D6"].value == "W2"

    other = PhaseFactory(
        campaign=finalized["campaign"], number=2, start=phase.cutoff, cutoff=phase.cutoff + timedelta(days=30)
    )
    both = client.post(
        PHASES, {"action": "download_ranking", helpers.ACTION_CHECKBOX_NAME: [phase.pk, other.pk]}, follow=True
    )
    assert both["Content-Type"].startswith("text/html")


def test_an_admin_action_exports_the_selected_awards(client, council_member, finalized):
    from django.contrib.admin import helpers

    client.force_login(council_member)
    chosen = Award.objects.filter(competitor_code__in=["E1", "W1"])
    response = client.post(AWARDS, {"action": "export_workbook", helpers.ACTION_CHECKBOX_NAME: [a.pk for a in chosen]})

    book = downloaded(response)
    sheet = book["Danh sách khen thưởng"]
    assert sheet["A2"].value.startswith(finalized["campaign"].name)
    assert [sheet["F6"].value, sheet["F7"].value] == ["E1", "W1"]
    assert book["Tổng hợp"]["D8"].value == 2  # two awards, counted whatever their status


def test_a_datetime_in_an_unformatted_column_keeps_its_format_to_itself():
    from core.workbooks import Column

    buffer = io.BytesIO()
    with WorkbookWriter(buffer) as book:
        sheet = book.sheet("Dữ liệu", columns=[Column("Lúc"), Column("Số"), Column("Tỷ lệ", 8, "0.00%")])
        sheet.append([datetime(2024, 5, 1, 17, 0), 5, 0.5])
        sheet.append([7, datetime(2024, 5, 2), None])

    reopened = load_workbook(buffer)["Dữ liệu"]
    assert reopened["B2"].is_date and reopened["B2"].value == datetime(2024, 5, 1, 17, 0)
    assert reopened["C2"].number_format == "General" and reopened["C2"].value == 5
    assert reopened["D2"].number_format == "0.00%"
    assert reopened["B3"].number_format == "General" and reopened["C3"].is_date
    assert reopened["D3"].value is None
