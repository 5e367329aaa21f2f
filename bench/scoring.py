"""Standings at national scale: 50,000 agents, 2,000,000 enrollments (DESIGN §9, §12).

Builds the national data set (bench/national.py, loaded with COPY) unless
``--reuse`` finds it already loaded, then prints, for the open phase and for the
smallest, the median and the largest cluster, p50 and p95 over ``--runs`` runs:

  - the provisional leaderboard's first page, GET /api/v1/phases/{id}/standings/
    as staff (Django's test client, token authentication): target p95 ≤ 20 ms;
  - the whole board, ``awards.selectors.leaderboard_stream``: target p95 ≤ 200 ms;
    its scores are checked against a hand-written aggregate-and-rank SQL query,
    timed too for reference;
  - one agent's place (the agent halfway down the board),
    ``awards.selectors.agent_standing``: target p95 ≤ 5 ms;
  - GET /api/v1/me/progress/ as that agent (test client, the agent's token):
    target p95 ≤ 30 ms in the largest cluster; its place must agree with the board.

Then finalizing the closed phase (``awards.services.phase_finalize``: every
cluster's final standings stored, prizes proposed; each run rolled back) against
a hand-written SQL aggregate-and-rank query over every cluster of that phase:
the ratio of medians (target ≤ 1.5).

Only public selectors, services and endpoints are called, so the figures stay
comparable when their insides change. The logins it needs are made in a
transaction rolled back at the end: the data set is left as it was found.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/scoring.py [--reuse] \\
        [--runs 40] [--database emulation_bench_national]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import national  # noqa: E402  (a sibling script)

from bench import benchdb, logins  # noqa: E402

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

# (label, target p95 in ms or None, which clusters the target is judged on)
MEASURES = (
    ("first page: GET standings (staff)", 20, "every"),
    ("whole board: leaderboard_stream", 200, "every"),
    ("agent's place: agent_standing", 5, "every"),
    ("GET me/progress (that agent)", 30, "largest"),
    ("hand-written SQL, whole board", None, ""),
)


def fetch(connection, sql: str, params: dict) -> list[tuple]:
    """Run a query and fetch its rows in binary."""
    with connection.cursor() as cursor:
        cursor.cursor.execute(sql, params, binary=True)
        return cursor.fetchall()


def timed(function, runs: int) -> list[float]:
    """Milliseconds per call of ``function``, after one call to warm up."""
    function()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) > 1 else samples[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reuse", action="store_true", help="use the data set already loaded, if any")
    parser.add_argument("--database", default=national.BENCH_DB, help="the data set's database")
    parser.add_argument("--agents", type=int, default=50_000)
    parser.add_argument("--enrollments", type=int, default=2_000_000)
    parser.add_argument("--provinces", type=int, default=34)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--finalize-runs", type=int, default=5)
    args = parser.parse_args()
    # Whitenoise warns when static files were never collected: no page served here needs them.
    warnings.filterwarnings("ignore", message="No directory at")

    url = national.bench_database_url(args.database)
    os.environ.update({"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "emulation_config.settings", "DEBUG": "false"})
    if args.reuse and benchdb.database_exists(url):
        import django

        django.setup()
    else:
        national.prepare_database(url)
    from campaigns.models import Campaign

    campaign = Campaign.objects.filter(code=national.CAMPAIGN_CODE).first()
    if campaign is None:
        national.build_national_dataset(agents=args.agents, enrollments=args.enrollments, provinces=args.provinces)
        campaign = Campaign.objects.get(code=national.CAMPAIGN_CODE)
    # The requests are timed in a process set up as gunicorn's: through the WSGI module,
    # which also sets what loading made apart from the garbage collector.
    import emulation_config.wsgi  # noqa: F401

    reads_benchmark(campaign, args.runs)
    finalize_benchmark(campaign, args.finalize_runs)


def _clusters(campaign) -> list[tuple[str, object, int]]:
    """(which, cluster, members) of the smallest, the median and the largest cluster."""
    from collections import Counter

    from campaigns.membership import campaign_members
    from campaigns.models import Cluster

    sizes = Counter(campaign_members(campaign=campaign).values())
    clusters = sorted(Cluster.objects.filter(campaign=campaign), key=lambda c: (sizes[c.pk], c.number))
    chosen = (("smallest", clusters[0]), ("median", clusters[len(clusters) // 2]), ("largest", clusters[-1]))
    return [(which, cluster, sizes[cluster.pk]) for which, cluster in chosen]


def reads_benchmark(campaign, runs: int) -> None:
    from django.db import connection, transaction
    from django.test import Client

    from awards.selectors import agent_standing, leaderboard_page, leaderboard_resolve, leaderboard_stream
    from collectors.models import Agent

    phase = campaign.phases.get(status="open")
    clusters = _clusters(campaign)
    # The first reads after loading, committed: whatever a read builds lazily is
    # kept, and the measured runs below (in a transaction rolled back) reuse it.
    started = time.perf_counter()
    for _which, cluster, _members in clusters:
        leaderboard_page(phase=phase, rule=leaderboard_resolve(phase=phase, cluster=cluster.pk).rule, cluster=cluster)
    first_reads = time.perf_counter() - started
    results: dict[str, list[list[float]]] = {label: [] for label, *_rest in MEASURES}
    notes = []
    with transaction.atomic():
        staff = Client(HTTP_AUTHORIZATION=f"Token {logins.staff_token()}")
        for which, cluster, members in clusters:
            choice = leaderboard_resolve(phase=phase, cluster=cluster.pk)
            rule = choice.rule

            def board(rule=rule, cluster=cluster):
                return list(leaderboard_stream(phase=phase, rule=rule, cluster=cluster).rows)

            rows = board()
            province = cluster.localities.get()
            baseline = fetch(connection, HAND_WRITTEN, {"phase": phase.pk, "province": province.pk})
            if {row.id: int(row.score) for row in rows} != {row[0]: int(row[2]) for row in baseline}:
                raise SystemExit(f"{cluster.name}: the board and the hand-written query disagree on the scores")
            agents = [row for row in rows if row.kind == "agent"]
            middle = agents[len(agents) // 2]
            agent = Agent.objects.get(pk=middle.id)
            agent_client = Client(HTTP_AUTHORIZATION=f"Token {logins.agent_tokens([agent.pk])[agent.pk]}")
            page_url = f"/api/v1/phases/{phase.pk}/standings/?cluster={cluster.pk}"

            def first_page(url=page_url):
                response = staff.get(url)
                if response.status_code != 200:
                    raise SystemExit(f"GET {url} answered {response.status_code}: {response.content[:300]!r}")

            def progress(client=agent_client):
                response = client.get("/api/v1/me/progress/")
                if response.status_code != 200:
                    raise SystemExit(f"GET me/progress answered {response.status_code}: {response.content[:300]!r}")
                return response.json()

            def place(agent=agent, cluster=cluster, rules=choice.rules):
                return agent_standing(phase=phase, agent=agent, cluster=cluster, rules=rules)

            mine = place()
            shown = next(
                p
                for c in progress()["campaigns"]
                if c["code"] == campaign.code
                for p in c["phases"]
                if p["id"] == phase.pk
            )
            if (mine["position"], shown["position"]) != (middle.position, middle.position):
                raise SystemExit(
                    f"{agent.code}: place {middle.position} on the board, {mine['position']} from agent_standing, "
                    f"{shown['position']} in me/progress"
                )
            results[MEASURES[0][0]].append(timed(first_page, runs))
            results[MEASURES[1][0]].append(timed(board, runs))
            results[MEASURES[2][0]].append(timed(place, runs))
            results[MEASURES[3][0]].append(timed(progress, runs))
            results[MEASURES[4][0]].append(
                timed(lambda p=province: fetch(connection, HAND_WRITTEN, {"phase": phase.pk, "province": p.pk}), runs)
            )
            notes.append(f"{which} {cluster.name} ({members:,} agents; agent {agent.code} at {middle.position:,})")
        transaction.set_rollback(True)

    print(
        f"data: {campaign.enrollments.count():,} enrollments; {phase.name} (open), rule {rule.code}; "
        f"p50 / p95 in ms over {runs} runs"
    )
    for note in notes:
        print(f"  {note}")
    print(f"  first reads of these boards, before the runs (what they build is kept): {first_reads * 1000:,.0f} ms")
    print(f"{'':<36}{'smallest':>17}{'median':>17}{'largest':>17}   target p95")
    for label, target, judged in MEASURES:
        samples = results[label]
        cells = "".join(f"{statistics.median(s):>8.1f} /{p95(s):>7.1f}" for s in samples)
        if target is None:
            print(f"{label:<36}{cells}   (reference)")
            continue
        worst = p95(samples[-1]) if judged == "largest" else max(p95(s) for s in samples)
        where = "largest cluster" if judged == "largest" else "every cluster"
        verdict = "met" if worst <= target else "MISSED"
        print(f"{label:<36}{cells}   ≤ {target} ms ({where}): {verdict}")


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
    ratio = statistics.median(ours) / statistics.median(theirs)
    print(
        f"finalize {phase.name}: {len(scores):,} final standings stored, {awards} prizes proposed: "
        f"p50 {statistics.median(ours):.0f} ms (runs: {', '.join(f'{t:.0f}' for t in ours)})"
    )
    print(
        f"hand-written aggregate-and-rank SQL over every cluster: p50 {statistics.median(theirs):.0f} ms; "
        f"ratio of medians {ratio:.2f} (target ≤ 1.5: {'met' if ratio <= 1.5 else 'MISSED'})"
    )
    if {row[1]: int(row[3]) for row in baseline} != {agent: int(score) for agent, score in scores.items()}:
        raise SystemExit("finalizing and the hand-written query disagree on the final scores")


if __name__ == "__main__":
    main()
