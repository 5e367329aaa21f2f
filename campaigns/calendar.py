"""Working days: the calendar a notice period is counted in (DESIGN §11).

A working day is a Monday to Friday that is not a public holiday
(``PublicHoliday``, data staff keep). A notice period of N working days
published at some moment starts on the next day and ends at midnight after
its N-th working day, in the campaign's time zone: finalized on Monday
10:00 with 5 days, it runs Tuesday to the next Monday and ends on Tuesday
00:00. Zero days: it ends when it starts.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from campaigns.models import PublicHoliday

SATURDAY = 5


def is_working_day(day: date, holidays: set[date]) -> bool:
    return day.weekday() < SATURDAY and day not in holidays


def working_days_end(*, start: datetime, days: int, tz: ZoneInfo) -> datetime:
    """The end of a period of ``days`` working days starting the day after ``start`` (see the module)."""
    if days <= 0:
        return start
    first = start.astimezone(tz).date() + timedelta(days=1)
    # Every week holds 5 weekdays; holidays add at most a few weeks more.
    horizon = first + timedelta(days=days * 2 + 60)
    holidays = set(PublicHoliday.objects.filter(date__gte=first, date__lte=horizon).values_list("date", flat=True))
    day, left = first, days
    while True:
        if is_working_day(day, holidays):
            left -= 1
            if left == 0:
                break
        day += timedelta(days=1)
        if day > horizon:
            horizon += timedelta(days=60)
            holidays |= set(
                PublicHoliday.objects.filter(date__gte=day, date__lte=horizon).values_list("date", flat=True)
            )
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
