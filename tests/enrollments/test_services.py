"""Status changes of enrollments in bulk (``enrollments_transition``): each move
checked against the state map and recorded, coverage kept in step, counting
re-evaluated once, and all or nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from collectors.selectors import user_reach
from core.errors import InvalidTransition
from core.reach import ALL, OutOfReach
from enrollments.choices import EnrollmentStatus, NotCountedReason
from enrollments.models import CoveragePeriod, Enrollment, EnrollmentTransition
from enrollments.services import enrollments_transition
from tests.offices import build_offices

pytestmark = pytest.mark.django_db


def test_confirming_in_bulk_records_each_move_and_each_coverage(submitted, reviewer):
    confirmed = enrollments_transition(enrollments=submitted, to_status=EnrollmentStatus.CONFIRMED, by=reviewer)

    assert [e.status for e in confirmed] == [EnrollmentStatus.CONFIRMED] * 2
    assert all(e.counted for e in confirmed)
    moves = EnrollmentTransition.objects.filter(enrollment__in=submitted, to_status=EnrollmentStatus.CONFIRMED)
    assert sorted(moves.values_list("enrollment_id", "from_status", "by__username")) == [
        (submitted[0].pk, EnrollmentStatus.SUBMITTED, "reviewer"),
        (submitted[1].pk, EnrollmentStatus.SUBMITTED, "reviewer"),
    ]
    assert set(CoveragePeriod.objects.values_list("enrollment_id", flat=True)) == {e.pk for e in submitted}


def test_rejecting_in_bulk_keeps_each_reason_and_stops_counting(submitted, reviewer):
    reasons = {submitted[0].pk: "Sai số biên lai", submitted[1].pk: "Trùng hồ sơ"}
    rejected = enrollments_transition(
        enrollments=submitted, to_status=EnrollmentStatus.REJECTED, by=reviewer, reasons=reasons
    )

    assert {e.pk: e.status_reason for e in rejected} == reasons
    assert all(not e.counted and e.not_counted_reason == NotCountedReason.REJECTED for e in rejected)


def test_one_refused_move_leaves_the_whole_batch_unchanged(submitted, reviewer):
    enrollments_transition(enrollments=[submitted[1]], to_status=EnrollmentStatus.CONFIRMED, by=reviewer)

    with pytest.raises(InvalidTransition):  # a confirmed enrollment is cancelled, not withdrawn
        enrollments_transition(enrollments=submitted, to_status=EnrollmentStatus.WITHDRAWN, by=reviewer)

    assert dict(Enrollment.objects.values_list("pk", "status")) == {
        submitted[0].pk: EnrollmentStatus.SUBMITTED,
        submitted[1].pk: EnrollmentStatus.CONFIRMED,
    }
    assert not EnrollmentTransition.objects.filter(to_status=EnrollmentStatus.WITHDRAWN).exists()


def test_a_rejection_without_a_reason_is_refused(submitted, reviewer):
    with pytest.raises(ValidationError):
        enrollments_transition(
            enrollments=submitted,
            to_status=EnrollmentStatus.REJECTED,
            by=reviewer,
            reasons={submitted[0].pk: "Sai số biên lai"},
        )

    assert set(Enrollment.objects.values_list("status", flat=True)) == {EnrollmentStatus.SUBMITTED}


def test_a_batch_with_an_enrollment_of_another_office_is_refused_whole():
    offices = build_offices()
    batch = [offices.quang_nam.submitted, offices.tay_ninh.submitted]

    with pytest.raises(OutOfReach):
        enrollments_transition(
            enrollments=batch,
            to_status=EnrollmentStatus.CONFIRMED,
            by=offices.quang_nam.staff,
            reach=user_reach(offices.quang_nam.staff),
        )

    assert set(Enrollment.objects.filter(pk__in=[e.pk for e in batch]).values_list("status", flat=True)) == {
        EnrollmentStatus.SUBMITTED
    }
    confirmed = enrollments_transition(enrollments=batch, to_status=EnrollmentStatus.CONFIRMED, reach=ALL)
    assert {e.status for e in confirmed} == {EnrollmentStatus.CONFIRMED}
