"""A national-scale data set, loaded fast with PostgreSQL COPY (DESIGN §9).

One running national campaign: 34 provinces with their communes, VSS and the
provincial offices, a post office and two other agent organizations per
province, 50,000 agents, three phases of three months (the first closed, the
second open today, the third scheduled), one cluster per province, a VSI quota
of 90 per agent and phase in clusters 1–5, a ranked rule with three prizes, and
2,000,000 enrollments with their participants, coverage history and status
changes, all obeying the database's constraints:

- about 3% of the enrollments are a second receipt of an already counted
  participant by another agent (not counted, ``duplicate``), about 5% renew a
  coverage that ended less than a year before (``not_new``, with that coverage
  imported from the core system), about 2% were rejected;
- phase 1 is mostly confirmed, phase 2 mostly submitted; confirmed enrollments
  carry their coverage period and every review its status change;
- agent productivity is skewed, and in every cluster five "leading" agents get
  exact counts per phase with ties placed at prize boundaries.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/national.py \\
        [--agents 50000 --enrollments 2000000 --provinces 34 --seed 2026] [--database emulation_bench_national]

The database named in DATABASE_URL is only used to connect; the benchmark
creates (and drops first) its own database, ``emulation_bench_national`` unless
``--database`` names another, and migrates it. Other benchmarks import
``build_national_dataset``, which loads into Django's current (migrated, empty)
PostgreSQL database and returns the ids they need.

Once loaded, the standings kept on write (``awards.tally``) are built from the
loaded rows, then the whole database is vacuumed and analyzed (``VACUUM
ANALYZE``, outside any transaction): the planner gets its statistics, and the
visibility map is set, so that index-only scans read no table pages, as on a
database that autovacuum has long looked after.

Participants, enrollments, coverage periods and status changes are streamed
from one generator (as COPY text, in pieces of a few thousand rows: nothing the
size of the data set is ever held in memory) into four COPY statements on four
connections at once, so that PostgreSQL fills indexes and checks foreign keys on
several backends while Python makes the next rows. The COPY statements run in
rounds of 100,000 enrollments on three sets of connections in turn; helper
threads end (and so commit) the rounds in the order the foreign keys need. The
schema stays exactly as the migrations made it: every index, constraint and
foreign key is in place during the load, and the database checks every row.
"""

from __future__ import annotations

import argparse
import heapq
import math
import os
import random
import sys
import time
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import benchdb  # noqa: E402  (needs the project root on the path)

BENCH_DB = "emulation_bench_national"

CAMPAIGN_CODE = "national-bench"
QUOTA_VSI = 90
QUOTA_CLUSTERS = 5
PRIZES = (("Giải Nhất", 5_000_000), ("Giải Nhì", 3_000_000), ("Giải Ba", 2_000_000))
LEADERS_PER_CLUSTER = 5
# Enrollments per round of COPY statements: each round ends with a commit per
# connection, which runs the deferred foreign-key checks of that round. Rounds
# stream on CONNECTION_SETS sets of four connections in turn.
ROUND_SIZE = 100_000
CONNECTION_SETS = 3

# Shares of the enrollments (DESIGN §5 "Counting").
DUPLICATE_SHARE = 0.03
NOT_NEW_SHARE = 0.05
REJECTED_SHARE = 0.02
VSI_SHARE = 0.55
STAFF_SHARE = 0.02

# The 34 provincial units since the 2025 reform, with a rough population (millions)
# that sets how many agents (and so enrollments) each gets.
PROVINCES = (
    ("Thành phố Hà Nội", 8.7),
    ("Thành phố Huế", 1.2),
    ("Tỉnh Lai Châu", 0.5),
    ("Tỉnh Điện Biên", 0.65),
    ("Tỉnh Sơn La", 1.3),
    ("Tỉnh Lạng Sơn", 0.8),
    ("Tỉnh Quảng Ninh", 1.4),
    ("Tỉnh Thanh Hóa", 3.7),
    ("Tỉnh Nghệ An", 3.4),
    ("Tỉnh Hà Tĩnh", 1.3),
    ("Tỉnh Cao Bằng", 0.55),
    ("Tỉnh Tuyên Quang", 1.8),
    ("Tỉnh Lào Cai", 1.8),
    ("Tỉnh Thái Nguyên", 1.8),
    ("Tỉnh Phú Thọ", 4.0),
    ("Tỉnh Bắc Ninh", 3.6),
    ("Tỉnh Hưng Yên", 3.6),
    ("Thành phố Hải Phòng", 4.7),
    ("Tỉnh Ninh Bình", 4.4),
    ("Tỉnh Quảng Trị", 1.9),
    ("Thành phố Đà Nẵng", 3.1),
    ("Tỉnh Quảng Ngãi", 2.2),
    ("Tỉnh Gia Lai", 3.6),
    ("Tỉnh Khánh Hòa", 2.2),
    ("Tỉnh Lâm Đồng", 3.9),
    ("Tỉnh Đắk Lắk", 3.3),
    ("Thành phố Hồ Chí Minh", 14.0),
    ("Tỉnh Đồng Nai", 4.5),
    ("Tỉnh Tây Ninh", 3.3),
    ("Thành phố Cần Thơ", 4.2),
    ("Tỉnh Vĩnh Long", 4.3),
    ("Tỉnh Đồng Tháp", 4.4),
    ("Tỉnh Cà Mau", 2.6),
    ("Tỉnh An Giang", 4.9),
)
COMMUNE_STEMS = (
    "An Phú", "Tân Thạnh", "Hòa Bình", "Phú Lộc", "Bình Minh", "Thạnh Mỹ", "Long Hưng", "Tân Hiệp", "Đông Hòa",
    "Vĩnh Lợi", "Mỹ Thuận", "Hưng Đạo", "Quang Trung", "Tiên Phước", "Đại Lộc", "Phước Sơn", "Thanh Xuân",
    "Cẩm Lệ", "Hòa Vang", "Nghĩa Hành", "Sơn Tịnh", "Đức Phổ", "Trà Bồng", "Minh Long", "Ba Tơ", "Hàm Thuận",
)  # fmt: skip
SURNAMES = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương",
    "Lý",
)  # fmt: skip
MIDDLE_NAMES = {
    "male": ("Văn", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Công", "Xuân"),
    "female": ("Thị", "Ngọc", "Thu", "Minh", "Thanh", "Kim", "Hồng", "Phương"),
}
GIVEN_NAMES = {
    "male": (
        "An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khoa", "Long", "Nam", "Phúc", "Quang", "Sơn", "Tài", "Thắng",
        "Trung", "Tuấn", "Việt", "Vinh",
    ),
    "female": (
        "Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai", "Ngân", "Nhung", "Oanh",
        "Phượng", "Thảo", "Trang", "Yến",
    ),
}  # fmt: skip
REJECTION_REASONS = (
    "Thông tin người tham gia không khớp với CSDL quốc gia về dân cư.",
    "Biên lai thu tiền không hợp lệ.",
    "Người tham gia đang có quá trình đóng BHXH bắt buộc.",
)

# How the leading agents of a cluster finish, as offsets from the cluster's lead
# count: ties at the third prize (the last one paid), for first, for second, none.
# Ranked by the default tie policy, earlier reached-at decides between them.
LEADER_PATTERNS = ((30, 12, 0, 0, -6), (20, 20, 8, 2, -4), (25, 10, 10, 3, -2), (28, 15, 6, 1, -5))


# --- database and Django ---------------------------------------------------------


def bench_database_url(name: str = BENCH_DB) -> str:
    return benchdb.bench_database_url(name)


def prepare_database(url: str) -> None:
    """Drop and create the benchmark database, point Django at it and migrate it."""
    benchdb.recreate_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emulation_config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --- the plan: who, where and when ---------------------------------------------------


@dataclass
class _Leader:
    """A leading agent's exact count of counted enrollments in one phase."""

    agent: int  # agent index
    phase: int  # 0 or 1
    total: int
    vsi: int


@dataclass
class _Plan:
    now: datetime
    tz: ZoneInfo
    phase_starts: list[datetime]  # start of phases 1..3 and the end of phase 3
    # Receipt days, phase 1 start .. today; times are whole seconds since the epoch.
    days: list[date] = field(default_factory=list)
    day_open: list[int] = field(default_factory=list)  # 07:00 local of each day
    day_window: list[int] = field(default_factory=list)  # seconds of receipts after 07:00 (to 19:30, or now)
    phase1_days: int = 0
    # Agents, by index: id, role, province index, commune locality id, productivity.
    agent_ids: list[int] = field(default_factory=list)
    agent_role: list[str] = field(default_factory=list)
    agent_province: list[int] = field(default_factory=list)
    agent_commune: list[int] = field(default_factory=list)
    agent_weight: list[float] = field(default_factory=list)
    leaders: list[_Leader] = field(default_factory=list)


def _phase_starts(now: datetime, tz: ZoneInfo) -> list[datetime]:
    """Month-aligned local midnights: phase 2 starts on the first day of the month
    45 days ago, so that today lies well inside it; each phase lasts three months."""
    first = (now.astimezone(tz).date() - timedelta(days=45)).replace(day=1)
    starts = []
    for offset in (-3, 0, 3, 6):
        month = first.month - 1 + offset
        start = date(first.year + month // 12, month % 12 + 1, 1)
        starts.append(datetime(start.year, start.month, start.day, tzinfo=tz).astimezone(UTC))
    return starts


def _receipt_days(plan: _Plan) -> None:
    """The days receipts fall on (phase 1 start to today) and each day's window, 07:00–19:30 local."""
    tz = plan.tz
    day = plan.phase_starts[0].astimezone(tz).date()
    latest = int(plan.now.timestamp()) - 300
    phase2 = int(plan.phase_starts[1].timestamp())
    while True:
        opens = int(datetime(day.year, day.month, day.day, 7, tzinfo=tz).timestamp())
        window = min(45_000, latest - opens)
        if window < 600:
            break
        plan.days.append(day)
        plan.day_open.append(opens)
        plan.day_window.append(window)
        if opens < phase2:
            plan.phase1_days += 1
        day += timedelta(days=1)


def _allocate(total: int, weights: list[float], minimum: int = 1) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder), each share at least ``minimum``."""
    floor_total = minimum * len(weights)
    if total < floor_total:
        raise ValueError(f"need at least {floor_total} to give every province {minimum}")
    spare = total - floor_total
    raw = [spare * w / sum(weights) for w in weights]
    shares = [int(x) for x in raw]
    order = sorted(range(len(weights)), key=lambda i: raw[i] - shares[i], reverse=True)
    for i in order[: spare - sum(shares)]:
        shares[i] += 1
    return [s + minimum for s in shares]


def _province_names(count: int) -> list[tuple[str, float]]:
    names = list(PROVINCES[:count])
    names += [(f"Tỉnh {n:02d}", 1.5) for n in range(len(names) + 1, count + 1)]
    return names


# --- reference rows through the ORM ---------------------------------------------------


def _reference_data(provinces: int, rng: random.Random) -> dict:
    from collectors.models import Locality, ServiceOrganization, Unit

    names = _province_names(provinces)
    top = max(weight for _name, weight in names)
    province_rows = Locality.objects.bulk_create(
        [Locality(code=f"{n:02d}", name=name, level="province") for n, (name, _w) in enumerate(names, 1)]
    )
    communes = []
    for n, (province, (_name, weight)) in enumerate(zip(province_rows, names, strict=True), 1):
        stems = rng.sample(COMMUNE_STEMS, len(COMMUNE_STEMS))
        for k in range(18 + round(6 * weight / top)):
            kind = "Phường" if k % 3 == 0 else "Xã"
            suffix = f" {k // len(stems) + 1}" if k >= len(stems) else ""
            communes.append(
                Locality(
                    code=f"{n:02d}{k + 1:03d}",
                    name=f"{kind} {stems[k % len(stems)]}{suffix}",
                    level="commune",
                    parent=province,
                )
            )
    communes = Locality.objects.bulk_create(communes)
    communes_of: dict[int, list[int]] = {}
    for commune in communes:
        communes_of.setdefault(commune.parent_id, []).append(commune.pk)

    vss = Unit.objects.create(code="BHXH-VN", name="Bảo hiểm xã hội Việt Nam", kind="national", headcount=900)
    units = Unit.objects.bulk_create(
        [
            Unit(
                code=f"BHXH-{n:02d}",
                name=f"Bảo hiểm xã hội {name.replace('Tỉnh ', 'tỉnh ').replace('Thành phố ', 'thành phố ')}",
                kind="province",
                parent=vss,
                locality=province,
                headcount=60 + round(240 * weight / top),
            )
            for n, (province, (name, weight)) in enumerate(zip(province_rows, names, strict=True), 1)
        ]
    )
    organizations = []
    for n, (province, unit, (name, _w)) in enumerate(zip(province_rows, units, names, strict=True), 1):
        place = name.removeprefix("Tỉnh ").removeprefix("Thành phố ")
        for code, label, kind in (
            (
                f"BD-{n:02d}",
                f"Bưu điện {name.replace('Tỉnh ', 'tỉnh ').replace('Thành phố ', 'thành phố ')}",
                "post_office",
            ),
            (f"DVT-{n:02d}-1", f"Công ty TNHH Dịch vụ Thu hộ {place}", "other_agent"),
            (f"DVT-{n:02d}-2", f"Hợp tác xã Dịch vụ Tổng hợp {place}", "other_agent"),
        ):
            organizations.append(
                ServiceOrganization(code=code, name=label, kind=kind, contracting_unit=unit, locality=province)
            )
    organizations = ServiceOrganization.objects.bulk_create(organizations)
    return {
        "names": names,
        "provinces": province_rows,
        "communes_of": communes_of,
        "vss": vss,
        "units": units,
        "organizations": [organizations[i : i + 3] for i in range(0, len(organizations), 3)],
    }


def _campaign(ref: dict, plan: _Plan) -> dict:
    from campaigns.models import AwardRule, Campaign, Cluster, Phase, PhaseTransition, PrizeTier, Quota

    starts = plan.phase_starts
    year = starts[1].astimezone(plan.tz).year
    campaign = Campaign.objects.create(
        code=CAMPAIGN_CODE,
        name=f"Thi đua phát triển người tham gia BHXH tự nguyện, BHYT hộ gia đình toàn quốc năm {year}",
        theme="Vì an sinh xã hội, không để ai bị bỏ lại phía sau",
        launch_reference="Kế hoạch số 01/KH-BHXH (dữ liệu benchmark)",
        organizer=ref["vss"],
        products=["VSI", "HHI"],
        status=Campaign.Status.RUNNING,
    )
    phases = []
    for number in (1, 2, 3):
        start, cutoff = starts[number - 1], starts[number]
        local_start, local_end = start.astimezone(plan.tz), (cutoff - timedelta(days=1)).astimezone(plan.tz)
        status = ("closed", "open", "scheduled")[number - 1]
        phases.append(
            Phase(
                campaign=campaign,
                number=number,
                name=f"Đợt {number} ({local_start:%d/%m} – {local_end:%d/%m/%Y})",
                start=start,
                cutoff=cutoff,
                grace=timedelta(days=1),
                status=status,
                closed_at=cutoff + timedelta(days=1) if status == "closed" else None,
            )
        )
    phases = Phase.objects.bulk_create(phases)
    history = [
        (phases[0], "scheduled", "open", starts[0]),
        (phases[0], "open", "closed", starts[1] + timedelta(days=1)),
        (phases[1], "scheduled", "open", starts[1]),
    ]
    transitions = PhaseTransition.objects.bulk_create(
        [PhaseTransition(phase=p, from_status=a, to_status=b, reason="Tự động theo lịch") for p, a, b, _at in history]
    )
    for transition, (*_rest, at) in zip(transitions, history, strict=True):
        PhaseTransition.objects.filter(pk=transition.pk).update(at=at)

    clusters = Cluster.objects.bulk_create(
        [
            Cluster(campaign=campaign, number=n, name=f"Cụm {n:02d} – {name}")
            for n, (name, _w) in enumerate(ref["names"], 1)
        ]
    )
    Cluster.localities.through.objects.bulk_create(
        [
            Cluster.localities.through(cluster_id=cluster.pk, locality_id=province.pk)
            for cluster, province in zip(clusters, ref["provinces"], strict=True)
        ]
    )
    Quota.objects.bulk_create(
        [
            Quota(campaign=campaign, phase=phase, cluster=cluster, product="VSI", minimum=QUOTA_VSI)
            for phase in phases
            for cluster in clusters[:QUOTA_CLUSTERS]
        ]
    )
    rule = AwardRule.objects.create(
        campaign=campaign,
        code="xep-hang-dot-cum",
        name="Xếp hạng nhân viên thu theo đợt và cụm",
        scope=AwardRule.Scope.PHASE,
        per_cluster=True,
        competitor_kind="agent",
        metric=AwardRule.Metric.COUNT,
        selection=AwardRule.Selection.RANKED,
        requires_quota=True,
        tie_policy=AwardRule.TiePolicy.REACHED_AT,
    )
    PrizeTier.objects.bulk_create(
        [
            PrizeTier(
                rule=rule,
                position=position,
                title=title,
                distinction="Giấy khen của Tổng Giám đốc BHXH Việt Nam",
                winners=1,
                money=PrizeTier.Money.FIXED,
                amount=amount,
            )
            for position, (title, amount) in enumerate(PRIZES, 1)
        ]
    )
    return {"campaign": campaign, "phases": phases, "clusters": clusters, "rule": rule}


# --- COPY helpers ---------------------------------------------------------------------


def _columns(model, names: tuple[str, ...]) -> str:
    """The COPY column list, after checking that ``names`` are exactly the model's columns."""
    from django.db import connection

    fields = {f.attname: f.column for f in model._meta.concrete_fields}
    if set(fields) != set(names):
        raise RuntimeError(f"{model.__name__} columns changed: {sorted(set(fields) ^ set(names))}")
    return ", ".join(connection.ops.quote_name(fields[name]) for name in names)


def _copy_sql(model, names: tuple[str, ...]) -> str:
    from django.db import connection

    return f"COPY {connection.ops.quote_name(model._meta.db_table)} ({_columns(model, names)}) FROM STDIN"


def _next_id(model) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {connection.ops.quote_name(model._meta.db_table)}")
        return cursor.fetchone()[0]


def _advance_sequence(model) -> None:
    from django.db import connection

    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, 'id'), MAX(id)) FROM {connection.ops.quote_name(table)} "
            "HAVING MAX(id) IS NOT NULL",
            [table],
        )


AGENT_COLUMNS = (
    "id",
    "code",
    "full_name",
    "organization_id",
    "unit_id",
    "role",
    "locality_id",
    "user_id",
    "phone",
    "active",
)
PARTICIPANT_COLUMNS = (
    "id", "personal_id", "social_insurance_code", "full_name", "date_of_birth", "gender", "locality_id",
    "household_category", "created_at",
)  # fmt: skip
ENROLLMENT_COLUMNS = (
    "id", "campaign_id", "phase_id", "agent_id", "participant_id", "product", "client_ref", "receipt_no", "receipt_at",
    "submitted_at", "payment_months", "coverage_start", "declared_income", "household_member_order",
    "household_category", "amount_due", "state_support", "status", "status_reason", "counted", "not_counted_reason",
    "duplicate_of_id", "request_fingerprint", "updated_at",
)  # fmt: skip
COVERAGE_COLUMNS = ("id", "participant_id", "product", "start", "end", "source", "enrollment_id")
TRANSITION_COLUMNS = ("id", "enrollment_id", "from_status", "to_status", "at", "by_id", "reason")


def _names() -> dict[str, list[str]]:
    return {
        gender: [f"{s} {m} {g}" for s in SURNAMES for m in MIDDLE_NAMES[gender] for g in GIVEN_NAMES[gender]]
        for gender in ("male", "female")
    }


def _load_agents(ref: dict, plan: _Plan, agents: int, rng: random.Random) -> int:
    """Spread the agents over the provinces by population and COPY them in."""
    from django.db import connection

    from collectors.models import Agent

    names = _names()
    shares = _allocate(agents, [w for _n, w in ref["names"]], minimum=min(8, agents // len(ref["names"])))
    first_id = _next_id(Agent)
    rnd = rng.random
    with connection.cursor() as cursor, cursor.cursor.copy(_copy_sql(Agent, AGENT_COLUMNS)) as copy:
        index = 0
        for p, (province, unit, organizations, share) in enumerate(
            zip(ref["provinces"], ref["units"], ref["organizations"], shares, strict=True)
        ):
            communes = ref["communes_of"][province.pk]
            for _ in range(share):
                agent_id = first_id + index
                index += 1
                gender = "male" if rnd() < 0.45 else "female"
                draw = rnd()
                if draw < STAFF_SHARE:
                    role = "leader" if draw < STAFF_SHARE / 5 else "staff"
                    organization_id = None
                else:
                    role = "agent"
                    organization_id = organizations[0 if rnd() < 0.5 else 1 + int(rnd() * 2)].pk
                commune = communes[int(rnd() * len(communes))]
                copy.write_row(
                    (
                        agent_id,
                        f"A{index:07d}",
                        names[gender][int(rnd() * len(names[gender]))],
                        organization_id,
                        unit.pk,
                        role,
                        commune,
                        None,
                        f"09{int(rnd() * 100_000_000):08d}",
                        True,
                    )
                )
                plan.agent_ids.append(agent_id)
                plan.agent_role.append(role)
                plan.agent_province.append(p)
                plan.agent_commune.append(commune)
                # Productivity: log-normal, capped, so that a few agents sell hundreds and most tens.
                weight = math.exp(min(2.5, rng.gauss(0.0, 1.0)))
                plan.agent_weight.append(weight * (0.3 if role != "agent" else 1.0))
    _advance_sequence(Agent)
    return agents


def _choose_leaders(plan: _Plan, provinces: int, total: int, rng: random.Random) -> None:
    """Pick the leading agents of every cluster and give them exact counts per phase.

    The lead count is set clear above what the best ordinary agent of the
    cluster can expect; at small sizes every count shrinks so that the leaders
    take at most a quarter of the enrollments."""
    by_province: dict[int, list[int]] = {}
    for index, p in enumerate(plan.agent_province):
        by_province.setdefault(p, []).append(index)
    n_days = len(plan.days)
    phase_rows = [total * plan.phase1_days / n_days, total * (n_days - plan.phase1_days) / n_days]
    counted_share = 1 - DUPLICATE_SHARE - NOT_NEW_SHARE - REJECTED_SHARE
    chosen: list[tuple[int, int, int]] = []  # (province, rank, agent index)
    for p in range(provinces):
        members = by_province.get(p, [])
        count = min(LEADERS_PER_CLUSTER, len(members) // 3)
        candidates = [i for i in members if plan.agent_role[i] == "agent" and plan.agent_weight[i] > 0.5]
        for rank, index in enumerate(rng.sample(candidates or members, min(count, len(candidates or members)))):
            chosen.append((p, rank, index))
    leader_set = {index for _p, _r, index in chosen}
    ordinary_weight = sum(w for i, w in enumerate(plan.agent_weight) if i not in leader_set)
    best = dict.fromkeys(range(provinces), 0.0)
    for i, w in enumerate(plan.agent_weight):
        if i not in leader_set:
            best[plan.agent_province[i]] = max(best[plan.agent_province[i]], w)

    def lead(p: int, phase: int, scale: float) -> int:
        expected = best[p] / ordinary_weight * phase_rows[phase] * counted_share
        return max(3, round(scale * (1.15 * expected + 3 * math.sqrt(expected) + 8)))

    leaders: list[_Leader] = []
    scale = 1.0
    for _attempt in range(40):
        leaders = []
        for p, rank, index in chosen:
            pattern = LEADER_PATTERNS[p % len(LEADER_PATTERNS)]
            # The front-runner of every other quota cluster sells HHI mostly and misses
            # the VSI quota: first by count but not eligible, the pattern's ties then
            # fall among the eligible ones behind.
            short_front_runner = p < QUOTA_CLUSTERS and p % 2 == 0
            if short_front_runner:
                pattern = (pattern[0] + 15, *pattern[:-1])
            for phase in (0, 1):
                base = lead(p, phase, scale)
                total_count = max(1, base + round(pattern[rank] * min(1.0, base / 150)))
                if p < QUOTA_CLUSTERS:
                    vsi = min(total_count, QUOTA_VSI - 15) if rank == 0 and short_front_runner else total_count
                else:
                    vsi = round(0.6 * total_count)
                leaders.append(_Leader(agent=index, phase=phase, total=total_count, vsi=vsi))
        per_phase = [sum(x.total for x in leaders if x.phase == phase) for phase in (0, 1)]
        if all(per_phase[phase] <= 0.25 * phase_rows[phase] for phase in (0, 1)):
            break
        scale *= 0.8
    else:
        leaders = []
    plan.leaders = leaders


def _leader_schedule(plan: _Plan, total: int) -> list[tuple[int, int, int, str, int]]:
    """(position, tie-breaker, agent index, product, phase) of every leader row, as
    a heap ordered by the position in the stream the row should take. Rows left
    behind by others at the same position follow right after, so each phase keeps
    a margin at its end."""
    n_days = len(plan.days)
    bounds = [(0, -(-plan.phase1_days * total // n_days)), (-(-plan.phase1_days * total // n_days), total)]
    heap: list[tuple[int, int, int, str, int]] = []
    serial = 0
    for leader in plan.leaders:
        low, high = bounds[leader.phase]
        margin = max(1, min(500, (high - low) // 50))
        span = max(1, high - low - 2 * margin - len(plan.leaders))
        shift = (leader.agent * 7919) % max(1, span // max(1, leader.total))
        for k in range(leader.total):
            is_vsi = (k + 1) * leader.vsi // leader.total > k * leader.vsi // leader.total
            position = low + margin + k * span // leader.total + shift
            heap.append((position, serial, leader.agent, "VSI" if is_vsi else "HHI", leader.phase))
            serial += 1
    heapq.heapify(heap)
    return heap


# --- the stream of enrollments ------------------------------------------------------


class _Quotes:
    """Amount due and state support per combination, from enrollments.contributions,
    computed once per combination and per set of reference values in force."""

    def __init__(self, days: list[date]) -> None:
        from enrollments.contributions import ParameterTable
        from enrollments.models import Parameter

        self.table = ParameterTable.load()
        changes = sorted(set(Parameter.objects.values_list("effective_from", flat=True)))
        self.days = days
        # Which reference values are in force, by receipt day.
        self.regime = [bisect_right(changes, day) for day in days]
        self.cache: dict[tuple, tuple[str, str]] = {}

    def __call__(self, day: int, product: str, months: int, amount: int, category: str) -> tuple[str, str]:
        """(amount due, state support) as COPY text, for receipt day index ``day``."""
        key = (self.regime[day], product, months, amount, category)
        found = self.cache.get(key)
        if found is None:
            found = self.cache[key] = self._quote(self.days[day], product, months, amount, category)
        return found

    def _quote(self, on: date, product: str, months: int, amount: int, category: str) -> tuple[str, str]:
        from enrollments.contributions import contribution_quote

        if product == "VSI":
            quote = contribution_quote(
                product=product,
                on=on,
                payment_months=months,
                declared_income=amount,
                household_category=category,
                parameters=self.table,
            )
        else:
            quote = contribution_quote(
                product=product, on=on, payment_months=months, household_member_order=amount, parameters=self.table
            )
        return str(quote.amount_due), str(quote.state_support)


def _weighted(pairs: tuple[tuple[object, int], ...]) -> list:
    """A lookup list: pick ``table[int(random() * len(table))]``."""
    return [value for value, weight in pairs for _ in range(weight)]


VSI_MONTHS = _weighted(((1, 4), (3, 6), (6, 5), (12, 5)))
HHI_MONTHS = _weighted(((3, 2), (6, 3), (12, 5)))
INCOMES = _weighted(
    ((1_500_000, 8), (2_000_000, 6), (2_500_000, 4), (3_000_000, 3), (4_000_000, 2), (5_000_000, 1), (7_000_000, 1))
)
MEMBER_ORDERS = _weighted(((1, 9), (2, 6), (3, 3), (4, 1), (5, 1)))
CATEGORIES = _weighted((("other", 77), ("poor", 5), ("near_poor", 7), ("ethnic_minority", 10), ("island_commune", 1)))
NULL = "\\N"  # NULL in COPY text
BATCH = 2_000  # enrollments per piece of COPY text handed to the connections


class _Clock:
    """COPY text for instants (seconds since the epoch, UTC) and days (ordinals),
    from tables built once: formatting each value anew would cost more than the
    rest of the row."""

    def __init__(self, first: date, last: date) -> None:
        self.first_day = date(1970, 1, 1).toordinal()
        self.low = first.toordinal() - 800
        self.dates = [date.fromordinal(o).isoformat() for o in range(self.low, last.toordinal() + 400)]
        self.day_prefix = [f"{iso} " for iso in self.dates]
        self.seconds = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+00" for s in range(86_400)]

    def instant(self, moment: int) -> str:
        days, seconds = divmod(moment, 86_400)
        return self.day_prefix[days + self.first_day - self.low] + self.seconds[seconds]

    def day(self, ordinal: int) -> str:
        return self.dates[ordinal - self.low]


@dataclass
class _Ids:
    participant: int
    enrollment: int
    coverage: int
    transition: int


def _stream(
    plan: _Plan,
    *,
    total: int,
    campaign_id: int,
    phase_ids: list[int],
    ids: _Ids,
    quotes: _Quotes,
    rng: random.Random,
) -> Iterator[tuple[str, str, str, str]]:
    """Yield COPY text for (participants, enrollments, coverage periods, status
    changes), BATCH enrollments at a time, in receipt order; ``ids`` follows the
    next free id of each table.

    Runs while the COPY statements hold the connections: it must not query."""
    from enrollments.counting import coverage_end
    from enrollments.identity import make_personal_id

    rnd = rng.random
    male_names, female_names = _names()["male"], _names()["female"]
    now = int(plan.now.timestamp())
    days, day_open, day_window = plan.days, plan.day_open, plan.day_window
    n_days = len(days)
    clock = _Clock(days[0], plan.phase_starts[-1].date())
    instant = clock.instant
    day_iso = [day.isoformat() for day in days]
    day_ordinal = [day.toordinal() for day in days]
    receipt_prefix = [f"BL{day:%y%m}-" for day in days]
    phase2_start = int(plan.phase_starts[1].timestamp())
    phase1_id, phase2_id = str(phase_ids[0]), str(phase_ids[1])
    campaign = str(campaign_id)
    campaign_year = plan.phase_starts[0].astimezone(plan.tz).year
    vsi_years = (1958, campaign_year - 16)  # at least 15 on every receipt day
    hhi_years = (1945, campaign_year - 1)
    month_days = [(m, d, f"-{m:02d}-{d:02d}") for m in range(1, 13) for d in range(1, 29)]
    serials: dict[tuple[str, bool, int], int] = {}
    coverage_ends: dict[tuple[int, int], str] = {}

    leader_set = {leader.agent for leader in plan.leaders}
    population = [i for i in range(len(plan.agent_ids)) if i not in leader_set]
    cumulative, running = [], 0.0
    for i in population:
        running += plan.agent_weight[i]
        cumulative.append(running)
    picks: list[int] = []

    def pick_agent() -> int:
        if not picks:
            picks.extend(rng.choices(population, cum_weights=cumulative, k=4096))
        return picks.pop()

    schedule = _leader_schedule(plan, total)
    # Recently counted enrollments, for second receipts of the same person: a ring
    # of (enrollment id, participant id, product, agent, receipt, day, category).
    ring: list[tuple] = []
    ring_size = 50_000
    ring_at = 0
    agent_ids = [str(agent_id) for agent_id in plan.agent_ids]
    agent_commune = [str(commune) for commune in plan.agent_commune]
    born_codes = [f"{p + 1:03d}" for p in plan.agent_province]
    other_codes = [f"{n:03d}" for n in range(1, 97)]
    confirm_after = 10 * 86_400
    n_vsi_months, n_hhi_months, n_incomes, n_orders = len(VSI_MONTHS), len(HHI_MONTHS), len(INCOMES), len(MEMBER_ORDERS)
    n_categories, n_days_of_year = len(CATEGORIES), len(month_days)
    next_participant, next_enrollment = ids.participant, ids.enrollment
    next_coverage, next_transition = ids.coverage, ids.transition
    participants: list[str] = []
    enrollments: list[str] = []
    coverage: list[str] = []
    transitions: list[str] = []

    for position in range(total):
        day = position * n_days // total
        receipt = day_open[day] + int(rnd() * day_window[day])
        original = None
        kind = "counted"
        if schedule and schedule[0][0] <= position:
            agent, product, leader_phase = heapq.heappop(schedule)[2:]
            if (receipt < phase2_start) != (leader_phase == 0):
                raise RuntimeError("a leader's row slipped into the next phase")
        else:
            agent = pick_agent()
            draw = rnd()
            product = "VSI" if rnd() < VSI_SHARE else "HHI"
            if draw < DUPLICATE_SHARE:
                if ring:
                    original = ring[int(rnd() * len(ring))]
                    later = original[4] + 1800 + int(rnd() * 12_600)
                    if original[3] == agent or later >= now:
                        original = None
                    else:
                        kind, product = "duplicate", original[2]
                        if later > receipt:
                            receipt, day = later, original[5]
            elif draw < DUPLICATE_SHARE + NOT_NEW_SHARE:
                kind = "not_new"
            elif draw < DUPLICATE_SHARE + NOT_NEW_SHARE + REJECTED_SHARE:
                kind = "rejected"
        enrollment_id = next_enrollment
        next_enrollment += 1
        receipt_text = instant(receipt)

        if original is not None:
            participant_id, category = original[1], original[6]
        else:
            participant_id = next_participant
            next_participant += 1
            category = CATEGORIES[int(rnd() * n_categories)]
            male = rnd() < 0.48
            born_in = born_codes[agent] if rnd() < 0.85 else other_codes[int(rnd() * 96)]
            low, high = vsi_years if product == "VSI" else hhi_years
            year = low + int(rnd() * (high - low + 1))
            key = (born_in, male, year)
            serial = serials.get(key, 0)
            if serial >= 1_000_000:
                raise RuntimeError(f"more than a million people born in {year} in province {born_in}")
            serials[key] = serial + 1
            month, day_of_month, month_day = month_days[int(rnd() * n_days_of_year)]
            gender = "male" if male else "female"
            personal_id = make_personal_id(
                province_code=born_in, date_of_birth=date(year, month, day_of_month), gender=gender, serial=serial
            )
            pool = male_names if male else female_names
            legacy_code = f"{born_in[1:]}{participant_id:08d}" if rnd() < 0.3 else NULL
            participants.append(
                f"{participant_id}\t{personal_id}\t{legacy_code}\t{pool[int(rnd() * len(pool))]}\t{year}{month_day}"
                f"\t{gender}\t{agent_commune[agent]}\t{category}\t{receipt_text}\n"
            )

        if product == "VSI":
            months = VSI_MONTHS[int(rnd() * n_vsi_months)]
            amount = INCOMES[int(rnd() * n_incomes)]
            income, order = amount, NULL
            due, support = quotes(day, product, months, amount, category)
        else:
            months = HHI_MONTHS[int(rnd() * n_hhi_months)]
            amount = MEMBER_ORDERS[int(rnd() * n_orders)]
            income, order = NULL, amount
            due, support = quotes(day, product, months, amount, "")

        in_phase1 = receipt < phase2_start
        submitted = receipt + int(rnd() * 14_400)
        if submitted > now:
            submitted = now
        if kind == "rejected":
            status = "rejected"
        elif in_phase1:
            status = "confirmed" if rnd() < 0.95 else "submitted"
        else:
            status = "confirmed" if rnd() < (0.35 if now - receipt > confirm_after else 0.05) else "submitted"
        reviewed = 0
        status_reason = ""
        if status != "submitted":
            reviewed = submitted + 86_400 + int(rnd() * 777_600)
            if reviewed > now:
                reviewed = now
            if status == "rejected":
                status_reason = REJECTION_REASONS[int(rnd() * len(REJECTION_REASONS))]
        counted = kind == "counted"
        enrollments.append(
            f"{enrollment_id}\t{campaign}\t{phase1_id if in_phase1 else phase2_id}\t{agent_ids[agent]}"
            f"\t{participant_id}\t{product}\tN{enrollment_id}\t{receipt_prefix[day]}{enrollment_id}"
            f"\t{receipt_text}\t{instant(submitted)}\t{months}\t{day_iso[day]}\t{income}\t{order}\t{category}"
            f"\t{due}\t{support}\t{status}\t{status_reason}\t{'t' if counted else 'f'}\t{'' if counted else kind}"
            f"\t{original[0] if original is not None else NULL}\t\t{instant(reviewed or submitted)}\n"
        )

        if kind == "not_new":
            # Coverage of the product, imported from the core system, ending within the gap.
            ended = day_ordinal[day] - 15 - int(rnd() * 300)
            coverage.append(
                f"{next_coverage}\t{participant_id}\t{product}\t{clock.day(ended - 364)}\t{clock.day(ended)}"
                f"\tcore_system\t{NULL}\n"
            )
            next_coverage += 1
        if status == "confirmed":
            end = coverage_ends.get((day, months))
            if end is None:
                end = coverage_ends[(day, months)] = coverage_end(days[day], months).isoformat()
            coverage.append(
                f"{next_coverage}\t{participant_id}\t{product}\t{day_iso[day]}\t{end}\tenrollment\t{enrollment_id}\n"
            )
            next_coverage += 1
        if reviewed:
            transitions.append(
                f"{next_transition}\t{enrollment_id}\tsubmitted\t{status}\t{instant(reviewed)}\t{NULL}"
                f"\t{status_reason}\n"
            )
            next_transition += 1
        if counted:
            entry = (enrollment_id, participant_id, product, agent, receipt, day, category)
            if len(ring) < ring_size:
                ring.append(entry)
            else:
                ring[ring_at] = entry
                ring_at = (ring_at + 1) % ring_size

        if len(enrollments) == BATCH or position == total - 1:
            ids.participant, ids.enrollment = next_participant, next_enrollment
            ids.coverage, ids.transition = next_coverage, next_transition
            yield "".join(participants), "".join(enrollments), "".join(coverage), "".join(transitions)
            participants.clear()
            enrollments.clear()
            coverage.clear()
            transitions.clear()

    if schedule:
        raise RuntimeError(f"{len(schedule)} leader rows were not placed")


def _close(context, waits_for: Future | None = None) -> None:
    """Leave a ``cursor.copy()`` block, which ends the COPY statement and commits
    it (the connections are in autocommit mode), once ``waits_for`` has
    succeeded; if that failed, abandon the COPY."""
    if waits_for is not None:
        try:
            waits_for.result()
        except BaseException as exc:
            context.__exit__(type(exc), exc, exc.__traceback__)
            raise
    context.__exit__(None, None, None)


def _close_in_order(contexts) -> None:
    for index, context in enumerate(contexts):
        try:
            _close(context)
        except BaseException as exc:
            for rest in contexts[index + 1 :]:
                rest.__exit__(type(exc), exc, exc.__traceback__)
            raise


def _load_enrollments(plan: _Plan, *, total: int, campaign_id: int, phase_ids: list[int], rng, stdout) -> dict:
    """Stream the enrollments and everything they bring into COPY statements.

    Each table has its own connection, so PostgreSQL works on all four at once
    while Python makes the rows. The COPY statements run in rounds; ending one
    commits it and runs its (deferred) foreign-key checks, so the order matters:
    participants, then the enrollments naming them (round after round, as second
    receipts name earlier enrollments), then coverage and status changes, which
    name enrollments. Helper threads end the COPY statements of one round while
    the next rounds stream on other sets of connections, so those checks do not
    stall the stream.
    """
    from django.db import DEFAULT_DB_ALIAS, connections

    from enrollments.models import CoveragePeriod, Enrollment, EnrollmentTransition, Participant

    for text in (*SURNAMES, *COMMUNE_STEMS, *REJECTION_REASONS):
        if any(ch in text for ch in "\t\n\\"):
            raise ValueError(f"{text!r} would need escaping in COPY text")
    targets = (
        (Participant, PARTICIPANT_COLUMNS),
        (Enrollment, ENROLLMENT_COLUMNS),
        (CoveragePeriod, COVERAGE_COLUMNS),
        (EnrollmentTransition, TRANSITION_COLUMNS),
    )
    ids = _Ids(*(_next_id(model) for model, _names in targets))
    first = _Ids(**vars(ids))
    sql = [_copy_sql(model, names) for model, names in targets]
    quotes = _Quotes(plan.days)
    pieces = _stream(plan, total=total, campaign_id=campaign_id, phase_ids=phase_ids, ids=ids, quotes=quotes, rng=rng)
    # Django's wrappers of new connections to the same database; COPY goes through psycopg's cursors.
    wrappers = [[connections[DEFAULT_DB_ALIAS].copy() for _ in targets] for _set in range(CONNECTION_SETS)]
    chain = ThreadPoolExecutor(max_workers=1, thread_name_prefix="national-chain")
    after = ThreadPoolExecutor(max_workers=2, thread_name_prefix="national-after")
    in_flight: deque[tuple[int, list[Future], int]] = deque()
    free = deque(range(CONNECTION_SETS))
    started = time.perf_counter()

    def settle_oldest() -> None:
        turn, futures, done = in_flight.popleft()
        for future in futures:
            future.result()
        free.append(turn)
        elapsed = time.perf_counter() - started
        stdout(f"  {done:,} enrollments committed ({done / elapsed:,.0f}/s)")

    try:
        cursors = [[wrapper.cursor().cursor for wrapper in group] for group in wrappers]
        streamed = 0
        while streamed < total:
            if not free:
                settle_oldest()
            turn = free.popleft()
            size = min(ROUND_SIZE, total - streamed)
            # The cursor.copy() blocks are entered here and left by the helper threads.
            contexts, writers = [], []
            try:
                for index in range(len(targets)):
                    contexts.append(cursors[turn][index].copy(sql[index]))
                    writers.append(contexts[-1].__enter__().write)
                for piece in islice(pieces, -(-size // BATCH)):
                    for write, text in zip(writers, piece, strict=True):
                        if text:
                            write(text)
            except BaseException as exc:
                for context in contexts:
                    context.__exit__(type(exc), exc, exc.__traceback__)
                raise
            streamed += size
            enrollments_in = chain.submit(_close_in_order, contexts[:2])
            futures = [enrollments_in, *(after.submit(_close, context, enrollments_in) for context in contexts[2:])]
            in_flight.append((turn, futures, streamed))
        while in_flight:
            settle_oldest()
    finally:
        chain.shutdown(wait=True)
        after.shutdown(wait=True)
        for group in wrappers:
            for wrapper in group:
                wrapper.close()
    for model, _names in targets:
        _advance_sequence(model)
    return {
        "participants": ids.participant - first.participant,
        "enrollments": ids.enrollment - first.enrollment,
        "coverage_periods": ids.coverage - first.coverage,
        "enrollment_transitions": ids.transition - first.transition,
        "enrollment_id_range": (first.enrollment, ids.enrollment - 1),
    }


# --- the entry points -----------------------------------------------------------------


def build_national_dataset(
    *,
    agents: int = 50_000,
    enrollments: int = 2_000_000,
    provinces: int = 34,
    seed: int = 2026,
    stdout: Callable[[str], object] = print,
) -> dict:
    """Load the national data set into Django's current database, then VACUUM ANALYZE it.

    Django must be set up on a migrated PostgreSQL database holding no other
    data set (``prepare_database`` makes one); the rows are committed round by
    round on several connections, so this must not run inside a transaction.
    Returns the ids later benchmarks need: ``campaign_id``, ``phase_ids`` (phases
    1–3), ``cluster_ids`` and ``province_ids`` by province code, ``rule_id``, the
    ``agent_id_range`` and ``enrollment_id_range``, the ``leaders`` (agent, phase
    and exact counted and VSI counts); and ``counts`` of rows and ``timings`` in
    seconds per step.
    """
    from django.db import connection
    from django.utils import timezone

    from campaigns.models import Campaign

    if connection.vendor != "postgresql":
        raise RuntimeError("the national data set loads with COPY: it needs PostgreSQL")
    if connection.in_atomic_block:
        raise RuntimeError("build_national_dataset commits on several connections: call it outside a transaction")
    if provinces < 1 or agents < provinces or enrollments < 1:
        raise ValueError("need at least one province, an agent per province and one enrollment")

    rng = random.Random(seed)
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    now = timezone.now()
    tz = ZoneInfo(Campaign._meta.get_field("time_zone").default)
    plan = _Plan(now=now, tz=tz, phase_starts=_phase_starts(now, tz))
    _receipt_days(plan)

    ref = _reference_data(provinces, rng)
    campaign = _campaign(ref, plan)
    timings["reference data and campaign (ORM)"] = time.perf_counter() - clock

    clock = time.perf_counter()
    _load_agents(ref, plan, agents, rng)
    timings["agents (COPY)"] = time.perf_counter() - clock

    clock = time.perf_counter()
    _choose_leaders(plan, provinces, enrollments, rng)
    phase_ids = [phase.pk for phase in campaign["phases"]]
    loaded = _load_enrollments(
        plan, total=enrollments, campaign_id=campaign["campaign"].pk, phase_ids=phase_ids, rng=rng, stdout=stdout
    )
    timings["participants, enrollments, coverage, status changes (COPY)"] = time.perf_counter() - clock

    # COPY wrote past the services, so the standings kept on write are built as the first read would
    # (a full recount), before the vacuum, which then covers them too.
    from awards.tally import tally_rebuild

    clock = time.perf_counter()
    tally_rebuild(campaign_id=campaign["campaign"].pk, force=True)
    timings["standings kept on write (tally rebuild)"] = time.perf_counter() - clock

    clock = time.perf_counter()
    # VACUUM cannot run in a transaction block: the connection is in autocommit
    # mode here (checked above), so the statement runs on its own.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    timings["VACUUM ANALYZE"] = time.perf_counter() - clock

    return {
        "campaign_id": campaign["campaign"].pk,
        "phase_ids": phase_ids,
        "cluster_ids": {
            province.code: cluster.pk for province, cluster in zip(ref["provinces"], campaign["clusters"], strict=True)
        },
        "rule_id": campaign["rule"].pk,
        "province_ids": {province.code: province.pk for province in ref["provinces"]},
        "agent_id_range": (plan.agent_ids[0], plan.agent_ids[-1]),
        "enrollment_id_range": loaded.pop("enrollment_id_range"),
        "leaders": [
            {"agent_id": plan.agent_ids[x.agent], "phase_id": phase_ids[x.phase], "counted": x.total, "vsi": x.vsi}
            for x in plan.leaders
        ],
        "counts": {"agents": agents, **loaded},
        "timings": timings,
    }


def _schema_report() -> str:
    from django.db import connection

    from enrollments.models import Enrollment

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM pg_indexes WHERE tablename = %s), "
            "(SELECT count(*) FROM pg_constraint WHERE conrelid = %s::regclass)",
            [Enrollment._meta.db_table, Enrollment._meta.db_table],
        )
        indexes, constraints = cursor.fetchone()
    return f"{Enrollment._meta.db_table}: {indexes} indexes and {constraints} constraints in place during the load"


def _row_counts() -> list[tuple[str, int]]:
    from django.db import connection

    from campaigns.models import AwardRule, Campaign, Cluster, Phase, PrizeTier, Quota
    from collectors.models import Agent, Locality, ServiceOrganization, Unit
    from enrollments.models import CoveragePeriod, Enrollment, EnrollmentTransition, Participant

    models = (
        Locality, Unit, ServiceOrganization, Agent, Campaign, Phase, Cluster, Quota, AwardRule, PrizeTier,
        Participant, Enrollment, CoveragePeriod, EnrollmentTransition,
    )  # fmt: skip
    counts = []
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(model._meta.db_table)}")
            counts.append((model._meta.db_table, cursor.fetchone()[0]))
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, default=50_000)
    parser.add_argument("--enrollments", type=int, default=2_000_000)
    parser.add_argument("--provinces", type=int, default=34)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database", default=BENCH_DB, help=f"the database to (re)create (default {BENCH_DB})")
    args = parser.parse_args()

    url = bench_database_url(args.database)
    overall = time.perf_counter()
    clock = time.perf_counter()
    prepare_database(url)
    prepared = time.perf_counter() - clock
    print(f"database {args.database} recreated and migrated in {prepared:.1f} s")
    print(_schema_report())

    result = build_national_dataset(
        agents=args.agents, enrollments=args.enrollments, provinces=args.provinces, seed=args.seed
    )
    print("row counts:")
    for table, count in _row_counts():
        print(f"  {table:<36} {count:>12,}")
    print("timings:")
    print(f"  {'recreate database + migrate':<60} {prepared:>7.1f} s")
    for step, seconds in result["timings"].items():
        print(f"  {step:<60} {seconds:>7.1f} s")
    loaded = result["counts"]["enrollments"]
    copy_seconds = result["timings"]["participants, enrollments, coverage, status changes (COPY)"]
    print(f"  {'total':<60} {time.perf_counter() - overall:>7.1f} s")
    print(f"{loaded:,} enrollments in {copy_seconds:.1f} s = {loaded / copy_seconds:,.0f} enrollments/s")
    print(f"campaign {result['campaign_id']}, phases {result['phase_ids']}, rule {result['rule_id']}")


if __name__ == "__main__":
    main()
