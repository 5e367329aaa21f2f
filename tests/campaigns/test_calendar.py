"""Working days of a notice period (``campaigns.calendar``): weekends and public holidays skipped."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from campaigns.calendar import working_days_end
from campaigns.models import PublicHoliday

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def test_five_working_days_from_a_monday_end_at_midnight_after_the_next_monday():
    # Monday 06/01/2025 10:00: Tue 7, Wed 8, Thu 9, Fri 10, (weekend), Mon 13 → ends Tue 14 00:00.
    end = working_days_end(start=datetime(2025, 1, 6, 10, tzinfo=VN), days=5, tz=VN)
    assert end == datetime(2025, 1, 14, 0, 0, tzinfo=VN)


def test_public_holidays_are_skipped():
    # Tết 2025: 27/01 to 31/01 off. Published Friday 24/01: Mon 3/2 … Fri 7/2 → ends Sat 8/2 00:00.
    for day in range(27, 32):
        PublicHoliday.objects.create(date=datetime(2025, 1, day).date(), name="Tết Nguyên đán")
    end = working_days_end(start=datetime(2025, 1, 24, 9, tzinfo=VN), days=5, tz=VN)
    assert end == datetime(2025, 2, 8, 0, 0, tzinfo=VN)


def test_the_day_is_read_in_the_campaigns_time_zone():
    # 23:30 UTC on Friday is already Saturday in Vietnam: the period starts on Sunday, the first working day is Monday.
    start = datetime(2025, 1, 10, 23, 30, tzinfo=ZoneInfo("UTC"))
    assert working_days_end(start=start, days=1, tz=VN) == datetime(2025, 1, 14, 0, 0, tzinfo=VN)
    assert working_days_end(start=start, days=1, tz=ZoneInfo("UTC")) == datetime(
        2025, 1, 14, 0, 0, tzinfo=ZoneInfo("UTC")
    )


def test_no_notice_days_ends_when_it_starts():
    start = datetime(2025, 1, 6, 10, tzinfo=VN)
    assert working_days_end(start=start, days=0, tz=VN) == start
