"""Search over names, aliases, identity numbers, case numbers and journal text.

Uses SQLite FTS5 inside the encrypted database (no index or cache outside it). Every word
typed is a prefix; all words must match. Typed text never reaches FTS5 as query syntax:
each word is quoted.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from rc_tui.services.base import Service
from rc_tui.services.people import summary
from storage.models import Case, JournalNote, Person

_WORD = re.compile(r"\w+", re.UNICODE)
_NUMBERISH = re.compile(r"^[\d\s+\-]+$")


@dataclass(frozen=True)
class SearchHit:
    kind: str  # person | case | note | restricted (exists, no access: emergency access)
    person_id: int | None
    case_id: int | None
    title: str
    detail: str
    protection_level: str = "none"


def fts_query(query: str) -> str | None:
    """Turn typed text into a safe FTS5 query: every word a quoted prefix, all required.

    Identity and case numbers are matched without their separators, so "850312-1234",
    "8503121234" and "19850312" all find the same person.
    """
    stripped = query.strip()
    if not stripped:
        return None
    if _NUMBERISH.match(stripped) and any(c.isdigit() for c in stripped):
        words = [re.sub(r"\D", "", stripped)]
    elif re.match(r"^[A-Za-z]{2}[\s\-]?\d", stripped):  # a case number like RC-2026-0012
        words = ["".join(_WORD.findall(stripped)).lower()]
    else:
        words = _WORD.findall(stripped)
    words = [w for w in words if w][:8]
    if not words:
        return None
    return " ".join('"' + w.replace('"', '""') + '"*' for w in words)


class SearchService(Service):
    def search(self, query: str, limit: int = 30) -> list[SearchHit]:
        """Hits this user may see, filtered *inside* the query: nothing is counted, listed
        or suggested that the user may not see. A protected identity only matches for
        users assigned to the person (or who revealed it). A complete identity number of
        someone the user may not see gives one anonymous hit that offers emergency
        access – the user already knows the number, and the access is logged."""
        self.require_case_content()
        match = fts_query(query)
        if match is None:
            return []
        hits: list[SearchHit] = []
        with self.read() as s:
            manager = self.access.is_manager
            visible = self._visible_persons(s)
            person_sql = "SELECT rowid FROM person_fts WHERE person_fts MATCH :q "
            if not manager:
                person_sql += "AND rowid IN (SELECT value FROM json_each(:ids)) "
            person_ids = list(s.scalars(text(person_sql + "LIMIT :n"), {
                "q": match, "n": limit * 2, "ids": json.dumps(sorted(visible))}))
            people = {p.id: p for p in s.scalars(select(Person).where(Person.id.in_(person_ids)))}
            for pid in person_ids:
                p = people.get(pid)
                if p is None or not self.access.identity_visible(s, p):
                    continue  # protected and not assigned: never matched by name or number
                row = summary(p)
                hits.append(SearchHit("person", pid, None, row.display_name,
                                      " ".join(x for x in (row.masked_id, row.birth) if x),
                                      row.protection_level))
                if len(hits) >= limit:
                    break
            hits.extend(self._restricted_number_hit(s, query, {h.person_id for h in hits}))
            case_sql = "SELECT rowid FROM case_fts WHERE case_fts MATCH :q "
            if not manager:
                case_sql += "AND rowid IN (SELECT value FROM json_each(:ids)) "
            case_ids = list(s.scalars(text(case_sql + "LIMIT :n"), {
                "q": match, "n": limit, "ids": json.dumps(sorted(self.access.my_cases(s)))}))
            for case in s.scalars(select(Case).where(Case.id.in_(case_ids))):
                hits.append(SearchHit("case", None, case.id, case.case_number,
                                      case.opened_at.date().isoformat()))
            remaining = max(0, limit - len(hits))
            if remaining:
                note_sql = "SELECT rowid FROM note_fts WHERE note_fts MATCH :q "
                if not manager:  # journal text only of persons with full access
                    note_sql += ("AND rowid IN (SELECT id FROM journal_notes WHERE person_id "
                                 "IN (SELECT value FROM json_each(:ids))) ")
                full = self._full_persons(s)
                note_ids = list(s.scalars(text(note_sql + "LIMIT :n"), {
                    "q": match, "n": remaining, "ids": json.dumps(sorted(full))}))
                for note, person in s.execute(
                    select(JournalNote, Person).join(Person, Person.id == JournalNote.person_id)
                    .where(JournalNote.id.in_(note_ids))
                ).all():
                    if not self.access.identity_visible(s, person):
                        continue
                    row = summary(person)
                    excerpt = " ".join(note.body.split())[:80]
                    hits.append(SearchHit("note", person.id, note.case_id, row.display_name,
                                          f"{note.created_at:%Y-%m-%d} {excerpt}",
                                          row.protection_level))
            for hit in hits:
                if hit.person_id is not None:
                    self.log(s, "search_hit", person_id=hit.person_id,
                             record_type=hit.kind, record_id=hit.case_id)
        return hits[:limit]

    def _visible_persons(self, s: Session) -> set[int]:
        return (self.access.peer_persons(s) | self.access.grants.emergency
                | self.access.shelter_residents(s))

    def _full_persons(self, s: Session) -> set[int]:
        return (self.access.assigned_persons(s) | self.access.grants.emergency
                | self.access.shelter_residents(s))

    def _restricted_number_hit(self, s: Session, query: str, shown: set[int | None]
                               ) -> list[SearchHit]:
        digits = re.sub(r"\D", "", query)
        if len(digits) not in (10, 12) or not _NUMBERISH.match(query.strip()):
            return []
        rows = s.execute(text(
            "SELECT p.id, p.protection_level FROM person_fts f JOIN persons p ON p.id = f.rowid "
            "WHERE person_fts MATCH :q LIMIT 3"), {"q": f'numbers:"{digits}"'}).all()
        return [SearchHit("restricted", pid, None, "", "", level)
                for pid, level in rows if pid not in shown]
