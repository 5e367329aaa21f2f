"""Mixed load through gunicorn on the national data set (DESIGN §9, §12).

Starts gunicorn (the project's WSGI application, ``--workers`` sync workers, on
a free loopback port) against a PostgreSQL database, then drives it with
``--clients`` concurrent clients for ``--seconds`` seconds, each sending its next
request as soon as the last one is answered (after ``--pause`` ms, 0 by default):

  - 50% GET /api/v1/me/progress/ as a random agent;
  - 30% GET /api/v1/phases/{id}/standings/?cluster=… (first page), half as staff
    reading a random cluster's board, half as an agent reading their own;
  - 20% POST /api/v1/enrollments/: one enrollment of a new person (a random
    personal ID), as a random agent, through the real intake API.

``--mix`` sets other shares (``--mix 0,0,1``: submissions only; with the CPU
line, what one kind of request costs). ``--floor`` sends instead only the
cheapest authenticated request there is (GET /api/v1/auth/tokens/: the caller's
own tokens, one query after the token's): the ceiling of the stack itself on
this machine, whatever the application does.

It prints requests per second, p50/p95/p99 latency per kind and overall, the
CPU time a request cost (in gunicorn, in PostgreSQL and in the clients, read
from /proc over the timed run) with the rate the cores would allow at that cost,
the errors (anything but 2xx, by status), and whether every acknowledged (201)
submission is stored: each id and client reference the API answered is looked
up in the database once gunicorn has stopped. Target: ≥ 300 requests/s with
p95 ≤ 150 ms and 0 errors on 2 cores. With no pause, clients wait on each other:
mean latency ≈ clients / throughput (Little's law).

The database: by default the national one (bench/national.py, loaded first if
missing); ``--scale 0.01`` loads a data set that fraction of the national size
into its own database (``emulation_bench_load``, recreated). ``--database`` names
another. Some agents (``--logins``) and a staff superuser get API tokens, kept
in the database; the submitted enrollments stay in it too.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/load.py \\
        [--scale 0.01] [--workers 3] [--clients 50] [--seconds 30]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import national  # noqa: E402  (a sibling script)

from bench import benchdb, logins  # noqa: E402

LOAD_DB = "emulation_bench_load"
KINDS = ("GET me/progress", "GET standings p.1", "POST enrollment")
FLOOR_KIND = "GET auth/tokens"  # --floor's only request; its index follows KINDS'
LABELS = (*KINDS, FLOOR_KIND)
MIX = (0.5, 0.3, 0.2)  # shares of KINDS
TARGET_RATE, TARGET_P95 = 300, 150


# --- the database and who calls -------------------------------------------------------


def prepare(args) -> str:
    """Point Django at the benchmark's database, loading a data set into it when needed; its name."""
    if args.scale is not None:
        name = args.database or LOAD_DB
        agents = max(8, round(50_000 * args.scale))
        provinces = max(1, min(args.provinces, agents // 8))
        national.prepare_database(national.bench_database_url(name))
        national.build_national_dataset(
            agents=agents, enrollments=max(100, round(2_000_000 * args.scale)), provinces=provinces, stdout=_quiet
        )
        return name
    name = args.database or national.BENCH_DB
    url = national.bench_database_url(name)
    os.environ["DATABASE_URL"] = url
    if not benchdb.database_exists(url):
        print(f"database {name} not found: loading the national data set (several minutes)")
        national.prepare_database(url)
        national.build_national_dataset()
        return name
    import django

    django.setup()
    return name


def _quiet(_line: str) -> None:
    pass


@dataclass
class Caller:
    """An agent with an API token, their cluster and the commune they serve."""

    agent_id: int
    token: str
    cluster_id: int
    commune: str


@dataclass
class Cast:
    campaign: str
    phase_id: int
    staff_token: str
    callers: list[Caller]
    cluster_ids: list[int]
    enrollments: int
    agents: int
    first_read: float  # seconds


def cast(count: int, seed: int) -> Cast:
    """The open phase of the national campaign, a staff token, and ``count``
    agents (random, among those taking part) with tokens, committed."""
    from django.db import transaction

    from awards.selectors import leaderboard_page, leaderboard_resolve
    from campaigns.membership import campaign_members
    from campaigns.models import Campaign
    from collectors.models import Agent

    campaign = Campaign.objects.get(code=national.CAMPAIGN_CODE)
    phase = campaign.phases.get(status="open")
    members = campaign_members(campaign=campaign)
    # A first read before the clock starts: whatever a read builds lazily after
    # the data set was loaded is built here, not in the first requests.
    started = time.perf_counter()
    cluster = campaign.clusters.order_by("number").first()
    choice = leaderboard_resolve(phase=phase, cluster=cluster.pk if cluster else None)
    leaderboard_page(phase=phase, rule=choice.rule, cluster=choice.cluster)
    first_read = time.perf_counter() - started
    agents = Agent.objects.filter(role="agent", active=True).values_list("pk", "locality__code")
    candidates = sorted((pk, commune) for pk, commune in agents if members.get(pk) is not None)
    chosen = random.Random(seed).sample(candidates, min(count, len(candidates)))
    with transaction.atomic():
        staff = logins.staff_token()
        tokens = logins.agent_tokens([pk for pk, _commune in chosen])
    analyze_logins()
    return Cast(
        campaign=campaign.code,
        phase_id=phase.pk,
        staff_token=staff,
        callers=[Caller(pk, tokens[pk], members[pk], commune) for pk, commune in chosen],
        cluster_ids=sorted({cluster for cluster in members.values() if cluster is not None}),
        enrollments=campaign.enrollments.count(),
        agents=len(members),
        first_read=first_read,
    )


def analyze_logins() -> None:
    """ANALYZE the tables the logins were just written to. The data set was analyzed
    when loaded (bench/national.py), before any login; with autovacuum off (as on the
    benchmark server) the planner would keep sizing users and tokens as they were
    then, and plan every authenticated request for an empty table (a scan of every
    user instead of an index lookup). A server with autovacuum analyzes them itself."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from accounts.models import ApiToken
    from collectors.models import Agent

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (get_user_model(), ApiToken, Agent):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


# --- requests ----------------------------------------------------------------------------


@dataclass
class Request:
    kind: int  # index in KINDS
    method: str
    path: str
    token: str
    body: bytes | None = None
    client_ref: str = ""
    agent_id: int = 0


class Mix:
    """The next request of a client, drawn from the mix; new personal IDs never repeat within a run."""

    def __init__(self, plan: Cast, run: str, floor: bool = False, mix: tuple[float, ...] = MIX) -> None:
        self.plan = plan
        self.floor = floor
        self.mix = mix
        self.run = run
        self.serial = 0
        self.seen: set[str] = set()
        self.lock = threading.Lock()

    def next(self, rng: random.Random) -> Request:
        plan = self.plan
        draw = rng.random()
        caller = plan.callers[int(rng.random() * len(plan.callers))]
        if self.floor:
            return Request(len(KINDS), "GET", "/api/v1/auth/tokens/", caller.token)
        if draw < self.mix[0]:
            return Request(0, "GET", "/api/v1/me/progress/", caller.token)
        if draw < self.mix[0] + self.mix[1]:
            if rng.random() < 0.5:
                cluster = plan.cluster_ids[int(rng.random() * len(plan.cluster_ids))]
                return Request(1, "GET", self._board(cluster), plan.staff_token)
            return Request(1, "GET", self._board(caller.cluster_id), caller.token)
        return self._submission(caller, rng)

    def _board(self, cluster: int) -> str:
        return f"/api/v1/phases/{self.plan.phase_id}/standings/?cluster={cluster}"

    def _submission(self, caller: Caller, rng: random.Random) -> Request:
        from enrollments.identity import make_personal_id

        with self.lock:
            self.serial += 1
            number = self.serial
            while True:
                # Serials from 500,000 up: the national data set uses far fewer per
                # province, gender and birth year, so these people are new.
                born = date(1960 + int(rng.random() * 45), 1 + int(rng.random() * 12), 1 + int(rng.random() * 28))
                gender = "male" if rng.random() < 0.5 else "female"
                personal_id = make_personal_id(
                    province_code=f"{1 + int(rng.random() * 96):03d}",
                    date_of_birth=born,
                    gender=gender,
                    serial=500_000 + int(rng.random() * 500_000),
                )
                if personal_id not in self.seen:
                    self.seen.add(personal_id)
                    break
        client_ref = f"load-{self.run}-{number:07d}"
        receipt = datetime.now(UTC) - timedelta(seconds=60 + int(rng.random() * 3000))
        vsi = rng.random() < 0.6
        item = {
            "client_ref": client_ref,
            "campaign": self.plan.campaign,
            "product": "VSI" if vsi else "HHI",
            "participant": {
                "personal_id": personal_id,
                # The name follows from the ID: the same person if a later run draws it again.
                "full_name": f"Người tham gia {personal_id}",
                "date_of_birth": born.isoformat(),
                "gender": gender,
                "household_category": "other",
                "locality_code": caller.commune,
            },
            "receipt_at": receipt.isoformat(),
            "payment_months": (1, 3, 6, 12)[int(rng.random() * 4)] if vsi else (3, 6, 12)[int(rng.random() * 3)],
            "receipt_no": f"BL-{client_ref}",
        }
        if vsi:
            item["declared_income"] = 1_500_000 + int(rng.random() * 30) * 100_000
        else:
            item["household_member_order"] = 1 + int(rng.random() * 3)
        return Request(
            2, "POST", "/api/v1/enrollments/", caller.token, json.dumps(item).encode(), client_ref, caller.agent_id
        )


def send(port: int, request: Request) -> tuple[int, bytes]:
    """One request on a new connection (gunicorn's sync workers close each one)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        headers = {"Authorization": f"Token {request.token}", "Accept": "application/json"}
        if request.body is not None:
            headers["Content-Type"] = "application/json"
        conn.request(request.method, request.path, body=request.body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@dataclass
class Tally:
    """What one client saw: (kind, status, ms) per request, and its acknowledged submissions."""

    samples: list[tuple[int, int | str, float]] = field(default_factory=list)
    acknowledged: list[tuple[int, str, int]] = field(default_factory=list)  # (id, client_ref, agent id)
    sent: list[str] = field(default_factory=list)  # client refs of every submission sent
    first_error: str = ""


def drive(port: int, mix: Mix, tally: Tally, *, until: float, pause: float, seed: int) -> None:
    rng = random.Random(seed)
    while time.perf_counter() < until:
        request = mix.next(rng)
        if request.client_ref:
            tally.sent.append(request.client_ref)
        started = time.perf_counter()
        try:
            status, data = send(port, request)
        except (OSError, http.client.HTTPException) as exc:
            status, data = type(exc).__name__, b""
        tally.samples.append((request.kind, status, (time.perf_counter() - started) * 1000))
        if status == 201 and request.kind == 2:
            answer = json.loads(data)
            tally.acknowledged.append((answer["id"], answer["client_ref"], request.agent_id))
        elif not (isinstance(status, int) and 200 <= status < 300) and not tally.first_error:
            tally.first_error = f"{request.method} {request.path} → {status}: {data[:300]!r}"
        if pause:
            time.sleep(pause)


# --- gunicorn -------------------------------------------------------------------------------


def cpu_seconds(server_pid: int) -> dict[str, float] | None:
    """CPU seconds (user and system) used so far by gunicorn (its master and
    workers), by PostgreSQL's processes (the whole server: run nothing else on it
    meanwhile) and by this process (the clients); None without Linux's /proc."""
    proc = Path("/proc")
    if not (proc / "self" / "stat").exists():
        return None
    tick = os.sysconf("SC_CLK_TCK")
    used = {"gunicorn": 0.0, "PostgreSQL": 0.0}
    for stat in proc.glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # a process that has just ended
        command, fields = text[text.index("(") + 1 : text.rindex(")")], text[text.rindex(")") + 2 :].split()
        seconds = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        if int(stat.parent.name) == server_pid or int(fields[1]) == server_pid:
            used["gunicorn"] += seconds
        elif command == "postgres":
            used["PostgreSQL"] += seconds
    times = os.times()
    used["clients"] = times.user + times.system
    return used


def cpu_line(before: dict | None, after: dict | None, requests: int, cores: int) -> str:
    """CPU milliseconds a request cost, by who spent them, and the rate the cores allow at that cost."""
    if before is None or after is None:
        return "CPU per request: not measured (no /proc)"
    if not requests:
        return "CPU per request: no request answered"
    spent = {who: (after[who] - before[who]) * 1000 / requests for who in before}
    total = sum(spent.values())
    parts = ", ".join(f"{who} {ms:.2f}" for who, ms in spent.items())
    allowed = cores * 1000 / total
    return f"CPU per request: {total:.2f} ms ({parts}); {cores} cores allow {allowed:.0f} requests/s at this cost"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(port: int, workers: int, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "emulation_config.wsgi",
            *("--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--timeout", "120"),
            *("--log-level", "warning"),
        ],
        cwd=ROOT,
        env=env,
    )


def wait_for(port: int, server: subprocess.Popen, probe: Request, seconds: float = 60) -> None:
    """Until gunicorn answers ``probe``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {server.returncode}")
        try:
            send(port, probe)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def stop_gunicorn(server: subprocess.Popen) -> None:
    """SIGTERM to gunicorn's own pid (it stops its workers), SIGKILL if it lingers."""
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# --- figures ----------------------------------------------------------------------------------


def percentile(ordered: list[float], q: float) -> float:
    """The ``q`` quantile (0–1) of sorted samples, nearest rank."""
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def latency_line(label: str, samples: list[float], seconds: float) -> str:
    if not samples:
        return f"{label:<20}{0:>9}"
    ordered = sorted(samples)
    figures = "".join(f"{percentile(ordered, q):>8.1f}" for q in (0.5, 0.95, 0.99))
    return f"{label:<20}{len(ordered):>9,}{len(ordered) / seconds:>9.1f}{figures}"


def stored_check(acknowledged: list[tuple[int, str, int]], sent: list[str]) -> dict[str, int]:
    """Look up every acknowledged submission: stored with its client reference and agent."""
    from django.db.models import Count

    from enrollments.models import Enrollment

    stored = {
        pk: (client_ref, agent)
        for pk, client_ref, agent in Enrollment.objects.filter(pk__in=[a[0] for a in acknowledged]).values_list(
            "pk", "client_ref", "agent_id"
        )
    }
    lost = sum(1 for pk, client_ref, agent in acknowledged if stored.get(pk) != (client_ref, agent))
    rows = Enrollment.objects.filter(client_ref__in=sent)
    doubled = rows.values("agent_id", "client_ref").annotate(n=Count("pk")).filter(n__gt=1).count()
    acknowledged_refs = {a[1] for a in acknowledged}
    unacknowledged = rows.exclude(client_ref__in=acknowledged_refs).count()
    return {"stored": len(stored), "lost": lost, "doubled": doubled, "unacknowledged": unacknowledged}


def _shares(text: str) -> tuple[float, ...]:
    try:
        shares = tuple(float(part) for part in text.split(","))
    except ValueError:
        shares = ()
    if len(shares) != len(KINDS) or min(shares) < 0 or abs(sum(shares) - 1) > 1e-9:
        raise argparse.ArgumentTypeError(f"{len(KINDS)} shares, at least 0, that add up to 1 (e.g. 0.5,0.3,0.2)")
    return shares


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, help="load a data set this fraction of national size (0.01: 1%%)")
    parser.add_argument("--provinces", type=int, default=34, help="provinces of a --scale data set")
    parser.add_argument("--database", help=f"default {national.BENCH_DB}, or {LOAD_DB} with --scale")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=30, help="how long the clients send")
    parser.add_argument("--pause", type=float, default=0, help="ms a client waits between its requests")
    parser.add_argument("--logins", type=int, default=2_000, help="agents with API tokens to call as")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--floor", action="store_true", help="only the cheapest authenticated request")
    parser.add_argument(
        "--mix",
        type=_shares,
        default=MIX,
        help="shares of me/progress, standings and submissions (default 0.5,0.3,0.2; 0,0,1: submissions only)",
    )
    args = parser.parse_args()

    env = {"DJANGO_SETTINGS_MODULE": "emulation_config.settings", "DEBUG": "false", "LOG_LEVEL": "WARNING"}
    os.environ.update(env)
    # No broker: gunicorn runs any task in the request, as the embedded default does.
    os.environ.pop("REDIS_URL", None)
    started_at = time.perf_counter()
    name = prepare(args)
    plan = cast(args.logins, args.seed)
    prepared = time.perf_counter() - started_at
    port = free_port()
    run = f"{int(time.time()):x}"
    mix = Mix(plan, run, floor=args.floor, mix=args.mix)
    tallies = [Tally() for _ in range(args.clients)]

    # Whitenoise warns when static files were never collected: no request here needs them.
    server = start_gunicorn(port, args.workers, {**os.environ, "PYTHONWARNINGS": "ignore:No directory at"})
    try:
        wait_for(port, server, Request(1, "GET", f"/api/v1/phases/{plan.phase_id}/", plan.staff_token))
        # Warm up: each worker loads what it reads lazily; every kind must answer.
        warm = Tally()
        rng = random.Random(args.seed)
        for kind in [len(KINDS)] if args.floor else [k for k in range(len(KINDS)) if args.mix[k]]:
            for _ in range(2 * args.workers):
                request = mix.next(rng)
                while request.kind != kind:
                    request = mix.next(rng)
                if request.client_ref:
                    warm.sent.append(request.client_ref)
                status, data = send(port, request)
                if not 200 <= status < 300:
                    raise SystemExit(f"warm-up: {request.method} {request.path} → {status}: {data[:500]!r}")
                if status == 201 and kind == 2:
                    answer = json.loads(data)
                    warm.acknowledged.append((answer["id"], answer["client_ref"], request.agent_id))
        began = time.perf_counter()
        cpu_before = cpu_seconds(server.pid)
        until = began + args.seconds
        threads = [
            threading.Thread(
                target=drive,
                args=(port, mix, tally),
                kwargs={"until": until, "pause": args.pause / 1000, "seed": args.seed * 1000 + n},
            )
            for n, tally in enumerate(tallies)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
        cpu_after = cpu_seconds(server.pid)
    finally:
        stop_gunicorn(server)

    samples = [sample for tally in tallies for sample in tally.samples]
    acknowledged = [a for tally in [warm, *tallies] for a in tally.acknowledged]
    sent = [ref for tally in [warm, *tallies] for ref in tally.sent]
    errors = Counter(
        str(status) for _kind, status, _ms in samples if not (isinstance(status, int) and 200 <= status < 300)
    )
    check = stored_check(acknowledged, sent)

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(
        f"database {name}: {plan.enrollments:,} enrollments, {plan.agents:,} agents taking part "
        f"(prepared in {prepared:.0f} s, of which {plan.first_read:.1f} s the first board read); "
        f"{len(plan.callers):,} agents with tokens"
    )
    print(
        f"gunicorn: {args.workers} sync workers; {args.clients} clients for {elapsed:.1f} s, "
        f"pause {args.pause:g} ms; {cores} CPU cores; load average {os.getloadavg()[0]:.2f}"
    )
    print(f"{'kind':<20}{'requests':>9}{'req/s':>9}{'p50':>8}{'p95':>8}{'p99':>8}  (ms)")
    for index, kind in enumerate(LABELS):
        if (index == len(KINDS)) == args.floor:
            print(latency_line(kind, [ms for k, _s, ms in samples if k == index], elapsed))
    overall = [ms for _k, _s, ms in samples]
    print(latency_line("all", overall, elapsed))
    rate = len(overall) / elapsed
    p95 = percentile(sorted(overall), 0.95) if overall else float("inf")
    if args.pause == 0 and rate:
        print(
            f"(no pause: mean latency {sum(overall) / len(overall):.0f} ms ≈ {args.clients} clients / {rate:.0f} req/s)"
        )
    print(cpu_line(cpu_before, cpu_after, len(overall), cores))
    print("errors: " + (", ".join(f"{status} ×{n}" for status, n in errors.most_common()) or "0"))
    for tally in tallies:
        if tally.first_error:
            print(f"  first: {tally.first_error}")
            break
    print(
        f"submissions: {len(acknowledged):,} acknowledged (201), {check['stored']:,} of them stored, "
        f"{check['lost']} lost; {check['doubled']} stored twice; "
        f"{check['unacknowledged']} stored without an acknowledgment"
    )
    met = rate >= TARGET_RATE and p95 <= TARGET_P95 and not errors
    print(
        f"target: ≥ {TARGET_RATE} requests/s with p95 ≤ {TARGET_P95} ms and 0 errors on 2 cores: "
        f"{'met' if met else 'MISSED'} ({rate:.0f} requests/s, p95 {p95:.0f} ms, {sum(errors.values())} errors)"
    )
    if check["lost"] or check["doubled"]:
        raise SystemExit("acknowledged submissions are missing or stored twice")


if __name__ == "__main__":
    main()
