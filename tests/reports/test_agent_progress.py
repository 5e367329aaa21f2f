"""An agent's progress: ``GET /api/v1/me/progress/`` and the agent's page read it
from one place, so they show the same figures, closed campaigns and awards included."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from awards.models import Award
from awards.services import award_approve, award_review, phase_finalize
from campaigns.models import Campaign, Phase, Quota
from campaigns.services import phase_close
from collectors.models import ServiceOrganization
from enrollments.choices import EnrollmentStatus
from reports.agent_progress import agent_progress
from tests.contest import NAMED_TIERS, prize_rule, sell
from tests.factories import (
    AgentFactory,
    CampaignFactory,
    ClusterFactory,
    DistrictFactory,
    PhaseFactory,
    ServiceOrganizationFactory,
    UserFactory,
)
from tests.intake_fixtures import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(db, council_member, director):
    """Agent ME (with a login) of the east district, in two campaigns:

    - ``closed``: one phase, finalized; ME second (5 counted) behind A1 (7), A3
      third (2); ME's Giải Nhì (2,000,000 VND) approved; the campaign closed;
    - ``running``: VSI and HHI; phase 1 open (ME: 3 VSI paid for 3 months, 1 for
      12 months, 1 HHI submitted; A1 1 VSI), phase 2 not started; three quotas,
      set up in an order that is not that of their phase, cluster or product.

    A draft campaign ME would take part in is not shown."""
    east = DistrictFactory(code="D-E", name="Huyện Đông")
    post = ServiceOrganizationFactory(code="BD", name="Bưu điện tỉnh", kind=ServiceOrganization.Kind.POST_OFFICE)
    me = AgentFactory(code="ME", full_name="Nguyễn Thị Em", organization=post, locality=east)
    me.user = UserFactory(username="me")
    me.save()
    a1 = AgentFactory(code="A1", organization=post, locality=east)
    a3 = AgentFactory(code="A3", organization=post, locality=east)
    now = timezone.now()

    closed = CampaignFactory(code="qn-2023", name="Thi đua 2023", products=["VSI"])
    closed_cluster = ClusterFactory(campaign=closed, number=1, name="Cụm Đông")
    closed_cluster.localities.add(east)
    last_year = PhaseFactory(
        campaign=closed,
        number=1,
        name="Đợt 1",
        start=now - timedelta(days=80),
        cutoff=now - timedelta(days=20),
        status=Phase.Status.OPEN,
    )
    prize_rule(closed, name="Giải đợt", tiers=NAMED_TIERS)
    sell(last_year, a1, 7, hours=1)
    sell(last_year, me, 5, hours=2)
    sell(last_year, a3, 2, hours=3)
    phase_close(phase=last_year)
    phase_finalize(phase_id=last_year.pk)
    award = Award.objects.get(phase=last_year, agent=me)
    award_review(award=award, by=council_member, minutes="BB-01/2023")
    award_approve(award=award, by=director, decision_number="123/QĐ-BHXH", decision_date=date(2023, 12, 30))
    Campaign.objects.filter(pk=closed.pk).update(status=Campaign.Status.CLOSED)

    running = CampaignFactory(code="qn-2024", name="Thi đua 2024", products=["VSI", "HHI"])
    cluster = ClusterFactory(campaign=running, number=1, name="Cụm Đông")
    cluster.localities.add(east)
    one = PhaseFactory(
        campaign=running,
        number=1,
        name="Đợt 1",
        start=now - timedelta(days=10),
        cutoff=now + timedelta(days=20),
        status=Phase.Status.OPEN,
    )
    two = PhaseFactory(
        campaign=running, number=2, name="Đợt 2", start=now + timedelta(days=20), cutoff=now + timedelta(days=60)
    )
    quotas = [
        Quota.objects.create(campaign=running, cluster=cluster, product="HHI", minimum=2),
        Quota.objects.create(campaign=running, product="VSI", minimum=3),
        Quota.objects.create(campaign=running, phase=one, product="VSI", min_payment_months=6, minimum=1),
        Quota.objects.create(campaign=running, phase=two, minimum=50),
    ]
    prize_rule(running, code="TOP-2024", name="Giải đợt", tiers=NAMED_TIERS[:1])
    sell(one, me, 3, hours=1)
    sell(one, me, 1, hours=2, payment_months=12)
    sell(
        one,
        me,
        1,
        hours=3,
        product="HHI",
        declared_income=None,
        household_member_order=1,
        status=EnrollmentStatus.SUBMITTED,
    )
    sell(one, a1, 1, hours=4)

    draft = CampaignFactory(code="qn-2025", products=["VSI"], status=Campaign.Status.DRAFT)
    ClusterFactory(campaign=draft, number=1).localities.add(east)
    PhaseFactory(campaign=draft, number=1)
    return {
        "me": me,
        "closed": closed,
        "last_year": last_year,
        "running": running,
        "phases": (one, two),
        "quotas": quotas,
        "cluster": cluster,
    }


def _api(agent) -> dict:
    response = client_for(agent.user).get("/api/v1/me/progress/")
    assert response.status_code == 200, response.content
    return response.json()


def _page(client, agent):
    client.force_login(agent.user)
    response = client.get(f"/agents/{agent.code}/")
    assert response.status_code == 200
    return response


def _from_api(body: dict) -> list:
    return [
        (
            campaign["code"],
            campaign["cluster"]["id"] if campaign["cluster"] else None,
            [
                {
                    "phase": phase["id"],
                    "counted": phase["counted"],
                    "by_product": phase["counted_by_product"],
                    "quotas": [
                        (q["product"], q["min_payment_months"], q["minimum"], q["counted"], q["remaining"], q["met"])
                        for q in phase["quotas"]
                    ],
                    "place": (phase["rule"], phase["rank"], phase["position"], phase["eligible"], phase["competitors"]),
                    "provisional": phase["provisional"],
                    "award": phase["award"],
                }
                for phase in campaign["phases"]
            ],
        )
        for campaign in body["campaigns"]
    ]


def _from_page(response) -> list:
    return [
        (
            item.campaign.code,
            item.cluster.pk if item.cluster else None,
            [
                {
                    "phase": progress.phase.pk,
                    "counted": progress.counted,
                    "by_product": progress.by_product,
                    "quotas": [
                        (q.product, q.min_payment_months, q.minimum, q.counted, q.remaining, q.met)
                        for q in progress.quotas
                    ],
                    "place": tuple(
                        progress.place[key] for key in ("rule", "rank", "position", "eligible", "competitors")
                    ),
                    "provisional": not progress.final,
                    "award": (
                        {
                            "tier": progress.award.tier,
                            "amount": progress.award.amount,
                            "amount_estimate": progress.award.estimate,
                            "status": progress.award.status,
                        }
                        if progress.award
                        else None
                    ),
                }
                for progress in item.phases
            ],
        )
        for item in response.context["campaigns"]
    ]


# --- One reader, two adapters -----------------------------------------------------------------


def test_the_api_and_the_agents_page_give_the_same_figures(client, cast):
    from_api = _from_api(_api(cast["me"]))
    from_page = _from_page(_page(client, cast["me"]))

    assert from_api == from_page
    assert [code for code, _cluster, _phases in from_api] == ["qn-2023", "qn-2024"]


def test_a_closed_campaign_shows_its_final_place_and_the_award(cast):
    body = _api(cast["me"])

    closed = next(campaign for campaign in body["campaigns"] if campaign["code"] == "qn-2023")
    (phase,) = closed["phases"]
    assert (phase["counted"], phase["rank"], phase["position"], phase["competitors"]) == (5, 2, 2, 3)
    assert phase["provisional"] is False
    assert phase["award"] == {"tier": "Giải Nhì", "amount": 2_000_000, "amount_estimate": False, "status": "approved"}


def test_the_running_campaign_counts_submitted_receipts_and_has_no_award_yet(cast):
    body = _api(cast["me"])

    running = next(campaign for campaign in body["campaigns"] if campaign["code"] == "qn-2024")
    one, two = running["phases"]
    assert one["counted"] == 5
    assert one["counted_by_product"] == {"HHI": 1, "VSI": 4}
    assert (one["rank"], one["provisional"], one["award"]) == (1, True, None)
    # A phase not started yet has no leaderboard.
    assert (two["rank"], two["competitors"], two["rule"]) == (None, None, None)


def test_quotas_come_in_the_order_they_were_set_up_and_only_those_that_apply(cast):
    body = _api(cast["me"])

    running = next(campaign for campaign in body["campaigns"] if campaign["code"] == "qn-2024")
    one, two = running["phases"]
    assert one["quotas"] == [
        {"product": "HHI", "min_payment_months": None, "minimum": 2, "counted": 1, "remaining": 1, "met": False},
        {"product": "VSI", "min_payment_months": None, "minimum": 3, "counted": 4, "remaining": 0, "met": True},
        {"product": "VSI", "min_payment_months": 6, "minimum": 1, "counted": 1, "remaining": 0, "met": True},
    ]
    assert [(q["product"], q["minimum"]) for q in two["quotas"]] == [("HHI", 2), ("VSI", 3), (None, 50)]


def test_a_draft_campaign_is_not_shown(cast):
    codes = [campaign["code"] for campaign in _api(cast["me"])["campaigns"]]

    assert "qn-2025" not in codes


def test_the_agents_page_shows_the_award_with_its_amount_and_status(client, cast):
    response = _page(client, cast["me"])

    text = " ".join(response.text.split())
    assert 'Giải Nhì</strong> · <span class="nowrap">2.000.000 đồng</span>' in text
    assert "Đã phê duyệt" in text
    assert text.count('data-testid="phase-award"') == 1


def test_a_revoked_award_is_shown_as_revoked(client, cast, director):
    from awards.services import award_revoke

    award = Award.objects.get(phase=cast["last_year"], agent=cast["me"])
    award_revoke(award=award, by=director, reason="Sai sót hồ sơ")

    phase = next(c for c in _api(cast["me"])["campaigns"] if c["code"] == "qn-2023")["phases"][0]
    assert phase["award"]["status"] == "revoked"
    assert "agent-award-inactive" in _page(client, cast["me"]).text


def test_the_schema_documents_the_award(client, tmp_path):
    schema = client.get("/api/schema/", {"format": "json"}).json()

    phase = schema["components"]["schemas"]["MyProgressPhase"]
    assert {"counted", "quotas", "rank", "provisional", "award"} <= set(phase["properties"])
    award = schema["components"]["schemas"]["MyProgressAward"]
    assert set(award["properties"]) == {"tier", "amount", "amount_estimate", "status"}
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_awards_are_looked_for_only_in_phases_with_a_finalization(cast):
    Campaign.objects.filter(code="qn-2023").update(status=Campaign.Status.DRAFT)  # its phase is the finalized one
    with CaptureQueriesContext(connection) as running_only:
        (running,) = agent_progress(agent=cast["me"])
    Campaign.objects.filter(code="qn-2023").update(status=Campaign.Status.CLOSED)
    with CaptureQueriesContext(connection) as both:
        closed, _running = agent_progress(agent=cast["me"])

    assert running.campaign.code == "qn-2024" and [p.award for p in running.phases] == [None, None]
    assert not [q for q in running_only.captured_queries if Award._meta.db_table in q["sql"]]
    assert [q for q in both.captured_queries if Award._meta.db_table in q["sql"]]
    assert closed.phases[0].award.tier == "Giải Nhì"
