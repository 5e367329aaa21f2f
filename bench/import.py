"""Enrollment import throughput: a campaign's history loaded from a CSV export
of the collection software, through the import job (enrollments.history).

Builds a fresh database with a campaign of three past phases, one cluster of
agents with a quota and a ranked award rule (the standings kept on write are
updated by every chunk), writes a CSV of ``--rows`` receipts (one in ten a
person already seen, so the counting rules have work to do), asks for the
import as staff do and runs it in this process. Prints the import's own rows
per second (from the job's start to its end, as the job records them) and the
process's peak memory (resident set size) before and after.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/import.py [--rows 200000]

The database named in DATABASE_URL is only used to connect; the benchmark
creates (and drops first) its own database, ``emulation_bench_import``.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import benchdb  # noqa: E402  (needs the project root on the path)

BENCH_DB = "emulation_bench_import"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup(agents: int):
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from awards.tally import tally_rebuild
    from campaigns.models import AwardRule, Campaign, Cluster, Phase, Quota
    from collectors.models import Agent, Locality, ServiceOrganization, Unit

    call_command("migrate", verbosity=0)
    province = Locality.objects.create(code="31", name="Thành phố Hải Phòng", level="province")
    district = Locality.objects.create(code="303", name="Quận Lê Chân", level="district", parent=province)
    unit = Unit.objects.create(code="BHXH-31", name="BHXH thành phố Hải Phòng", kind="province")
    org = ServiceOrganization.objects.create(code="BD-HP", name="Bưu điện", kind="post_office", contracting_unit=unit)
    campaign = Campaign.objects.create(code="history", name="Lịch sử", organizer=unit, products=["VSI", "HHI"])
    now = timezone.now()
    start = now - timedelta(days=300)
    phases = []
    for number in (1, 2, 3):
        phases.append(
            Phase.objects.create(
                campaign=campaign,
                number=number,
                name=f"Đợt {number}",
                start=start + timedelta(days=90 * (number - 1)),
                cutoff=start + timedelta(days=90 * number),
            )
        )
    cluster = Cluster.objects.create(campaign=campaign, number=1, name="Cụm 1")
    cluster.localities.add(district)
    Quota.objects.create(campaign=campaign, cluster=cluster, product="VSI", minimum=3)
    AwardRule.objects.create(campaign=campaign, code="TOP", name="Giải đợt", competitor_kind="agent")
    for n in range(agents):
        Agent.objects.create(code=f"NV{n:04d}", full_name=f"Nhân viên {n}", organization=org, locality=district)
    tally_rebuild(campaign_id=campaign.pk)
    staff = get_user_model().objects.create_superuser("bench-staff", "bench@example.vn", "x")
    return campaign, phases, staff


def write_csv(path: str, rows: int, agents: int, phases) -> None:
    from enrollments.history.columns import COLUMNS
    from enrollments.identity import make_personal_id

    tz = phases[0].campaign.tzinfo
    first = phases[0].start + timedelta(minutes=1)
    span = (phases[-1].cutoff - first).total_seconds() - 3600
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([column.header for column in COLUMNS])
        for n in range(rows):
            person = n - n % 10 if n % 10 == 9 else n  # one row in ten: a person seen just before
            born = date(1960 + person % 45, 1 + person % 12, 1 + person % 28)
            gender = "Nam" if person % 2 else "Nữ"
            pid = make_personal_id(
                province_code="031",
                date_of_birth=born,
                gender="male" if person % 2 else "female",
                serial=person,
            )
            at = first + timedelta(seconds=span * n / rows)
            writer.writerow(
                [
                    f"BL{n:09d}",
                    at.astimezone(tz).strftime("%d/%m/%Y %H:%M:%S"),
                    f"NV{n % agents:04d}",
                    "BHXH tự nguyện",
                    pid,
                    f"Người tham gia {person}",
                    born.strftime("%d/%m/%Y"),
                    gender,
                    (1, 3, 6, 12)[n % 4],
                    1_500_000 + (n % 20) * 100_000,
                    "",
                    ("poor", "near_poor", "other")[n % 3],
                    "",
                    "",
                ]
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--agents", type=int, default=300)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark's database afterwards")
    args = parser.parse_args()

    url = benchdb.bench_database_url(BENCH_DB)
    benchdb.recreate_database(url)
    os.environ.update(
        {
            "DATABASE_URL": url,
            "DEBUG": "false",
            "DJANGO_SETTINGS_MODULE": "emulation_config.settings",
            "LOG_LEVEL": "WARNING",
            "ENROLLMENT_IMPORT_MAX_ROWS": str(max(args.rows, 1_000_000)),
        }
    )
    os.environ.pop("REDIS_URL", None)  # the task runs in this process
    try:
        campaign, phases, staff = setup(args.agents)
        from django.core.files.uploadedfile import SimpleUploadedFile

        from enrollments.history.jobs import enrollment_import_request
        from enrollments.models import Enrollment, EnrollmentImport

        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "history.csv")
            write_csv(path, args.rows, args.agents, phases)
            size = os.path.getsize(path)
            with open(path, "rb") as handle:
                upload = SimpleUploadedFile("history.csv", handle.read(), content_type="text/csv")
        before = peak_rss_mb()
        wall = time.perf_counter()
        if os.environ.get("BENCH_PROFILE"):
            import cProfile

            profile = cProfile.Profile()
            profile.enable()
        job = enrollment_import_request(campaign=campaign, file=upload, by=staff)  # runs once it commits
        if os.environ.get("BENCH_PROFILE"):
            profile.disable()
            profile.dump_stats(os.environ["BENCH_PROFILE"])
        wall = time.perf_counter() - wall
        del upload
        job = EnrollmentImport.objects.defer("content").get(pk=job.pk)
        seconds = (job.finished_at - job.started_at).total_seconds()
        counted = Enrollment.objects.filter(campaign=campaign, counted=True).count()
        print(f"file: {args.rows:,} rows, {size / 1e6:.1f} MB CSV; {args.agents} agents")
        print(
            f"import: {job.status}, {job.processed_rows:,} rows read, {job.created_count:,} created "
            f"({counted:,} counted), {job.unchanged_count:,} unchanged, {job.error_count:,} with errors"
        )
        print(
            f"import time: {seconds:.1f} s = {job.processed_rows / seconds:,.0f} rows/s (request and run: {wall:.1f} s)"
        )
        print(f"peak memory (RSS): {before:.0f} MB before the import, {peak_rss_mb():.0f} MB after")
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            benchdb.drop_database(url)


if __name__ == "__main__":
    main()
