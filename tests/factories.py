"""factory_boy factories for the domain model. Each builds a valid row."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import factory
from django.contrib.auth import get_user_model

from campaigns.models import (
    AwardRule,
    Campaign,
    Cluster,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Phase,
    PhaseTransition,
    PlanTarget,
    PrizeTier,
    Quota,
    Team,
)
from collectors.models import Agent, Locality, ServiceOrganization, StaffAssignment, Unit
from collectors.selectors import forget_reach
from enrollments.choices import EnrollmentStatus, Gender, Product
from enrollments.identity import make_personal_id
from enrollments.models import CoveragePeriod, Enrollment, EnrollmentTransition, Parameter, Participant

VN = ZoneInfo("Asia/Ho_Chi_Minh")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n:03d}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.vn")
    password = factory.PostGenerationMethodCall("set_password", "pass-12345")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Locality
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"P{n:02d}")
    name = factory.Sequence(lambda n: f"Tỉnh {n}")
    level = Locality.Level.PROVINCE


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Locality
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"D{n:03d}")
    name = factory.Sequence(lambda n: f"Huyện {n}")
    level = Locality.Level.DISTRICT
    parent = factory.SubFactory(ProvinceFactory)


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"U{n:03d}")
    name = factory.Sequence(lambda n: f"BHXH đơn vị {n}")
    kind = Unit.Kind.PROVINCE
    headcount = 100


def vss_unit() -> Unit:
    """Vietnam Social Security, the national unit at the root of every office's tree: its staff reach everything."""
    unit, _created = Unit.objects.get_or_create(
        code="VSS", defaults={"name": "Bảo hiểm xã hội Việt Nam", "kind": Unit.Kind.NATIONAL}
    )
    return unit


def assign_unit(user, unit: Unit | None = None) -> StaffAssignment:
    """Make ``user`` a staff member of ``unit`` (default: Vietnam Social Security, which reaches everything)."""
    assignment, _created = StaffAssignment.objects.update_or_create(user=user, defaults={"unit": unit or vss_unit()})
    forget_reach(user)
    return assignment


class ServiceOrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceOrganization
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"ORG{n:03d}")
    name = factory.Sequence(lambda n: f"Tổ chức dịch vụ {n}")
    kind = ServiceOrganization.Kind.POST_OFFICE
    contracting_unit = factory.SubFactory(UnitFactory)


class AgentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agent
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"A{n:04d}")
    full_name = factory.Sequence(lambda n: f"Nhân viên thu {n}")
    organization = factory.SubFactory(ServiceOrganizationFactory)
    role = Agent.Role.AGENT
    locality = factory.SubFactory(DistrictFactory)


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"campaign-{n}")
    name = factory.Sequence(lambda n: f"Phong trào thi đua {n}")
    organizer = factory.SubFactory(UnitFactory)
    products = factory.LazyFunction(lambda: [Product.VSI])
    status = Campaign.Status.RUNNING
    # No public notice unless a test asks for one: awards may be approved right after finalizing.
    notice_days = 0


class PhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Phase

    campaign = factory.SubFactory(CampaignFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = factory.LazyAttribute(lambda p: f"Đợt {p.number}")
    start = factory.LazyFunction(lambda: datetime(2024, 4, 1, tzinfo=VN))
    cutoff = factory.LazyAttribute(lambda p: p.start + timedelta(days=91))


class ClusterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cluster

    campaign = factory.SubFactory(CampaignFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = factory.LazyAttribute(lambda c: f"Cụm {c.number}")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    campaign = factory.SubFactory(CampaignFactory)
    code = factory.Sequence(lambda n: f"T{n:02d}")
    name = factory.Sequence(lambda n: f"Tổ tuyên truyền {n}")


class QuotaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Quota

    campaign = factory.SubFactory(CampaignFactory)
    minimum = 90


class PlanTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanTarget

    campaign = factory.SubFactory(CampaignFactory)
    scope = PlanTarget.Scope.CAMPAIGN
    target = 1000


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    campaign = factory.SubFactory(CampaignFactory)
    code = factory.Sequence(lambda n: f"IND{n}")
    name = factory.Sequence(lambda n: f"Chỉ tiêu {n}")
    comparator = Indicator.Comparator.AT_LEAST
    default_target = 26.8


class AwardRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AwardRule

    campaign = factory.SubFactory(CampaignFactory)
    code = factory.Sequence(lambda n: f"R{n}")
    name = factory.Sequence(lambda n: f"Giải thưởng {n}")


class PrizeTierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PrizeTier

    rule = factory.SubFactory(AwardRuleFactory)
    position = factory.Sequence(lambda n: n + 1)
    title = factory.LazyAttribute(lambda t: f"Giải {t.position}")
    winners = 1


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant
        django_get_or_create = ("personal_id",)

    date_of_birth = date(1990, 5, 17)
    gender = Gender.MALE
    personal_id = factory.Sequence(
        lambda n: make_personal_id(province_code="049", date_of_birth=date(1990, 5, 17), gender=Gender.MALE, serial=n)
    )
    full_name = factory.Sequence(lambda n: f"Người tham gia {n}")


class CoveragePeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CoveragePeriod

    participant = factory.SubFactory(ParticipantFactory)
    product = Product.VSI
    start = date(2022, 1, 1)
    end = date(2022, 12, 31)


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    phase = factory.SubFactory(PhaseFactory)
    campaign = factory.SelfAttribute("phase.campaign")
    agent = factory.SubFactory(AgentFactory)
    participant = factory.SubFactory(ParticipantFactory)
    product = Product.VSI
    client_ref = factory.Sequence(lambda n: f"REF-{n:06d}")
    receipt_at = factory.LazyAttribute(lambda e: e.phase.start + timedelta(days=1))
    payment_months = 3
    coverage_start = factory.LazyAttribute(lambda e: e.receipt_at.astimezone(VN).date())
    declared_income = 1_500_000
    counted = True


class PhaseTransitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PhaseTransition

    phase = factory.SubFactory(PhaseFactory)
    from_status = Phase.Status.SCHEDULED
    to_status = Phase.Status.OPEN
    reason = "Đến ngày bắt đầu đợt thi đua"


class IndicatorTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndicatorTarget

    indicator = factory.SubFactory(IndicatorFactory)
    unit = factory.SubFactory(UnitFactory)
    target = 30


class IndicatorValueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndicatorValue

    indicator = factory.SubFactory(IndicatorFactory)
    unit = factory.SubFactory(UnitFactory)
    phase = factory.SubFactory(PhaseFactory, campaign=factory.SelfAttribute("..indicator.campaign"))
    value = 27.5


class ParameterFactory(factory.django.DjangoModelFactory):
    """A base salary in force from a date far from the shipped ones."""

    class Meta:
        model = Parameter

    kind = Parameter.Kind.BASE_SALARY
    effective_from = factory.Sequence(lambda n: date(2100, 1, 1) + timedelta(days=n))
    value = 3_000_000


class EnrollmentTransitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EnrollmentTransition

    enrollment = factory.SubFactory(EnrollmentFactory)
    from_status = EnrollmentStatus.SUBMITTED
    to_status = EnrollmentStatus.CONFIRMED
    reason = "Đã đối chiếu biên lai"


def api_token(user, device: str = "") -> str:
    """A new API token of one of ``user``'s devices, as the app sends it (``Token …``)."""
    from accounts.services import api_token_create

    return api_token_create(user=user, device=device)[1]
