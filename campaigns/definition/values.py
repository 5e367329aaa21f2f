"""Single values of a definition file, both ways.

The ``as_*`` converters read a value written in YAML into its canonical form,
raising ``Invalid`` with the message for the file; the ``*_out`` functions
write a stored value in its canonical form; ``to_*`` turn a canonical value
back into what the model stores.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.db import models
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _


class Invalid(Exception):
    """A value the file cannot hold; ``message`` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_DURATION_RE = re.compile(r"^\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*(?:(\d+)\s*s)?\s*$")


# --- Reading -------------------------------------------------------------------


def as_text(value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid(_("must be text"))
    return value


def as_code(value: Any) -> str:
    # Codes are text; a bare number (code: 502) is read as its digits.
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise Invalid(_("must be a code (text)"))
    return str(value)


def _whole(value: Any, message: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(message)
    return value


def as_integer(value: Any) -> int:
    return _whole(value, _("must be a whole number"))


def as_money(value: Any) -> int:
    return _whole(value, _("must be a whole number of VND"))


def as_boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid(_("must be true or false"))
    return value


def as_number(value: Any) -> int | float | str:
    """A decimal given as a number or as text, in its canonical form."""
    try:
        if isinstance(value, bool):
            raise InvalidOperation
        if isinstance(value, int):
            number = Decimal(value)
        elif isinstance(value, float):
            number = Decimal(repr(value))
        elif isinstance(value, str):
            number = Decimal(value.strip())
        else:
            raise InvalidOperation
    except InvalidOperation:
        raise Invalid(_("must be a number")) from None
    if not number.is_finite():
        raise Invalid(_("must be a number"))
    return number_out(number)


def _parse_duration(text: str) -> timedelta | None:
    match = _DURATION_RE.match(text)
    if match is None or not any(match.groups()):
        return None
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def as_duration(value: Any) -> str:
    """A short duration: ``1d``, ``12h``, ``2d 6h``, ``30m``, ``45s`` (units in that order)."""
    duration = _parse_duration(value) if isinstance(value, str) else None
    if duration is None:
        raise Invalid(_("must be a duration like 1d, 12h or 2d 6h"))
    return duration_out(duration)


def as_choice(choices: type[models.TextChoices]) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        if not isinstance(value, str) or value not in choices.values:
            raise Invalid(_("must be one of: %(choices)s") % {"choices": ", ".join(choices.values)})
        return value

    return convert


def as_raw(value: Any) -> Any:
    """Kept as written; the section reader checks it."""
    return value


def as_moment(value: Any, tz: ZoneInfo) -> datetime:
    """A date (00:00 local), a local date and time, or a time with an offset → an aware datetime."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = parse_datetime(text) or parse_date(text)
        except ValueError:
            value = None
    if isinstance(value, datetime):
        return value.astimezone(tz) if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=tz)
    raise Invalid(_("must be a date (YYYY-MM-DD) or a local date and time (YYYY-MM-DD HH:MM)"))


def as_day(value: Any) -> date:
    if isinstance(value, str):
        try:
            parsed = parse_date(value.strip())
        except ValueError:
            parsed = None
        if parsed is not None:
            return parsed
    elif isinstance(value, date) and not isinstance(value, datetime):
        return value
    raise Invalid(_("must be a date (YYYY-MM-DD); use cutoff for a time of day"))


# --- Writing -------------------------------------------------------------------


def number_out(number: Decimal) -> int | float | str:
    """The canonical form of a decimal: an integer when whole, else the float
    that reads back exactly, else (more digits than a float holds) text."""
    if number == number.to_integral_value():
        return int(number)
    as_float = float(number)
    if Decimal(repr(as_float)) == number:
        return as_float
    return format(number.normalize(), "f")


def duration_out(value: timedelta) -> str:
    total = int(value.total_seconds())
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m"), (seconds, "s")) if n]
    return " ".join(parts) or "0d"


def _is_local_midnight(moment: datetime, tz: ZoneInfo) -> bool:
    return moment.astimezone(tz).timetz().replace(tzinfo=None) == time()


def start_out(start: datetime, tz: ZoneInfo) -> date | datetime:
    """A phase's start: its local date when it starts at midnight, else its local time."""
    local = start.astimezone(tz)
    return local.date() if _is_local_midnight(start, tz) else local.replace(tzinfo=None)


def end_out(cutoff: datetime, tz: ZoneInfo) -> tuple[str, date | datetime]:
    """``("end", last day)`` when the cutoff is a local midnight, else ``("cutoff", local time)``."""
    local = cutoff.astimezone(tz)
    if _is_local_midnight(cutoff, tz):
        return "end", local.date() - timedelta(days=1)
    return "cutoff", local.replace(tzinfo=None)


# --- Back to the model -----------------------------------------------------------


def end_cutoff(last_day: date, tz: ZoneInfo) -> datetime:
    """The cutoff of a phase whose last day is given: the local midnight after it (the inverse of ``end_out``)."""
    return datetime.combine(last_day + timedelta(days=1), time(), tzinfo=tz)


def to_decimal(canonical: int | float | str | None) -> Decimal | None:
    return None if canonical is None else Decimal(str(canonical))


def to_timedelta(canonical: str | None) -> timedelta | None:
    return None if canonical is None else _parse_duration(canonical)
