"""Search over names, aliases, identity numbers, case numbers and journal text.

Uses SQLite FTS5 inside the encrypted database (no index or cache outside it). Every word
typed is a prefix; all words must match. Names (and aliases) are also found by any part of
three letters or more – "ström" finds Bäckström – through a trigram index of the names
alone (``person_name_fts``, kept in step by triggers on ``persons``). Typed text never
reaches FTS5 as query syntax: each word is quoted.

The query is composed (NFC) like everything stored, and full-width digits and dash
variants are read as ASCII (``identity.fold``). A ten-digit identity number is read with
its century (``+``: a hundred or older): ``190130+4590`` is looked up as 19190130-4590.
Case numbers are found with or without ``RC-``: ``2026-0007`` and the serial ``0007``
find RC-2026-0007.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from rc_tui.domain import identity
from rc_tui.services.access import Capability, Level
from rc_tui.services.base import Service
from rc_tui.services.people import WITHHELD, PersonSummary, search_numbers, summary_for
from rc_tui.services.record_rights import restricted_persons
from storage.models import Case, JournalNote, Person
from storage.nfc import nfc

_WORD = re.compile(r"\w+", re.UNICODE)
_NUMBERISH = re.compile(r"^[0-9\s+\-]+$")
#: a ten-digit identity number, or its start, written with its separator (YYMMDD-NNNN)
_SHORT_ID = re.compile(r"([0-9]{6})\s*([-+])\s*([0-9]{0,4})")
#: a case number without its prefix: the year and (the start of) the serial
_CASE_YEAR_SERIAL = re.compile(r"([0-9]{4})\s*-\s*([0-9]{1,4})")
_CASE_SERIAL = re.compile(r"[0-9]{4}")
#: the shortest name part the trigram index finds inside names
INFIX_MIN = 3


def prepare(query: str) -> str:
    """The typed query as it is looked up: composed (NFC), full-width digits and dash
    variants in ASCII, surrounding space removed."""
    return identity.fold(nfc(query)).strip()


def _resolved_number(stripped: str, today: date | None) -> str | None:
    """A ten-digit identity number (or its start, with the separator typed) with its
    century: "190130+4590" -> "191901304590", "1901304590" -> "201901304590" (today in
    2026). None when the text is no such number or its date does not exist."""
    if today is None:
        return None
    if (m := _SHORT_ID.fullmatch(stripped)) is not None:
        date6, plus, serial = m.group(1), m.group(2) == "+", m.group(3)
    elif re.fullmatch(r"[0-9]{10}", stripped):
        date6, plus, serial = stripped[:6], False, stripped[6:]
    else:
        return None
    yy, month, day = int(date6[:2]), int(date6[2:4]), int(date6[4:6])
    real_day = day - identity.COORDINATION_DAY_OFFSET if day > identity.COORDINATION_DAY_OFFSET \
        else day
    try:
        year = identity.century_year(yy, month, real_day, plus, today)
        date(year, month, real_day)
    except ValueError:
        return None
    return f"{year // 100:02d}{date6}{serial}"


@dataclass(frozen=True)
class SearchHit:
    kind: str  # person | case | note | restricted (exists, no access: emergency access)
    person_id: int | None
    case_id: int | None
    title: str
    detail: str
    protection_level: str = "none"
    #: the person's record is restricted while a dispute is examined (managers only: for
    #: everyone else such a person is not found at all)
    record_restricted: bool = False


def query_words(query: str, today: date | None = None) -> list[str]:
    """The words of a typed query, as the index sees them (at most eight).

    Identity and case numbers are matched without their separators, so "850312-1234",
    "8503121234" and "19850312" all find the same person. With ``today``, a ten-digit
    number is read with its century (see ``identity.century_year``).
    """
    stripped = prepare(query)
    if not stripped:
        return []
    if _NUMBERISH.match(stripped) and any(c.isdigit() for c in stripped):
        words = [_resolved_number(stripped, today) or re.sub(r"[^0-9]", "", stripped)]
    elif re.match(r"^[A-Za-z]{2}[\s\-]?\d", stripped):  # a case number like RC-2026-0012
        words = ["".join(_WORD.findall(stripped)).lower()]
    else:
        words = _WORD.findall(stripped)
    return [w for w in words if w][:8]


def _quoted(word: str, star: str = "") -> str:
    return '"' + word.replace('"', '""') + '"' + star


def fts_query(query: str, *, prefix: bool = True, today: date | None = None) -> str | None:
    """Turn typed text into a safe FTS5 query: every word quoted (never query syntax), all
    required, each a prefix unless ``prefix`` is False."""
    words = query_words(query, today)
    if not words:
        return None
    star = "*" if prefix else ""
    return " ".join(_quoted(w, star) for w in words)


def case_query(query: str) -> str | None:
    """The case-index query for text shaped like a case number, else None: "RC-2026-0007"
    or "rc2026" (the prefixed form, as a prefix), "2026-0007" or "2026-00" (year and
    serial without "RC-"), or exactly four digits, "0007" (the serial of any year)."""
    stripped = prepare(query)
    if re.match(r"^[Rr][Cc](?:[\s\-]*[0-9])?", stripped) and \
            re.fullmatch(r"[A-Za-z]{2}[0-9\s\-]*", stripped):
        return _quoted("".join(_WORD.findall(stripped)).lower(), "*")
    if (m := _CASE_YEAR_SERIAL.fullmatch(stripped)) is not None:
        return _quoted(f"rc{m.group(1)}{m.group(2)}", "*")
    if _CASE_SERIAL.fullmatch(stripped):
        return _quoted(stripped)  # the serial token, whole (see case_search_numbers)
    return None


def infix_query(words: list[str]) -> tuple[str, str | None] | None:
    """For the trigram index of names: the words of at least ``INFIX_MIN`` letters, each
    found anywhere inside a name, and a prefix query for the rest (shorter words and
    numbers), or None when no word is long enough."""
    inside = [w for w in words if len(w) >= INFIX_MIN and not any(c.isdigit() for c in w)]
    if not inside:
        return None
    rest = [w for w in words if w not in inside]
    return (" ".join(_quoted(w) for w in inside),
            " ".join(_quoted(w, "*") for w in rest) or None)


def matches(words: list[str], body: str) -> bool:
    """The same rule as the index, for a few texts in Python: every word is the start of
    some word of ``body`` (case-insensitive; a note signed before text was composed on
    its way in is composed here)."""
    low = nfc(body).casefold()
    wanted = [w.casefold() for w in words]
    if not all(w in low for w in wanted):  # cheap: most texts fail here
        return False
    tokens = _WORD.findall(low)
    return all(any(t.startswith(w) for t in tokens) for w in wanted)


def word_start_globs(word: str) -> tuple[str, str]:
    """Two GLOB patterns, one of which matches every text in which ``matches`` finds
    ``word`` at the start of a word (and a few more, which ``matches`` then drops): the
    text starts with it, or it follows a character that is not an ASCII letter or digit.
    ASCII letters match either case; any other character of the word matches any run of
    characters (GLOB folds no case, and text signed before it was composed may hold å, ä
    and ö decomposed)."""
    parts = []
    for c in word.casefold():
        if c.isascii() and c.isalpha():
            parts.append(f"[{c}{c.upper()}]")
        elif c.isascii() and c.isdigit():
            parts.append(c)
        else:
            parts.append("*")
    pattern = re.sub(r"\*+", "*", "".join(parts)) + "*"
    return pattern, "*[^0-9A-Za-z]" + pattern


_TOKEN = re.compile(r"[^\W_]+")
#: an identity number as stored (``IdentityNumber.canonical``)
_CANONICAL = re.compile(r"([0-9]{8})-([0-9]{4})")


def _number_tokens(number: str | None) -> str:
    """The index's tokens of a stored identity number (``search_numbers``), read off the
    canonical form without parsing it again."""
    if number and (m := _CANONICAL.fullmatch(number)) is not None:
        date8, last4 = m.group(1), m.group(2)
        return f" {date8}{last4} {date8[2:]}{last4} {date8} {date8[2:]}"
    return "".join(" " + t for t in search_numbers(number))


class Caseload:
    """Persons matched here rather than in the index, with the index's rules: a few
    hundred rows (a caseload and its families) are matched faster than the index can
    skip the matches of a common prefix that belong to others. Names and identity numbers
    are tokens as the index has them (letters and digits, lower case); every word is the
    start of a token (or the whole token in the first pass), and a word of three letters
    or more is also found inside a name (the trigram index's rule). The tokens of a
    person are one string, each after a space, so a word is the start of one of them
    when the string holds the word after a space."""

    def __init__(self, rows: list[tuple[int, str | None, str | None, str | None,
                                         str | None]], numbers: bool) -> None:
        self.people: list[tuple[int, str, str]] = []
        for pid, given, family, alias, number in rows:
            names = " ".join(x for x in (given, family, alias) if x).lower()
            tokens = "".join(" " + t for t in _TOKEN.findall(names))
            if numbers:  # only a word with a digit can match one
                tokens += _number_tokens(number)
            self.people.append((pid, names, tokens + " "))

    def matching(self, words: list[str], prefix: bool, limit: int) -> list[int]:
        end = "" if prefix else " "
        wanted = [" " + w.lower() + end for w in words]
        found: list[int] = []
        for pid, _names, tokens in self.people:
            if all(w in tokens for w in wanted):
                found.append(pid)
                if len(found) >= limit:
                    break
        return found

    def containing(self, words: list[str], limit: int) -> list[int]:
        inside = [w.lower() for w in words
                  if len(w) >= INFIX_MIN and not any(c.isdigit() for c in w)]
        rest = [" " + w.lower() for w in words if w.lower() not in inside]
        found: list[int] = []
        for pid, names, tokens in self.people:
            if all(w in names for w in inside) and all(w in tokens for w in rest):
                found.append(pid)
                if len(found) >= limit:
                    break
        return found


#: Up to this many persons a user may know exist are matched in Python (``Caseload``).
PYTHON_MATCH_MAX_PERSONS = 2000
#: Above this many readable notes, journal search goes through the index instead.
PYTHON_MATCH_MAX_NOTES = 5000


class SearchService(Service):
    def search(self, query: str, limit: int = 30) -> list[SearchHit]:
        """Hits this user may see, filtered *inside* the query: nothing is counted, listed
        or suggested that the user may not see. A protected identity only matches for
        users assigned to the person (or who revealed it). A family member the user may
        only know exists is found by name, never by number, and shows the name alone. A
        complete identity number of someone the user may not see gives one anonymous hit
        that says only that a record exists (not even its protection level) and offers
        emergency access – the user already knows the number, and the access is logged.

        Long words are first looked up as whole words (fast even when very common); the
        prefix search runs when that does not fill the list, and then the search inside
        names (three letters or more). Every pass goes through the same filter."""
        self.require(Capability.CASE_CONTENT)
        today = self.today()
        words = query_words(query, today)
        if not words:
            return []
        return self.reading(lambda s: self._search(s, query, words, today, limit))

    def _search(self, s: Session, query: str, words: list[str], today: date,
                limit: int) -> list[SearchHit]:
        """One run of ``search`` in the read transaction ``s`` (run again when the access
        rules moved meanwhile: see ``Service.reading``)."""
        passes = [False, True] if any(len(w) >= 5 for w in words) else [True]
        by_number = any(c.isdigit() for w in words for c in w)
        hits: list[SearchHit] = []
        seen: set[tuple[str, int | None, int | None]] = set()

        def add(found: list[SearchHit]) -> None:
            for hit in found:
                key = (hit.kind, hit.person_id, hit.case_id)
                if key not in seen:
                    seen.add(key)
                    hits.append(hit)

        add(self._cases(s, query, limit))
        caseload = self._caseload(s, by_number)
        for prefix in passes:
            if caseload is not None:
                ids = caseload.matching(words, prefix, limit * 2)
            else:
                match = fts_query(query, prefix=prefix, today=today)
                assert match is not None
                ids = self._indexed(s, "SELECT rowid FROM person_fts WHERE person_fts "
                                    "MATCH :q ", {"q": match}, limit)
            add(self._persons(s, [i for i in ids if ("person", i, None) not in seen],
                              limit - len(hits), by_number))
            if len(hits) >= limit:
                break
        infix = infix_query(words)
        if infix is not None and len(hits) < limit:
            if caseload is not None:
                ids = caseload.containing(words, limit * 2)
            else:
                inside, rest = infix
                sql = "SELECT rowid FROM person_name_fts WHERE person_name_fts MATCH :q "
                if rest is not None:
                    sql += ("AND rowid IN (SELECT rowid FROM person_fts "
                            "WHERE person_fts MATCH :rest) ")
                ids = self._indexed(s, sql, {"q": inside, "rest": rest}, limit)
            add(self._persons(s, [i for i in ids if ("person", i, None) not in seen],
                              limit - len(hits), by_number))
        hits.extend(self._restricted_number_hit(s, query, {h.person_id for h in hits},
                                                today))
        numbers_only = all(w.isdigit() or (w[:2].isalpha() and w[2:].isdigit())
                           for w in words)
        if len(hits) < limit and not numbers_only:  # numbers are not looked for in text
            hits.extend(self._notes(s, words, query, limit - len(hits), passes))
        hits = self._restrictions(s, hits)[:limit]
        # one entry per person, kind and case shown (several notes of one person in one
        # case would make entries that say the same)
        shown = dict.fromkeys((h.person_id, h.kind, h.case_id) for h in hits
                              if h.person_id is not None)
        self.log_many(s, "search_hit", [
            {"person_id": person, "record_type": kind, "record_id": case}
            for person, kind, case in shown])
        return hits

    def _indexed(self, s: Session, matched: str, params: dict[str, Any],
                 limit: int) -> list[int]:
        """The person ids ``matched`` selects from an index (its rowids), among those this
        user may know exist."""
        sql = matched
        if not self.access.can(Capability.ALL_CASES):
            # "+rowid": a filter on the matches, not a per-id lookup of the index
            sql += "AND +rowid IN (SELECT value FROM json_each(:ids)) "
        return list(s.scalars(text(sql + "LIMIT :n"), {
            **params, "n": limit * 2, "ids": json.dumps(sorted(self._visible_persons(s)))}))

    def _persons(self, s: Session, ids: list[int], limit: int,
                 by_number: bool) -> list[SearchHit]:
        """Persons by name or number: ``ids`` are the matches (person ids) from an index or
        from ``Caseload``, whichever; what is shown of them is decided here, the same way
        for every source. With a number (or part of one) in the query, only persons whose
        number the user may see: otherwise typing birth dates at a family member the user
        may only know exists would reveal theirs."""
        hits: list[SearchHit] = []
        # loaded as many at a time as the list still needs (most matches are shown)
        while ids and len(hits) < limit:
            batch, ids = ids[:limit - len(hits)], ids[limit - len(hits):]
            people = {p.id: p for p in s.scalars(select(Person).where(Person.id.in_(batch)))}
            for pid in batch:
                p = people.get(pid)
                if p is None or not self.access.identity_visible(s, p):
                    continue  # protected and not assigned: never matched by name or number
                if by_number and self.access.level(s, pid) < Level.SHELTER:
                    continue
                row = summary_for(self.access, s, p, risk=False)  # family: the name only
                hits.append(SearchHit("person", pid, None, row.display_name,
                                      " ".join(x for x in (row.masked_id, row.birth) if x),
                                      row.protection_level))
        return hits

    def _cases(self, s: Session, query: str, limit: int) -> list[SearchHit]:
        match = case_query(query)
        if match is None:
            return []
        sql = "SELECT rowid FROM case_fts WHERE case_fts MATCH :q "
        if not self.access.can(Capability.ALL_CASES):
            sql += "AND +rowid IN (SELECT value FROM json_each(:ids)) "
        ids = list(s.scalars(text(sql + "LIMIT :n"), {
            "q": match, "n": limit, "ids": json.dumps(sorted(self.access.my_cases(s)))}))
        return [SearchHit("case", None, c.id, c.case_number, c.opened_at.date().isoformat())
                for c in s.scalars(select(Case).where(Case.id.in_(ids)))]

    def _notes(self, s: Session, words: list[str], query: str, limit: int,
               passes: list[bool]) -> list[SearchHit]:
        """Journal text, only of persons this user has full (or shelter) access to."""
        if limit <= 0:
            return []
        rows: list[tuple[int, int]] = []  # (note id, person id)
        if self.access.can(Capability.ALL_CASES):
            for prefix in passes:
                match = fts_query(query, prefix=prefix)
                rows = [(r[0], 0) for r in s.execute(text(
                    "SELECT rowid FROM note_fts WHERE note_fts MATCH :q LIMIT :n"),
                    {"q": match, "n": limit})]
                if len(rows) >= limit:
                    break
        else:
            readable = json.dumps(sorted(self._full_persons(s)))
            count = s.scalar(text("SELECT count(*) FROM journal_notes WHERE person_id IN "
                                  "(SELECT value FROM json_each(:ids))"), {"ids": readable})
            if (count or 0) <= PYTHON_MATCH_MAX_NOTES:
                rows = self._caseload_notes(s, words, readable, limit)
            else:
                match = fts_query(query)
                rows = [(r[0], 0) for r in s.execute(text(
                    "SELECT rowid FROM note_fts WHERE note_fts MATCH :q AND +rowid IN "
                    "(SELECT id FROM journal_notes WHERE person_id IN "
                    "(SELECT value FROM json_each(:ids))) LIMIT :n"),
                    {"q": match, "ids": readable, "n": limit})]
        hits: list[SearchHit] = []
        note_ids = [r[0] for r in rows]
        if not note_ids:
            return hits
        # the few columns shown (not whole notes), and each person once however many of
        # her notes match
        found = {r.id: r for r in s.execute(
            select(JournalNote.id, JournalNote.person_id, JournalNote.case_id,
                   JournalNote.created_at, JournalNote.body)
            .where(JournalNote.id.in_(note_ids)))}
        owners = {n.person_id for n in found.values()}
        people = {p.id: p for p in s.scalars(select(Person).where(Person.id.in_(owners)))}
        shown: dict[int, PersonSummary | None] = {}
        for note_id in note_ids:
            note = found.get(note_id)
            person = people.get(note.person_id) if note is not None else None
            if note is None or person is None:
                continue
            if person.id not in shown:
                shown[person.id] = (summary_for(self.access, s, person, risk=False)
                                    if self.access.identity_visible(s, person) else None)
            row = shown[person.id]
            if row is None:
                continue
            excerpt = " ".join(note.body.split())[:80]
            hits.append(SearchHit("note", person.id, note.case_id, row.display_name,
                                  f"{note.created_at:%Y-%m-%d} {excerpt}",
                                  row.protection_level))
        return hits

    def _restrictions(self, s: Session, hits: list[SearchHit]) -> list[SearchHit]:
        """A restricted record is hidden from search – except from managers, who see it
        marked (they examine the dispute)."""
        restricted = restricted_persons(s)
        if not restricted:
            return hits
        if self.access.can(Capability.ALL_CASES):
            return [replace(h, record_restricted=h.person_id in restricted) for h in hits]
        return [h for h in hits if h.person_id not in restricted]

    def _caseload_notes(self, s: Session, words: list[str], readable: str,
                        limit: int) -> list[tuple[int, int]]:
        """A caseload's notes that match, newest first, as (note id, person id): SQLite
        picks the candidates (``word_start_globs``: never fewer than match) among the
        notes of the persons ``readable`` (a JSON list), and ``matches`` decides, reading
        the text of only as many candidates as it takes to fill the list."""
        sql = ("SELECT id, person_id FROM journal_notes WHERE person_id IN "
               "(SELECT value FROM json_each(:ids))")
        params: dict[str, Any] = {"ids": readable}
        for i, word in enumerate(words):
            sql += f" AND (body GLOB :a{i} OR body GLOB :b{i})"
            params[f"a{i}"], params[f"b{i}"] = word_start_globs(word)
        candidates = s.execute(text(sql + " ORDER BY id DESC"), params).all()
        rows: list[tuple[int, int]] = []
        step = max(limit, 10)
        for start in range(0, len(candidates), step):
            batch = candidates[start:start + step]
            bodies: dict[int, str] = dict(s.execute(text(
                "SELECT id, body FROM journal_notes WHERE id IN "
                "(SELECT value FROM json_each(:ids))"),
                {"ids": json.dumps([note_id for note_id, _p in batch])}).all())
            for note_id, person_id in batch:
                if matches(words, bodies.get(note_id, "")):
                    rows.append((note_id, person_id))
                    if len(rows) >= limit:
                        return rows
        return rows

    def _caseload(self, s: Session, numbers: bool) -> Caseload | None:
        """The persons this user may know exist, ready to match, when they are few (a
        caseworker's caseload and its families); None for everyone else (the index)."""
        if self.access.can(Capability.ALL_CASES):
            return None
        visible = self._visible_persons(s)
        if len(visible) > PYTHON_MATCH_MAX_PERSONS:
            return None
        return Caseload([(r[0], r[1], r[2], r[3], r[4]) for r in s.execute(text(
            "SELECT id, given_name, family_name, alias, id_number FROM persons "
            "WHERE id IN (SELECT value FROM json_each(:ids)) ORDER BY id"),
            {"ids": json.dumps(sorted(visible))})], numbers=numbers)

    def _visible_persons(self, s: Session) -> set[int]:
        return (self.access.peer_persons(s) | self.access.grants.emergency
                | self.access.shelter_residents(s))

    def _full_persons(self, s: Session) -> set[int]:
        return (self.access.assigned_persons(s) | self.access.grants.emergency
                | self.access.shelter_residents(s))

    def _restricted_number_hit(self, s: Session, query: str, shown: set[int | None],
                               today: date) -> list[SearchHit]:
        stripped = prepare(query)
        if not _NUMBERISH.match(stripped):
            return []
        digits = _resolved_number(stripped, today) or re.sub(r"[^0-9]", "", stripped)
        if len(digits) not in (10, 12):
            return []
        # only that a record exists (and the offer of emergency access): not its
        # protection level, nor anything else of it
        ids = s.scalars(text(
            "SELECT rowid FROM person_fts WHERE person_fts MATCH :q LIMIT 3"),
            {"q": f'numbers:"{digits}"'}).all()
        return [SearchHit("restricted", pid, None, "", "", WITHHELD)
                for pid in ids if pid not in shown]
