"""The appeal states, the notice period of a finalization, and the guard on approving.

Appeal: open → upheld | dismissed, once, with a written reply. An upheld
appeal is corrected by the next finalization of its phase. Used by
``awards.services`` (finalizing, approving) and ``awards.appeals.services``.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from awards.appeals.models import Appeal, AppealEvent
from awards.models import Finalization
from campaigns.calendar import working_days_end
from campaigns.models import Phase
from core.errors import InvalidTransition

APPEAL_MOVES = {
    Appeal.Status.OPEN: {Appeal.Status.UPHELD, Appeal.Status.DISMISSED},
    Appeal.Status.UPHELD: set(),
    Appeal.Status.DISMISSED: set(),
}


def notice_end(*, phase: Phase, at: datetime) -> datetime:
    """When the notice of results published at ``at`` ends (the campaign's working days)."""
    campaign = phase.campaign
    return working_days_end(start=at, days=campaign.notice_days, tz=campaign.tzinfo)


def local_moment(value: datetime, phase: Phase) -> str:
    """A moment as dd/mm/yyyy HH:MM in the campaign's time zone."""
    return formats.date_format(timezone.localtime(value, phase.campaign.tzinfo), "d/m/Y H:i")


def record(appeal: Appeal, *, from_status: str, by, at: datetime, note: str = "") -> AppealEvent:
    return AppealEvent.objects.create(
        appeal=appeal, from_status=from_status, to_status=appeal.status, by=by, at=at, note=note
    )


def move(appeal: Appeal, to_status: str) -> str:
    """Check the move of a locked appeal to ``to_status``; the status it leaves."""
    if to_status not in APPEAL_MOVES[appeal.status]:
        raise InvalidTransition(
            _("The appeal is already %(status)s.") % {"status": appeal.get_status_display()}, field="status"
        )
    previous = appeal.status
    appeal.status = to_status
    return previous


def appeals_corrected(*, finalization: Finalization, by, now: datetime) -> list[int]:
    """Link the upheld appeals of the phase still waiting for a correction to
    ``finalization``, recording the step; their ids."""
    waiting = list(
        Appeal.objects.select_for_update()
        .filter(phase_id=finalization.phase_id, status=Appeal.Status.UPHELD, correction__isnull=True)
        .order_by("pk")
    )
    note = _("Corrected by version %(version)s of the results.") % {"version": finalization.version}
    for appeal in waiting:
        appeal.correction = finalization
        appeal.save(update_fields=["correction"])
        record(appeal, from_status=appeal.status, by=by, at=now, note=note)
    return [appeal.pk for appeal in waiting]


def approval_refusal(phase: Phase, *, now: datetime) -> str | None:
    """Why the awards of ``phase`` may not be approved yet: its notice period
    runs, or appeals about it are open (both said when both hold); None when they may."""
    reasons = []
    finalization = Finalization.objects.filter(phase=phase, current=True).first()
    if finalization is not None and finalization.notice_ends_at and now < finalization.notice_ends_at:
        reasons.append(
            _("The notice period of %(phase)s runs until %(end)s: awards are approved after it ends.")
            % {"phase": phase.name, "end": local_moment(finalization.notice_ends_at, phase)}
        )
    open_appeals = Appeal.objects.filter(phase=phase, status=Appeal.Status.OPEN).count()
    if open_appeals:
        reasons.append(
            ngettext(
                "%(count)d appeal about %(phase)s is still open: answer it first.",
                "%(count)d appeals about %(phase)s are still open: answer them first.",
                open_appeals,
            )
            % {"count": open_appeals, "phase": phase.name}
        )
    return " ".join(reasons) or None
