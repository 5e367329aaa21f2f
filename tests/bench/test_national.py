"""The national benchmark data set, built small: every row obeys the domain rules
and the database's constraints, and the tables stay usable afterwards."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta
from importlib import import_module

import pytest
from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from bench.national import build_national_dataset
from campaigns.membership import campaign_members
from campaigns.models import AwardRule, Campaign, Cluster, Phase, PrizeTier, Quota
from collectors.models import Agent, Locality, ServiceOrganization, Unit
from enrollments.choices import HHI_PAYMENT_MONTHS, VSI_PAYMENT_MONTHS
from enrollments.contributions import ParameterTable, contribution_quote
from enrollments.identity import personal_id_errors
from enrollments.models import CoveragePeriod, Enrollment, EnrollmentTransition, Participant

AGENTS, ENROLLMENTS, PROVINCES = 60, 2_000, 3


@pytest.fixture
def reference_parameters():
    """The base salary, poverty line and rates shipped by a data migration: a
    transactional test run before this one flushes them with every other row."""
    import_module("enrollments.migrations.0002_reference_parameters").forwards(apps, None)


@pytest.fixture
def dataset(reference_parameters):
    lines: list[str] = []
    result = build_national_dataset(
        agents=AGENTS, enrollments=ENROLLMENTS, provinces=PROVINCES, seed=7, stdout=lines.append
    )
    assert lines, "progress is reported through stdout"
    return result


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_national_dataset_small(dataset):
    now = timezone.now()
    campaign = Campaign.objects.get(pk=dataset["campaign_id"])

    # --- reference data, campaign and rules
    assert Locality.objects.filter(level="province", parent=None).count() == PROVINCES
    communes = Locality.objects.filter(level="commune")
    assert communes.count() >= 18 * PROVINCES
    assert not communes.exclude(parent__level="province").exists()
    assert Unit.objects.filter(kind="national").count() == 1
    assert Unit.objects.filter(kind="province", parent__kind="national").count() == PROVINCES
    assert ServiceOrganization.objects.filter(kind="post_office").count() == PROVINCES
    assert ServiceOrganization.objects.filter(kind="other_agent").count() == 2 * PROVINCES
    assert Agent.objects.count() == AGENTS == dataset["counts"]["agents"]
    assert not Agent.objects.exclude(locality__level="commune").exists()
    assert set(Agent.objects.values_list("role", flat=True)) <= {"agent", "staff", "leader"}

    assert campaign.status == "running"
    assert campaign.products == ["VSI", "HHI"]
    phases = list(Phase.objects.filter(campaign=campaign).order_by("number"))
    assert [p.pk for p in phases] == dataset["phase_ids"]
    assert [p.status for p in phases] == ["closed", "open", "scheduled"]
    assert phases[0].cutoff == phases[1].start and phases[1].cutoff == phases[2].start
    assert phases[1].start <= now < phases[1].cutoff, "phase 2 is the one open today"
    assert phases[0].submission_deadline < now
    for phase in phases:
        assert timedelta(days=88) <= phase.cutoff - phase.start <= timedelta(days=93)

    clusters = Cluster.objects.filter(campaign=campaign)
    assert clusters.count() == PROVINCES
    assert {code: Cluster.objects.get(pk=pk).localities.get().code for code, pk in dataset["cluster_ids"].items()} == {
        code: code for code in dataset["province_ids"]
    }
    assert Quota.objects.filter(campaign=campaign, product="VSI", minimum=90).count() == 3 * min(5, PROVINCES)
    rule = AwardRule.objects.get(pk=dataset["rule_id"])
    assert rule.selection == "ranked" and rule.per_cluster and rule.phase is None
    assert list(PrizeTier.objects.filter(rule=rule).values_list("position", "winners", "money")) == [
        (1, 1, "fixed"),
        (2, 1, "fixed"),
        (3, 1, "fixed"),
    ]
    # Every agent takes part, in the cluster of the province they serve.
    members = campaign_members(campaign=campaign)
    cluster_of_province = {dataset["province_ids"][code]: pk for code, pk in dataset["cluster_ids"].items()}
    assert members == {
        agent.pk: cluster_of_province[agent.locality.parent_id] for agent in Agent.objects.select_related("locality")
    }

    # --- counts
    enrollments = Enrollment.objects.filter(campaign=campaign)
    assert enrollments.count() == ENROLLMENTS == dataset["counts"]["enrollments"]
    duplicates = enrollments.filter(not_counted_reason="duplicate")
    assert Participant.objects.count() == dataset["counts"]["participants"] == ENROLLMENTS - duplicates.count()
    assert CoveragePeriod.objects.count() == dataset["counts"]["coverage_periods"]
    assert EnrollmentTransition.objects.count() == dataset["counts"]["enrollment_transitions"]
    reasons = Counter(enrollments.values_list("not_counted_reason", flat=True))
    assert set(reasons) == {"", "duplicate", "not_new", "rejected"}
    assert reasons[""] > 0.8 * ENROLLMENTS
    for reason, share in (("duplicate", 0.03), ("not_new", 0.05), ("rejected", 0.02)):
        assert 0 < reasons[reason] < 2 * share * ENROLLMENTS

    # --- counting rules
    assert not (
        enrollments.filter(counted=True)
        .values("participant", "product")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .exists()
    ), "at most one counted enrollment per participant and product"
    assert not enrollments.filter(counted=True).exclude(not_counted_reason="").exists()
    assert not enrollments.filter(counted=True).exclude(status__in=["submitted", "confirmed"]).exists()
    assert not enrollments.filter(counted=False, not_counted_reason="").exists()
    assert not enrollments.filter(status="rejected").exclude(not_counted_reason="rejected").exists()
    assert not enrollments.filter(status="rejected", status_reason="").exists()
    assert not enrollments.exclude(not_counted_reason="duplicate").filter(duplicate_of__isnull=False).exists()
    for duplicate in duplicates.select_related("duplicate_of"):
        first = duplicate.duplicate_of
        assert first is not None and first.counted
        assert (first.participant_id, first.product) == (duplicate.participant_id, duplicate.product)
        assert first.receipt_at < duplicate.receipt_at, "the earliest receipt is the one that counts"
        assert first.agent_id != duplicate.agent_id
    gap = relativedelta(months=campaign.new_participant_gap_months)
    for enrollment in enrollments.filter(not_counted_reason="not_new"):
        prior = CoveragePeriod.objects.get(
            participant=enrollment.participant, product=enrollment.product, source="core_system"
        )
        assert enrollment.coverage_start - gap <= prior.end < enrollment.coverage_start
    # Counted enrollments are of new participants: no earlier coverage at all.
    assert not CoveragePeriod.objects.filter(participant__enrollments__counted=True, source="core_system").exists()

    # --- products, contributions and statuses
    vsi, hhi = enrollments.filter(product="VSI"), enrollments.filter(product="HHI")
    assert not vsi.filter(declared_income=None).exists() and not vsi.exclude(household_member_order=None).exists()
    assert not hhi.exclude(declared_income=None).exists() and not hhi.filter(household_member_order=None).exists()
    assert not vsi.exclude(payment_months__in=VSI_PAYMENT_MONTHS).exists()
    assert not hhi.exclude(payment_months__in=HHI_PAYMENT_MONTHS).exists()
    table = ParameterTable.load()
    zone = campaign.tzinfo
    for enrollment in enrollments.order_by("?")[:100]:
        quote = contribution_quote(
            product=enrollment.product,
            on=enrollment.receipt_at.astimezone(zone).date(),
            payment_months=enrollment.payment_months,
            declared_income=enrollment.declared_income,
            household_category=enrollment.household_category,
            household_member_order=enrollment.household_member_order,
            parameters=table,
        )
        assert (enrollment.amount_due, enrollment.state_support) == (quote.amount_due, quote.state_support)
        assert enrollment.coverage_start == enrollment.receipt_at.astimezone(zone).date()
        assert enrollment.household_category == enrollment.participant.household_category
    by_phase = {
        (phase, status): n
        for phase, status, n in enrollments.values_list("phase", "status").annotate(n=Count("id")).order_by()
    }
    phase1 = {s: by_phase.get((phases[0].pk, s), 0) for s in ("submitted", "confirmed")}
    phase2 = {s: by_phase.get((phases[1].pk, s), 0) for s in ("submitted", "confirmed")}
    assert phase1["confirmed"] > 0.8 * sum(phase1.values()), "phase 1 is mostly confirmed"
    assert phase2["submitted"] > 0.5 * sum(phase2.values()), "phase 2 is mostly submitted"
    assert not enrollments.filter(phase=phases[2]).exists()
    for phase in phases[:2]:
        rows = enrollments.filter(phase=phase)
        assert rows.exists()
        assert not rows.exclude(receipt_at__gte=phase.start, receipt_at__lt=phase.cutoff).exists()
    assert not enrollments.filter(receipt_at__gt=now).exists()
    assert not enrollments.filter(submitted_at__lt=timezone.now() - timedelta(days=400)).exists()
    reviewed = enrollments.exclude(status="submitted")
    assert EnrollmentTransition.objects.filter(enrollment__in=reviewed).count() == reviewed.count()
    confirmed = enrollments.filter(status="confirmed")
    assert CoveragePeriod.objects.filter(source="enrollment", enrollment__in=confirmed).count() == confirmed.count()

    # --- people
    for person in Participant.objects.all():
        assert personal_id_errors(person.personal_id, date_of_birth=person.date_of_birth, gender=person.gender) == []
        assert person.locality.level == "commune"

    # --- rankings: agents' productivity is skewed, and the leaders' counts are exact, with ties
    per_agent = Counter(enrollments.filter(counted=True).values_list("agent", flat=True))
    assert max(per_agent.values()) >= 5 * sorted(per_agent.values())[len(per_agent) // 2]
    ties = defaultdict(list)
    for leader in dataset["leaders"]:
        counted = enrollments.filter(agent_id=leader["agent_id"], phase_id=leader["phase_id"], counted=True)
        assert counted.count() == leader["counted"]
        assert counted.filter(product="VSI").count() == leader["vsi"]
        province = Agent.objects.get(pk=leader["agent_id"]).locality.parent_id
        ties[(province, leader["phase_id"], leader["counted"])].append(leader["agent_id"])
    assert any(len(agents) > 1 for agents in ties.values()), "some leaders are tied"

    # --- vacuumed and analyzed once loaded: the planner has row counts, and the
    # visibility map is set (by VACUUM only), so index-only scans skip the table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples, relpages, relallvisible FROM pg_class WHERE oid = %s::regclass",
            [Enrollment._meta.db_table],
        )
        tuples, pages, all_visible = cursor.fetchone()
    assert tuples == ENROLLMENTS
    assert 0 < all_visible == pages

    # --- the sequences were moved past the loaded ids: the ORM can add rows
    agent = Agent.objects.create(code="NEW-1", full_name="Nguyễn Văn Mới", unit=Unit.objects.get(kind="national"))
    person = Participant.objects.create(
        personal_id="001090999999", full_name="Trần Thị Mới", date_of_birth="1990-01-01", gender="female"
    )
    template = enrollments.filter(counted=True, product="VSI").first()
    added = Enrollment.objects.create(
        campaign=campaign,
        phase=phases[1],
        agent=agent,
        participant=person,
        product="VSI",
        client_ref="after-load",
        receipt_at=now - timedelta(hours=1),
        payment_months=template.payment_months,
        coverage_start=now.astimezone(zone).date(),
        declared_income=template.declared_income,
        counted=True,
    )
    assert added.pk > dataset["enrollment_id_range"][1]
    assert agent.pk > dataset["agent_id_range"][1]
    assert CoveragePeriod.objects.create(
        participant=person, product="VSI", start=added.coverage_start, end=added.coverage_start
    ).pk
    assert EnrollmentTransition.objects.create(enrollment=added, to_status="submitted").pk
