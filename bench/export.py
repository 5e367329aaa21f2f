"""The ranking workbook at national scale: tens of thousands of final standings on one board.

Builds its own PostgreSQL database, ``emulation_bench_export`` (dropped and created
afresh, unless ``--reuse`` finds it loaded): one campaign with one cluster, a rule
with three prize tiers and a cluster quota, as many agents as the largest size, and
for each size N a finalized phase whose current finalization stores N agents'
final standings (bulk inserted) and the three awards of its winners. For each size:

  - ``awards.workbooks.write_ranking`` to a file: reading the stored standings from
    the database in batches and writing the styled sheet (title rows, bold header,
    frozen panes, autofilter, number formats, page setup): median time over ``--runs``;
  - the same cells (read back from that workbook: title rows, header and every data
    row, same values) written with a bare openpyxl write-only workbook without any
    style — the values in memory beforehand, so only the writing is timed: median
    time, and the ratio of medians (target ≤ 1.0: XlsxWriter writes the styled,
    print-ready sheet, reading included, in less time than bare openpyxl writes the
    values); the runs alternate, and the ratio of the fastest runs is shown too (a
    shared machine slows some runs down);
  - peak memory of each, in a separate run: tracemalloc's peak of Python allocations,
    and the growth of the process's peak resident set (VmHWM, reset before the run).

Memory should stay flat as N grows: rows are streamed, never gathered.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/export.py \\
        [--sizes 10000,50000,100000] [--runs 3] [--reuse]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import benchdb  # noqa: E402  (needs the project root on the path)

BENCH_DB = "emulation_bench_export"
CAMPAIGN = "export-bench"
VN = ZoneInfo("Asia/Ho_Chi_Minh")
QUOTA = 90
TARGET = 1.0  # the ranking's time over bare openpyxl's, at most
TIERS = ((1, "Giải Nhất", 5_000_000), (2, "Giải Nhì", 3_000_000), (3, "Giải Ba", 2_000_000))
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Võ", "Đặng", "Bùi"]
MIDDLE = ["Văn", "Thị", "Minh", "Thanh", "Quốc", "Ngọc"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hoa", "Hùng", "Lan", "Long", "Mai", "Nam", "Phúc", "Tâm"]


def _setup_django(url: str, *, fresh: bool) -> None:
    if fresh:
        benchdb.recreate_database(url)
    os.environ.update({"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "emulation_config.settings", "DEBUG": "false"})
    import django

    django.setup()
    if fresh:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def build(sizes: list[int]) -> None:
    """The campaign, its agents, and a finalized phase per size with that many stored standings."""
    from django.db import transaction
    from django.utils import timezone

    from awards.models import Award, Finalization, Standing
    from campaigns.models import AwardRule, Campaign, Cluster, Phase, PrizeTier, Quota
    from collectors.models import Agent, Locality, ServiceOrganization, Unit

    with transaction.atomic():
        province = Locality.objects.create(code="49", name="Tỉnh Quảng Nam", level="province")
        districts = [
            Locality.objects.create(code=f"5{n:02d}", name=f"Huyện số {n}", level="district", parent=province)
            for n in range(15)
        ]
        unit = Unit.objects.create(code="BHXH-49", name="BHXH tỉnh Quảng Nam", kind="province")
        organizations = [
            ServiceOrganization.objects.create(
                code=f"TCDV-{n:02d}", name=f"Bưu điện huyện số {n}", kind="post_office", contracting_unit=unit
            )
            for n in range(20)
        ]
        campaign = Campaign.objects.create(
            code=CAMPAIGN,
            name="Thi đua phát triển người tham gia BHXH tự nguyện",
            organizer=unit,
            products=["VSI"],
            status=Campaign.Status.CLOSED,
        )
        cluster = Cluster.objects.create(campaign=campaign, number=1, name="Cụm 1")
        cluster.localities.add(province)
        Quota.objects.create(campaign=campaign, cluster=cluster, minimum=QUOTA)
        rule = AwardRule.objects.create(campaign=campaign, code="TOP", name="Giải thưởng đợt")
        tiers = [
            PrizeTier.objects.create(rule=rule, position=p, title=t, money="fixed", amount=a, winners=1)
            for p, t, a in TIERS
        ]
        Agent.objects.bulk_create(
            (
                Agent(
                    code=f"NVT{n:06d}",
                    full_name=f"{SURNAMES[n % 10]} {MIDDLE[n % 6]} {GIVEN[n % 14]}",
                    organization=organizations[n % 20],
                    locality=districts[n % 15],
                )
                for n in range(max(sizes))
            ),
            batch_size=5000,
        )
    agents = list(Agent.objects.order_by("code").values_list("pk", "code", "full_name"))
    start = datetime(2024, 1, 1, tzinfo=VN)
    for number, size in enumerate(sizes, start=1):
        with transaction.atomic():
            begin = start + timedelta(days=90 * (number - 1))
            phase = Phase.objects.create(
                campaign=campaign,
                number=number,
                name=f"Đợt {number} ({size:,} người)",
                start=begin,
                cutoff=begin + timedelta(days=90),
                status=Phase.Status.FINALIZED,
                finalized_at=timezone.now(),
            )
            finalization = Finalization.objects.create(phase=phase, version=1)
            rows = []
            eligible_count = size // 5
            for position, (pk, code, name) in enumerate(agents[:size], start=1):
                # The first fifth score at least the quota; the others fall short of it.
                score = QUOTA + (eligible_count - position) // 10 if position <= eligible_count else 60 - position % 60
                eligible = position <= eligible_count
                rows.append(
                    Standing(
                        finalization=finalization,
                        rule=rule,
                        cluster=cluster,
                        competitor_kind="agent",
                        agent_id=pk,
                        competitor_code=code,
                        competitor_name=name,
                        score=score,
                        reached_at=begin + timedelta(days=30, seconds=position * 37),
                        eligible=eligible,
                        position=position,
                        rank=position if eligible else None,
                        quota_counts=str(score),
                    )
                )
            Standing.objects.bulk_create(rows, batch_size=5000)
            del rows
            winners = Standing.objects.filter(finalization=finalization, rank__lte=3).order_by("rank")
            Award.objects.bulk_create(
                Award(
                    finalization=finalization,
                    standing=standing,
                    phase=phase,
                    rule=rule,
                    tier=tier,
                    cluster=cluster,
                    competitor_kind="agent",
                    agent_id=standing.agent_id,
                    competitor_code=standing.competitor_code,
                    competitor_name=standing.competitor_name,
                    amount=tier.amount,
                )
                for standing, tier in zip(winners, tiers, strict=True)
            )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


# --- Measuring ---------------------------------------------------------------------------------


def _rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _reset_rss_peak() -> bool:
    """Reset the process's peak resident set (VmHWM) to its current size (Linux)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def memory(function) -> tuple[float, float | None]:
    """(tracemalloc peak in MiB, growth of the peak RSS in MiB or None) of one call."""
    resettable = _reset_rss_peak()
    before = _rss_kib("VmRSS")
    tracemalloc.start()
    function()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    growth = (_rss_kib("VmHWM") - before) / 1024 if resettable else None
    return peak / 2**20, growth


def timed(function, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return samples


def read_back(path: str) -> tuple[str, list[tuple]]:
    """The one sheet's title and every row's values, as the bare baseline writes them."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    sheet = book.worksheets[0]
    rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    title = sheet.title
    book.close()
    return title, rows


def bare_write(path: str, title: str, rows: list[tuple]) -> None:
    """The baseline: openpyxl's write-only mode, no style of any kind."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    for row in rows:
        sheet.append(row)
    book.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,50000,100000", help="standings per board, comma-separated")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="use the data set already loaded, if any")
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))

    url = benchdb.bench_database_url(BENCH_DB)
    reuse = args.reuse and benchdb.database_exists(url)
    _setup_django(url, fresh=not reuse)
    from awards.models import Standing
    from awards.workbooks import write_ranking
    from campaigns.models import AwardRule, Phase

    loaded = {
        Standing.objects.filter(finalization__phase=phase).count(): phase
        for phase in Phase.objects.filter(campaign__code=CAMPAIGN)
    }
    if not all(size in loaded for size in sizes):
        if reuse:
            _setup_django(url, fresh=True)
        started = time.perf_counter()
        build(sizes)
        print(f"built {sum(sizes):,} standings in {time.perf_counter() - started:.0f} s")
        loaded = {
            Standing.objects.filter(finalization__phase=phase).count(): phase
            for phase in Phase.objects.filter(campaign__code=CAMPAIGN)
        }
    rule = AwardRule.objects.get(campaign__code=CAMPAIGN, code="TOP")

    workdir = tempfile.mkdtemp(prefix="bench-export-")
    ours_path, bare_path = os.path.join(workdir, "ranking.xlsx"), os.path.join(workdir, "bare.xlsx")
    print(f"PostgreSQL database {BENCH_DB}; {args.runs} timed runs per size; files in {workdir}")
    print(
        f"{'rows':>8} | {'write_ranking':>13} | {'bare openpyxl':>13} | {'ratio':>5} | {'fastest':>7} | "
        f"{'tracemalloc peak (ours/bare)':>28} | {'peak RSS growth (ours/bare)':>27} | {'file':>7}"
    )
    ratios = []
    for size in sizes:
        phase = Phase.objects.select_related("campaign").get(pk=loaded[size].pk)

        def ours(phase=phase):
            return write_ranking(ours_path, phase=phase, rule=rule)

        written = ours()  # warm up; and the workbook the baseline copies
        if written != size:
            raise SystemExit(f"{written} rows written, {size} expected")
        title, rows = read_back(ours_path)
        if len(rows) != size + 5:
            raise SystemExit(f"{len(rows)} rows read back, {size + 5} expected")

        def bare(title=title, rows=rows):
            bare_write(bare_path, title, rows)

        bare()
        ours_times, bare_times = [], []
        for _ in range(args.runs):  # interleaved, so that a slow moment of the machine hits both
            ours_times += timed(ours, 1)
            bare_times += timed(bare, 1)
        ratio = statistics.median(ours_times) / statistics.median(bare_times)
        fastest = min(ours_times) / min(bare_times)
        ratios.append(ratio)
        our_peak, our_rss = memory(ours)
        bare_peak, bare_rss = memory(bare)
        rss = f"{our_rss:.1f} / {bare_rss:.1f} MiB" if our_rss is not None else "n/a"
        print(
            f"{size:>8,} | {statistics.median(ours_times):>11.2f} s | {statistics.median(bare_times):>11.2f} s | "
            f"{ratio:>5.2f} | {fastest:>7.2f} | {f'{our_peak:.1f} / {bare_peak:.1f} MiB':>28} | {rss:>27} | "
            f"{os.path.getsize(ours_path) / 2**20:>4.1f} MB"
        )
        del rows
    print(
        f"runs (s), last size: write_ranking {', '.join(f'{t:.2f}' for t in ours_times)}; "
        f"bare {', '.join(f'{t:.2f}' for t in bare_times)}"
    )
    worst = max(ratios)
    print(f"worst ratio of medians {worst:.2f} (target ≤ {TARGET}): {'met' if worst <= TARGET else 'NOT met'}")


if __name__ == "__main__":
    main()
