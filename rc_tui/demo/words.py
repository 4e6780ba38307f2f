"""The demo's word lists and texts, read from the TOML files in ``rc_tui/demo/data``.

Names are combined at random, so the people are fictional. The lists keep the order of the
files: every choice is drawn with ``random.Random(seed)``, so the order is part of what a
seed produces.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any


def _load(name: str) -> dict[str, Any]:
    raw = resources.files("rc_tui.demo.data").joinpath(f"{name}.toml").read_text("utf-8")
    return tomllib.loads(raw)


def _strings(values: Any) -> list[str]:
    return [str(v) for v in values]


def _pairs(values: Any) -> list[tuple[str, str]]:
    return [(str(a), str(b)) for a, b in values]


_people = _load("people")
WOMEN = _strings(_people["women"])
MEN = _strings(_people["men"])
GIRLS = _strings(_people["girls"])
BOYS = _strings(_people["boys"])
FAMILY = _strings(_people["family"])
INTL_WOMEN = _strings(_people["intl_women"])
INTL_MEN = _strings(_people["intl_men"])
INTL_FAMILY = _strings(_people["intl_family"])
INTL_LANGUAGES = _strings(_people["intl_languages"])
ALIASES_VICTIM = _strings(_people["aliases_victim"])
ALIASES_OTHER = _strings(_people["aliases_other"])
ALIASES_PERP = _strings(_people["aliases_perpetrator"])
SAFE_TIMES = _strings(_people["safe_times"])
PROTECTED_ADDRESS = str(_people["protected_address"])

_intake = _load("intake")
REFERRERS: dict[str, list[str]] = {
    str(k): _strings(v) for k, v in _intake["referrers"].items()}
#: channel -> weight; the order of the file is the order of the draw
CHANNEL_WEIGHTS: dict[str, int] = {
    str(k): int(v) for k, v in _intake["channel_weights"].items()}
RECEIVING_UNITS = _strings(_intake["receiving_units"])
WHAT_HAPPENED = _strings(_intake["what_happened"])

_notes = _load("notes")
NOTE_TEXTS: dict[str, list[str]] = {
    str(k): _strings(v) for k, v in _notes["note_texts"].items()}
CHILD_NOTES = _strings(_notes["child_notes"])
PERPETRATOR_NOTES = _strings(_notes["perpetrator_notes"])
PRONOUNS: dict[str, dict[str, str]] = {
    str(gender): {str(k): str(v) for k, v in words.items()}
    for gender, words in _notes["pronouns"].items()}
#: (note type, first sentence) of a bulk journal note
BULK_OPENINGS: list[tuple[str, str]] = [
    (str(o["kind"]), str(o["text"])) for o in _notes["bulk"]["openings"]]
BULK_MIDDLES = _strings(_notes["bulk"]["middles"])
BULK_CLOSINGS = _strings(_notes["bulk"]["closings"])
#: come about once in RARE_ONE_IN bulk notes (the search benchmark looks for their words)
RARE_SENTENCES = _strings(_notes["bulk"]["rare"])

_assessments = _load("assessments")
RATIONALES = _strings(_assessments["rationales"])
DEVIATIONS = _strings(_assessments["deviations"])

_casework = _load("casework")
FINDINGS: dict[str, str] = {str(k): str(v) for k, v in _casework["findings"].items()}
CHILD_FINDINGS: dict[str, str] = {
    str(k): str(v) for k, v in _casework["child_findings"].items()}

_shelter = _load("shelter")
SHELTER_PLACES = _pairs(_shelter["shelter_places"])
HOUSING_PLACES = _pairs(_shelter["housing_places"])
#: (author, hours before 08.00 today, about the anonymous woman?, text)
SHIFT_NOTES: list[tuple[str, float, bool, str]] = [
    (str(n["author"]), float(n["hours_before_eight"]), bool(n["about_anonymous"]),
     str(n["text"]))
    for n in _shelter["shift_notes"]]
#: (reasons, referred to, note on the referral)
TURNED_AWAY: list[tuple[list[str], str, str]] = [
    (_strings(t["reasons"]), str(t["referred_to"]), str(t["referred_note"]))
    for t in _shelter["turned_away"]]
