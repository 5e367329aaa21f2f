from datetime import date

from django import forms
from django.utils import translation


class DateForm(forms.Form):
    day = forms.DateField()


def test_a_vietnamese_date_is_read_day_first():
    with translation.override("vi"):
        form = DateForm({"day": "01/04/2024"})
        assert form.is_valid()
    assert form.cleaned_data["day"] == date(2024, 4, 1)


def test_an_iso_date_is_still_accepted():
    with translation.override("vi"):
        form = DateForm({"day": "2024-04-01"})
        assert form.is_valid()
    assert form.cleaned_data["day"] == date(2024, 4, 1)
