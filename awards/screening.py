"""Bars from commendation in the scoring statement (DESIGN §11.3).

An agent or a BHXH unit barred from commendation (``collectors.CommendationBar``)
during a phase stays on the phase's leaderboards but is not eligible for a
prize. *During the phase* means that the bar's days, from its start date to its
end date (both included; no end date: still running), share at least one day
with the phase's days: from the day of its start to the day before its cutoff,
in the campaign's time zone. A whole-campaign rule, judged on every phase's
receipts, looks at the days of all its phases together. A discipline that
started and ended within the phase therefore still bars the competitor, as
does one that begins before the cutoff and is still running.

When several bars overlap, the one that began first is shown (then the one
recorded first). Teams are never barred themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.utils import timezone

from campaigns.models import AwardRule, CompetitorKind, Phase
from collectors.models import CommendationBar

# The column of a bar's owner, per competitor kind.
_OWNER = {CompetitorKind.AGENT: "agent_id", CompetitorKind.UNIT: "unit_id"}


def screened_days(rule: AwardRule, phase: Phase) -> tuple[date, date]:
    """The first and the last day (in the campaign's time zone) a bar must touch
    to bar a competitor under ``rule`` judged at ``phase``."""
    if rule.scope == AwardRule.Scope.CAMPAIGN:
        phases = list(Phase.objects.filter(campaign_id=rule.campaign_id).values_list("start", "cutoff"))
    else:
        phases = [(phase.start, phase.cutoff)]
    tz = rule.campaign.tzinfo
    first = min(timezone.localtime(start, tz).date() for start, _cutoff in phases)
    # The cutoff itself is no longer in the phase.
    last = max(timezone.localtime(cutoff - timedelta(microseconds=1), tz).date() for _start, cutoff in phases)
    return first, last


def screen_sql(rule: AwardRule, phase: Phase, params, competitor: str = "c.id") -> str:
    """A scalar SQL expression: the id of the bar that bars ``competitor`` (a
    column of the competitor's id) under ``rule`` at ``phase``, or NULL."""
    column = _OWNER.get(rule.competitor_kind)
    if column is None:
        return "CAST(NULL AS BIGINT)"
    first, last = screened_days(rule, phase)
    table = CommendationBar._meta.db_table
    starts, ends = params.add("screen_last", last), params.add("screen_first", first)
    # Names from model metadata; every value is a parameter.
    return (
        f"(SELECT sb.id FROM {table} sb WHERE sb.{column} = {competitor} "  # noqa: S608
        f"AND sb.start_date <= {starts} AND (sb.end_date IS NULL OR sb.end_date >= {ends}) "
        "ORDER BY sb.start_date, sb.id LIMIT 1)"
    )


def bar_texts(bar_ids: Iterable[int | None]) -> dict[int, str]:
    """Bar id → what a leaderboard shows of it (its reason and details), in one query."""
    wanted = {pk for pk in bar_ids if pk is not None}
    if not wanted:
        return {}
    rows = CommendationBar.objects.filter(pk__in=wanted).values_list("pk", "reason", "note")
    return {pk: CommendationBar.describe(reason, note) for pk, reason, note in rows}
