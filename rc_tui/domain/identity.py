"""Swedish identity numbers: personnummer and samordningsnummer (coordination numbers).

Accepted forms (surrounding whitespace is ignored)::

    YYYYMMDD-NNNN   YYYYMMDDNNNN          explicit century
    YYMMDD-NNNN     YYMMDDNNNN            person younger than 100 on ``today``
    YYMMDD+NNNN                           person who is 100 this year, or older

Full-width digits (``１９９０…``, as some input methods and PDFs give them) and the usual
dash variants (hyphens, dashes, the minus sign, full-width and small hyphen-minus) are
read as their ASCII forms (:func:`fold`); other scripts' digits are refused.

``NNNN`` is a three-digit serial and a Luhn check digit computed over the ten-digit form
``YYMMDDNNN``. A samordningsnummer has 60 added to the day of birth (days 61-91). Every
rule that depends on the current date takes ``today`` as an argument; nothing here reads
the clock except the convenience property :attr:`IdentityNumber.short`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from rc_tui.i18n import N_, _

Kind = Literal["personnummer", "samordningsnummer"]

#: Added to the day of birth in a samordningsnummer.
COORDINATION_DAY_OFFSET = 60

REASON_EMPTY = N_("Enter an identity number.")
REASON_FORMAT = N_("The identity number has the wrong length or characters.")
REASON_CHECK_DIGIT = N_("The identity number's check digit is wrong.")
REASON_NO_SUCH_DATE = N_("The identity number has no such date.")
REASON_FUTURE = N_("The identity number's date is in the future.")

_TWELVE = re.compile(r"([0-9]{8})-?([0-9]{4})")
_TEN = re.compile(r"([0-9]{6})([-+]?)([0-9]{4})")

#: Characters read as their ASCII form in identity numbers: full-width digits and plus,
#: and the dashes people (and word processors) put between the date and the serial.
_FOLD = str.maketrans({
    **{chr(0xFF10 + d): str(d) for d in range(10)},  # FULLWIDTH DIGIT ZERO..NINE
    "\uff0b": "+",  # FULLWIDTH PLUS SIGN
    **{chr(c): "-" for c in range(0x2010, 0x2016)},  # HYPHEN .. HORIZONTAL BAR
    "\u2212": "-",  # MINUS SIGN
    "\ufe63": "-",  # SMALL HYPHEN-MINUS
    "\uff0d": "-",  # FULLWIDTH HYPHEN-MINUS
})


def fold(text: str) -> str:
    """``text`` with full-width digits and plus, and dash variants, in ASCII."""
    return text.translate(_FOLD)


class IdentityNumberError(ValueError):
    """An identity number was refused; ``reason`` is a translated, user-facing message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def luhn_check_digit(nine_digits: str) -> str:
    """The Luhn check digit for ``YYMMDDNNN`` (nine ASCII digits)."""
    if len(nine_digits) != 9 or not all("0" <= c <= "9" for c in nine_digits):
        raise ValueError("expected nine ASCII digits")
    total = 0
    for index, char in enumerate(nine_digits):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return str((10 - total % 10) % 10)


def century_year(yy: int, month: int, day: int, plus: bool, today: date) -> int:
    """The four-digit birth year of a ten-digit number ``YYMMDD-NNNN`` (``plus``: written
    ``YYMMDD+NNNN``), ``day`` being the real day (a samordningsnummer's minus 60).

    ``-`` (or no separator): the most recent year ending in ``yy`` that does not put the
    birth date after ``today`` – the person is 0 to 99 years old. ``+``: the separator
    changes to ``+`` in the year a person turns 100 (folkbokföringslagen 18 §), so the
    most recent year ending in ``yy`` at least 100 years before this year – ``190130+4590``
    is someone born in 1919, never a child born in 2019.
    """
    if plus:
        latest = today.year - 100
        return latest - (latest - yy) % 100
    year = today.year // 100 * 100 + yy
    if (year, month, day) > (today.year, today.month, today.day):
        year -= 100
    return year


@dataclass(frozen=True)
class IdentityNumber:
    """A parsed, valid identity number. ``birth_date`` is the real date of birth (for a
    samordningsnummer the +60 has been taken off); the issued digits are kept in
    :attr:`canonical`."""

    kind: Kind
    birth_date: date
    serial: str
    check: str

    @property
    def is_coordination_number(self) -> bool:
        return self.kind == "samordningsnummer"

    @property
    def _issued_day(self) -> int:
        offset = COORDINATION_DAY_OFFSET if self.is_coordination_number else 0
        return self.birth_date.day + offset

    @property
    def _issued_date8(self) -> str:
        """``YYYYMMDD`` as issued (day + 60 for a samordningsnummer)."""
        d = self.birth_date
        return f"{d.year:04d}{d.month:02d}{self._issued_day:02d}"

    @property
    def _last4(self) -> str:
        return self.serial + self.check

    @property
    def canonical(self) -> str:
        """``YYYYMMDD-NNNN`` as issued, e.g. ``19850372-1234`` for a samordningsnummer."""
        return f"{self._issued_date8}-{self._last4}"

    def short_form(self, today: date) -> str:
        """``YYMMDD-NNNN``, or ``YYMMDD+NNNN`` from the year the person turns 100."""
        separator = "+" if today.year - self.birth_date.year >= 100 else "-"
        return f"{self._issued_date8[2:]}{separator}{self._last4}"

    @property
    def short(self) -> str:
        """:meth:`short_form` for the current date (reads the clock; prefer
        :meth:`short_form` where the date is known)."""
        return self.short_form(date.today())

    @property
    def masked(self) -> str:
        """``YYMMDD-****``: the issued date digits only."""
        return f"{self._issued_date8[2:]}-****"

    @property
    def gender_digit_is_even(self) -> bool:
        """Whether the second-to-last digit (last serial digit) is even."""
        return int(self.serial[-1]) % 2 == 0

    @property
    def legal_gender(self) -> str:
        """The legal gender the number was issued for (even digit: female, odd: male), as
        a ``vocab.GENDERS`` code. A default, not a fact about the person: the form shows
        it and a user changes it with one key."""
        return "female" if self.gender_digit_is_even else "male"

    def search_tokens(self) -> list[str]:
        """Strings for a search index, so the number is found however it is typed:
        ``YYYYMMDDNNNN``, ``YYMMDDNNNN``, ``YYYYMMDD`` and ``YYMMDD`` (issued digits,
        no separators)."""
        date8 = self._issued_date8
        return [date8 + self._last4, date8[2:] + self._last4, date8, date8[2:]]


def parse_identity_number(text: str, today: date) -> IdentityNumber:
    """Parse and validate ``text``; raises :class:`IdentityNumberError` with a reason."""
    value = fold(text).strip()
    if not value:
        raise IdentityNumberError(_(REASON_EMPTY))
    explicit_year: int | None
    if (m := _TWELVE.fullmatch(value)) is not None:
        date_part, last4 = m.group(1), m.group(2)
        explicit_year, separator = int(date_part[:4]), "-"
        date_part = date_part[2:]
    elif (m := _TEN.fullmatch(value)) is not None:
        date_part, separator, last4 = m.group(1), m.group(2) or "-", m.group(3)
        explicit_year = None
    else:
        raise IdentityNumberError(_(REASON_FORMAT))

    nine = date_part + last4[:3]
    if luhn_check_digit(nine) != last4[3]:
        raise IdentityNumberError(_(REASON_CHECK_DIGIT))

    yy, month, issued_day = int(date_part[:2]), int(date_part[2:4]), int(date_part[4:6])
    kind: Kind = "personnummer"
    day = issued_day
    if issued_day > COORDINATION_DAY_OFFSET:
        kind, day = "samordningsnummer", issued_day - COORDINATION_DAY_OFFSET

    if explicit_year is not None:
        year = explicit_year
    else:
        year = century_year(yy, month, day, separator == "+", today)

    try:
        birth = date(year, month, day)
    except ValueError:
        raise IdentityNumberError(_(REASON_NO_SUCH_DATE)) from None
    if birth > today:
        raise IdentityNumberError(_(REASON_FUTURE))
    return IdentityNumber(kind=kind, birth_date=birth, serial=last4[:3], check=last4[3])


def validate_identity_number(text: str, today: date) -> str | None:
    """The translated reason ``text`` is refused, or None when it is valid.

    Empty or whitespace-only text means "no number given" and is *not* an error here
    (returns None); callers that require a number must check for emptiness themselves.
    """
    if not text.strip():
        return None
    try:
        parse_identity_number(text, today)
    except IdentityNumberError as error:
        return error.reason
    return None
