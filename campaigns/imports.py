"""Excel import of indicator values: what each unit reported for a phase.

Every row names the campaign, the phase, the unit and the indicator by their
codes. Rows are checked one by one and reported by row number; nothing is
applied when any row is wrong unless asked to apply the valid rows only. A
value already recorded for the same unit, indicator and phase is replaced.
Values of a finalized phase are refused: reopen the phase first. A campaign or
a unit out of the user's reach (``core.reach``) is refused too.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from campaigns.models import Campaign, Indicator, IndicatorValue, Phase
from collectors.models import Unit
from core.formatting import number_text
from core.reach import Reach, acting_reach, reach_allows
from core.spreadsheets import Change, Column, ImportReport, Row, a_decimal, read_rows, text, whole_number

INDICATOR_VALUE_COLUMNS = [
    Column("campaign", "Mã phong trào", text),
    Column("phase", "Đợt", whole_number),
    Column("unit", "Mã đơn vị", text),
    Column("indicator", "Mã chỉ tiêu", text),
    Column("value", "Giá trị", a_decimal),
    Column("note", "Ghi chú", text, required=False),
]


def indicator_values_import(
    *, file, by=None, apply_valid: bool = False, preview: bool = False, reach: Reach | None = None
) -> ImportReport:
    reach = acting_reach(by=by, reach=reach)
    rows = read_rows(file, INDICATOR_VALUE_COLUMNS)
    wanted = [row for row in rows if not row.errors]
    campaigns = {c.code: c for c in Campaign.objects.filter(code__in={row.values["campaign"] for row in wanted})}
    phases = {
        (phase.campaign.code, phase.number): phase
        for phase in Phase.objects.filter(campaign__in=campaigns.values()).select_related("campaign")
    }
    indicators = {
        (indicator.campaign.code, indicator.code): indicator
        for indicator in Indicator.objects.filter(campaign__in=campaigns.values()).select_related("campaign")
    }
    units = {unit.code: unit for unit in Unit.objects.filter(code__in={row.values["unit"] for row in wanted})}
    seen: dict[tuple[int, int, int], int] = {}
    for row in wanted:
        values = row.values
        campaign = campaigns.get(values["campaign"])
        if campaign is None:
            row.errors.append(_("No campaign has the code %(code)s.") % {"code": values["campaign"]})
            continue
        if not reach_allows(campaign, reach):
            row.errors.append(_("The campaign %(code)s belongs to another office.") % {"code": campaign.code})
            continue
        phase = phases.get((campaign.code, values["phase"]))
        indicator = indicators.get((campaign.code, values["indicator"]))
        unit = units.get(values["unit"])
        if phase is None:
            row.errors.append(_("The campaign has no phase %(number)s.") % {"number": values["phase"]})
        elif phase.status == Phase.Status.FINALIZED:
            row.errors.append(_("%(phase)s is finalized: reopen it to change its values.") % {"phase": phase.name})
        if indicator is None:
            row.errors.append(_("The campaign has no indicator %(code)s.") % {"code": values["indicator"]})
        if unit is None:
            row.errors.append(_("No BHXH unit has the code %(code)s.") % {"code": values["unit"]})
        elif not reach.allows_unit(unit.pk):
            row.errors.append(_("The BHXH unit %(code)s is outside the units you work for.") % {"code": unit.code})
        if row.errors:
            continue
        key = (indicator.pk, unit.pk, phase.pk)
        if key in seen:
            row.errors.append(_("Row %(row)s already gives this value.") % {"row": seen[key]})
            continue
        seen[key] = row.number
        values.update(phase_obj=phase, indicator_obj=indicator, unit_obj=unit)
    _show_replaced(seen, rows)
    report = ImportReport(rows=rows)
    if report.error_rows and not apply_valid:
        return report
    if report.valid_rows:
        _apply(report.valid_rows, by)
        report.applied = True
    return report


def _show_replaced(seen: dict[tuple[int, int, int], int], rows: list[Row]) -> None:
    """For each row replacing a recorded value, what it would change (one query)."""
    if not seen:
        return
    by_number = {row.number: row for row in rows}
    indicators, units, phases = (sorted({key[n] for key in seen}) for n in range(3))
    recorded = IndicatorValue.objects.filter(indicator_id__in=indicators, unit_id__in=units, phase_id__in=phases)
    label = str(IndicatorValue._meta.get_field("value").verbose_name)
    for old in recorded:
        number = seen.get((old.indicator_id, old.unit_id, old.phase_id))
        if number is None:
            continue
        row = by_number[number]
        before, after = number_text(old.value), number_text(row.values["value"])
        if before != after:
            row.changes = [Change(label=label, before=before, after=after)]


def _apply(rows: list[Row], by) -> None:
    with transaction.atomic():
        for row in rows:
            values = row.values
            _value, created = IndicatorValue.objects.update_or_create(
                indicator=values["indicator_obj"],
                unit=values["unit_obj"],
                phase=values["phase_obj"],
                defaults={"value": values["value"], "note": values.get("note") or "", "recorded_by": by},
            )
            row.outcome = _("added") if created else _("replaced")
