"""Swedish identity numbers: personnummer and samordningsnummer."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rc_tui import i18n
from rc_tui.domain import identity
from rc_tui.domain.identity import (
    IdentityNumber,
    IdentityNumberError,
    luhn_check_digit,
    parse_identity_number,
    validate_identity_number,
)

TODAY = date(2025, 6, 15)


def _reason(text: str, today: date = TODAY) -> str:
    with pytest.raises(IdentityNumberError) as info:
        parse_identity_number(text, today)
    assert str(info.value) == info.value.reason
    return info.value.reason


def _number(birth: date, serial: str, *, coordination: bool = False) -> tuple[str, str]:
    """(YYYYMMDD as issued, serial + check digit) for ``birth``."""
    day = birth.day + (60 if coordination else 0)
    date8 = f"{birth.year:04d}{birth.month:02d}{day:02d}"
    return date8, serial + luhn_check_digit(date8[2:] + serial)


def _age(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def test_luhn_known_numbers() -> None:
    assert luhn_check_digit("121212121") == "2"
    assert luhn_check_digit("811218987") == "6"  # Skatteverket's example 811218-9876
    for bad in ("12121212", "1212121212", "12121212a", "١٢١٢١٢١٢١"):
        with pytest.raises(ValueError):
            luhn_check_digit(bad)


@pytest.mark.parametrize(("text", "kind", "birth"), [
    ("19121212-1212", "personnummer", date(1912, 12, 12)),
    ("191212121212", "personnummer", date(1912, 12, 12)),
    ("201212121212", "personnummer", date(2012, 12, 12)),
    ("121212-1212", "personnummer", date(2012, 12, 12)),
    ("1212121212", "personnummer", date(2012, 12, 12)),
    ("121212+1212", "personnummer", date(1912, 12, 12)),
    ("  811218-9876\t", "personnummer", date(1981, 12, 18)),
    # samordningsnummer: day + 60
    ("850372-1238", "samordningsnummer", date(1985, 3, 12)),
    ("19850372-1238", "samordningsnummer", date(1985, 3, 12)),
    # leap day
    ("000229-1235", "personnummer", date(2000, 2, 29)),
    ("20000229-1235", "personnummer", date(2000, 2, 29)),
    # 100+ with "+" (and a leap day in 1924)
    ("240229+1237", "personnummer", date(1924, 2, 29)),
    # the century of a 10-digit number depends on today
    ("750101-1238", "personnummer", date(1975, 1, 1)),
    ("150601-1236", "personnummer", date(2015, 6, 1)),
])
def test_valid(text: str, kind: str, birth: date) -> None:
    number = parse_identity_number(text, TODAY)
    assert number.kind == kind
    assert number.birth_date == birth
    assert validate_identity_number(text, TODAY) is None


def test_century_boundary_around_today() -> None:
    date8, last4 = _number(date(2025, 6, 15), "123")
    born_today = parse_identity_number(f"{date8[2:]}-{last4}", TODAY)
    assert born_today.birth_date == date(2025, 6, 15)
    assert parse_identity_number(f"{date8[2:]}+{last4}", TODAY).birth_date == date(1925, 6, 15)
    date8, last4 = _number(date(1925, 6, 16), "123")
    # tomorrow in 2025 would be the future, so the person is 99 and born in 1925
    assert parse_identity_number(f"{date8[2:]}-{last4}", TODAY).birth_date == date(1925, 6, 16)
    # "+" from the year one turns 100 (folkbokföringslagen 18 §): she is 100 this year
    assert parse_identity_number(f"{date8[2:]}+{last4}", TODAY).birth_date == date(1925, 6, 16)
    date8, last4 = _number(date(1926, 1, 1), "123")
    assert parse_identity_number(f"{date8[2:]}+{last4}", TODAY).birth_date == date(1826, 1, 1)


#: A frozen "today" for the century rule, and a number issued for 30 January of a year
#: ending in 19 (serial 459, check digit 0).
DEC_2026 = date(2026, 12, 6)


@pytest.mark.parametrize(("text", "born"), [
    ("190130+4590", date(1919, 1, 30)),  # "+": over 100, never the child born in 2019
    ("190130-4590", date(2019, 1, 30)),  # "-": the most recent century, age 0-99
    ("1901304590", date(2019, 1, 30)),  # no separator: as "-"
    ("19190130-4590", date(1919, 1, 30)),  # twelve digits say the century themselves
    ("20190130-4590", date(2019, 1, 30)),
])
def test_plus_means_a_hundred_years_or_more(text: str, born: date) -> None:
    assert parse_identity_number(text, DEC_2026).birth_date == born


def test_century_year() -> None:
    assert identity.century_year(19, 1, 30, True, DEC_2026) == 1919
    assert identity.century_year(19, 1, 30, False, DEC_2026) == 2019
    assert identity.century_year(26, 12, 6, False, DEC_2026) == 2026  # born today
    assert identity.century_year(26, 12, 7, False, DEC_2026) == 1926  # tomorrow: 99 years old
    assert identity.century_year(26, 12, 7, True, DEC_2026) == 1926  # turns 100 this year
    assert identity.century_year(27, 1, 1, True, DEC_2026) == 1827


@pytest.mark.parametrize("text", [
    "１９０１３０－４５９０",  # full-width digits and hyphen-minus
    "190130\u20104590", "190130\u20114590", "190130\u20124590", "190130\u20134590",
    "190130\u20144590", "190130\u20154590", "190130\u22124590", "190130\ufe634590",
    "190130\uff0d4590",
    "20190130\u20134590",
])
def test_full_width_digits_and_dashes_fold(text: str) -> None:
    assert parse_identity_number(text, DEC_2026).birth_date == date(2019, 1, 30)
    assert validate_identity_number(text, DEC_2026) is None


def test_fold() -> None:
    assert identity.fold("１９９０\uff0b１２\u2013") == "1990+12-"
    assert identity.fold("190130+4590") == "190130+4590"
    assert identity.fold("Åsa") == "Åsa"
    # other scripts' digits are not read as numbers
    assert identity.fold("١٢١٢١٢") == "١٢١٢١٢"
    assert parse_identity_number("190130＋4590", DEC_2026).birth_date == date(1919, 1, 30)


def test_forms_and_tokens() -> None:
    number = parse_identity_number("850372-1238", TODAY)
    assert number == IdentityNumber("samordningsnummer", date(1985, 3, 12), "123", "8")
    assert number.is_coordination_number
    assert number.canonical == "19850372-1238"
    assert number.short_form(TODAY) == "850372-1238"
    assert number.masked == "850372-****"
    assert number.search_tokens() == ["198503721238", "8503721238", "19850372", "850372"]
    old = parse_identity_number("19121212-1212", TODAY)
    assert old.short_form(TODAY) == "121212+1212"
    # "+" from the year the person turns 100, not only from the birthday
    assert old.short_form(date(2011, 12, 31)) == "121212-1212"
    assert old.short_form(date(2012, 1, 1)) == "121212+1212"
    assert old.short_form(date(2012, 12, 12)) == "121212+1212"
    assert old.short in {"121212-1212", "121212+1212"}
    assert old.gender_digit_is_even is False  # serial 121: 1 is odd
    assert parse_identity_number("811218-9876", TODAY).gender_digit_is_even is False
    even = parse_identity_number("000229-1235", TODAY)
    assert even.serial == "123" and even.check == "5"
    date8, last4 = _number(date(1990, 1, 1), "124")
    assert parse_identity_number(date8 + last4, TODAY).gender_digit_is_even is True


FORMAT = identity.REASON_FORMAT
CHECK = identity.REASON_CHECK_DIGIT
NO_DATE = identity.REASON_NO_SUCH_DATE
FUTURE = identity.REASON_FUTURE


@pytest.mark.parametrize(("text", "msgid"), [
    ("121212-1213", CHECK),  # bad checksum
    ("19121212-1213", CHECK),
    ("990229-1237", NO_DATE),  # 1999-02-29
    ("19990229-1237", NO_DATE),
    ("000229+1235", NO_DATE),  # 1900 was no leap year
    ("201301-1230", NO_DATE),  # month 13
    ("990132-1233", NO_DATE),  # day 32
    ("850392-1234", NO_DATE),  # samordningsnummer day 92 = 32
    (f"990160-123{luhn_check_digit('990160123')}", NO_DATE),  # day 60: neither kind
    ("12121A-1212", FORMAT),  # letters
    ("abcdef-ghij", FORMAT),
    ("12121-1212", FORMAT),  # wrong length
    ("1212121212121", FORMAT),
    ("121212--1212", FORMAT),
    ("121212 1212", FORMAT),
    ("19121212+1212", FORMAT),  # "+" only in the 10-digit form
    ("١٢١٢١٢-١٢١٢", FORMAT),  # non-ASCII digits
    ("20300615-1231", FUTURE),  # explicit year in the future
    ("203006151231", FUTURE),
])
def test_invalid(text: str, msgid: str) -> None:
    reason = _reason(text)
    assert reason == i18n._(msgid)
    assert validate_identity_number(text, TODAY) == reason


def test_empty_is_not_an_error_for_validate() -> None:
    assert validate_identity_number("", TODAY) is None
    assert validate_identity_number("  \t", TODAY) is None
    assert _reason("   ") == i18n._(identity.REASON_EMPTY)


def test_reasons_in_english() -> None:
    i18n.set_language("en")
    assert _reason("121212-1213") == "The identity number's check digit is wrong."
    assert _reason("990229-1237") == "The identity number has no such date."
    assert _reason("12121A-1212") == "The identity number has the wrong length or characters."
    assert _reason("20300615-1231") == "The identity number's date is in the future."


def test_reasons_in_swedish() -> None:
    if identity.REASON_CHECK_DIGIT not in i18n.catalog("sv"):
        pytest.skip("Swedish translations of rc_tui.domain not merged into sv.toml yet")
    assert _reason("121212-1213") == (
        "Kontrollsiffran i person- eller samordningsnumret stämmer inte."
    )
    assert _reason("990229-1237") == "Datumet i person- eller samordningsnumret finns inte."


# --- properties ---------------------------------------------------------------------------

births = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
serials = st.integers(min_value=0, max_value=999).map(lambda n: f"{n:03d}")


def _accepted_forms(date8: str, last4: str, birth: date) -> list[str]:
    separator = "+" if TODAY.year - birth.year >= 100 else "-"
    forms = [f"{date8}-{last4}", date8 + last4, f"{date8[2:]}{separator}{last4}"]
    if separator == "-":
        forms.append(date8[2:] + last4)
    return forms


@given(birth=births, serial=serials, coordination=st.booleans())
def test_round_trip_every_form(birth: date, serial: str, coordination: bool) -> None:
    date8, last4 = _number(birth, serial, coordination=coordination)
    kind = "samordningsnummer" if coordination else "personnummer"
    for text in _accepted_forms(date8, last4, birth):
        number = parse_identity_number(text, TODAY)
        assert (number.kind, number.birth_date, number.serial) == (kind, birth, serial), text
        assert number.canonical == f"{date8}-{last4}"
        assert parse_identity_number(number.short_form(TODAY), TODAY) == number
        assert parse_identity_number(number.canonical, TODAY) == number
        assert date8 + last4 in number.search_tokens()


@given(birth=births, serial=serials, coordination=st.booleans(),
       shift=st.integers(min_value=1, max_value=9))
def test_any_other_check_digit_is_refused(birth: date, serial: str, coordination: bool,
                                          shift: int) -> None:
    date8, last4 = _number(birth, serial, coordination=coordination)
    wrong = last4[:3] + str((int(last4[3]) + shift) % 10)
    for text in _accepted_forms(date8, wrong, birth):
        assert _reason(text) == i18n._(CHECK), text


@given(birth=st.dates(min_value=TODAY + timedelta(days=1), max_value=date(2999, 12, 31)),
       serial=serials)
def test_future_twelve_digit_is_refused(birth: date, serial: str) -> None:
    date8, last4 = _number(birth, serial)
    assert _reason(f"{date8}-{last4}") == i18n._(FUTURE)


@given(birth=births, serial=serials, today=st.dates(min_value=date(1900, 1, 1),
                                                    max_value=date(2200, 1, 1)))
def test_ten_digit_never_gives_a_future_date(birth: date, serial: str, today: date) -> None:
    date8, last4 = _number(birth, serial)
    for separator in "-+":
        try:
            number = parse_identity_number(f"{date8[2:]}{separator}{last4}", today)
        except IdentityNumberError as error:
            assert error.reason == i18n._(NO_DATE)  # e.g. 29 February in a non-leap century
            continue
        age = _age(number.birth_date, today)
        assert number.birth_date <= today
        if separator == "+":  # 100 this year, or older
            assert today.year - number.birth_date.year >= 100
        else:
            assert 0 <= age < 100


@pytest.mark.parametrize(("number", "gender"), [
    ("19850312-1220", "female"),  # the ninth digit (2) even
    ("19820101-4557", "male"),  # odd
    ("850372-1220", "female"),  # a samordningsnummer encodes it the same way
])
def test_legal_gender_from_the_ninth_digit(number: str, gender: str) -> None:
    parsed = identity.parse_identity_number(
        number[:-1] + identity.luhn_check_digit(number[-11:-5] + number[-4:-1]), TODAY)
    assert parsed.legal_gender == gender
