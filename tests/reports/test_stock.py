"""Stock against plan (DESIGN §13): the people covered on a day, from the coverage
history and confirmed enrollments, against the plan of people covered; and
progress cut at any date. The Hải Phòng 2019 and Tam Kỳ 2020 example files
reproduce the articles' figures in the progress workbook."""

from __future__ import annotations

import io
import itertools
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from openpyxl import load_workbook

from campaigns.definition import campaign_import, parse_definition
from campaigns.models import Campaign, Team
from collectors.models import Agent, ServiceOrganization, Unit
from enrollments.choices import EnrollmentStatus, Gender, Product
from enrollments.identity import make_personal_id
from enrollments.models import CoveragePeriod, Enrollment, Participant
from enrollments.services import enrollments_submit, enrollments_transition
from reports.workbooks import STOCK_LABEL, write_progress
from tests.factories import AgentFactory, ServiceOrganizationFactory, UserFactory
from tests.intake_fixtures import client_for
from tests.reports.test_workbooks import Sheet

pytestmark = pytest.mark.django_db

EXAMPLES = Path(settings.BASE_DIR) / "examples" / "campaigns"
VN = ZoneInfo("Asia/Ho_Chi_Minh")
_SERIALS = itertools.count(1)


def import_campaign(name: str) -> Campaign:
    text = (EXAMPLES / f"{name}.yaml").read_text(encoding="utf-8")
    campaign = campaign_import(definition=parse_definition(text))
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.RUNNING)
    campaign.refresh_from_db()
    return campaign


def person(province: str) -> dict:
    serial = next(_SERIALS)
    born = date(1965 + serial % 35, 1 + serial % 12, 1 + serial % 28)
    gender = Gender.FEMALE if serial % 2 else Gender.MALE
    return {
        "personal_id": make_personal_id(province_code=province, date_of_birth=born, gender=gender, serial=serial),
        "full_name": f"Nguyễn Văn An {serial}",
        "date_of_birth": born,
        "gender": gender,
        "household_category": "other",
    }


def sell(agent: Agent, count: int, *, first: datetime, step: timedelta, now: datetime, province: str) -> None:
    """``count`` new people, one per ``step`` from ``first``, each paying VSI for 3 months."""
    items = [
        {
            "client_ref": f"{agent.code}-{serial}",
            "product": Product.VSI,
            "participant": person(province),
            "receipt_at": first + n * step,
            "payment_months": 3,
            "receipt_no": f"BL-{agent.code}-{serial}",
            "declared_income": 1_500_000,
        }
        for n, serial in zip(range(count), _SERIALS, strict=False)
    ]
    results = enrollments_submit(agent=agent, items=items, now=now)
    assert [r.outcome for r in results] == ["created"] * count, [r.errors for r in results if r.errors][:3]


def confirm_all(campaign: Campaign) -> None:
    enrollments = list(Enrollment.objects.filter(campaign=campaign, status=EnrollmentStatus.SUBMITTED))
    enrollments_transition(enrollments=enrollments, to_status=EnrollmentStatus.CONFIRMED)


def covered_history(count: int, *, product: str, start: date, end: date, prefix: str) -> None:
    """``count`` people the core system knows, each covered from ``start`` to ``end`` (imported history)."""
    people = Participant.objects.bulk_create(
        Participant(
            personal_id=f"{prefix}{n:09d}",
            full_name=f"Trần Thị Bình {n}",
            date_of_birth=date(1970, 1, 1),
            gender=Gender.FEMALE,
        )
        for n in range(count)
    )
    CoveragePeriod.objects.bulk_create(
        CoveragePeriod(participant=p, product=product, start=start, end=end, source=CoveragePeriod.Source.CORE_SYSTEM)
        for p in people
    )


def workbook(campaign: Campaign, **kwargs):
    output = io.BytesIO()
    write_progress(output, campaign=campaign, **kwargs)
    output.seek(0)
    return load_workbook(output)


def at(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=VN)


# --- Hải Phòng 2019: 8,148 participants = 56.43% of the plan of 14,439 ----------------------


@pytest.fixture
def hai_phong():
    """The example file; 7,324 people already covered imported as history; 824 new
    participants in the first quarter (354 through the post office, 470 through
    other agents), confirmed; 40 more in April; and people the day does not count:
    coverage that lapsed in 2018, coverage starting in April, HHI only."""
    campaign = import_campaign("hai-phong-2019")
    office = Unit.objects.get(code="BHXH-31")
    post = ServiceOrganizationFactory(code="BD-HP", kind=ServiceOrganization.Kind.POST_OFFICE, contracting_unit=office)
    other = ServiceOrganizationFactory(code="DL-HP", kind=ServiceOrganization.Kind.OTHER_AGENT, contracting_unit=office)
    postman = AgentFactory(code="HP-BD-1", organization=post, unit=None)
    broker = AgentFactory(code="HP-DL-1", organization=other, unit=None)
    quarter = {"step": timedelta(hours=3), "now": at(2019, 4, 1, 12), "province": "031"}
    sell(postman, 354, first=at(2019, 1, 26, 7), **quarter)
    sell(broker, 470, first=at(2019, 1, 26, 8), **quarter)
    sell(broker, 40, first=at(2019, 4, 2, 8), step=timedelta(hours=1), now=at(2019, 4, 10), province="031")
    confirm_all(campaign)
    covered_history(7_324, product=Product.VSI, start=date(2016, 1, 1), end=date(2019, 12, 31), prefix="099")
    covered_history(30, product=Product.VSI, start=date(2016, 1, 1), end=date(2018, 12, 31), prefix="098")
    covered_history(20, product=Product.VSI, start=date(2019, 4, 1), end=date(2019, 12, 31), prefix="097")
    covered_history(15, product=Product.HHI, start=date(2019, 1, 1), end=date(2019, 12, 31), prefix="096")
    return campaign


def test_hai_phong_progress_workbook_shows_8148_covered_against_the_plan_of_14439(hai_phong):
    book = workbook(hai_phong, on=date(2019, 3, 31))
    summary = Sheet(book["Tổng hợp"])

    assert summary.value(STOCK_LABEL, "Thời gian") == "ngày 31/03/2019"
    assert summary.value(STOCK_LABEL, "Thực hiện BHXH tự nguyện") == 8_148
    assert summary.value(STOCK_LABEL, "Kế hoạch BHXH tự nguyện") == 14_439
    ratio = summary.value(STOCK_LABEL, "Tỷ lệ % kế hoạch BHXH tự nguyện")
    assert round(ratio * 100, 2) == 56.43
    assert summary.cell(STOCK_LABEL, "Tỷ lệ % kế hoạch BHXH tự nguyện").number_format == "0.00%"
    assert summary.value(STOCK_LABEL, "Thực hiện BHYT hộ gia đình") == 15


def test_hai_phong_new_participants_are_no_longer_measured_against_the_stock_plan(hai_phong):
    book = workbook(hai_phong, on=date(2019, 3, 31))
    summary = Sheet(book["Tổng hợp"])

    # Before: 824 / 14,439 = 5.71%. The plan is a plan of people covered.
    assert summary.value("Tổng cộng", "Thực hiện BHXH tự nguyện") == 824
    assert summary.value("Tổng cộng", "Kế hoạch BHXH tự nguyện") is None
    organizations = Sheet(book["Theo tổ chức dịch vụ thu"])
    assert organizations.value("Cộng Bưu điện", "Thực hiện BHXH tự nguyện") == 354
    assert organizations.value("Cộng Tổ chức dịch vụ thu khác", "Thực hiện BHXH tự nguyện") == 470


def test_progress_is_cut_at_the_end_of_the_day_asked_for(hai_phong):
    later = Sheet(workbook(hai_phong, on=date(2019, 4, 30))["Tổng hợp"])
    earlier = Sheet(workbook(hai_phong, on=date(2019, 2, 28))["Tổng hợp"])

    assert later.value("Tổng cộng", "Thực hiện BHXH tự nguyện") == 864
    # April's coverage starts count; January's new people's 3 months have ended.
    assert later.value(STOCK_LABEL, "Thực hiện BHXH tự nguyện") == 7_324 + 20 + 40 + 824 - _ended_by(date(2019, 4, 30))
    counted_by_february = Enrollment.objects.filter(
        campaign=hai_phong, counted=True, receipt_at__lt=at(2019, 3, 1)
    ).count()
    assert 0 < counted_by_february < 824
    assert earlier.value("Tổng cộng", "Thực hiện BHXH tự nguyện") == counted_by_february


def _ended_by(day: date) -> int:
    return CoveragePeriod.objects.filter(source=CoveragePeriod.Source.ENROLLMENT, end__lt=day).count()


def test_the_api_gives_the_same_stock_and_cuts_at_a_date(hai_phong, superuser):
    api = client_for(superuser)

    answer = api.get(f"/api/v1/campaigns/{hai_phong.code}/progress/", {"on": "2019-03-31"})

    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["covered_on"] == "2019-03-31"
    vsi = next(line for line in body["covered"]["by_product"] if line["product"] == "VSI")
    assert (vsi["counted"], vsi["plan"], vsi["percent"]) == (8_148, 14_439, "56.43")
    assert body["total"]["counted"] == 824


def test_the_api_refuses_a_date_that_is_not_one_with_a_json_400(hai_phong, superuser):
    answer = client_for(superuser).get(f"/api/v1/campaigns/{hai_phong.code}/progress/", {"on": "31/03/2019"})

    assert answer.status_code == 400
    assert "on" in answer.json()["errors"]


def test_a_manager_reads_their_organization_without_the_stock(hai_phong):
    manager = UserFactory(username="quanly-bd")
    ServiceOrganization.objects.get(code="BD-HP").managers.add(manager)

    body = client_for(manager).get(f"/api/v1/campaigns/{hai_phong.code}/progress/", {"on": "2019-03-31"}).json()

    assert body["covered"] is None
    assert body["total"]["counted"] == 354


def test_a_stranger_may_not_read_a_campaigns_progress(hai_phong):
    answer = client_for(UserFactory(username="nobody")).get(f"/api/v1/campaigns/{hai_phong.code}/progress/")

    assert answer.status_code == 403
    assert answer.json()["code"] == "permission_denied"


def test_the_overview_page_shows_the_people_covered_against_the_plan(hai_phong, client, superuser):
    client.force_login(superuser)

    page = client.get(f"/campaigns/{hai_phong.code}/", {"on": "2019-03-31"}).content.decode()

    assert "Số người tham gia có hiệu lực ngày 31/03/2019 so với kế hoạch" in page
    assert "8.148" in page
    assert "14.439" in page
    assert "56,43%" in page


# --- Tam Kỳ 2020: 140.0%, 126.7%, 100.0% per team and 111.3% for the city -----------------


def test_tam_ky_progress_workbook_reproduces_the_articles_percentages():
    campaign = import_campaign("tam-ky-2020")
    committees = ServiceOrganizationFactory(
        code="UBND-TKY",
        kind=ServiceOrganization.Kind.COMMUNE_COMMITTEE,
        contracting_unit=Unit.objects.get(code="BHXH-49"),
    )
    brought = {"TKY-AN-PHU": 21, "TKY-TAN-THANH": 19, "TKY-AN-XUAN": 15}
    others = Team.objects.filter(campaign=campaign).exclude(code__in=brought).order_by("code")
    for n, team in enumerate(others):
        brought[team.code] = 17 if n < 2 else 16  # the other ten teams: 162
    assert sum(brought.values()) == 217
    for team in Team.objects.filter(campaign=campaign):
        agent = AgentFactory(code=f"TK-{team.code}", organization=committees, locality=team.locality, unit=None)
        team.members.add(agent)
        step = timedelta(minutes=20)
        sell(agent, brought[team.code], first=at(2020, 10, 3, 7), step=step, now=at(2020, 10, 5, 20), province="049")

    book = workbook(campaign)

    teams = Sheet(book["Theo tổ tuyên truyền"])
    for name, counted, percent in [
        ("Tổ tuyên truyền phường An Phú", 21, 140.0),
        ("Tổ tuyên truyền phường Tân Thạnh", 19, 126.7),
        ("Tổ tuyên truyền phường An Xuân", 15, 100.0),
    ]:
        assert teams.value(name, "Thực hiện BHXH tự nguyện") == counted
        assert teams.value(name, "Kế hoạch BHXH tự nguyện") == 15
        assert round(teams.value(name, "Tỷ lệ % kế hoạch BHXH tự nguyện") * 100, 1) == percent
    city = Sheet(book["Theo địa bàn"])
    assert city.value("Thành phố Tam Kỳ", "Thực hiện BHXH tự nguyện") == 217
    assert city.value("Thành phố Tam Kỳ", "Kế hoạch BHXH tự nguyện") == 195
    assert round(city.value("Thành phố Tam Kỳ", "Tỷ lệ % kế hoạch BHXH tự nguyện") * 100, 1) == 111.3
