"""Phones in E.164: the quick path for mainland mobiles answers exactly what the full parse answers."""

from __future__ import annotations

import random

import phonenumbers
import pytest

from guanxi.core.text import normalise_phone


def parsed(raw: str, region: str) -> str | None:
    """What phonenumbers alone makes of a number."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def written(digits: str, style: int) -> str:
    return [
        digits,
        f"{digits[:3]} {digits[3:7]} {digits[7:]}",
        f"+86 {digits[:3]}-{digits[3:7]}-{digits[7:]}",
        f"+86{digits}",
        f"({digits[:3]}) {digits[3:7]}.{digits[7:]}",
        f"86{digits}",
        f"0{digits}",
        f"+1 {digits}",
    ][style]


def test_every_mobile_prefix_gives_the_full_parse_answer():
    rng = random.Random(7)
    checked = valid = 0
    for prefix in range(1000, 2000):  # every four-digit start of an eleven-digit number beginning with 1
        for style in range(8):
            digits = f"{prefix}{rng.randrange(10**7):07d}"
            raw = written(digits, style)
            for region in ("CN", "US"):
                expected = parsed(raw, region)
                assert normalise_phone(raw, region) == expected, (raw, region)
                checked += 1
                valid += expected is not None
    # Both kinds of answer were compared, in numbers.
    assert checked == 16_000 and 3_000 < valid < checked


@pytest.mark.parametrize("raw", [
    "１３８１２３４５６７８",  # full-width digits
    "138123456789", "1381234567", "+86 10 8888 6666", "010-8888 6666", "+44 20 7946 0958", "138 1234 567x",
    "+86 (0) 138 1234 5678",
])
def test_other_forms_still_go_through_the_full_parse(raw):
    assert normalise_phone(raw, "CN") == parsed(raw, "CN")


def test_mainland_mobiles_in_the_usual_forms():
    for raw in ("13812345678", "138 1234 5678", "+86 138-1234-5678", "+8613812345678", "(138) 1234.5678"):
        assert normalise_phone(raw, "CN") == "+8613812345678"
    assert normalise_phone("12012345678", "CN") is None  # no mobile range starts with 120
