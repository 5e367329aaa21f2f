from datetime import date

import pytest

from enrollments.identity import make_personal_id, personal_id_errors, personal_id_facts


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
