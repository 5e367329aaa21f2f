"""Writes of the dossier's records: the council's meetings with their votes."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from awards.models import CouncilMeeting
from campaigns.models import Phase
from core.errors import InvalidTransition
from core.reach import Reach, require_reach


def council_meeting_record(
    *,
    phase: Phase,
    by,
    minutes_number: str,
    held_at: datetime,
    chair: str,
    secretary: str,
    members_total: int,
    members_present: int,
    votes_for: int,
    votes_against: int = 0,
    votes_abstaining: int = 0,
    chair_title: str = "",
    place: str = "",
    conclusion: str = "",
    reach: Reach | None = None,
) -> CouncilMeeting:
    """Record the council's meeting on a finalized phase's proposals, with its votes."""
    with transaction.atomic():
        locked = Phase.objects.select_for_update().select_related("campaign").get(pk=phase.pk)
        require_reach(locked, reach)
        if locked.status != Phase.Status.FINALIZED:
            raise InvalidTransition(
                _("%(phase)s is not finalized: the council meets on final results.") % {"phase": locked.name},
                field="phase",
            )
        meeting = CouncilMeeting(
            phase=locked,
            minutes_number=minutes_number.strip(),
            held_at=held_at,
            place=place,
            chair=chair,
            chair_title=chair_title,
            secretary=secretary,
            members_total=members_total,
            members_present=members_present,
            votes_for=votes_for,
            votes_against=votes_against,
            votes_abstaining=votes_abstaining,
            conclusion=conclusion,
            created_by=by,
        )
        meeting.full_clean()
        meeting.save()
        return meeting
