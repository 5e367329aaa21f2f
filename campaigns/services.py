"""The phase lifecycle's own moves (DESIGN §5 "Phase lifecycle").

scheduled → open → closed, on time by the periodic task or by hand; finalizing
(closed → finalized) and reopening (finalized → closed) belong to the awards
app's services, which move the phase through ``phase_move`` too. Every move
locks the phase, checks it against ``PHASE_MOVES`` and records a
``PhaseTransition`` with who, when and why.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Phase, PhaseTransition
from core.errors import InvalidTransition

PHASE_MOVES = {
    Phase.Status.SCHEDULED: {Phase.Status.OPEN, Phase.Status.CLOSED},
    Phase.Status.OPEN: {Phase.Status.CLOSED},
    Phase.Status.CLOSED: {Phase.Status.FINALIZED},
    Phase.Status.FINALIZED: {Phase.Status.CLOSED},
}


def phase_move(*, phase: Phase, to_status: str, by=None, reason: str = "", now: datetime | None = None) -> Phase:
    """Move a phase the caller has locked (``select_for_update`` inside its
    transaction) along ``PHASE_MOVES``, and record the move."""
    if to_status not in PHASE_MOVES[phase.status]:
        raise InvalidTransition(
            _("%(phase)s is %(status)s and cannot become %(to)s.")
            % {"phase": phase, "status": phase.get_status_display(), "to": Phase.Status(to_status).label}
        )
    now = now or timezone.now()
    previous = phase.status
    phase.status = to_status
    fields = ["status"]
    if to_status == Phase.Status.CLOSED and previous != Phase.Status.FINALIZED:
        phase.closed_at = now
        fields.append("closed_at")
    if to_status == Phase.Status.FINALIZED:
        phase.finalized_at = now
        fields.append("finalized_at")
    phase.save(update_fields=fields)
    PhaseTransition.objects.create(phase=phase, from_status=previous, to_status=to_status, by=by, reason=reason)
    return phase


def phase_open(*, phase: Phase, by=None, reason: str = "") -> Phase:
    with transaction.atomic():
        locked = Phase.objects.select_for_update().get(pk=phase.pk)
        return phase_move(phase=locked, to_status=Phase.Status.OPEN, by=by, reason=reason)


def phase_close(*, phase: Phase, by=None, reason: str = "") -> Phase:
    """Close a phase by hand (early, or when the periodic task has not run yet).
    A finalized phase is reopened, with a reason, not closed."""
    with transaction.atomic():
        locked = Phase.objects.select_for_update().get(pk=phase.pk)
        if locked.status == Phase.Status.FINALIZED:
            raise InvalidTransition(_("%(phase)s is finalized: reopen it, with a reason, instead.") % {"phase": locked})
        return phase_move(phase=locked, to_status=Phase.Status.CLOSED, by=by, reason=reason)


def phases_advance(*, now: datetime | None = None) -> dict[str, list[int]]:
    """Open the phases whose start has come and close those whose cutoff and
    grace have passed; for the periodic task. Returns the ids moved."""
    now = now or timezone.now()
    moved: dict[str, list[int]] = {"opened": [], "closed": []}
    due = Phase.objects.filter(status__in=[Phase.Status.SCHEDULED, Phase.Status.OPEN]).filter(
        Q(start__lte=now, status=Phase.Status.SCHEDULED) | Q(cutoff__lte=now)
    )
    for phase_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            # skip_locked: another worker already handles this phase.
            phase = Phase.objects.select_for_update(skip_locked=True).filter(pk=phase_id).first()
            if phase is None or phase.status not in (Phase.Status.SCHEDULED, Phase.Status.OPEN):
                continue
            if now >= phase.submission_deadline:
                phase_move(
                    phase=phase, to_status=Phase.Status.CLOSED, reason=_("Cutoff and submission grace passed."), now=now
                )
                moved["closed"].append(phase.pk)
            elif phase.status == Phase.Status.SCHEDULED and now >= phase.start:
                phase_move(phase=phase, to_status=Phase.Status.OPEN, reason=_("The phase started."), now=now)
                moved["opened"].append(phase.pk)
    return moved
