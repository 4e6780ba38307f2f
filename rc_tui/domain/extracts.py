"""Record extracts (registerutdrag): which passages about the requester also concern
someone else and must be reviewed before the extract leaves, and the reasons a reviewer
may give for withholding one. The reasons and the review markers are data
(``data/withholding_reasons.toml``, legal references to be verified before going live).

Plain Python: the service gives the passages' texts and the other persons' markers (names,
identity numbers, addresses), and gets back why a passage needs review, or None.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from rc_tui.i18n import language

#: why a passage needs review, most serious first (one is shown)
FLAGS = ("address", "shelter", "person")


@dataclass(frozen=True)
class Reason:
    code: str
    rule: str
    sv: str
    en: str

    def __str__(self) -> str:
        return self.sv if language() == "sv" else self.en


@dataclass(frozen=True)
class Markers:
    shelter_terms: tuple[str, ...]
    address_patterns: tuple[re.Pattern[str], ...]


@cache
def reasons() -> dict[str, Reason]:
    """The withholding reasons, in the file's order."""
    data = _data()
    return {code: Reason(code, str(v["rule"]), str(v["sv"]), str(v["en"]))
            for code, v in data["reason"].items()}


@cache
def markers() -> Markers:
    review = _data()["review"]
    return Markers(tuple(str(t) for t in review["shelter_terms"]),
                   tuple(re.compile(str(p)) for p in review["address_patterns"]))


def _data() -> dict[str, dict[str, dict[str, object]]]:
    raw = resources.files("rc_tui.data").joinpath("withholding_reasons.toml").read_text(
        encoding="utf-8")
    return tomllib.loads(raw)


@dataclass(frozen=True)
class Other:
    """What identifies another person in a text: their names (given, family, alias, as
    long as they are not the requester's own), identity-number forms and address."""

    words: tuple[str, ...]
    numbers: tuple[str, ...]
    address: str


def other(names: list[str | None], own_names: set[str], id_number: str | None,
          address: str | None) -> Other:
    words = tuple(sorted({n.strip() for n in names if n and len(n.strip()) >= 2
                          and n.strip().casefold() not in own_names}))
    numbers: tuple[str, ...] = ()
    if id_number:
        digits = re.sub(r"[^0-9]", "", id_number)
        numbers = (digits, digits[2:], f"{digits[2:8]}-{digits[8:]}", id_number)
    return Other(words, numbers, (address or "").strip())


def _word(term: str, text: str) -> bool:
    """``term`` at the start of a word, inflected or not (Swedish adds endings:
    "kvinnojouren", "Åsas") – rather one passage too many to review than one too few."""
    return re.search(rf"(?<!\w){re.escape(term)}", text, re.IGNORECASE) is not None


def review_flag(text: str, others: list[Other], *, shelter: bool) -> str | None:
    """Why ``text`` needs review before it leaves in the requester's extract: it holds an
    address (another person's recorded one, or anything written like an address), words
    that tell of the shelter (``shelter``: the requester has been a perpetrator), or
    another person's name or identity number. None: nothing about anyone else found."""
    if not text.strip():
        return None
    folded = text.casefold()
    if any(o.address and o.address.casefold() in folded for o in others) or any(
            p.search(text) for p in markers().address_patterns):
        return "address"
    if shelter and any(_word(t, text) for t in markers().shelter_terms):
        return "shelter"
    for o in others:
        if any(_word(w, text) for w in o.words) or any(n in text for n in o.numbers):
            return "person"
    return None
