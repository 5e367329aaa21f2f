"""A participant's identity: the personal ID (CCCD, 12 digits) and the legacy
social insurance code (10 digits).

Both are written with the ASCII digits 0–9 only. Every way in (the API, the
Excel imports, the admin) cleans them with ``clean_personal_id`` and
``clean_social_insurance_code``: surrounding whitespace is trimmed, and anything
else that is not 0–9 (full-width ０–９, superscripts, other scripts' digits,
inner spaces, dots) is refused, never converted. The database holds the same
rule as a check constraint.

The structure of a personal ID: digits 1–3: province of birth; digit 4: century
and gender (1900s male 0, female 1; 2000s male 2, female 3; 2100s male 4,
female 5); digits 5–6: the last two digits of the birth year; digits 7–12: a
serial number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from enrollments.choices import Gender

PERSONAL_ID_LENGTH = 12
SOCIAL_INSURANCE_CODE_LENGTH = 10

_CENTURIES = {0: 1900, 1: 1900, 2: 2000, 3: 2000, 4: 2100, 5: 2100}


def _not_ascii_digits(value: str) -> bool:
    # str.isdigit() alone also accepts ０–９, ², ٣ and the like.
    return bool(value) and not (value.isascii() and value.isdigit())


def personal_id_format_error(value: str) -> str | None:
    """Why ``value``, as it stands, is not 12 ASCII digits; None when it is."""
    if _not_ascii_digits(value):
        return _("A personal ID (CCCD) is written with the digits 0–9 only; full-width or other digits are refused.")
    if len(value) != PERSONAL_ID_LENGTH:
        return _("A personal ID (CCCD) has exactly 12 digits.")
    return None


def social_insurance_code_format_error(value: str) -> str | None:
    """Why ``value``, as it stands, is not 10 ASCII digits; None when it is."""
    if _not_ascii_digits(value):
        return _("A social insurance code is written with the digits 0–9 only; full-width or other digits are refused.")
    if len(value) != SOCIAL_INSURANCE_CODE_LENGTH:
        return _("A social insurance code has exactly 10 digits.")
    return None


def clean_personal_id(value: object) -> str:
    """The personal ID as it is stored: ``value`` without surrounding whitespace,
    when that is 12 ASCII digits. Raises ``ValidationError`` otherwise."""
    cleaned = str(value).strip()
    error = personal_id_format_error(cleaned)
    if error is not None:
        raise ValidationError(error, code="invalid")
    return cleaned


def clean_social_insurance_code(value: object) -> str | None:
    """The legacy code as it is stored: None when blank, else ``value`` without
    surrounding whitespace, when that is 10 ASCII digits. Raises ``ValidationError``
    otherwise."""
    cleaned = "" if value is None else str(value).strip()
    if not cleaned:
        return None
    error = social_insurance_code_format_error(cleaned)
    if error is not None:
        raise ValidationError(error, code="invalid")
    return cleaned


@dataclass(frozen=True)
class PersonalIdFacts:
    province_code: str
    century: int
    gender: str
    year_suffix: int


def personal_id_facts(personal_id: str) -> PersonalIdFacts | None:
    """Decode a well-formed ID; None when its structure is impossible."""
    if personal_id_format_error(personal_id) is not None:
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
    """What is wrong with an ID given the person's date of birth and gender (empty when it agrees).
    The ID is taken as it stands: clean it first with ``clean_personal_id``."""
    format_error = personal_id_format_error(personal_id)
    if format_error is not None:
        return [format_error]
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
