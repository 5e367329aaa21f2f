"""The structure of a Vietnamese personal ID (CCCD, 12 digits).

Digits 1–3: province of birth; digit 4: century and gender (1900s male 0,
female 1; 2000s male 2, female 3; 2100s male 4, female 5); digits 5–6: the last
two digits of the birth year; digits 7–12: a serial number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from enrollments.choices import Gender

_CENTURIES = {0: 1900, 1: 1900, 2: 2000, 3: 2000, 4: 2100, 5: 2100}


@dataclass(frozen=True)
class PersonalIdFacts:
    province_code: str
    century: int
    gender: str
    year_suffix: int


def personal_id_facts(personal_id: str) -> PersonalIdFacts | None:
    """Decode a well-formed ID; None when its structure is impossible."""
    if len(personal_id) != 12 or not personal_id.isdigit():
        return None
    marker = int(personal_id[3])
    if marker not in _CENTURIES:
        return None
    return PersonalIdFacts(
        province_code=personal_id[:3],
        century=_CENTURIES[marker],
        gender=Gender.MALE if marker % 2 == 0 else Gender.FEMALE,
        year_suffix=int(personal_id[4:6]),
    )


def personal_id_errors(personal_id: str, *, date_of_birth: date | None, gender: str | None) -> list[str]:
    """What is wrong with an ID given the person's date of birth and gender (empty when it agrees)."""
    if len(personal_id) != 12 or not personal_id.isdigit():
        return [_("A personal ID (CCCD) has exactly 12 digits.")]
    facts = personal_id_facts(personal_id)
    if facts is None:
        return [_("The 4th digit of a personal ID must be 0–5 (century and gender).")]
    if facts.province_code == "000":
        return [_("The first three digits of a personal ID name a province; 000 is none.")]
    errors = []
    born_century = date_of_birth.year - date_of_birth.year % 100 if date_of_birth else None
    if date_of_birth is not None and (born_century != facts.century or date_of_birth.year % 100 != facts.year_suffix):
        errors.append(
            _("The personal ID says born in %(decade)s…%(suffix)02d, but the date of birth is in %(year)d.")
            % {"decade": facts.century // 100, "suffix": facts.year_suffix, "year": date_of_birth.year}
        )
    if gender and gender != facts.gender:
        errors.append(_("The personal ID does not agree with the gender given."))
    return errors


def make_personal_id(*, province_code: str, date_of_birth: date, gender: str, serial: int) -> str:
    """Build the ID a person with these facts would hold (for imports, demos and tests)."""
    century_offset = {1900: 0, 2000: 2, 2100: 4}[date_of_birth.year - date_of_birth.year % 100]
    marker = century_offset + (0 if gender == Gender.MALE else 1)
    return f"{province_code:0>3}{marker}{date_of_birth.year % 100:02d}{serial % 1_000_000:06d}"
