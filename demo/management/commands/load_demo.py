"""``manage.py load_demo``: the Quảng Nam 2024 campaign, alive today, with agents and enrollments."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from demo.loader import (
    ADMIN_PASSWORD,
    ADMIN_USERNAME,
    AGENT_COUNT,
    AGENT_PASSWORD,
    DEFAULT_SEED,
    MANAGER_USERNAME,
    DemoError,
    DemoSummary,
    demo_load,
)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(_("%(value)s is not a date (YYYY-MM-DD).") % {"value": value}) from None


class Command(BaseCommand):
    help = _(
        "Load a demo: the Quảng Nam 2024 campaign re-dated so that its second phase is open today, "
        "sixty agents who can log in and a few thousand enrollments. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", type=_day, help=_("Build the demo around this date (default: today)."))
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=_("Seed of the synthetic data."))
        parser.add_argument(
            "--url", default="http://127.0.0.1:8000/", help=_("Where the demo will be served, for the summary.")
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help=_("Load even with DEBUG off. The demo creates a superuser admin/admin: never in production."),
        )

    def handle(self, *args, today: date | None, seed: int, url: str, force: bool, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                _("DEBUG is off: this looks like a real deployment, and the demo creates a superuser admin/admin. ")
                + _("Use --force to load it anyway.")
            )
        try:
            summary = demo_load(today=today, seed=seed)
        except DemoError as exc:
            details = "".join(f"\n  - {error}" for error in exc.errors)
            raise CommandError(f"{exc}{details}") from exc
        self._report(summary, url)

    def _report(self, summary: DemoSummary, url: str) -> None:
        out = self.stdout
        campaign = summary.campaign
        tz = campaign.tzinfo
        state = _("created") if summary.campaign_created else _("already there, topped up")
        heading = _("Demo campaign “%(name)s” (%(code)s): %(state)s.")
        out.write(self.style.SUCCESS(heading % {"name": campaign.name, "code": campaign.code, "state": state}))
        for phase in summary.phases:
            first = phase.start.astimezone(tz).date()
            last = (phase.cutoff - timedelta(microseconds=1)).astimezone(tz).date()
            marker = _(" ← today") if first <= summary.today <= last else ""
            out.write(f"  {phase.name}: {first:%d/%m/%Y} – {last:%d/%m/%Y} · {phase.get_status_display()}{marker}")
        clusters = ", ".join(f"{name}: {count}" for name, count in summary.agents_per_cluster.items())
        out.write(
            _("  Agents: %(count)d (%(clusters)s)")
            % {"count": sum(summary.agents_per_cluster.values()), "clusters": clusters}
        )
        counted = ", ".join(
            _("phase %(number)d: %(count)s") % {"number": number, "count": number_format(count, force_grouping=True)}
            for number, count in sorted(summary.counted_per_phase.items())
        )
        out.write(
            _("  Enrollments: %(total)s (counted — %(counted)s)")
            % {
                "total": number_format(summary.totals["enrollments.Enrollment"], force_grouping=True),
                "counted": counted or "0",
            }
        )
        if summary.phase_1_quota is not None:
            out.write(
                _("  Cluster-1 agents who reached the quota of %(quota)d in phase 1: %(count)d")
                % {"quota": summary.phase_1_quota, "count": summary.quota_reached_in_phase_1}
            )
        created = sum(summary.created.values())
        out.write(_("  Rows added by this run: %(count)s") % {"count": number_format(created, force_grouping=True)})
        out.write("")
        out.write(self.style.SUCCESS(_("Open %(url)s") % {"url": url}))
        out.write(_("  Administration: %(url)sadmin/") % {"url": url if url.endswith("/") else f"{url}/"})
        staff = _("  Staff (superuser): %(username)s / %(password)s")
        out.write(staff % {"username": ADMIN_USERNAME, "password": ADMIN_PASSWORD})
        agents = _("  Agents: agent01 … agent%(last)02d / %(password)s")
        out.write(agents % {"last": AGENT_COUNT, "password": AGENT_PASSWORD})
        manager = _("  Post office manager: %(username)s / %(password)s")
        out.write(manager % {"username": MANAGER_USERNAME, "password": AGENT_PASSWORD})
