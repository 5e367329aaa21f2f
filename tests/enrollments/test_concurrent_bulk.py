"""Clients writing on the same people at once, over real HTTP to a live server.

Eight agents post overlapping bulk batches (every batch shares people with
batches others send at the same moment, each in its own order); then agents
post batches while reviewers confirm the same people's enrollments. Every
writer locks people in one order (by personal ID) before their enrollments, so
none deadlocks: no answer is a server error, nothing had to be retried, every
item acknowledged as created is stored, and each person counts once per
campaign and product, by their earliest receipt.
"""

from __future__ import annotations

import http.client
import json
import logging
import random
import threading
import time
from collections import Counter
from datetime import date, timedelta
from importlib import import_module

import pytest
from django.db.models import Count
from django.utils import timezone

from awards.tally import tally_differences, tally_rebuild
from campaigns.models import AwardRule, CompetitorKind
from enrollments.identity import make_personal_id
from enrollments.models import Enrollment
from tests.contest import prize_rule
from tests.factories import AgentFactory, UserFactory, api_token
from tests.intake_fixtures import submission

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CLIENTS = 8
BATCHES_PER_CLIENT = 7
PEOPLE = 500  # every batch draws from one pool: batches overlap heavily
BATCH_SIZES = (30, 300)
BULK_URL = "/api/v1/enrollments/bulk/"


@pytest.fixture
def reference_parameters():
    """A transactional test flushes the rows data migrations made (reference
    parameters, staff groups); put them back."""
    from django.apps import apps

    from campaigns.roles import sync_role_groups

    import_module("enrollments.migrations.0002_reference_parameters").forwards(apps, None)
    sync_role_groups(apps)


def person(n: int) -> dict:
    born = date(1970 + n % 30, 1 + n % 12, 1 + n % 28)
    gender = "male" if n % 2 else "female"
    pid = make_personal_id(province_code="049", date_of_birth=born, gender=gender, serial=n)
    return {"personal_id": pid, "full_name": f"Người tham gia {n}", "date_of_birth": born.isoformat(), "gender": gender}


def batches_for(client: int, rng: random.Random, start) -> list[list[dict]]:
    """A client's batches: 30 to 300 people of the shared pool each, in random
    order, VSI or HHI by person, receipts spread over the open phase."""
    batches = []
    for batch in range(BATCHES_PER_CLIENT):
        people = rng.sample(range(PEOPLE), rng.randint(*BATCH_SIZES))
        items = []
        for position, n in enumerate(people):
            receipt = start + timedelta(seconds=rng.randrange(0, 3 * 24 * 3600))
            items.append(
                submission(
                    client_ref=f"C{client}-{batch}-{position}",
                    product="HHI" if n % 3 == 0 else "VSI",
                    participant=person(n),
                    receipt_at=receipt.isoformat(),
                    receipt_no=f"BL-{client}-{batch}-{position}",
                )
            )
        batches.append(items)
    return batches


def post(host: str, port: int, token: str, url: str, body: dict) -> tuple[int, str, dict | None]:
    connection = http.client.HTTPConnection(host, port, timeout=300)
    try:
        connection.request(
            "POST",
            url,
            body=json.dumps(body),
            headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
        )
        response = connection.getresponse()
        content_type = response.getheader("Content-Type", "")
        payload = response.read()
    finally:
        connection.close()
    return response.status, content_type, json.loads(payload) if content_type.startswith("application/json") else None


def kept_standings(campaign) -> None:
    """An agents' rule and a units' rule, with their standings built: every write refreshes them."""
    prize_rule(campaign, code="AGENTS")
    prize_rule(campaign, code="UNITS", competitor_kind=CompetitorKind.UNIT, scope=AwardRule.Scope.CAMPAIGN)
    tally_rebuild(campaign_id=campaign.pk, force=True)


def agents_with_tokens(count: int, prefix: str, post_office, locality) -> tuple[list, list[str]]:
    agents = [
        AgentFactory(
            code=f"{prefix}{n:02d}",
            organization=post_office,
            locality=locality,
            user=UserFactory(username=f"{prefix.lower()}{n}"),
        )
        for n in range(count)
    ]
    return agents, [api_token(agent.user) for agent in agents]


def run_at_once(jobs: list) -> float:
    """Start every job together, each in its own thread (and so its own database
    connection); the seconds until the last one ends."""
    barrier = threading.Barrier(len(jobs))

    def run(job) -> None:
        barrier.wait()
        job()

    began = time.monotonic()
    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - began


def lost_items(answers, agents) -> tuple[int, int]:
    """How many items the bulk answers acknowledged as created, and how many of those are not stored."""
    acknowledged = {
        (agents[client].pk, row["client_ref"]): row["id"]
        for client, status, _type, body in answers
        if status == 200
        for row in body["results"]
        if row["status"] == "created"
    }
    stored = {
        (agent_id, ref): pk for agent_id, ref, pk in Enrollment.objects.values_list("agent_id", "client_ref", "pk")
    }
    return len(acknowledged), sum(1 for key, pk in acknowledged.items() if stored.get(key) != pk)


def double_counted() -> int:
    """Groups of one person, campaign and product with more than one counted enrollment."""
    return (
        Enrollment.objects.filter(counted=True)
        .values("participant", "campaign", "product")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )


def assert_each_person_counts_by_the_earliest_receipt() -> None:
    earliest: dict[tuple, tuple] = {}
    for participant, product, receipt_at, submitted_at, pk in Enrollment.objects.values_list(
        "participant", "product", "receipt_at", "submitted_at", "pk"
    ):
        key = (participant, product)
        earliest[key] = min(earliest.get(key, (receipt_at, submitted_at, pk)), (receipt_at, submitted_at, pk))
    counted = set(Enrollment.objects.filter(counted=True).values_list("pk", flat=True))
    assert counted == {pk for _receipt, _submitted, pk in earliest.values()}


def retried(caplog) -> int:
    """Writes the database refused for contention (each run again, or answered busy: ``core.db``)."""
    return sum(1 for record in caplog.records if record.name == "core.db")


def test_eight_clients_sending_overlapping_bulk_batches_lose_nothing_and_never_fail(
    reference_parameters, campaign, post_office, quang_nam, live_server, caplog
):
    caplog.set_level(logging.INFO, logger="core.db")
    kept_standings(campaign)
    agents, tokens = agents_with_tokens(CLIENTS, "B", post_office, quang_nam["tam_ky"])
    rng = random.Random(20240611)
    work = [batches_for(client, rng, timezone.now() - timedelta(days=5)) for client in range(CLIENTS)]
    host, port = live_server.thread.host, live_server.thread.port
    answers: list[tuple[int, int, str, dict | None]] = []

    def client(n: int):
        def send() -> None:
            for items in work[n]:
                answers.append((n, *post(host, port, tokens[n], BULK_URL, {"items": items})))

        return send

    seconds = run_at_once([client(n) for n in range(CLIENTS)])

    statuses = Counter(status for _client, status, _type, _body in answers)
    server_errors = sum(count for status, count in statuses.items() if status >= 500)
    acknowledged, lost = lost_items(answers, agents)
    doubles = double_counted()
    sent = sum(len(items) for batches in work for items in batches)
    print(
        f"\nconcurrent bulk: {CLIENTS} clients, {len(answers)} batches, {sent} items in {seconds:.1f}s; "
        f"statuses {dict(statuses)}; server errors {server_errors}; lost {lost}; double-counted {doubles}; "
        f"deadlocks retried {retried(caplog)}"
    )

    assert len(answers) == CLIENTS * BATCHES_PER_CLIENT
    assert server_errors == 0
    assert all(content_type.startswith("application/json") for _c, _s, content_type, _b in answers)
    assert statuses == {200: CLIENTS * BATCHES_PER_CLIENT}
    assert acknowledged == sent  # every item was new and valid
    assert lost == 0
    assert Enrollment.objects.count() == sent
    assert doubles == 0
    # The one lock order leaves nothing to retry: not one deadlock.
    assert retried(caplog) == 0
    assert_each_person_counts_by_the_earliest_receipt()
    # The standings kept on write agree with a full recount.
    assert tally_differences(campaign_id=campaign.pk) == []


def test_reviewers_confirming_while_agents_submit_earlier_receipts_of_the_same_people_never_deadlock(
    reference_parameters, campaign, post_office, quang_nam, reviewer, live_server, caplog
):
    """A confirmation locks a person and then the enrollment; a batch with an
    earlier receipt of that person locks the person and then un-counts the same
    enrollment. Both take the person first."""
    caplog.set_level(logging.INFO, logger="core.db")
    kept_standings(campaign)
    agents, tokens = agents_with_tokens(5, "M", post_office, quang_nam["tam_ky"])
    reviewer_token = api_token(reviewer)
    now = timezone.now()
    people = range(160)
    # The first agent's receipts, the latest of all: the ones the reviewers confirm.
    seeded = [
        submission(
            client_ref=f"S-{n}",
            product="HHI" if n % 3 == 0 else "VSI",
            participant=person(n),
            receipt_at=(now - timedelta(days=1, seconds=n)).isoformat(),
            receipt_no=f"S-{n}",
        )
        for n in people
    ]
    host, port = live_server.thread.host, live_server.thread.port
    status, _type, body = post(host, port, tokens[0], BULK_URL, {"items": seeded})
    assert (status, body["created"]) == (200, len(seeded))
    to_confirm = [row["id"] for row in body["results"]]
    rng = random.Random(7)
    rng.shuffle(to_confirm)
    # Four agents' batches of earlier receipts of the same people, each in its own order.
    work = {
        n: [
            [
                submission(
                    client_ref=f"M{n}-{batch}-{k}",
                    product="HHI" if p % 3 == 0 else "VSI",
                    participant=person(p),
                    receipt_at=(now - timedelta(days=2, seconds=rng.randrange(3 * 24 * 3600))).isoformat(),
                    receipt_no=f"M{n}-{batch}-{k}",
                )
                for k, p in enumerate(rng.sample(people, rng.randint(30, 120)))
            ]
            for batch in range(4)
        ]
        for n in range(1, 5)
    }
    answers: list[tuple[int, int, str, dict | None]] = []
    confirmations: list[tuple[int, str]] = []

    def agent(n: int):
        def send() -> None:
            for items in work[n]:
                answers.append((n, *post(host, port, tokens[n], BULK_URL, {"items": items})))

        return send

    def review(share: list[int]):
        def confirm() -> None:
            for pk in share:
                status, content_type, _body = post(host, port, reviewer_token, f"/api/v1/enrollments/{pk}/confirm/", {})
                confirmations.append((status, content_type))

        return confirm

    shares = [to_confirm[k::4] for k in range(4)]
    seconds = run_at_once([agent(n) for n in range(1, 5)] + [review(share) for share in shares])

    statuses = Counter(status for _n, status, _type, _body in answers) + Counter(s for s, _t in confirmations)
    server_errors = sum(count for status, count in statuses.items() if status >= 500)
    acknowledged, lost = lost_items(answers, agents)
    doubles = double_counted()
    print(
        f"\nintake and review at once: {len(answers)} batches, {len(confirmations)} confirmations in "
        f"{seconds:.1f}s; statuses {dict(statuses)}; server errors {server_errors}; lost {lost}; "
        f"double-counted {doubles}; deadlocks retried {retried(caplog)}"
    )

    assert server_errors == 0
    assert [status for _n, status, _t, _b in answers] == [200] * 16
    assert [status for status, _t in confirmations] == [200] * len(seeded)
    assert all(t.startswith("application/json") for _s, t in confirmations)
    assert lost == 0
    assert Enrollment.objects.count() == len(seeded) + acknowledged
    assert set(Enrollment.objects.filter(client_ref__startswith="S-").values_list("status", flat=True)) == {"confirmed"}
    assert doubles == 0
    assert retried(caplog) == 0
    assert_each_person_counts_by_the_earliest_receipt()
    assert tally_differences(campaign_id=campaign.pk) == []
