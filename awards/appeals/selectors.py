"""Reads of the notice and the appeals: which results are under notice and
until when, who may read them, why a competitor is not eligible, and the
appeals a user sees. The notice's rows are the final leaderboard's
(``awards.selectors``): nothing is computed again here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from awards.appeals.models import Appeal, AppealEvent
from awards.models import Finalization, Standing
from awards.permissions import leaderboard_access, staff_reads
from awards.selectors import BoardRow
from campaigns.models import AwardRule, Campaign, Phase, Quota
from collectors.models import StaffAssignment
from core.reach import reach_filter, reach_of, register_reach_path

register_reach_path(Appeal, "phase__campaign__organizer")
register_reach_path(AppealEvent, "appeal__phase__campaign__organizer")


@dataclass(frozen=True)
class Notice:
    """A phase's proposed results under public notice: the finalization published and when its period ends."""

    phase: Phase
    finalization: Finalization

    @property
    def ends_at(self) -> datetime | None:
        return self.finalization.notice_ends_at

    def running(self, now: datetime | None = None) -> bool:
        return self.ends_at is not None and (now or timezone.now()) < self.ends_at

    @property
    def open_appeals(self) -> int:
        return Appeal.objects.filter(phase=self.phase, status=Appeal.Status.OPEN).count()


def phase_notice(phase: Phase) -> Notice | None:
    """The notice of ``phase``'s results: once it is finalized (its current version), else None."""
    if phase.status != Phase.Status.FINALIZED:
        return None
    finalization = Finalization.objects.filter(phase=phase, current=True).first()
    return Notice(phase=phase, finalization=finalization) if finalization is not None else None


def notice_readable(user, campaign: Campaign) -> bool:
    """Whether ``user`` reads the notices of ``campaign``: whoever reads any of
    its leaderboards (staff within reach, the agents taking part, the managers
    of their organizations), and the staff of a unit competing in it. A notice
    is public within the campaign: such a reader reads every board of it."""
    if not user.is_authenticated:
        return False
    if leaderboard_access(user, campaign) is not None:
        return True
    unit_id = StaffAssignment.objects.filter(user=user).values_list("unit_id", flat=True).first()
    if unit_id is None or campaign.status not in (Campaign.Status.RUNNING, Campaign.Status.CLOSED):
        return False
    return Standing.objects.filter(finalization__phase__campaign=campaign, unit_id=unit_id).exists()


def ineligibility_reason(row: BoardRow, *, rule: AwardRule, quotas: list[Quota]) -> str:
    """Why a competitor on a final board is not eligible ("" when eligible)."""
    if row.eligible:
        return ""
    if rule.metric == AwardRule.Metric.INDICATORS:
        return _("Not every indicator target is met.")
    if not row.score:
        return _("No counted result.")
    short = [
        _("%(counted)s of the minimum %(minimum)s") % {"counted": count, "minimum": quota.minimum}
        for quota, count in zip(quotas, row.quota_counts, strict=False)
        if count < quota.minimum
    ]
    if short:
        return _("Quota not met: %(quotas)s.") % {"quotas": "; ".join(short)}
    return _("Not eligible under the rule.")


def appeals_visible_to(user) -> QuerySet[Appeal]:
    """The appeals ``user`` sees: those they filed, those about them, their
    organization's agents, their teams or their unit; staff who may view
    appeals also every appeal of the campaigns within their reach."""
    if not user.is_authenticated:
        return Appeal.objects.none()
    own = (
        Q(filed_by=user)
        | Q(agent__user=user)
        | Q(agent__organization__managers=user)
        | Q(team__members__user=user)
        | Q(unit__staff_assignments__user=user)
    )
    mine = Appeal.objects.filter(own).values("pk")
    if user.has_perm("awards.view_appeal"):
        reached = reach_filter(Appeal.objects.all(), reach_of(user)).values("pk")
        return Appeal.objects.filter(Q(pk__in=mine) | Q(pk__in=reached))
    return Appeal.objects.filter(pk__in=mine)


def may_answer(user, appeal: Appeal) -> bool:
    """Council members answer the appeals of the campaigns within their reach."""
    return user.has_perm("awards.answer_appeal") and staff_reads(user, appeal.phase.campaign)
