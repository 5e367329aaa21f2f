"""Numbers and durations as people read them, in the active language: Vietnamese
groups thousands with dots (1.234.567) and writes decimals with a comma (56,43);
a duration is "1 ngày", "2 giờ 30 phút", never "1 day, 0:00:00"."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def number_text(value: int | Decimal | float | None) -> str:
    """``value`` with its thousands grouped and no trailing decimal zeros (146, 146,5, 3.000.000)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        value = value.normalize()
        places = max(-value.as_tuple().exponent, 0)
        return number_format(value, decimal_pos=places, force_grouping=True)
    return number_format(value, force_grouping=True)


def duration_text(value: timedelta | None) -> str:
    """A duration in days, hours, minutes and seconds, leaving out the parts that are zero."""
    if value is None:
        return ""
    seconds = int(value.total_seconds())
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, seconds = divmod(rest, 60)
    parts = [
        ngettext("%(count)d day", "%(count)d days", days) % {"count": days} if days else "",
        ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours} if hours else "",
        ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes} if minutes else "",
        ngettext("%(count)d second", "%(count)d seconds", seconds) % {"count": seconds} if seconds else "",
    ]
    text = " ".join(part for part in parts if part)
    return sign + text if text else _("none")
