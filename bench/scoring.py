"""Standings at national scale: 50,000 agents, 2,000,000 enrollments.

Builds the national data set (bench/national.py, loaded with COPY) unless
``--reuse`` finds it already loaded, then prints:
  - provisional standings of the largest cluster of the open phase
    (awards.scoring.agent_standings): p50 and p95 over runs (target p95 ≤ 200 ms),
    and the same leaderboard by a hand-written SQL aggregate-and-rank query;
  - that leaderboard's first page as GET /api/v1/phases/{id}/standings/ serves it;
  - finalizing the closed phase (awards.services.phase_finalize: every cluster's
    final standings stored, prizes proposed; each run rolled back), against a
    hand-written SQL aggregate-and-rank query over every cluster of that phase:
    the ratio of medians (target ≤ 1.5).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/scoring.py [--reuse]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import national  # noqa: E402  (a sibling script)

from bench import benchdb  # noqa: E402

HAND_WRITTEN = """
    SELECT a.id, a.code, COUNT(e.id) AS score, MAX(e.receipt_at) AS reached_at,
           ROW_NUMBER() OVER (ORDER BY COUNT(e.id) DESC, MAX(e.receipt_at) ASC, a.code ASC) AS position
    FROM collectors_agent a
    JOIN collectors_locality l ON l.id = a.locality_id
    LEFT JOIN enrollments_enrollment e
           ON e.agent_id = a.id AND e.phase_id = %(phase)s AND e.counted
          AND e.status IN ('submitted', 'confirmed')
    WHERE l.id = %(province)s OR l.parent_id = %(province)s
    GROUP BY a.id, a.code
    ORDER BY position
"""


HAND_WRITTEN_FINAL = """
    SELECT cx.cluster_id, a.id, a.code, COUNT(e.id) AS score, MAX(e.receipt_at) AS reached_at,
           ROW_NUMBER() OVER (
               PARTITION BY cx.cluster_id ORDER BY COUNT(e.id) DESC, MAX(e.receipt_at) ASC, a.code ASC
           ) AS position
    FROM collectors_agent a
    JOIN collectors_locality l ON l.id = a.locality_id
    JOIN campaigns_cluster_localities cx ON cx.locality_id IN (l.id, l.parent_id)
    LEFT JOIN enrollments_enrollment e
           ON e.agent_id = a.id AND e.phase_id = %(phase)s AND e.counted AND e.status = 'confirmed'
    GROUP BY cx.cluster_id, a.id, a.code
"""


def fetch(connection, sql: str, params: dict) -> list[tuple]:
    """Run a query and fetch its rows in binary, as the scoring service does."""
    with connection.cursor() as cursor:
        cursor.cursor.execute(sql, params, binary=True)
        return cursor.fetchall()


def timed(function, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reuse", action="store_true", help="use the data set already loaded, if any")
    parser.add_argument("--agents", type=int, default=50_000)
    parser.add_argument("--enrollments", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--finalize-runs", type=int, default=5)
    args = parser.parse_args()

    url = national.bench_database_url()
    os.environ.update({"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "emulation_config.settings", "DEBUG": "false"})
    if args.reuse and benchdb.database_exists(url):
        import django

        django.setup()
    else:
        national.prepare_database(url)
    from django.db import connection
    from django.db.models import Count

    from awards.scoring import agent_standings
    from campaigns.models import AwardRule, Campaign, Cluster

    campaign = Campaign.objects.filter(code="national-bench").first()
    if campaign is None:
        national.build_national_dataset(agents=args.agents, enrollments=args.enrollments)
        campaign = Campaign.objects.get(code="national-bench")
    phase = campaign.phases.get(status="open")
    rule = AwardRule.objects.filter(campaign=campaign, competitor_kind="agent").order_by("position").first()
    cluster = (
        Cluster.objects.filter(campaign=campaign)
        .annotate(size=Count("localities__children__agents"))
        .order_by("-size")
        .first()
    )
    province = cluster.localities.get()

    rows = agent_standings(rule=rule, phase=phase, cluster=cluster)  # warm the caches once
    ours = timed(lambda: agent_standings(rule=rule, phase=phase, cluster=cluster), args.runs)

    def hand_written():
        return fetch(connection, HAND_WRITTEN, {"phase": phase.pk, "province": province.pk})

    baseline_rows = hand_written()
    theirs = timed(hand_written, args.runs)

    enrollments = campaign.enrollments.count()
    print(f"data: {enrollments:,} enrollments; cluster {cluster.name}: {len(rows):,} agents")
    print(
        f"provisional standings, one phase and cluster: p50 {statistics.median(ours):.0f} ms, "
        f"p95 {p95(ours):.0f} ms over {args.runs} runs (target p95 ≤ 200 ms)"
    )
    print(
        f"hand-written aggregate-and-rank SQL: p50 {statistics.median(theirs):.0f} ms, p95 {p95(theirs):.0f} ms; "
        f"ratio of medians {statistics.median(ours) / statistics.median(theirs):.2f}"
    )
    ours_by_agent = {row.agent_id: int(row.score) for row in rows}
    theirs_by_agent = {row[0]: int(row[2]) for row in baseline_rows}
    if ours_by_agent != theirs_by_agent:
        raise SystemExit("the service and the hand-written query disagree on the scores")
    api_benchmark(phase, cluster, args.runs)
    finalize_benchmark(campaign, args.finalize_runs)


def api_benchmark(phase, cluster, runs: int) -> None:
    """The first page of the leaderboard as the API serves it, to a staff user."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.test import Client

    with transaction.atomic():
        user = get_user_model().objects.create_superuser("bench-leaderboard", "bench@example.vn", "x")
        client = Client()
        client.force_login(user)
        url = f"/api/v1/phases/{phase.pk}/standings/?cluster={cluster.pk}"

        def page():
            response = client.get(url, HTTP_HOST="localhost")
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")

        page()
        samples = timed(page, runs)
        transaction.set_rollback(True)
    print(
        f"GET {url} (first page of 50): p50 {statistics.median(samples):.0f} ms, p95 {p95(samples):.0f} ms "
        f"(target p95 ≤ 200 ms)"
    )


def finalize_benchmark(campaign, runs: int) -> None:
    from django.db import connection, transaction

    from awards.models import Award, Standing
    from awards.services import phase_finalize

    phase = campaign.phases.get(status="closed")

    def finalize_and_roll_back(check: bool = False):
        scores, awards = {}, 0
        with transaction.atomic():
            # Foreign keys are checked at commit; check them as rows are written,
            # so that the rolled-back run pays what a committed one does.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            finalization = phase_finalize(phase_id=phase.pk)
            if check:
                scores = dict(Standing.objects.filter(finalization=finalization).values_list("agent_id", "score"))
                awards = Award.objects.filter(finalization=finalization).count()
            transaction.set_rollback(True)
        return scores, awards

    def hand_written():
        return fetch(connection, HAND_WRITTEN_FINAL, {"phase": phase.pk})

    scores, awards = finalize_and_roll_back(check=True)  # warm up, and check below
    ours = []
    for _ in range(runs):
        started = time.perf_counter()
        finalize_and_roll_back()
        ours.append((time.perf_counter() - started) * 1000)
    baseline = hand_written()
    theirs = timed(hand_written, runs)
    print(
        f"finalize {phase.name}: {len(scores):,} final standings stored, {awards} prizes proposed: "
        f"p50 {statistics.median(ours):.0f} ms (runs: {', '.join(f'{t:.0f}' for t in ours)})"
    )
    print(
        f"hand-written aggregate-and-rank SQL over every cluster: p50 {statistics.median(theirs):.0f} ms; "
        f"ratio of medians {statistics.median(ours) / statistics.median(theirs):.2f} (target ≤ 1.5)"
    )
    if {row[1]: int(row[3]) for row in baseline} != {agent: int(score) for agent, score in scores.items()}:
        raise SystemExit("finalizing and the hand-written query disagree on the final scores")


if __name__ == "__main__":
    main()
