"""Whole numbers in Vietnamese words, as "Bằng chữ" lines write money."""

from __future__ import annotations

import pytest

from core.vietnamese_words import number_in_words, vnd_in_words


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (0, "không"),
        (5, "năm"),
        (10, "mười"),
        (11, "mười một"),
        (14, "mười bốn"),
        (15, "mười lăm"),
        (20, "hai mươi"),
        (21, "hai mươi mốt"),
        (24, "hai mươi tư"),
        (25, "hai mươi lăm"),
        (101, "một trăm linh một"),
        (105, "một trăm linh năm"),
        (110, "một trăm mười"),
        (115, "một trăm mười lăm"),
        (1_000, "một nghìn"),
        (1_005, "một nghìn không trăm linh năm"),
        (1_000_500, "một triệu năm trăm"),
        (1_050_000, "một triệu không trăm năm mươi nghìn"),
        (5_000_000, "năm triệu"),
        (24_700_000, "hai mươi tư triệu bảy trăm nghìn"),
        (1_000_000_005, "một tỷ không trăm linh năm"),
        (2_002_000_000, "hai tỷ không trăm linh hai triệu"),
        (
            1_234_567_891,
            "một tỷ hai trăm ba mươi tư triệu năm trăm sáu mươi bảy nghìn tám trăm chín mươi mốt",
        ),
        (1_000_000_000_000, "một nghìn tỷ"),
    ],
)
def test_numbers_read_as_offices_write_them(value, words):
    assert number_in_words(value) == words


def test_money_is_capitalized_and_in_dong():
    assert vnd_in_words(13_450_000) == "Mười ba triệu bốn trăm năm mươi nghìn đồng"
    assert vnd_in_words(0) == "Không đồng"


def test_negative_numbers_are_refused():
    with pytest.raises(ValueError):
        number_in_words(-1)
