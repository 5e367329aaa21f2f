"""The phase lifecycle's own moves (DESIGN §5 "Phase lifecycle"), and importing
a campaign definition within a user's reach.

scheduled → open → closed, on time by the periodic task or by hand; closing by
hand before the cutoff needs a reason. Finalizing (closed → finalized) and
reopening (finalized → closed, or closed → open while the submission deadline
has not passed) belong to the awards app's services, which move the phase
through ``phase_move`` too. Every move
locks the phase, checks it against ``PHASE_MOVES`` and records a
``PhaseTransition`` with who, when and why. A move made for a user takes their
reach (``core.reach``) and refuses a phase outside it.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from campaigns.definition import DefinitionError, campaign_import, normalize_definition
from campaigns.models import Campaign, Phase, PhaseTransition
from campaigns.selectors import campaign_setup_report
from collectors.models import Agent, ServiceOrganization, Unit
from collectors.selectors import reach_allows_unit_below
from core.errors import InvalidTransition
from core.reach import Reach, reach_allows, reach_filter, require_reach

logger = logging.getLogger(__name__)

PHASE_MOVES = {
    Phase.Status.SCHEDULED: {Phase.Status.OPEN, Phase.Status.CLOSED},
    Phase.Status.OPEN: {Phase.Status.CLOSED},
    # closed → open: a phase closed early, reopened before it is finalized (awards.services.phase_reopen).
    Phase.Status.CLOSED: {Phase.Status.FINALIZED, Phase.Status.OPEN},
    Phase.Status.FINALIZED: {Phase.Status.CLOSED},
}


def _local(moment: datetime, phase: Phase) -> str:
    return date_format(moment.astimezone(phase.campaign.tzinfo), "d/m/Y H:i")


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
    if to_status == Phase.Status.OPEN and previous == Phase.Status.CLOSED:
        phase.closed_at = None
        fields.append("closed_at")
    phase.save(update_fields=fields)
    PhaseTransition.objects.create(phase=phase, from_status=previous, to_status=to_status, by=by, reason=reason)
    return phase


def phase_open(*, phase: Phase, by=None, reason: str = "", reach: Reach | None = None) -> Phase:
    with transaction.atomic():
        locked = Phase.objects.select_for_update().select_related("campaign").get(pk=phase.pk)
        require_reach(locked, reach)
        return phase_move(phase=locked, to_status=Phase.Status.OPEN, by=by, reason=reason)


def phase_closes_early(phase: Phase, *, now: datetime | None = None) -> bool:
    """Whether closing ``phase`` now would close it before its cutoff."""
    return phase.status in (Phase.Status.SCHEDULED, Phase.Status.OPEN) and (now or timezone.now()) < phase.cutoff


def phase_close(
    *, phase: Phase, by=None, reason: str = "", reach: Reach | None = None, now: datetime | None = None
) -> Phase:
    """Close a phase by hand (early, or when the periodic task has not run yet).
    Closing before the cutoff needs a reason (recorded in the phase's history);
    the phase can be reopened until it is finalized. A finalized phase is
    reopened, with a reason, not closed. ``reach``: the acting user's
    (``core.reach``); a phase outside it is refused (``OutOfReach``)."""
    now = now or timezone.now()
    reason = reason.strip()
    with transaction.atomic():
        locked = Phase.objects.select_for_update().select_related("campaign").get(pk=phase.pk)
        require_reach(locked, reach)
        if locked.status == Phase.Status.FINALIZED:
            raise InvalidTransition(_("%(phase)s is finalized: reopen it, with a reason, instead.") % {"phase": locked})
        if phase_closes_early(locked, now=now) and not reason:
            raise ValidationError(
                {
                    "reason": _("%(phase)s ends on %(cutoff)s: say why it is closed early.")
                    % {"phase": locked.name, "cutoff": _local(locked.cutoff, locked)}
                }
            )
        return phase_move(phase=locked, to_status=Phase.Status.CLOSED, by=by, reason=reason, now=now)


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


# --- Starting a campaign --------------------------------------------------------------------


def campaign_start(*, campaign: Campaign, by=None, reach: Reach | None = None) -> Campaign:
    """Start a draft campaign (draft → running): agents may then submit to its open
    phases. Refused (ValidationError, a message per problem) while its set-up lacks
    what ``campaign_setup_report`` calls blocking; its warnings are for staff to
    read before they start it. An imported definition file makes a draft."""
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        require_reach(locked, reach)
        if locked.status != Campaign.Status.DRAFT:
            raise InvalidTransition(
                _("%(campaign)s is %(status)s: only a draft campaign is started.")
                % {"campaign": locked.name, "status": locked.get_status_display()}
            )
        report = campaign_setup_report(locked)
        if report.blocking:
            raise ValidationError(report.blocking)
        locked.status = Campaign.Status.RUNNING
        locked.save(update_fields=["status", "updated_at"])
        logger.info("Campaign %s started by %s", locked.code, getattr(by, "pk", None))
        return locked


# --- Campaign definitions ---------------------------------------------------------------------


def _unit_state(unit: Unit) -> tuple:
    return (unit.name, unit.kind, unit.parent_id, unit.locality_id, unit.headcount, unit.active)


def _organization_state(organization: ServiceOrganization) -> tuple:
    return (
        organization.name,
        organization.kind,
        organization.contracting_unit_id,
        organization.locality_id,
        organization.active,
    )


@transaction.atomic
def campaign_import_within(*, definition: dict, replace: bool = False, reach: Reach) -> Campaign:
    """Import a campaign definition (``campaigns.definition.campaign_import``) for a
    user who reaches ``reach``. Refused with ``DefinitionError``, nothing written,
    when the campaign it replaces or its organizer is outside the reach, when it
    lists agents of other offices, or when it would add or change a unit or a
    service organization outside the reach (naming them unchanged is fine: every
    file names Vietnam Social Security)."""
    if reach.everything:
        return campaign_import(definition=definition, replace=replace)
    data = normalize_definition(definition)
    errors: list[str] = []
    spec = data["campaign"]
    existing = Campaign.objects.filter(code=spec["code"]).first()
    if existing is not None and not reach_allows(existing, reach):
        errors.append("campaign.code: " + _("the campaign %(code)s belongs to another office") % {"code": spec["code"]})
    unit_codes = [entry["code"] for entry in data["units"]]
    units_before = {unit.code: unit for unit in Unit.objects.filter(code__in=unit_codes)}
    outside_units = {code: _unit_state(unit) for code, unit in units_before.items() if not reach.allows_unit(unit.pk)}
    organization_codes = [entry["code"] for entry in data["organizations"]]
    organizations_before = {o.code: o for o in ServiceOrganization.objects.filter(code__in=organization_codes)}
    outside_organizations = {
        code: _organization_state(organization)
        for code, organization in organizations_before.items()
        if not reach.allows_unit(organization.contracting_unit_id)
    }
    agent_paths = [
        (f"teams[{i}].members", code) for i, entry in enumerate(data["teams"]) for code in entry["members"]
    ] + [(f"clusters[{i}].agents", code) for i, entry in enumerate(data["clusters"]) for code in entry["agents"]]
    known_agents = Agent.objects.filter(code__in={code for _path, code in agent_paths})
    reached_agents = set(reach_filter(known_agents, reach).values_list("code", flat=True))
    for path, code in agent_paths:
        if code not in reached_agents and known_agents.filter(code=code).exists():
            errors.append(f"{path}: " + _("the agent %(code)s works for another office") % {"code": code})
    if errors:
        raise DefinitionError(errors)

    campaign = campaign_import(definition=definition, replace=replace)

    if not reach_allows_unit_below(reach, campaign.organizer_id):
        errors.append(
            "campaign.organizer: "
            + _("the unit %(code)s is outside the units you work for") % {"code": spec["organizer"]}
        )
    for unit in Unit.objects.filter(code__in=unit_codes).order_by("code"):
        changed = unit.code in outside_units and outside_units[unit.code] != _unit_state(unit)
        added = unit.code not in units_before and not reach_allows_unit_below(reach, unit.pk)
        if changed or added:
            errors.append(
                f"units[{unit_codes.index(unit.code)}]: "
                + _("the unit %(code)s is outside the units you work for: the file may not add or change it")
                % {"code": unit.code}
            )
    for organization in ServiceOrganization.objects.filter(code__in=organization_codes).order_by("code"):
        changed = organization.code in outside_organizations and outside_organizations[
            organization.code
        ] != _organization_state(organization)
        added = organization.code not in organizations_before and not reach_allows_unit_below(
            reach, organization.contracting_unit_id
        )
        if changed or added:
            errors.append(
                f"organizations[{organization_codes.index(organization.code)}]: "
                + _("the organization %(code)s works for another office: the file may not add or change it")
                % {"code": organization.code}
            )
    if errors:
        # Raised inside the transaction: everything the import wrote is rolled back.
        raise DefinitionError(errors)
    return campaign
