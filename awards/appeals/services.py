"""Filing an appeal and the council's answer (DESIGN §11.2).

Both lock the phase first, then the appeal: filing checks that the phase's
results are under notice; answering an appeal upheld reopens the phase with
the appeal as the reason (``awards.services.phase_reopen``), so that staff fix
what was wrong and finalize again, and that new version records the appeal as
corrected. Every step is an ``AppealEvent``.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from awards.appeals.models import Appeal
from awards.appeals.rules import (
    Subject,
    appealable_agents,
    appealable_teams,
    appealable_units,
    attachment_error,
    detect_type,
)
from awards.appeals.workflow import local_moment, move, record
from awards.models import Finalization
from awards.services import phase_reopen
from campaigns.models import CompetitorKind, Phase
from core.errors import InvalidTransition
from core.reach import Reach, require_reach

TEXT_MAX = 5000


def appeal_problems(*, by, phase: Phase, text: str, subject: Subject | None, attachment) -> dict[str, list[str]]:
    """Every problem of an appeal as filed, per field (empty: none). The API and the page show them all at once."""
    errors: dict[str, list[str]] = {}
    if not (text or "").strip():
        errors["text"] = [_("Say what the appeal is about.")]
    elif len(text) > TEXT_MAX:
        errors["text"] = [_("Keep the appeal within %(max)s characters.") % {"max": TEXT_MAX}]
    if subject is None:
        errors.setdefault("agent", []).append(_("Say whose result the appeal is about."))
    else:
        allowed = {
            CompetitorKind.AGENT: lambda: appealable_agents(by).filter(pk=subject.agent.pk).exists(),
            CompetitorKind.TEAM: lambda: appealable_teams(by).filter(pk=subject.team.pk).exists(),
            CompetitorKind.UNIT: lambda: appealable_units(by).filter(pk=subject.unit.pk).exists(),
        }[subject.kind]
        if not allowed():
            field = subject.kind
            errors.setdefault(field, []).append(
                _("You may appeal only about your own result, your organization's agents or your own unit.")
            )
        enrollment = subject.enrollment
        if enrollment is not None and (
            subject.agent is None or enrollment.phase_id != phase.pk or enrollment.agent_id != subject.agent.pk
        ):
            errors.setdefault("enrollment", []).append(_("The enrollment is not one of this agent's in this phase."))
    if attachment is not None:
        problem = attachment_error(attachment)
        if problem:
            errors["attachment"] = [problem]
    return errors


def appeal_file(
    *, by, phase: Phase, text: str, subject: Subject | None, attachment=None, now: datetime | None = None
) -> Appeal:
    """File an appeal about ``subject``'s result in ``phase`` while the phase's
    results are under notice. Field errors (``ValidationError``, all of them)
    for a bad appeal; ``InvalidTransition`` when no notice is running."""
    now = now or timezone.now()
    errors = appeal_problems(by=by, phase=phase, text=text, subject=subject, attachment=attachment)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Phase.objects.select_for_update().select_related("campaign").get(pk=phase.pk)
        finalization = Finalization.objects.filter(phase=locked, current=True).first()
        if locked.status != Phase.Status.FINALIZED or finalization is None:
            raise InvalidTransition(
                _("The results of %(phase)s are not published: appeals are taken during their notice period.")
                % {"phase": locked.name},
                field="phase",
            )
        if finalization.notice_ends_at is None or now >= finalization.notice_ends_at:
            ended = finalization.notice_ends_at or finalization.at
            raise InvalidTransition(
                _("The notice period of %(phase)s ended on %(end)s: appeals are no longer taken.")
                % {"phase": locked.name, "end": local_moment(ended, locked)},
                field="phase",
            )
        competitor = subject.competitor
        appeal = Appeal(
            phase=locked,
            finalization=finalization,
            enrollment=subject.enrollment,
            competitor_kind=subject.kind,
            agent=subject.agent,
            team=subject.team,
            unit=subject.unit,
            competitor_code=competitor.code,
            competitor_name=getattr(competitor, "full_name", None) or competitor.name,
            text=text.strip(),
            filed_by=by,
            filed_at=now,
        )
        if attachment is not None:
            appeal.attachment_type = detect_type(attachment) or ""
            appeal.attachment_name = (attachment.name or "").rsplit("/", 1)[-1][-200:]
            attachment.seek(0)
            appeal.attachment = attachment.read()
        appeal.full_clean()
        appeal.save()
        record(appeal, from_status="", by=by, at=now, note=appeal.text)
    return appeal


def appeal_answer(
    *, appeal: Appeal, by, upheld: bool, reply: str, reach: Reach | None = None, now: datetime | None = None
) -> Appeal:
    """The council's written answer. Upheld: the phase, if still finalized, is
    reopened with the appeal as the reason, for staff to correct and finalize again."""
    now = now or timezone.now()
    if not (reply or "").strip():
        raise ValidationError({"reply": [_("Write the reply to the appeal.")]})
    with transaction.atomic():
        phase = Phase.objects.select_for_update().select_related("campaign").get(pk=appeal.phase_id)
        locked = Appeal.objects.select_for_update().get(pk=appeal.pk)
        require_reach(locked, reach)
        previous = move(locked, Appeal.Status.UPHELD if upheld else Appeal.Status.DISMISSED)
        locked.reply = reply.strip()
        locked.answered_by = by
        locked.answered_at = now
        locked.save()
        record(locked, from_status=previous, by=by, at=now, note=locked.reply)
        if upheld and phase.status == Phase.Status.FINALIZED:
            reason = _("Appeal %(number)s upheld: %(reply)s") % {"number": locked.pk, "reply": locked.reply}
            phase_reopen(phase=phase, by=by, reason=reason, reach=reach)
    return locked
