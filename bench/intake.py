"""Intake throughput through the real HTTP API into PostgreSQL.

Builds a fresh database, starts gunicorn on loopback, then measures
  1. bulk: batches of 1,000 enrollments posted to /api/v1/enrollments/bulk/
  2. single: one enrollment per request to /api/v1/enrollments/
and prints enrollments per second for each.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/intake.py [--total 40000]

The database named in DATABASE_URL is only used to connect; the benchmark
creates (and drops first) its own database, ``emulation_bench_intake``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import benchdb  # noqa: E402  (needs the project root on the path)

BENCH_DB = "emulation_bench_intake"


def bench_database_url() -> str:
    return benchdb.bench_database_url(BENCH_DB)


def setup(agents: int) -> list[str]:
    """Migrate, create a running campaign with an open phase, a ranked agent rule
    with a quota, and agents with tokens; build the standings kept on write, so
    that every submission measured updates them (DESIGN §12)."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from accounts.services import api_token_create
    from awards.tally import tally_rebuild
    from campaigns.models import AwardRule, Campaign, Cluster, Phase, Quota
    from collectors.models import Agent, Locality, ServiceOrganization, Unit

    call_command("migrate", verbosity=0)
    province = Locality.objects.create(code="49", name="Tỉnh Quảng Nam", level="province")
    district = Locality.objects.create(code="502", name="Thành phố Tam Kỳ", level="district", parent=province)
    unit = Unit.objects.create(code="BHXH-49", name="BHXH tỉnh Quảng Nam", kind="province")
    org = ServiceOrganization.objects.create(code="BD-QN", name="Bưu điện", kind="post_office", contracting_unit=unit)
    campaign = Campaign.objects.create(code="bench", name="Bench", organizer=unit, products=["VSI", "HHI"])
    campaign.status = "running"
    campaign.save()
    now = timezone.now()
    Phase.objects.create(
        campaign=campaign, number=1, name="Đợt 1", start=now - timedelta(days=60), cutoff=now + timedelta(days=30)
    )
    cluster = Cluster.objects.create(campaign=campaign, number=1, name="Cụm 1")
    cluster.localities.add(district)
    Quota.objects.create(campaign=campaign, cluster=cluster, product="VSI", minimum=3)
    AwardRule.objects.create(campaign=campaign, code="TOP", name="Giải đợt", competitor_kind="agent")
    User = get_user_model()
    tokens = []
    for n in range(agents):
        user = User.objects.create(username=f"bench{n:03d}")
        Agent.objects.create(code=f"B{n:03d}", full_name=f"Agent {n}", organization=org, locality=district, user=user)
        tokens.append(api_token_create(user=user, device="bench")[1])
    tally_rebuild(campaign_id=campaign.pk)
    return tokens


def make_item(n: int, *, receipt_at: str, prefix: str) -> dict:
    from enrollments.identity import make_personal_id

    born = date(1960 + n % 45, 1 + n % 12, 1 + n % 28)
    gender = "male" if n % 2 else "female"
    return {
        "client_ref": f"{prefix}-{n:08d}",
        "product": "VSI",
        "participant": {
            "personal_id": make_personal_id(province_code="049", date_of_birth=born, gender=gender, serial=n),
            "full_name": f"Người tham gia {n}",
            "date_of_birth": born.isoformat(),
            "gender": gender,
            "household_category": ("poor", "near_poor", "other")[n % 3],
            "locality_code": "502",
        },
        "receipt_at": receipt_at,
        "payment_months": (1, 3, 6, 12)[n % 4],
        "declared_income": 1_500_000 + (n % 20) * 100_000,
        "receipt_no": f"BL{n:09d}",
    }


def post(port: int, path: str, token: str, body: bytes) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    conn.request(
        "POST", path, body=body, headers={"Content-Type": "application/json", "Authorization": f"Token {token}"}
    )
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data


def wait_for(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/schema/")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--total", type=int, default=40_000, help="enrollments sent through the bulk endpoint")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--singles", type=int, default=2_000, help="enrollments sent one per request")
    parser.add_argument("--clients", type=int, default=4, help="concurrent client connections")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    url = bench_database_url()
    benchdb.recreate_database(url)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "false",
        "DJANGO_SETTINGS_MODULE": "emulation_config.settings",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    os.environ.update(env)
    agents = max(args.clients * 2, 8)
    tokens = setup(agents)

    receipt_at = time.time() - 3600
    from datetime import UTC, datetime

    receipt = datetime.fromtimestamp(receipt_at, UTC).isoformat()
    batches = []
    for b in range(args.total // args.batch):
        items = [make_item(b * args.batch + i, receipt_at=receipt, prefix="bulk") for i in range(args.batch)]
        batches.append((tokens[b % agents], json.dumps({"items": items}).encode()))
    singles = [
        (tokens[n % agents], json.dumps(make_item(10_000_000 + n, receipt_at=receipt, prefix="one")).encode())
        for n in range(args.singles)
    ]

    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "emulation_config.wsgi",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--timeout",
            "300",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_for(args.port)
        created = 0
        lock = threading.Lock()

        def send_batch(job):
            nonlocal created
            token, body = job
            status, data = post(args.port, "/api/v1/enrollments/bulk/", token, body)
            if status != 200:
                raise SystemExit(f"bulk answered {status}: {data[:300]!r}")
            with lock:
                created += json.loads(data)["created"]

        started = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            list(pool.map(send_batch, batches))
        bulk_seconds = time.perf_counter() - started

        def send_one(job):
            token, body = job
            status, data = post(args.port, "/api/v1/enrollments/", token, body)
            if status != 201:
                raise SystemExit(f"single answered {status}: {data[:300]!r}")

        started = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            list(pool.map(send_one, singles))
        single_seconds = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)

    print(
        f"bulk:   {created:,} enrollments in {bulk_seconds:.1f} s = {created / bulk_seconds:,.0f} enrollments/s "
        f"(batches of {args.batch}, {args.clients} clients, {args.workers} gunicorn workers)"
    )
    print(
        f"single: {len(singles):,} enrollments in {single_seconds:.1f} s = {len(singles) / single_seconds:,.0f} "
        f"enrollments/s (one per request)"
    )
    if created != len(batches) * args.batch:
        raise SystemExit(f"expected {len(batches) * args.batch} created, got {created}")


if __name__ == "__main__":
    main()
