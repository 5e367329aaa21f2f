from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from enrollments.models import CoveragePeriod, Enrollment, Parameter, Participant
from tests.constraints import assert_db_rejects
from tests.factories import CoveragePeriodFactory, EnrollmentFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


def test_reference_parameters_ship_as_initial_data():
    base = Parameter.objects.filter(kind="base_salary").order_by("effective_from")
    assert [int(p.value) for p in base] == [1_210_000, 1_300_000, 1_390_000, 1_490_000, 1_800_000, 2_340_000]
    poverty = Parameter.objects.filter(kind="rural_poverty_line").order_by("effective_from")
    assert [(p.effective_from, int(p.value)) for p in poverty] == [
        (date(2016, 1, 1), 700_000),
        (date(2022, 1, 1), 1_500_000),
    ]


def test_a_parameter_has_one_value_per_date():
    assert_db_rejects(
        "parameter_unique_per_kind_category_date",
        lambda: Parameter.objects.create(kind="base_salary", effective_from=date(2024, 7, 1), value=Decimal(1)),
        unique=True,
    )


def test_the_support_rate_needs_a_household_category():
    assert_db_rejects(
        "parameter_category_only_for_support_rate",
        lambda: Parameter.objects.create(kind="vsi_support_rate", effective_from=date(2030, 1, 1), value=Decimal(10)),
    )


def test_other_parameters_take_no_household_category():
    assert_db_rejects(
        "parameter_category_only_for_support_rate",
        lambda: Parameter.objects.create(
            kind="base_salary", household_category="poor", effective_from=date(2030, 1, 1), value=Decimal(1)
        ),
    )


def test_a_parameter_cannot_be_negative():
    assert_db_rejects(
        "parameter_value_not_negative",
        lambda: Parameter.objects.create(kind="base_salary", effective_from=date(2030, 1, 1), value=Decimal(-1)),
    )


def _participant(**fields) -> Participant:
    return Participant.objects.create(
        **{
            "personal_id": "049090418444",
            "full_name": "A",
            "date_of_birth": date(1990, 1, 1),
            "gender": "male",
            **fields,
        }
    )


@pytest.mark.parametrize(
    "personal_id",
    [
        "04909041844",  # eleven digits
        "０４９０９０４１８４４４",  # full-width
        "049²90418444",  # superscript
        "049٠90418444",  # Arabic-Indic zero
        " 49090418444",
        "04909041844\n",
        "04909041844a",
    ],
)
def test_a_personal_id_is_twelve_ascii_digits_in_the_database(personal_id):
    assert_db_rejects("participant_personal_id_12_digits", lambda: _participant(personal_id=personal_id))


def test_the_full_width_twin_of_a_stored_personal_id_cannot_be_stored():
    _participant()
    assert_db_rejects("participant_personal_id_12_digits", lambda: _participant(personal_id="０４９０９０４１８４４４"))
    assert list(Participant.objects.values_list("personal_id", flat=True)) == ["049090418444"]


def test_a_personal_id_of_twelve_ascii_digits_is_stored():
    assert _participant(personal_id="001300000000").personal_id == "001300000000"


@pytest.mark.parametrize("code", ["123", "４９０１２３４５６７", "49012345⁶7", "490123456 "])
def test_a_social_insurance_code_is_ten_ascii_digits_in_the_database(code):
    assert_db_rejects("participant_si_code_10_digits", lambda: ParticipantFactory(social_insurance_code=code))


def test_validating_a_full_width_personal_id_gives_the_constraints_message():
    person = Participant(
        personal_id="０４９０９０４１８４４４", full_name="A", date_of_birth=date(1990, 1, 1), gender="male"
    )
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        person.validate_constraints()
    assert "A personal ID (CCCD) has exactly 12 digits." in caught.value.messages


def test_a_social_insurance_code_belongs_to_one_participant():
    ParticipantFactory(social_insurance_code="4901234567")
    assert_db_rejects(
        "participant_unique_si_code", lambda: ParticipantFactory(social_insurance_code="4901234567"), unique=True
    )


def test_many_participants_may_have_no_social_insurance_code():
    ParticipantFactory(social_insurance_code=None)
    ParticipantFactory(social_insurance_code=None)
    assert Participant.objects.filter(social_insurance_code__isnull=True).count() == 2


def test_personal_ids_are_unique():
    participant = ParticipantFactory()
    assert_db_rejects(
        "personal_id",
        lambda: Participant.objects.create(
            personal_id=participant.personal_id, full_name="B", date_of_birth=date(1990, 1, 1), gender="male"
        ),
        unique=True,
    )


def test_coverage_cannot_end_before_it_starts():
    assert_db_rejects(
        "coverageperiod_start_not_after_end",
        lambda: CoveragePeriodFactory(start=date(2023, 1, 1), end=date(2022, 12, 31)),
    )


def test_coverage_from_an_enrollment_must_name_it():
    assert_db_rejects("coverageperiod_enrollment_source", lambda: CoveragePeriodFactory(source="enrollment"))


def test_imported_coverage_names_no_enrollment():
    enrollment = EnrollmentFactory()
    assert_db_rejects(
        "coverageperiod_enrollment_source",
        lambda: CoveragePeriod.objects.create(
            participant=enrollment.participant,
            product="VSI",
            start=date(2024, 1, 1),
            end=date(2024, 3, 31),
            source="core_system",
            enrollment=enrollment,
        ),
    )


def test_a_client_reference_is_unique_per_agent():
    first = EnrollmentFactory(client_ref="A01-1")
    assert_db_rejects(
        "enrollment_unique_client_ref_per_agent",
        lambda: EnrollmentFactory(agent=first.agent, phase=first.phase, client_ref="A01-1"),
        unique=True,
    )


def test_two_agents_may_use_the_same_client_reference():
    first = EnrollmentFactory(client_ref="X-1")
    second = EnrollmentFactory(client_ref="X-1", phase=first.phase)
    assert first.agent != second.agent


def test_a_participant_is_counted_once_per_campaign_and_product():
    first = EnrollmentFactory()
    assert_db_rejects(
        "enrollment_one_counted_per_participant",
        lambda: EnrollmentFactory(participant=first.participant, phase=first.phase, counted=True),
        unique=True,
    )


def test_a_second_enrollment_of_a_participant_may_be_stored_as_not_counted():
    first = EnrollmentFactory()
    second = EnrollmentFactory(
        participant=first.participant, phase=first.phase, counted=False, not_counted_reason="duplicate"
    )
    assert Enrollment.objects.filter(participant=first.participant, counted=True).get() == first
    assert second.pk


def test_the_same_participant_counts_once_per_product():
    first = EnrollmentFactory()
    hhi = EnrollmentFactory(
        participant=first.participant,
        phase=first.phase,
        product="HHI",
        declared_income=None,
        household_member_order=1,
    )
    assert hhi.counted


@pytest.mark.parametrize(("product", "months"), [("VSI", 2), ("VSI", 24), ("HHI", 1)])
def test_the_payment_period_must_suit_the_product(product, months):
    extra = {"declared_income": None, "household_member_order": 1} if product == "HHI" else {}
    assert_db_rejects(
        "enrollment_payment_months_allowed",
        lambda: EnrollmentFactory(product=product, payment_months=months, **extra),
    )


def test_a_vsi_enrollment_needs_a_declared_income():
    assert_db_rejects("enrollment_product_fields", lambda: EnrollmentFactory(declared_income=None))


def test_an_hhi_enrollment_needs_a_household_member_order():
    assert_db_rejects(
        "enrollment_product_fields",
        lambda: EnrollmentFactory(product="HHI", declared_income=None, household_member_order=None),
    )


def test_an_hhi_enrollment_takes_no_declared_income():
    assert_db_rejects(
        "enrollment_product_fields",
        lambda: EnrollmentFactory(product="HHI", declared_income=1_500_000, household_member_order=1),
    )


def test_an_enrollment_that_does_not_count_must_say_why():
    assert_db_rejects("enrollment_counted_xor_reason", lambda: EnrollmentFactory(counted=False))


def test_a_counted_enrollment_carries_no_reason():
    assert_db_rejects(
        "enrollment_counted_xor_reason", lambda: EnrollmentFactory(counted=True, not_counted_reason="not_new")
    )


@pytest.mark.parametrize("status", ["rejected", "cancelled", "withdrawn"])
def test_a_closed_enrollment_never_counts(status):
    assert_db_rejects("enrollment_closed_status_not_counted", lambda: EnrollmentFactory(status=status, counted=True))
