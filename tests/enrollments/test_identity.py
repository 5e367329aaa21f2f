from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from enrollments.identity import (
    clean_personal_id,
    clean_social_insurance_code,
    make_personal_id,
    personal_id_errors,
    personal_id_facts,
)

FULL_WIDTH = "０４９０９０４１８４４４"  # 049090418444 in full-width digits


def test_a_man_born_in_1990_has_marker_0():
    pid = make_personal_id(province_code="049", date_of_birth=date(1990, 5, 17), gender="male", serial=123456)
    assert pid == "049090123456"
    assert personal_id_errors(pid, date_of_birth=date(1990, 5, 17), gender="male") == []


def test_a_woman_born_in_2005_has_marker_3():
    pid = make_personal_id(province_code="31", date_of_birth=date(2005, 1, 2), gender="female", serial=7)
    assert pid == "031305000007"
    facts = personal_id_facts(pid)
    assert (facts.century, facts.gender, facts.year_suffix) == (2000, "female", 5)


@pytest.mark.parametrize("pid", ["04909012345", "0490901234567", "04909012345a", ""])
def test_an_id_that_is_not_twelve_digits_is_refused(pid):
    assert personal_id_errors(pid, date_of_birth=None, gender=None)


def test_an_impossible_century_digit_is_refused():
    assert personal_id_errors("049790123456", date_of_birth=None, gender=None)


def test_the_birth_year_must_agree():
    errors = personal_id_errors("049090123456", date_of_birth=date(1991, 5, 17), gender="male")
    assert len(errors) == 1
    assert "1991" in errors[0]


def test_the_century_must_agree():
    assert personal_id_errors("049290123456", date_of_birth=date(1990, 5, 17), gender="male")


def test_the_gender_must_agree():
    errors = personal_id_errors("049090123456", date_of_birth=date(1990, 5, 17), gender="female")
    assert len(errors) == 1


# --- the digits: ASCII 0–9 only, never converted ---------------------------------------


@pytest.mark.parametrize("raw", ["049090418444", " 049090418444", "049090418444 \n", "\t049090418444\u3000"])
def test_surrounding_whitespace_is_trimmed(raw):
    assert clean_personal_id(raw) == "049090418444"


@pytest.mark.parametrize(
    "raw",
    [
        FULL_WIDTH,
        "049²90418444",  # superscript two
        "04909041844٤",  # Arabic-Indic four
        "০৪৯০৯০৪১৮৪৪৪",  # Bengali digits
        "049 090 418 444",
        "049.090.418.444",
        "+49090418444",
    ],
)
def test_anything_but_ascii_digits_is_refused_not_converted(raw):
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        clean_personal_id(raw)
    assert caught.value.messages == [
        "A personal ID (CCCD) is written with the digits 0–9 only; full-width or other digits are refused."
    ]


@pytest.mark.parametrize("raw", ["04909041844", "0490904184440", "", "   "])
def test_a_wrong_number_of_ascii_digits_says_twelve(raw):
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        clean_personal_id(raw)
    assert caught.value.messages == ["A personal ID (CCCD) has exactly 12 digits."]


@pytest.mark.parametrize("pid", [FULL_WIDTH, "049²90418444", "0492904184²4", "04909041844\n"])
def test_an_id_of_other_digits_is_an_error_never_an_exception(pid):
    assert personal_id_facts(pid) is None
    assert len(personal_id_errors(pid, date_of_birth=date(1990, 1, 1), gender="male")) == 1


def test_the_check_takes_the_id_as_it_stands():
    """Trimming is the adapters' job (``clean_personal_id``); a service given spaces refuses them."""
    assert personal_id_errors(" 049090418444", date_of_birth=None, gender=None)


@pytest.mark.parametrize("raw", [None, "", "  "])
def test_a_blank_social_insurance_code_is_none(raw):
    assert clean_social_insurance_code(raw) is None


def test_a_social_insurance_code_is_trimmed():
    assert clean_social_insurance_code(" 4901234567 ") == "4901234567"


@pytest.mark.parametrize("raw", ["４９０１２３４５６７", "49012345⁶7", "490123456", "49012345678", "49-0123456"])
def test_a_social_insurance_code_is_ten_ascii_digits(raw):
    with pytest.raises(ValidationError):
        clean_social_insurance_code(raw)
