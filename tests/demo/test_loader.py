"""The demo: the Quảng Nam 2024 campaign alive today, with agents who can log in
and a few thousand enrollments that obey the domain rules, written through the
same services as a user's.

Every receipt goes through the intake and review services, so loading takes a
while: the demo is loaded once for the package (``tests/demo/conftest.py``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta
from io import StringIO
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.utils import timezone

from campaigns.models import Campaign, Phase
from campaigns.selectors import agent_participations
from collectors.models import Agent, Locality, ServiceOrganization
from collectors.selectors import user_reach
from core.reach import ALL
from demo.loader import demo_load
from enrollments.choices import EnrollmentStatus, NotCountedReason, Product
from enrollments.contributions import ParameterTable, contribution_quote
from enrollments.counting import load_coverage, plan_counting, recount
from enrollments.identity import personal_id_errors
from enrollments.models import CoveragePeriod, Enrollment, EnrollmentTransition, Participant

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def _phase(campaign: Campaign, number: int) -> Phase:
    return campaign.phases.get(number=number)


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


# --- The campaign ---------------------------------------------------------------------------------


def test_demo_campaign_is_the_quang_nam_campaign_under_its_demo_code(campaign):
    assert campaign.name.endswith(" (demo)")
    assert campaign.status == Campaign.Status.RUNNING
    assert campaign.products == [Product.VSI]
    assert campaign.clusters.count() == 3
    assert campaign.quotas.get(cluster__number=1).minimum == 90


def test_demo_second_phase_contains_now_and_today(campaign, demo):
    second = _phase(campaign, 2)
    assert second.start <= timezone.now() < second.cutoff
    assert (
        second.start.astimezone(campaign.tzinfo).date() <= demo.today < second.cutoff.astimezone(campaign.tzinfo).date()
    )


def test_demo_phases_keep_their_length_and_follow_each_other(campaign):
    phases = list(campaign.phases.order_by("number"))
    assert [phase.number for phase in phases] == [1, 2, 3]
    for phase in phases:
        assert timedelta(days=89) <= phase.cutoff - phase.start <= timedelta(days=93)
    for earlier, later in pairwise(phases):
        assert earlier.cutoff <= later.start


def test_demo_phase_statuses_are_closed_open_scheduled(campaign):
    statuses = list(campaign.phases.order_by("number").values_list("status", flat=True))
    assert statuses == [Phase.Status.CLOSED, Phase.Status.OPEN, Phase.Status.SCHEDULED]
    assert _phase(campaign, 1).closed_at is not None
    assert _phase(campaign, 1).transitions.filter(to_status=Phase.Status.CLOSED).exists()


# --- Organizations and agents -----------------------------------------------------------------------


def test_demo_has_the_provincial_post_office_and_two_other_agent_organizations(demo):
    kinds = Counter(
        ServiceOrganization.objects.filter(agents__code__startswith="agent").distinct().values_list("kind", flat=True)
    )
    assert kinds == {ServiceOrganization.Kind.POST_OFFICE: 1, ServiceOrganization.Kind.OTHER_AGENT: 2}
    assert ServiceOrganization.objects.filter(name="Bưu điện tỉnh Quảng Nam").exists()


def test_demo_has_sixty_agents_coded_agent01_to_agent60(demo):
    codes = set(Agent.objects.filter(code__startswith="agent").values_list("code", flat=True))
    assert codes == {f"agent{number:02d}" for number in range(1, 61)}


def test_demo_agents_serve_a_district_of_their_cluster_and_fill_all_three(campaign):
    clusters = Counter()
    for agent in Agent.objects.filter(code__startswith="agent").select_related("locality"):
        assert agent.locality.level == Locality.Level.DISTRICT
        participations = [p for p in agent_participations(agent=agent) if p.campaign.pk == campaign.pk]
        assert len(participations) == 1, agent.code
        cluster = participations[0].cluster
        assert cluster.localities.filter(pk=agent.locality_id).exists()
        clusters[cluster.number] += 1
    assert set(clusters) == {1, 2, 3}
    assert sum(clusters.values()) == 60
    assert min(clusters.values()) >= 10


# --- Enrollments ------------------------------------------------------------------------------------


def test_demo_has_thousands_of_enrollments_in_phases_one_and_two(campaign):
    per_phase = dict(Enrollment.objects.filter(campaign=campaign).values_list("phase__number").annotate(n=Count("pk")))
    assert sum(per_phase.values()) >= 2000
    assert per_phase.get(1, 0) >= 1000
    assert per_phase.get(2, 0) >= 500
    assert 3 not in per_phase


def test_demo_enrollments_obey_the_domain_rules(campaign):
    table = ParameterTable.load()
    now = timezone.now()
    enrollments = Enrollment.objects.filter(campaign=campaign).select_related("participant", "phase")
    for enrollment in enrollments:
        participant = enrollment.participant
        receipt_day = enrollment.receipt_at.astimezone(campaign.tzinfo).date()
        assert participant.personal_id.startswith("049")
        assert (
            personal_id_errors(
                participant.personal_id, date_of_birth=participant.date_of_birth, gender=participant.gender
            )
            == []
        )
        assert enrollment.phase.start <= enrollment.receipt_at < enrollment.phase.cutoff
        assert enrollment.receipt_at <= enrollment.submitted_at <= now
        assert enrollment.submitted_at <= enrollment.phase.cutoff + enrollment.phase.grace
        assert enrollment.coverage_start == receipt_day
        assert enrollment.payment_months in (1, 3, 6, 12)
        quote = contribution_quote(
            product=enrollment.product,
            on=receipt_day,
            payment_months=enrollment.payment_months,
            declared_income=enrollment.declared_income,
            household_category=participant.household_category,
            household_member_order=enrollment.household_member_order,
            parameters=table,
        )  # raises when the income is outside the floor and ceiling
        assert (enrollment.amount_due, enrollment.state_support) == (quote.amount_due, quote.state_support)
        if enrollment.product == Product.VSI:
            age = receipt_day.year - participant.date_of_birth.year
            age -= (receipt_day.month, receipt_day.day) < (
                participant.date_of_birth.month,
                participant.date_of_birth.day,
            )
            assert age >= 15


def test_demo_rows_pass_model_validation(campaign):
    samples = [
        *Enrollment.objects.filter(campaign=campaign).order_by("pk")[::97],
        *Participant.objects.order_by("pk")[::97],
        *CoveragePeriod.objects.order_by("pk")[::53],
        *Agent.objects.filter(code__startswith="agent"),
        *campaign.phases.all(),
    ]
    for row in samples:
        row.full_clean()


def test_demo_counts_each_participant_at_most_once_per_product(campaign):
    counted_twice = (
        Enrollment.objects.filter(campaign=campaign, counted=True)
        .values("participant", "product")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    assert not counted_twice.exists()


def test_demo_every_enrollment_not_counted_carries_a_reason(campaign):
    enrollments = Enrollment.objects.filter(campaign=campaign)
    assert not enrollments.filter(counted=False, not_counted_reason="").exists()
    assert not enrollments.filter(counted=True).exclude(not_counted_reason="").exists()
    assert enrollments.filter(counted=True).count() > enrollments.filter(counted=False).count() * 4


def test_demo_counted_flags_are_what_the_counting_rules_decide(campaign):
    enrollments = list(Enrollment.objects.filter(campaign=campaign))
    stored = {e.pk: (e.counted, e.not_counted_reason, e.duplicate_of_id) for e in enrollments}
    groups = defaultdict(list)
    for enrollment in enrollments:
        groups[(enrollment.participant_id, enrollment.campaign_id, enrollment.product)].append(enrollment)
    coverage = load_coverage(groups)
    for (participant_id, _campaign_id, product), members in groups.items():
        plan_counting(members, campaign=campaign, coverage=coverage[(participant_id, product)])
    planned = {
        e.pk: (e.counted, e.not_counted_reason, e.duplicate_of.pk if e.duplicate_of else None) for e in enrollments
    }
    assert planned == stored


def test_demo_counted_flags_are_left_unchanged_by_a_recount(campaign):
    enrollments = Enrollment.objects.filter(campaign=campaign).order_by("pk")
    stored = list(enrollments.values_list("pk", "counted", "not_counted_reason", "duplicate_of_id"))
    keys = sorted(set(enrollments.values_list("participant_id", "campaign_id", "product")))
    changed = sum(recount(keys[start : start + 200]) for start in range(0, len(keys), 200))
    assert changed == 0
    assert list(enrollments.values_list("pk", "counted", "not_counted_reason", "duplicate_of_id")) == stored
    reasons = set(enrollments.filter(counted=False).values_list("not_counted_reason", flat=True))
    assert reasons == {
        NotCountedReason.REJECTED,
        NotCountedReason.PRODUCT_NOT_COUNTED,
        NotCountedReason.NOT_NEW,
        NotCountedReason.DUPLICATE,
    }


def test_demo_phase_history_is_dated_at_the_phase_boundaries(campaign):
    first, second, third = campaign.phases.order_by("number")
    assert list(first.transitions.values_list("from_status", "to_status", "at")) == [
        (Phase.Status.SCHEDULED, Phase.Status.OPEN, first.start),
        (Phase.Status.OPEN, Phase.Status.CLOSED, first.submission_deadline),
    ]
    assert first.closed_at == first.submission_deadline
    assert list(second.transitions.values_list("from_status", "to_status", "at")) == [
        (Phase.Status.SCHEDULED, Phase.Status.OPEN, second.start)
    ]
    assert not third.transitions.exists()


def test_demo_reviews_are_dated_after_the_submission_and_before_now(campaign):
    reviews = EnrollmentTransition.objects.filter(enrollment__campaign=campaign).select_related("enrollment")
    assert reviews.exists()
    now = timezone.now()
    for review in reviews:
        assert review.enrollment.submitted_at < review.at <= now
        assert review.from_status == EnrollmentStatus.SUBMITTED
        assert review.by.username == "admin"


def test_demo_rejected_enrollments_never_count(campaign):
    rejected = Enrollment.objects.filter(campaign=campaign, status=EnrollmentStatus.REJECTED)
    assert rejected.exists()
    assert set(rejected.values_list("counted", "not_counted_reason").distinct()) == {(False, NotCountedReason.REJECTED)}
    assert all(enrollment.status_reason for enrollment in rejected)


def test_demo_renewals_within_the_gap_are_recorded_but_not_counted(campaign):
    not_new = Enrollment.objects.filter(campaign=campaign, not_counted_reason=NotCountedReason.NOT_NEW)
    assert not_new.count() >= 20
    for enrollment in not_new.select_related("participant"):
        earlier = CoveragePeriod.objects.filter(
            participant=enrollment.participant,
            product=enrollment.product,
            source=CoveragePeriod.Source.CORE_SYSTEM,
            end__lt=enrollment.coverage_start,
            end__gte=enrollment.coverage_start - timedelta(days=365),
        )
        assert earlier.exists(), enrollment.pk


def test_demo_counted_participants_have_no_coverage_within_the_gap(campaign):
    coverage = {}
    for participant_id, product, end, enrollment_id in CoveragePeriod.objects.values_list(
        "participant_id", "product", "end", "enrollment_id"
    ):
        coverage.setdefault((participant_id, product), []).append((end, enrollment_id))
    rejoined = 0
    counted = Enrollment.objects.filter(campaign=campaign, counted=True)
    for pk, participant_id, product, start in counted.values_list("pk", "participant_id", "product", "coverage_start"):
        prior = [end for end, enrollment_id in coverage.get((participant_id, product), []) if enrollment_id != pk]
        assert all(end < start - timedelta(days=366) for end in prior), pk
        rejoined += bool(prior)
    assert rejoined >= 10  # coverage interrupted for 12 months or more: new again


def test_demo_duplicates_point_at_the_earlier_counted_receipt_of_another_agent(campaign):
    duplicates = Enrollment.objects.filter(campaign=campaign, not_counted_reason=NotCountedReason.DUPLICATE)
    assert duplicates.count() >= 5
    for duplicate in duplicates.select_related("duplicate_of"):
        earlier = duplicate.duplicate_of
        assert earlier is not None
        assert earlier.counted
        assert earlier.participant_id == duplicate.participant_id
        assert earlier.product == duplicate.product
        assert earlier.agent_id != duplicate.agent_id
        assert earlier.receipt_at < duplicate.receipt_at
    assert not Enrollment.objects.filter(campaign=campaign, duplicate_of__isnull=False).exclude(
        not_counted_reason=NotCountedReason.DUPLICATE
    )


def test_demo_phase_one_is_mostly_confirmed_and_phase_two_mostly_submitted(campaign):
    def shares(number: int) -> dict[str, float]:
        rows = Enrollment.objects.filter(phase=_phase(campaign, number)).values_list("status").annotate(n=Count("pk"))
        counts = dict(rows)
        return {status: counts.get(status, 0) / sum(counts.values()) for status in EnrollmentStatus.values}

    first, second = shares(1), shares(2)
    assert first[EnrollmentStatus.CONFIRMED] > 0.85
    assert 0 < first[EnrollmentStatus.REJECTED] < 0.1
    assert second[EnrollmentStatus.SUBMITTED] > 0.5
    assert second[EnrollmentStatus.CONFIRMED] > 0


def test_demo_confirmed_enrollments_carry_their_coverage_and_review_history(campaign):
    confirmed = Enrollment.objects.filter(campaign=campaign, status=EnrollmentStatus.CONFIRMED)
    assert confirmed.count() == CoveragePeriod.objects.filter(enrollment__in=confirmed).count()
    reviews = EnrollmentTransition.objects.filter(enrollment__campaign=campaign)
    assert reviews.count() == Enrollment.objects.filter(campaign=campaign).exclude(status="submitted").count()
    assert not reviews.filter(at__gt=timezone.now()).exists()


def test_demo_some_cluster_one_agents_reach_the_quota_in_phase_one(campaign, demo):
    first = _phase(campaign, 1)
    cluster_one = campaign.clusters.get(number=1)
    agents = Agent.objects.filter(locality__in=cluster_one.localities.all())
    scores = dict(
        Enrollment.objects.filter(phase=first, counted=True, agent__in=agents)
        .values_list("agent__code")
        .annotate(n=Count("pk"))
    )
    assert 2 <= sum(score >= 90 for score in scores.values()) <= 8
    assert demo.quota_reached_in_phase_1 == sum(score >= 90 for score in scores.values())


def test_demo_agents_differ_in_productivity(campaign):
    scores = sorted(
        Enrollment.objects.filter(phase=_phase(campaign, 1), counted=True)
        .values("agent")
        .annotate(n=Count("pk"))
        .values_list("n", flat=True)
    )
    assert scores[-1] >= 5 * max(scores[0], 1)
    assert len(set(scores)) >= 20


# --- Logins -------------------------------------------------------------------------------------------


def test_demo_admin_logs_in_as_a_superuser(demo, client):
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert client.login(username="admin", password="admin")
    assert client.get("/admin/").status_code == 200


def test_demo_admin_works_for_vietnam_social_security_and_reaches_every_office(demo):
    admin = get_user_model().objects.get(username="admin")
    admin.is_superuser = False  # were it made ordinary staff, its unit would still reach everything

    assert admin.staff_assignment.unit.code == "VSS"
    assert user_reach(admin) is ALL


def test_demo_agents_log_in_with_their_own_user(demo, client):
    assert client.login(username="agent01", password="demo")
    agent = Agent.objects.get(code="agent01")
    assert agent.user.username == "agent01"
    assert not agent.user.is_staff
    assert Agent.objects.filter(code__startswith="agent", user__isnull=True).count() == 0


# --- Loading again --------------------------------------------------------------------------------------


def test_loading_the_demo_twice_changes_no_row_count(demo):
    before = _row_counts()
    again = demo_load(today=demo.today)
    assert _row_counts() == before
    assert not again.campaign_created
    assert sum(again.created.values()) == 0


def test_load_demo_command_prints_the_url_and_the_logins(demo):
    out = StringIO()
    call_command("load_demo", "--force", "--today", demo.today.isoformat(), stdout=out)
    printed = out.getvalue()
    assert "http://127.0.0.1:8000/admin/" in printed
    assert "admin / admin" in printed
    assert "agent01 … agent60 / demo" in printed
    assert "quanly-buudien / demo" in printed
    total = Enrollment.objects.filter(campaign=demo.campaign).count()
    assert total >= 1_000
    assert f"Hồ sơ tham gia: {total:,}".replace(",", ".") in printed  # Vietnamese thousands, not 1,234


def test_the_demo_has_a_plan_per_cluster_and_phase_and_a_post_office_manager(demo):
    from campaigns.models import PlanTarget
    from collectors.models import ServiceOrganization

    campaign = demo.campaign
    plans = PlanTarget.objects.filter(campaign=campaign, scope=PlanTarget.Scope.CLUSTER)
    assert plans.count() == campaign.clusters.count() * campaign.phases.count()
    assert all(plan.target > 0 and plan.target % 25 == 0 for plan in plans)
    manager = ServiceOrganization.objects.get(kind="post_office").managers.get()
    assert manager.username == "quanly-buudien" and not manager.is_staff


def test_load_demo_command_refuses_to_run_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    before = _row_counts()
    with pytest.raises(CommandError, match="--force"):
        call_command("load_demo", stdout=StringIO())
    assert _row_counts() == before
