"""Excel imports of confirmations (by receipt number) and of coverage history.

Each import reads every row, reports every problem row by row, and applies
nothing when any row is wrong, unless asked to apply the valid rows only. What
it applies goes through the same services as the API and the admin, so the
counted flags it affects are re-evaluated. A row naming an enrollment or a
person out of the user's reach (``core.reach``) is wrong.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from core.reach import Reach, acting_reach, reach_filter
from core.spreadsheets import (
    Column,
    ImportReport,
    Row,
    a_date,
    one_of,
    read_rows,
    text,
    whole_number,
)
from enrollments.bulk import participants_insert_locked
from enrollments.choices import EnrollmentStatus, Gender, Product
from enrollments.counting import keys_for_participants, recount
from enrollments.identity import (
    PERSONAL_ID_LENGTH,
    SOCIAL_INSURANCE_CODE_LENGTH,
    clean_personal_id,
    clean_social_insurance_code,
    personal_id_errors,
)
from enrollments.models import CoveragePeriod, Enrollment, Participant
from enrollments.services import enrollment_confirm, normalize_name, participants_lock
from enrollments.signals import touched_together


def identity_cell(clean: Callable[[object], str | None], length: int) -> Callable[[Any], str | None]:
    """A cell holding a personal ID or social insurance code, cleaned by its
    function in ``enrollments.identity``. A number cell gets back the leading
    zeros Excel drops from numbers."""

    def parse(value: Any) -> str | None:
        whole = (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
        if whole and value >= 0:
            value = str(int(value)).zfill(length)
        try:
            return clean(value)
        except ValidationError as exc:
            raise ValueError(" ".join(exc.messages)) from None

    return parse


personal_id_cell = identity_cell(clean_personal_id, PERSONAL_ID_LENGTH)
social_insurance_code_cell = identity_cell(clean_social_insurance_code, SOCIAL_INSURANCE_CODE_LENGTH)

CONFIRMATION_COLUMNS = [
    Column("receipt_no", "Số biên lai", text),
    Column("personal_id", "Số CCCD", personal_id_cell, required=False),
    Column("amount", "Số tiền", whole_number, required=False),
]

COVERAGE_COLUMNS = [
    Column("personal_id", "Số CCCD", personal_id_cell),
    Column("full_name", "Họ và tên", text),
    Column("date_of_birth", "Ngày sinh", a_date),
    Column("gender", "Giới tính", one_of([*Gender.choices, ("male", "Nam"), ("female", "Nữ")])),
    Column("product", "Loại hình", one_of([*Product.choices, ("VSI", "BHXH tự nguyện"), ("HHI", "BHYT hộ gia đình")])),
    Column("start", "Từ ngày", a_date),
    Column("end", "Đến ngày", a_date),
    Column("social_insurance_code", "Mã số BHXH", social_insurance_code_cell, required=False),
]


def _finish(rows: list[Row], apply, *, apply_valid: bool) -> ImportReport:
    report = ImportReport(rows=rows)
    if report.error_rows and not apply_valid:
        return report
    if report.valid_rows:
        apply(report.valid_rows)
        report.applied = True
    return report


# --- confirmations ------------------------------------------------------------------


def confirmations_import(
    *, file, by=None, apply_valid: bool = False, preview: bool = False, reach: Reach | None = None
) -> ImportReport:
    """Confirm submitted enrollments listed by receipt number (cross-checked by
    personal ID and amount when the file gives them), of the campaigns within reach."""
    reach = acting_reach(by=by, reach=reach)
    rows = read_rows(file, CONFIRMATION_COLUMNS)
    numbers = {row.values["receipt_no"] for row in rows if row.values.get("receipt_no")}
    by_number: dict[str, list[Enrollment]] = defaultdict(list)
    listed = Enrollment.objects.filter(receipt_no__in=numbers)
    for enrollment in listed.select_related("participant"):
        by_number[enrollment.receipt_no].append(enrollment)
    reached = set(reach_filter(listed, reach).values_list("pk", flat=True)) if not reach.everything else None
    seen: set[int] = set()
    for row in rows:
        if row.errors:
            continue
        matches = by_number.get(row.values["receipt_no"], [])
        if row.values.get("personal_id"):
            matches = [e for e in matches if e.participant.personal_id == row.values["personal_id"]]
        if matches and reached is not None:
            if not any(e.pk in reached for e in matches):
                row.errors.append(_("The enrollment with this receipt number belongs to another office's campaign."))
                continue
            matches = [e for e in matches if e.pk in reached]
        if not matches:
            row.errors.append(_("No enrollment has this receipt number (and personal ID)."))
            continue
        if len(matches) > 1:
            row.errors.append(_("Several enrollments share this receipt number; add the personal ID."))
            continue
        enrollment = matches[0]
        if enrollment.pk in seen:
            row.errors.append(_("This enrollment is listed twice in the file."))
            continue
        seen.add(enrollment.pk)
        if row.values.get("amount") is not None and row.values["amount"] != enrollment.amount_due:
            row.errors.append(
                _("The amount %(file)s differs from the amount due %(due)s.")
                % {
                    "file": number_format(row.values["amount"], force_grouping=True),
                    "due": number_format(enrollment.amount_due, force_grouping=True),
                }
            )
            continue
        if enrollment.status not in (EnrollmentStatus.SUBMITTED, EnrollmentStatus.CONFIRMED):
            row.errors.append(
                _("The enrollment is %(status)s and cannot be confirmed.") % {"status": enrollment.get_status_display()}
            )
            continue
        row.values["enrollment"] = enrollment

    def apply(valid: list[Row]) -> None:
        with transaction.atomic():
            # The people first, in personal-ID order, as every write locks them.
            participants_lock(ids={row.values["enrollment"].participant_id for row in valid})
            with touched_together():
                for row in valid:
                    enrollment = row.values["enrollment"]
                    if enrollment.status == EnrollmentStatus.CONFIRMED:
                        row.outcome = _("already confirmed")
                        continue
                    enrollment_confirm(enrollment=enrollment, by=by, reach=reach)
                    row.outcome = _("confirmed")

    return _finish(rows, apply, apply_valid=apply_valid)


# --- coverage history ---------------------------------------------------------------


def coverage_import(
    *, file, by=None, apply_valid: bool = False, preview: bool = False, reach: Reach | None = None
) -> ImportReport:
    """Add coverage periods from the core system; participants not yet known are
    created from the row. The counted flags of every enrollment of the people
    concerned are then re-evaluated. A known person enrolled only in campaigns
    of offices out of reach is refused: their counting is those offices' own."""
    reach = acting_reach(by=by, reach=reach)
    rows = read_rows(file, COVERAGE_COLUMNS)
    pids = {row.values["personal_id"] for row in rows if row.values.get("personal_id")}
    people = Participant.objects.filter(personal_id__in=pids)
    known = {p.personal_id: p for p in people}
    reached = set(known)
    if known and not reach.everything:
        reached = set(reach_filter(people, reach).values_list("personal_id", flat=True))
    codes = {row.values["social_insurance_code"] for row in rows if row.values.get("social_insurance_code")}
    # Whose each legacy code is: the stored holder, else the first row of the file giving it.
    code_holders = dict(
        Participant.objects.filter(social_insurance_code__in=codes).values_list("social_insurance_code", "personal_id")
    )
    first_seen: dict[str, Row] = {}
    for row in rows:
        if row.errors:
            continue
        values = row.values
        if values["personal_id"] in known and values["personal_id"] not in reached:
            row.errors.append(_("This person is enrolled only in other offices' campaigns."))
            continue
        row.errors.extend(
            personal_id_errors(values["personal_id"], date_of_birth=values["date_of_birth"], gender=values["gender"])
        )
        code = values.get("social_insurance_code")
        # Only people new to the database take the row's code (a known person is never overwritten).
        new_person = values["personal_id"] not in known
        if code and new_person and code_holders.setdefault(code, values["personal_id"]) != values["personal_id"]:
            row.errors.append(_("Another participant has this social insurance code."))
        if values["start"] > values["end"]:
            row.errors.append(_("The start date is after the end date."))
        person = known.get(values["personal_id"])
        reference = person or first_seen.get(values["personal_id"])
        if reference is not None:
            ref_name = reference.full_name if person else reference.values["full_name"]
            ref_born = reference.date_of_birth if person else reference.values["date_of_birth"]
            if normalize_name(ref_name).casefold() != normalize_name(values["full_name"]).casefold():
                row.errors.append(_("This personal ID is registered under a different name."))
            if ref_born != values["date_of_birth"]:
                row.errors.append(_("This personal ID is registered with a different date of birth."))
        first_seen.setdefault(values["personal_id"], row)

    def apply(valid: list[Row]) -> None:
        with transaction.atomic():
            new_people = {}
            for row in valid:
                values = row.values
                if values["personal_id"] not in known and values["personal_id"] not in new_people:
                    new_people[values["personal_id"]] = Participant(
                        personal_id=values["personal_id"],
                        social_insurance_code=values.get("social_insurance_code") or None,
                        full_name=normalize_name(values["full_name"]),
                        date_of_birth=values["date_of_birth"],
                        gender=values["gender"],
                    )
            # The people whose counting may change are made and locked in personal-ID order, as every write does.
            wanted = {row.values["personal_id"] for row in valid}
            people = participants_insert_locked([new_people.get(pid) or known[pid] for pid in sorted(wanted)])
            ids = sorted(p.pk for p in people.values())
            existing = set(
                CoveragePeriod.objects.filter(participant_id__in=ids).values_list(
                    "participant_id", "product", "start", "end"
                )
            )
            periods = []
            for row in valid:
                values = row.values
                person = people[values["personal_id"]]
                key = (person.pk, values["product"], values["start"], values["end"])
                if key in existing:
                    row.outcome = _("already on record")
                    continue
                existing.add(key)
                periods.append(
                    CoveragePeriod(
                        participant=person,
                        product=values["product"],
                        start=values["start"],
                        end=values["end"],
                        source=CoveragePeriod.Source.CORE_SYSTEM,
                    )
                )
                row.outcome = _("added")
            CoveragePeriod.objects.bulk_create(periods, batch_size=1000)
            recount(keys_for_participants({(p.participant_id, p.product) for p in periods}))

    return _finish(rows, apply, apply_valid=apply_valid)
