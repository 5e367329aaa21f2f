"""Numbers and durations as people read them, in the active language."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import translation

from core.formatting import duration_text, number_text


def test_numbers_group_thousands_and_drop_trailing_decimal_zeros_in_vietnamese():
    assert number_text(3_000_000) == "3.000.000"
    assert number_text(Decimal("146.0000")) == "146"
    assert number_text(Decimal("1234.5000")) == "1.234,5"
    with translation.override("en"):
        assert number_text(Decimal("1234.5000")) == "1,234.5"


def test_durations_are_days_hours_and_minutes_not_timedelta_text():
    assert duration_text(timedelta(days=1)) == "1 ngày"
    assert duration_text(timedelta(days=2, hours=3, minutes=30)) == "2 ngày 3 giờ 30 phút"
    assert duration_text(timedelta(0)) == "không có"
    with translation.override("en"):
        assert duration_text(timedelta(days=1, seconds=5)) == "1 day 5 seconds"
