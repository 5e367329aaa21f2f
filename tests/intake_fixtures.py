"""A running campaign with an open phase, two agents of one cluster and API clients for each role."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from campaigns.models import Campaign, Phase, Quota
from collectors.models import Locality
from enrollments.serializers import EnrollmentInSerializer
from enrollments.services import enrollment_submit
from tests.factories import (
    AgentFactory,
    CampaignFactory,
    ClusterFactory,
    PhaseFactory,
    ServiceOrganizationFactory,
    UnitFactory,
    UserFactory,
    api_token,
)


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def quang_nam(db):
    province = Locality.objects.create(code="49", name="Tỉnh Quảng Nam", level="province")
    tam_ky = Locality.objects.create(code="502", name="Thành phố Tam Kỳ", level="district", parent=province)
    hoi_an = Locality.objects.create(code="503", name="Thành phố Hội An", level="district", parent=province)
    return {"province": province, "tam_ky": tam_ky, "hoi_an": hoi_an}


@pytest.fixture
def campaign(quang_nam) -> Campaign:
    organizer = UnitFactory(code="BHXH-49", name="BHXH tỉnh Quảng Nam")
    campaign = CampaignFactory(code="qn", name="Thi đua Quảng Nam", organizer=organizer, products=["VSI", "HHI"])
    now = timezone.now()
    PhaseFactory(
        campaign=campaign, number=1, name="Đợt 1", start=now - timedelta(days=150), cutoff=now - timedelta(days=60)
    )
    PhaseFactory(
        campaign=campaign, number=2, name="Đợt 2", start=now - timedelta(days=60), cutoff=now + timedelta(days=30)
    )
    cluster = ClusterFactory(campaign=campaign, number=1, name="Cụm 1")
    cluster.localities.add(quang_nam["tam_ky"], quang_nam["hoi_an"])
    Quota.objects.create(campaign=campaign, cluster=cluster, product="VSI", minimum=3)
    return campaign


@pytest.fixture
def open_phase(campaign) -> Phase:
    return campaign.phases.get(number=2)


@pytest.fixture
def closed_phase(campaign) -> Phase:
    return campaign.phases.get(number=1)


@pytest.fixture
def post_office(db):
    return ServiceOrganizationFactory(code="BD-QN", name="Bưu điện tỉnh Quảng Nam", kind="post_office")


def _agent_with_login(code: str, organization, locality):
    user = UserFactory(username=code.lower())
    return AgentFactory(code=code, organization=organization, locality=locality, user=user)


@pytest.fixture
def agent1(campaign, post_office, quang_nam):
    return _agent_with_login("A01", post_office, quang_nam["tam_ky"])


@pytest.fixture
def agent2(campaign, quang_nam):
    other = ServiceOrganizationFactory(code="DL-01", name="Đại lý thu Hòa Bình", kind="other_agent")
    return _agent_with_login("A02", other, quang_nam["hoi_an"])


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return client


@pytest.fixture
def api1(agent1):
    return client_for(agent1.user)


@pytest.fixture
def api2(agent2):
    return client_for(agent2.user)


@pytest.fixture
def reviewer_api(reviewer):
    return client_for(reviewer)


@pytest.fixture
def submitted(agent1):
    """Two enrollments agent A01 submitted through the intake service: BL-1 (a man) and BL-2 (a woman)."""

    def make(ref, pid, gender, receipt_no):
        body = submission(client_ref=ref, receipt_no=receipt_no, participant={"personal_id": pid, "gender": gender})
        return enrollment_submit(agent=agent1, item=EnrollmentInSerializer().run_validation(body)).enrollment

    return [make("A-1", "049090123456", "male", "BL-1"), make("A-2", "049190000001", "female", "BL-2")]


def submission(**overrides):
    """A valid VSI submission received an hour ago, by a 34-year-old man of Quảng Nam."""
    body = {
        "client_ref": "A01-000001",
        "product": "VSI",
        "participant": {
            "personal_id": "049090123456",
            "full_name": "Nguyễn Văn An",
            "date_of_birth": "1990-05-17",
            "gender": "male",
            "household_category": "other",
            "locality_code": "502",
        },
        "receipt_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "payment_months": 3,
        "declared_income": 1_500_000,
        "receipt_no": "BL-0001",
    }
    participant = overrides.pop("participant", {})
    body.update(overrides)
    body["participant"] = {**body["participant"], **participant}
    if body["product"] == "HHI":
        if "declared_income" not in overrides:
            body.pop("declared_income")
        body.setdefault("household_member_order", 1)
    return body
