"""What the dossier's templates are filled with: one reader per document.

- ``dossier_rows``: the list of a phase's awards (current finalization) and
  nominations, in the award list's order, each award followed by the
  individuals nominated under it, then those from outside the sector; with
  their total in VND and in words;
- ``document_context``: every placeholder of a document kind (see
  docs/awards.md for the list).

A document needs a finalized phase; the minutes need a recorded council
meeting; otherwise ``InvalidTransition`` says what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from awards.models import Award, CouncilMeeting, DocumentTemplate, Nomination
from awards.selectors import AWARD_LIST_ORDER, current_finalization
from campaigns.models import Phase
from collectors.models import Unit
from core.errors import InvalidTransition
from core.vietnamese_words import vnd_in_words
from core.workbooks import period_text

Kind = DocumentTemplate.Kind

# Locality names as a place line writes them: "Quảng Nam, ngày …", not "Tỉnh Quảng Nam, ngày …".
_PLACE_PREFIXES = ("Thành phố ", "TP. ", "TP ", "Tỉnh ", "Thị xã ", "TX. ", "Huyện ", "Quận ")
BLANK = "……"


@dataclass(frozen=True)
class DossierRow:
    number: int
    name: str
    unit: str
    distinction: str
    amount: str
    value: int


def money(value: int) -> str:
    """Whole VND grouped the Vietnamese way: 1.234.567."""
    with translation.override("vi"):
        return formats.number_format(int(value), use_l10n=True, force_grouping=True)


def date_text(day: date | None) -> str:
    """ "ngày 05 tháng 01 năm 2018": days below 10 and months below 3 take a leading zero (Decree 30/2020)."""
    if day is None:
        return f"ngày {BLANK} tháng {BLANK} năm {BLANK}"
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def place_of(unit: Unit) -> str:
    if unit.locality_id is None:
        return BLANK
    name = unit.locality.name
    for prefix in _PLACE_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def _award_unit(award: Award) -> str:
    if award.agent_id:
        agent = award.agent
        owner = agent.organization if agent.organization_id else agent.unit
        return owner.name if owner is not None else ""
    if award.team_id:
        return award.team.unit.name if award.team.unit_id else ""
    return award.unit.parent.name if award.unit.parent_id else award.unit.name


def _nominee_unit(nomination: Nomination) -> str:
    parts = [nomination.job_title, nomination.organization]
    if not nomination.organization and nomination.proposed_by_unit_id:
        parts[1] = nomination.proposed_by_unit.name
    return ", ".join(part for part in parts if part)


def _statuses(kind: str, phase: Phase, finalization) -> tuple[str, ...]:
    """The submission and the minutes list every live proposal; the decision lists the approved
    ones, or, before any is approved, the reviewed ones (the draft put to the director)."""
    if kind != Kind.DECISION:
        return tuple(Award.ACTIVE)
    approved = Award.objects.filter(finalization=finalization, status=Award.Status.APPROVED).exists()
    approved = approved or Nomination.objects.filter(phase=phase, status=Nomination.Status.APPROVED).exists()
    return (Award.Status.APPROVED,) if approved else (Award.Status.REVIEWED, Award.Status.APPROVED)


def dossier_rows(*, phase: Phase, statuses: tuple[str, ...]) -> tuple[list[DossierRow], int]:
    """The phase's awards of the current finalization and its nominations in ``statuses``, numbered, and their total."""
    finalization = current_finalization(phase)
    awards = (
        Award.objects.filter(finalization=finalization, status__in=statuses)
        .select_related("tier", "rule", "cluster", "agent__organization", "agent__unit", "team__unit", "unit__parent")
        .order_by(*AWARD_LIST_ORDER)
    )
    nominations = (
        Nomination.objects.filter(phase=phase, status__in=statuses)
        .select_related("proposed_by_unit")
        .order_by("award_id", "pk")
    )
    under: dict[int, list[Nomination]] = {}
    outside: list[Nomination] = []
    for nomination in nominations:
        if nomination.award_id is None:
            outside.append(nomination)
        else:
            under.setdefault(nomination.award_id, []).append(nomination)
    entries: list[tuple[str, str, str, int]] = []
    for award in awards:
        entries.append(
            (award.competitor_name, _award_unit(award), award.tier.distinction or award.tier.title, award.amount)
        )
        entries += [_nominee_entry(nomination) for nomination in under.get(award.pk, [])]
    entries += [_nominee_entry(nomination) for nomination in outside]
    rows = [
        DossierRow(number, name, unit, distinction, money(value), value)
        for number, (name, unit, distinction, value) in enumerate(entries, start=1)
    ]
    return rows, sum(row.value for row in rows)


def _nominee_entry(nomination: Nomination) -> tuple[str, str, str, int]:
    return (nomination.full_name, _nominee_unit(nomination), nomination.distinction, nomination.amount)


def latest_meeting(phase: Phase) -> CouncilMeeting | None:
    return CouncilMeeting.objects.filter(phase=phase).order_by("-held_at", "-pk").first()


def _decision_reference(phase: Phase, finalization) -> tuple[str, date | None]:
    decided = (
        Award.objects.filter(finalization=finalization, status=Award.Status.APPROVED)
        .order_by("decision_date", "pk")
        .values_list("decision_number", "decision_date")
        .first()
    )
    if decided is None:
        decided = (
            Nomination.objects.filter(phase=phase, status=Nomination.Status.APPROVED)
            .order_by("decision_date", "pk")
            .values_list("decision_number", "decision_date")
            .first()
        )
    return decided or ("", None)


def document_context(*, phase: Phase, kind: str, number: str = "", signer: str = "", on: date | None = None) -> dict:
    """Every placeholder of ``kind``'s template for ``phase``. ``number`` and ``signer`` fill
    what the system does not keep (the submission's number, the director's name)."""
    finalization = current_finalization(phase)
    if phase.status != Phase.Status.FINALIZED or finalization is None:
        raise InvalidTransition(
            _("%(phase)s is not finalized: its award documents are written from its final results.")
            % {"phase": phase.name},
            field="phase",
        )
    campaign = phase.campaign
    organizer = Unit.objects.select_related("parent", "locality").get(pk=campaign.organizer_id)
    meeting = latest_meeting(phase)
    if kind == Kind.MINUTES and meeting is None:
        raise InvalidTransition(
            _("Record the council's meeting on %(phase)s first: the minutes are written from it.")
            % {"phase": phase.name},
            field="meeting",
        )
    rows, total = dossier_rows(phase=phase, statuses=_statuses(kind, phase, finalization))
    tz = campaign.tzinfo
    today = on or timezone.localdate(timezone=tz)
    context = {
        "parent_body": (organizer.parent.name if organizer.parent_id else "").upper(),
        "issuing_body": organizer.name.upper(),
        "issuing_body_name": organizer.name,
        "authority_title": "Tổng Giám đốc" if organizer.kind == Unit.Kind.NATIONAL else "Giám đốc",
        "place": place_of(organizer),
        "campaign_name": campaign.name,
        "campaign_code": campaign.code,
        "launch_reference": campaign.launch_reference,
        "phase_name": phase.name,
        "period": period_text(phase.start, phase.cutoff, tz),
        "version": finalization.version,
        "rows": rows,
        "count": len(rows),
        "total": money(total),
        "total_value": total,
        "total_words": vnd_in_words(total),
        "minutes_number": meeting.minutes_number if meeting else "",
        "chair": meeting.chair if meeting else "",
        "chair_title": meeting.chair_title if meeting else "",
        "secretary": meeting.secretary if meeting else "",
        "signer": signer,
    }
    if kind == Kind.SUBMISSION:
        context |= {"number": number or f"{BLANK}/TTr-HĐTĐKT", "date_text": date_text(today)}
    elif kind == Kind.MINUTES:
        held = timezone.localtime(meeting.held_at, tz)
        present = meeting.members_present
        share = meeting.votes_for / present * 100 if present else 0
        context |= {
            "number": meeting.minutes_number,
            "date_text": date_text(held.date()),
            "meeting_time": f"{held:%H} giờ {held:%M} phút, {date_text(held.date())}",
            "meeting_place": meeting.place or BLANK,
            "members_total": meeting.members_total,
            "members_present": present,
            "votes_for": meeting.votes_for,
            "votes_against": meeting.votes_against,
            "votes_abstaining": meeting.votes_abstaining,
            "votes_for_share": percent(share),
            "conclusion": meeting.conclusion or BLANK,
        }
    else:
        decision_number, decision_date = _decision_reference(phase, finalization)
        context |= {"number": number or decision_number or f"{BLANK}/QĐ-BHXH", "date_text": date_text(decision_date)}
    return context


def percent(value: float) -> str:
    """56,43%: two decimals with a decimal comma, trailing zeros kept."""
    with translation.override("vi"):
        return f"{formats.number_format(round(value, 2), 2, use_l10n=True)}%"
