"""Whole numbers in Vietnamese words, as official documents write money
("Bằng chữ: Năm triệu đồng").

The reading follows the common administrative usage:

- groups of three digits: nghìn, triệu, tỷ (and nghìn tỷ, triệu tỷ above);
- inside a group: "mười" for ten, "mươi" after 2–9; "linh" for an empty tens
  place before a unit ("một trăm linh năm"); "mốt" for 1 and "tư" for 4 after
  "mươi" ("hai mươi mốt", "ba mươi tư"); "lăm" for 5 after a ten ("mười lăm");
- a group after the first one reads its hundreds even when zero
  ("một nghìn không trăm linh năm"); a group of zeros is left out
  ("một triệu năm trăm nghìn").
"""

from __future__ import annotations

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_GROUPS = ("", "nghìn", "triệu")
_BILLION = 10**9


def _tens_and_units(tens: int, units: int) -> list[str]:
    words: list[str] = []
    if tens == 0:
        if units:
            words += ["linh", DIGITS[units]]
        return words
    words.append("mười" if tens == 1 else f"{DIGITS[tens]} mươi")
    if units == 1 and tens > 1:
        words.append("mốt")
    elif units == 4 and tens > 1:
        words.append("tư")
    elif units == 5:
        words.append("lăm")
    elif units:
        words.append(DIGITS[units])
    return words


def _group(value: int, *, leading: bool) -> list[str]:
    """A group of three digits (1–999); ``leading``: the first group read, whose empty places are silent."""
    hundreds, rest = divmod(value, 100)
    tens, units = divmod(rest, 10)
    if leading and hundreds == 0:
        if tens == 0:
            return [DIGITS[units]]
        return _tens_and_units(tens, units)
    words = [DIGITS[hundreds], "trăm"]
    if rest:
        words += _tens_and_units(tens, units)
    return words


def _below_billion(value: int, *, leading: bool) -> list[str]:
    words: list[str] = []
    groups = []
    while value:
        value, group = divmod(value, 1000)
        groups.append(group)
    for index in reversed(range(len(groups))):
        group = groups[index]
        if group == 0:
            continue
        words += _group(group, leading=leading and not words)
        if _GROUPS[index]:
            words.append(_GROUPS[index])
    return words


def number_in_words(value: int) -> str:
    """``value`` (a whole number ≥ 0) in lower-case Vietnamese words."""
    value = int(value)
    if value < 0:
        raise ValueError("Only numbers from zero up are read.")
    if value == 0:
        return DIGITS[0]
    return " ".join(_words(value, leading=True))


def _words(value: int, *, leading: bool) -> list[str]:
    billions, rest = divmod(value, _BILLION)
    words: list[str] = []
    if billions:
        words += [*_words(billions, leading=leading), "tỷ"]
    if rest:
        words += _below_billion(rest, leading=leading and not billions)
    return words


def vnd_in_words(amount: int) -> str:
    """An amount of Vietnamese đồng as a document writes it in words: "Năm triệu đồng"."""
    words = number_in_words(amount)
    return f"{words[0].upper()}{words[1:]} đồng"
