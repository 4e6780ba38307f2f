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
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from rc_tui.domain import identity
from rc_tui.services.access import NAMES, NOTES, Capability, Level
from rc_tui.services.base import Service
from rc_tui.services.people import WITHHELD, PersonSummary, search_numbers, summary_for
from rc_tui.services.record_rights import restricted_persons
from storage.models import Case
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


def _ids(s: Session, sql: str, params: dict[str, Any]) -> list[int]:
    """The first column of ``sql`` as ints, read in ``s``'s transaction (``_read``)."""
    return [row[0] for row in _read(s, sql, params)]


def _read(s: Session, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The rows of ``sql``, read on the DB-API connection of ``s``'s transaction: a search
    runs a dozen small statements, and SQLAlchemy's own work per statement was about a
    third of a search's CPU. Text parameters are composed here (NFC), as the engine
    composes every statement's (``storage.nfc``)."""
    conn = s.connection().connection.driver_connection
    assert conn is not None
    rows: list[tuple[Any, ...]] = conn.execute(sql, {
        k: nfc(v) if isinstance(v, str) else v for k, v in params.items()}).fetchall()
    return rows


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


def matcher(words: list[str]) -> Callable[[str], bool]:
    """``matches`` for these words, made once for many texts: a word is the start of a
    word of the text when it follows no letter, digit or ``_`` (the words typed are made
    of nothing else: ``query_words``)."""
    wanted = [re.compile(r"(?<!\w)" + re.escape(w.casefold())) for w in words]

    def match(body: str) -> bool:
        low = nfc(body).casefold()
        return all(w.search(low) is not None for w in wanted)

    return match


def matches(words: list[str], body: str) -> bool:
    """The same rule as the index, for a few texts in Python: every word is the start of
    some word of ``body`` (case-insensitive; a note signed before text was composed on
    its way in is composed here)."""
    return matcher(words)(body)


def probe_query(words: list[str]) -> str | None:
    """An FTS5 query of the journal's index that finds every note in which ``matches``
    finds ``words`` (and more, which ``matches`` then drops): each word cut to its first
    ``PROBE_LETTERS`` letters, a prefix the index keeps a prefix index of, so the query
    walks its matches in order and stops at a LIMIT (a longer prefix is first merged from
    every word that starts with it: tens of milliseconds for a common one). None when a
    word cannot be probed so: a single letter (no prefix index), a word with ``_`` (a
    separator for the index, a letter for ``matches``) or one the index folds other than
    ``matches`` does (``ß``, which ``casefold`` makes ``ss``)."""
    parts = []
    for word in words:
        if len(word) < 2 or "_" in word or word.casefold() != word.lower():
            return None
        parts.append(_quoted(word[:PROBE_LETTERS].lower(), "*"))
    return " ".join(parts) or None


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
                                         str | None]]) -> None:
        self.people: list[tuple[int, str, str]] = []
        for pid, given, family, alias, number in rows:
            names = " ".join(x for x in (given, family, alias) if x).lower()
            # a number's tokens are digits: only a word with a digit matches one
            tokens = "".join(" " + t for t in _TOKEN.findall(names)) + _number_tokens(number)
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
#: The letters of a word the journal's index is probed with (``probe_query``): its
#: largest prefix index (migration 0002: ``prefix = '2 3 4'``).
PROBE_LETTERS = 4
#: A probe that finds more notes than this (of the whole centre) is not used: the
#: caseload's own notes are read, newest first, until the list is full.
PROBE_CAP = 1000
#: Notes read at a time when their text is matched in Python (doubling each time).
NOTE_BATCH = 32
#: The most notes of the whole journal whose text is read to find a long prefix
#: (``SearchService._probed_notes``).
PROBE_EXAMINE = 256


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
        caseload = self._caseload(s)
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
            params = {**params, "ids": json.dumps(sorted(self._visible_persons(s)))}
        return _ids(s, sql + "LIMIT :n", {**params, "n": limit * 2})

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
            people = _people(s, batch)
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
        params: dict[str, Any] = {"q": match, "n": limit}
        if not self.access.can(Capability.ALL_CASES):
            sql += "AND +rowid IN (SELECT value FROM json_each(:ids)) "
            params["ids"] = json.dumps(sorted(self.access.my_cases(s)))
        ids = _ids(s, sql + "LIMIT :n", params)
        return [SearchHit("case", None, c.id, c.case_number, c.opened_at.date().isoformat())
                for c in s.scalars(select(Case).where(Case.id.in_(ids)))]

    def _notes(self, s: Session, words: list[str], query: str, limit: int,
               passes: list[bool]) -> list[SearchHit]:
        """Journal text, only of persons this user has full (or shelter) access to."""
        if limit <= 0:
            return []
        if self.access.can(Capability.ALL_CASES):
            rows = []
            for prefix in passes:
                probed = self._probed_notes(s, words, limit) if prefix else None
                if probed is not None:
                    rows = probed
                    break
                rows = self._note_rows(s, _ids(
                    s, "SELECT rowid FROM note_fts WHERE note_fts MATCH :q ORDER BY rowid DESC "
                    "LIMIT :n", {"q": fts_query(query, prefix=prefix), "n": limit}))
                if len(rows) >= limit:
                    break
        else:
            readable = self._full_persons(s)
            mine = self._readable_notes(s, readable)
            if mine is not None:
                rows = self._caseload_notes(s, words, mine, readable, limit)
            else:  # too many to read in Python (a large shelter's): the index
                rows = [r for r in self._note_rows(s, _ids(
                    s, "SELECT rowid FROM note_fts WHERE note_fts MATCH :q AND +rowid IN "
                    "(SELECT id FROM journal_notes WHERE person_id IN "
                    "(SELECT value FROM json_each(:ids))) LIMIT :n",
                    {"q": fts_query(query), "ids": json.dumps(sorted(readable)),
                     "n": limit})) if r.person_id in readable]
        hits: list[SearchHit] = []
        if not rows:
            return hits
        # each person once however many of her notes match
        people = _people(s, list({r.person_id for r in rows}))
        shown: dict[int, PersonSummary | None] = {}
        for note in rows:
            person = people.get(note.person_id)
            if person is None:
                continue
            if person.id not in shown:
                shown[person.id] = (summary_for(self.access, s, person, risk=False)
                                    if self.access.identity_visible(s, person) else None)
            row = shown[person.id]
            if row is None:
                continue
            excerpt = " ".join(note.body.split())[:80]
            hits.append(SearchHit("note", person.id, note.case_id, row.display_name,
                                  f"{note.day} {excerpt}",
                                  row.protection_level))
        return hits

    def _note_rows(self, s: Session, note_ids: list[int]) -> list[_Note]:
        """The columns shown of the notes ``note_ids`` (not whole notes), in that order;
        a note that is gone is left out."""
        if not note_ids:
            return []
        found = {r.id: r for r in map(_Note._make, _read(s, _NOTE_ROWS,
                                                          {"ids": json.dumps(note_ids)}))}
        return [found[i] for i in note_ids if i in found]

    def _probed_notes(self, s: Session, words: list[str], limit: int) -> list[_Note] | None:
        """The newest notes in which ``words`` are the start of words, found by the index's
        probe (``probe_query``) and ``matches`` rather than by the prefixes themselves: a
        prefix longer than the index's prefix indexes is first merged from every word that
        starts with it (``säkerhetsplan*``: 2–3 ms, ``samtal*``: 40 ms). None when that
        does not pay: no probe, no word longer than the probe's letters, or the list not
        full after the newest ``PROBE_EXAMINE`` of more probe matches (the index's own
        prefix search then)."""
        probe = probe_query(words)
        if probe is None or all(len(w) <= PROBE_LETTERS for w in words):
            return None
        found = _ids(s, "SELECT rowid FROM note_fts WHERE note_fts MATCH :q ORDER BY rowid "
                     "DESC LIMIT :n", {"q": probe, "n": PROBE_EXAMINE + 1})
        rows = self._verified(s, words, found[:PROBE_EXAMINE], limit)
        return rows if len(rows) >= limit or len(found) <= PROBE_EXAMINE else None

    def _verified(self, s: Session, words: list[str], candidates: list[int], limit: int,
                  readable: frozenset[int] | None = None) -> list[_Note]:
        """The first ``limit`` notes of ``candidates`` in which ``matches`` finds
        ``words``, reading the text of only as many as it takes (of the persons
        ``readable`` alone, when given: the person is read with the text)."""
        rows: list[_Note] = []
        match = matcher(words)
        start, step = 0, NOTE_BATCH
        while start < len(candidates) and len(rows) < limit:
            for row in self._note_rows(s, candidates[start:start + step]):
                if (readable is None or row.person_id in readable) and match(row.body):
                    rows.append(row)
                    if len(rows) >= limit:
                        break
            start += step
            # the next batch: about as many as the matches so far say it takes
            wanted = (limit - len(rows)) * start // max(1, len(rows)) + NOTE_BATCH // 4
            step = max(NOTE_BATCH, min(wanted, step * 2))
        return rows

    def _readable_notes(self, s: Session, readable: frozenset[int]) -> dict[int, int] | None:
        """The notes of the persons ``readable`` (note id -> person id, newest first),
        kept for the session while nothing they depend on changes (a new note, a moved
        access: ``AccessPolicy.kept``); None when there are more than
        ``PYTHON_MATCH_MAX_NOTES`` (the index is faster then). Never changed by the
        caller: it is shared by the session's searches."""
        def compute() -> dict[int, int] | None:
            ids = json.dumps(sorted(readable))
            count = s.scalar(text("SELECT count(*) FROM journal_notes WHERE person_id IN "
                                  "(SELECT value FROM json_each(:ids))"), {"ids": ids}) or 0
            if count > PYTHON_MATCH_MAX_NOTES:
                return None
            return {note: person for note, person in s.execute(text(
                "SELECT id, person_id FROM journal_notes WHERE person_id IN "
                "(SELECT value FROM json_each(:ids)) ORDER BY id DESC"), {"ids": ids})}

        return self.access.kept(s, "search_notes", compute, on=(NOTES,), extra=(readable,))

    def _caseload_notes(self, s: Session, words: list[str], mine: dict[int, int],
                        readable: frozenset[int], limit: int) -> list[_Note]:
        """The notes of ``mine`` that match, newest first. The candidates: the notes the
        index's probe finds (``probe_query``: never fewer than match) that are among
        ``mine``, or, when the probe's words are too common in the centre's journal (more
        than ``PROBE_CAP`` notes), all of ``mine``; ``matches`` decides, reading the text
        of only as many candidates as it takes to fill the list."""
        candidates: list[int] | None = None
        probe = probe_query(words)
        if probe is not None:
            found = _ids(s, "SELECT rowid FROM note_fts WHERE note_fts MATCH :q ORDER BY "
                         "rowid DESC LIMIT :n", {"q": probe, "n": PROBE_CAP + 1})
            if len(found) <= PROBE_CAP:
                candidates = [note for note in found if note in mine]
        if candidates is None:
            candidates = list(mine)
        # the person is read with the text: the note is still one of hers
        return self._verified(s, words, candidates, limit, readable)

    def _restrictions(self, s: Session, hits: list[SearchHit]) -> list[SearchHit]:
        """A restricted record is hidden from search – except from managers, who see it
        marked (they examine the dispute)."""
        restricted = restricted_persons(s)
        if not restricted:
            return hits
        if self.access.can(Capability.ALL_CASES):
            return [replace(h, record_restricted=h.person_id in restricted) for h in hits]
        return [h for h in hits if h.person_id not in restricted]

    def _caseload(self, s: Session) -> Caseload | None:
        """The persons this user may know exist, ready to match, when they are few (a
        caseworker's caseload and its families); None for everyone else (the index).
        Kept for the session while the persons and their names and numbers stay the same
        (a change of a name or number writes a row of ``person_history``, whoever makes
        it: see ``AccessPolicy.kept``)."""
        if self.access.can(Capability.ALL_CASES):
            return None
        visible = self._visible_persons(s)
        if len(visible) > PYTHON_MATCH_MAX_PERSONS:
            return None
        return self.access.kept(s, "search_caseload", lambda: Caseload([
            (r[0], r[1], r[2], r[3], r[4]) for r in s.execute(text(
                "SELECT id, given_name, family_name, alias, id_number FROM persons "
                "WHERE id IN (SELECT value FROM json_each(:ids)) ORDER BY id"),
                {"ids": json.dumps(sorted(visible))})]),
            on=(NAMES,), extra=(visible,))

    def _visible_persons(self, s: Session) -> frozenset[int]:
        return (self.access.peer_persons(s) | self.access.grants.emergency
                | self.access.shelter_residents(s))

    def _full_persons(self, s: Session) -> frozenset[int]:
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
        ids = _ids(s, "SELECT rowid FROM person_fts WHERE person_fts MATCH :q LIMIT 3",
                   {"q": f'numbers:"{digits}"'})
        return [SearchHit("restricted", pid, None, "", "", WITHHELD)
                for pid in ids if pid not in shown]


#: the columns of the notes shown (``SearchService._note_rows``): the day of the note as
#: SQLite reads it off the stored time (no time parsed in Python for every note read)
_NOTE_ROWS = ("SELECT id, person_id, case_id, date(created_at) AS day, body FROM journal_notes "
              "WHERE id IN (SELECT value FROM json_each(:ids))")


class _Person(NamedTuple):
    """What a search reads of a person it shows (``people.PersonRow``)."""

    id: int
    given_name: str | None
    family_name: str | None
    alias: str | None
    id_number: str | None
    birth_date: date | None
    birth_year: int | None
    protection_level: str


def _people(s: Session, ids: list[int]) -> dict[int, _Person]:
    """The persons ``ids`` by id: the columns a line about them is made of."""
    if not ids:
        return {}
    return {row[0]: _Person(row[0], row[1], row[2], row[3], row[4],
                            date.fromisoformat(row[5][:10]) if row[5] else None, row[6],
                            row[7])
            for row in _read(s, "SELECT id, given_name, family_name, alias, id_number, "
                                "birth_date, birth_year, protection_level FROM persons WHERE id "
                                "IN (SELECT value FROM json_each(:ids))", {"ids": json.dumps(ids)})}


class _Note(NamedTuple):
    """What a search reads of a note (``_NOTE_ROWS``)."""

    id: int
    person_id: int
    case_id: int | None
    day: str
    body: str
