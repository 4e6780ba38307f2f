"""Numbers and nouns agree: "Vänta 1 sekund", "Vänta 2 sekunder" – over the whole catalogue."""

from __future__ import annotations

import re
import string

import pytest

from rc_tui import i18n
from rc_tui.i18n import _n
from rc_tui.services.accounts import error_text
from storage.errors import LockedOut
from tests.msgids import collect, plural_pairs

#: a placeholder, then up to two words, then an English plural noun: that count needs _n
COUNTED_NOUN = re.compile(r"\{(\w+)\} (?:[\w-]+ ){0,2}?(children|people|[a-z-]+[^s\W]s)\b")
NOT_NOUNS = {"is", "was", "has", "does", "its", "this", "us", "as", "yes", "wants", "exists"}
#: messages whose number is a fixed limit or a range, never 1 (checked where possible)
FIXED_NUMBERS = {
    "A name may have at most {n} characters.": "services/people.py: 200",
    "The name may have at most {n} characters.": "services/accounts.py: DISPLAY_NAME_MAX",
    "The passphrase must have at least {n} characters.": "passphrase.MIN_LENGTH",
    "The passphrase may have at most {n} characters.": "passphrase.MAX_LENGTH",
    "A text may have at most {n} characters.": "instruments.content.MAX_TEXT",
    "A title may have at most {n} characters.": "services/sessions.py: MAX_TITLE",
    "At most {n} entries.": "instruments.content.MAX_ENTRIES",
    "Allowed values are {lo}-{hi} seconds.": "a range",
    "Allowed values are {lo}-{hi} days.": "a range",
    "Allowed values are {lo}-{hi} hours.": "a range",
    "Counts from 1 to {last} are shown as <{k}; x: hidden so that a small count cannot be "
    "worked out, or shown on fewer than {k} people.": "the suppression_k setting: 3-20",
    "The statistics of {centre} for {period}, beside {previous}. Aggregates only: no person "
    "can be told from them. Counts from 1 to {last} are shown as <{k}; x: hidden so that a "
    "small count cannot be worked out, or shown on fewer than {k} people.":
        "the suppression_k setting: 3-20",
}
#: Swedish and English stand-ins for choosing a form: "åtgärd(er)", "medlem(mar)", "item(s)"
FORM_HACK = re.compile(r"\w\((?:s|e?r|ar|or|na|mar|n|en)\)")


def placeholders(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def counted_nouns(msgid: str) -> list[str]:
    return [m.group(2) for m in COUNTED_NOUN.finditer(msgid) if m.group(2) not in NOT_NOUNS]


def test_every_number_before_a_noun_chooses_its_form() -> None:
    in_pairs = {form for pair in plural_pairs() for form in pair}
    wrong = {msgid: where for msgid, where in collect().items()
             if msgid not in in_pairs and msgid not in FIXED_NUMBERS and counted_nouns(msgid)}
    assert not wrong, f"use _n(singular, plural, count) for: {wrong}"


def test_the_fixed_numbers_are_not_one() -> None:
    from rc_tui import passphrase
    from rc_tui.domain.instruments import content
    from rc_tui.services import accounts, sessions

    assert min(passphrase.MIN_LENGTH, passphrase.MAX_LENGTH, content.MAX_TEXT,
               content.MAX_ENTRIES, accounts.DISPLAY_NAME_MAX, sessions.MAX_TITLE) > 1
    assert set(FIXED_NUMBERS) <= set(collect()), "a listed message is no longer used"


def test_no_form_stand_ins_in_either_language() -> None:
    hacks = [m for m in collect() if FORM_HACK.search(m)]
    hacks += [v for v in i18n.catalog("sv").values() if FORM_HACK.search(v)]
    assert not hacks


@pytest.mark.parametrize("pair", sorted(plural_pairs()), ids=lambda p: p[1][:40])
def test_both_forms_are_translated_with_the_same_placeholders(pair: tuple[str, str]) -> None:
    singular, plural = pair
    catalog = i18n.catalog("sv")
    assert singular != plural
    assert singular in catalog and plural in catalog
    assert placeholders(singular) == placeholders(plural)
    assert placeholders(catalog[singular]) == placeholders(catalog[plural])


def test_one_and_many() -> None:
    def wait(n: int) -> str:
        return _n("Too many failed attempts. Wait {seconds} second and try again.",
                  "Too many failed attempts. Wait {seconds} seconds and try again.", n,
                  seconds=n)

    assert "Vänta 1 sekund " in wait(1)
    assert "Vänta 2 sekunder " in wait(2) and "Vänta 0 sekunder " in wait(0)
    i18n.set_language("en")
    assert "Wait 1 second " in wait(1) and "Wait 5 seconds " in wait(5)


@pytest.mark.parametrize(("wait", "shown"), [
    (0.2, "Vänta 1 sekund "), (1.5, "Vänta 2 sekunder "), (58.9, "Vänta 59 sekunder "),
    (59.5, "Vänta 1 minut "), (127.9, "Vänta 3 minuter "), (899.0, "Vänta 15 minuter "),
])
def test_the_login_delay_message(wait: float, shown: str) -> None:
    assert shown in error_text(LockedOut(wait))
