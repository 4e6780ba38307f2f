"""Culling (gallring) in storage: whole records deleted as one explicit, logged and
verifiable act, and the pages they were in reclaimed.

The triggers that keep signed, concluded, decided, approved and recorded rows read-only
yield only while ``retention_culling`` holds a row (migration 0018), and ``culling``
puts one there for the length of one block of the caller's transaction and removes it
again – so the marker is never committed. Every sealed record a cull deletes is named
with its content hash in an access-log entry of ``CULL_ACTION`` (the service writes it);
``storage.integrity.verify_sealed`` accepts a sealed record that is gone only with such
an entry whose hash is the one it was sealed with, and reports a marker row left behind.

``delete_records`` deletes what belongs to a set of persons (and the cases all of whose
members are among them) in the caller's transaction with deferred foreign keys, and tells
whether anything that stays still refers to what it deleted; the caller then rolls back
to its savepoint (the persons are held, not half-culled). The search indexes' rows go with
the records (the name trigram index by its trigger); all of them delete for real (FTS5
``secure-delete``), and ``secure_delete`` zeroes what SQLite frees.

Problems and logs name record types and ids, never content.
"""

# The statements are built from table and column names of this module and integer ids
# (``_in``): never from text.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from storage import integrity
from storage.integrity import CULL_ACTION

__all__ = ["CULL_ACTION", "PERSON_SEALED", "culling", "delete_records", "delete_rows",
           "sealed_records", "unmatched_seals"]

#: sealed kinds owned by one person (``person_id``); approved samråd belong to a case
PERSON_SEALED = ("journal_note", "assessment", "investigation", "decision",
                 "partner_contact", "safety_plan")


def _in(ids: Collection[int]) -> str:
    """An SQL list of integers (ids only: never text)."""
    return "(" + ", ".join(str(int(i)) for i in sorted(ids)) + ")" if ids else "(NULL)"


@contextmanager
def culling(s: Session, now: datetime) -> Iterator[None]:
    """Read-only rows may be deleted inside this block (of the caller's transaction)."""
    s.execute(text("INSERT INTO retention_culling (id, started_at) VALUES (1, :t)"),
              {"t": now})
    try:
        yield
    finally:
        s.execute(text("DELETE FROM retention_culling"))


def sealed_records(s: Session, persons: Collection[int], cases: Collection[int]
                   ) -> dict[tuple[str, int], tuple[str, int | None]]:
    """The sealed records that culling ``persons`` and ``cases`` removes: their current
    content hashes and whose they are (``None``: a case's samråd minutes)."""
    out: dict[tuple[str, int], tuple[str, int | None]] = {}
    if persons:
        for kind in PERSON_SEALED:
            table = integrity.KINDS[kind].table
            owners = {int(r[0]): int(r[1]) for r in s.execute(text(
                f"SELECT id, person_id FROM {table} WHERE person_id IN {_in(persons)}"))}
            for rid, digest in integrity.content_hashes(s, kind, owners).items():
                out[(kind, rid)] = (digest, int(owners[rid]))
    if cases:
        ids = s.scalars(text(f"SELECT id FROM samrad WHERE case_id IN {_in(cases)}")).all()
        for rid, digest in integrity.content_hashes(s, "samrad", ids).items():
            out[("samrad", rid)] = (digest, None)
    return out


def unmatched_seals(s: Session, sealed: Mapping[tuple[str, int], tuple[str, int | None]]
                    ) -> list[tuple[str, int]]:
    """Sealed records whose content no longer matches what their sealing logged (a cull
    must not destroy the evidence of a change: ``rc-tui check`` reports them)."""
    if not sealed:
        return []
    recorded: dict[tuple[str, int], set[str]] = {}
    types = {t for t, _ in sealed}
    ids = {i for _, i in sealed}
    rows = s.execute(text(
        "SELECT action, record_type, record_id, content_hash FROM access_log "
        f"WHERE content_hash IS NOT NULL AND record_id IN {_in(ids)} ORDER BY id")).all()
    for action, record_type, record_id, digest in rows:
        if record_type in types:
            key = (str(record_type), int(record_id))
            if action == CULL_ACTION:  # an earlier record with the same id
                recorded.pop(key, None)
            else:
                recorded.setdefault(key, set()).add(str(digest))
    return sorted(key for key, (digest, _owner) in sealed.items()
                  if recorded.get(key) != {digest})


def _fk_violations(s: Session) -> set[tuple[Any, ...]]:
    return {tuple(r) for r in s.execute(text("PRAGMA foreign_key_check")).all()}


def delete_records(s: Session, persons: Collection[int], cases: Collection[int]) -> bool:
    """Delete every record of ``persons`` and of ``cases`` (whose members are all among
    ``persons``) inside ``culling``. False when records that stay still refer to what was
    deleted: the caller must roll back to its savepoint."""
    before = _fk_violations(s)
    s.execute(text("PRAGMA defer_foreign_keys = ON"))
    p, c = _in(persons), _in(cases)
    notes = f"(SELECT id FROM journal_notes WHERE person_id IN {p})"
    series = s.scalars(text(
        f"SELECT id FROM session_series WHERE case_id IN {c} OR id IN ("
        "SELECT series_id FROM series_members GROUP BY series_id "
        f"HAVING sum(person_id NOT IN {p}) = 0)")).all()
    ss = _in(series)
    samrad = f"(SELECT id FROM samrad WHERE case_id IN {c})"
    members = f"(SELECT id FROM case_members WHERE person_id IN {p} OR case_id IN {c})"
    statements = [
        f"DELETE FROM shift_reads WHERE entry_id IN (SELECT id FROM shift_entries "
        f"WHERE person_id IN {p} OR journal_note_id IN {notes})",
        f"DELETE FROM shift_entries WHERE person_id IN {p} OR journal_note_id IN {notes}",
        f"DELETE FROM session_attendance WHERE person_id IN {p} OR session_id IN "
        f"(SELECT id FROM series_sessions WHERE series_id IN {ss})",
        f"DELETE FROM recontacts WHERE person_id IN {p} OR series_id IN {ss}",
        f"DELETE FROM series_sessions WHERE series_id IN {ss}",
        f"DELETE FROM series_members WHERE person_id IN {p} OR series_id IN {ss}",
        f"DELETE FROM session_series WHERE id IN {ss}",
        f"DELETE FROM samrad_actions WHERE person_id IN {p} OR samrad_id IN {samrad}",
        f"DELETE FROM samrad_persons WHERE person_id IN {p} OR samrad_id IN {samrad}",
        f"DELETE FROM samrad_participants WHERE samrad_id IN {samrad}",
        f"DELETE FROM samrad WHERE case_id IN {c}",
        f"DELETE FROM followups WHERE person_id IN {p}",
        f"DELETE FROM plan_items WHERE person_id IN {p}",
        f"DELETE FROM decisions WHERE person_id IN {p}",
        f"DELETE FROM investigations WHERE person_id IN {p}",
        f"DELETE FROM child_reports WHERE child_person_id IN {p} OR case_id IN {c}",
        f"DELETE FROM consents WHERE person_id IN {p}",
        # a child who stays keeps her own stay; the mother's it accompanied is gone
        f"UPDATE stays SET accompanying_id = NULL WHERE person_id NOT IN {p} AND "
        f"accompanying_id IN (SELECT id FROM stays WHERE person_id IN {p})",
        f"DELETE FROM stays WHERE person_id IN {p}",
        f"DELETE FROM partner_contacts WHERE person_id IN {p}",
        f"DELETE FROM safety_plans WHERE person_id IN {p}",
        f"DELETE FROM referrals WHERE person_id IN {p}",
        f"DELETE FROM assessments WHERE person_id IN {p}",
        f"DELETE FROM turned_away WHERE person_id IN {p}",
        f"DELETE FROM drafts WHERE person_id IN {p} OR (person_id IS NULL AND context IN "
        f"(SELECT CAST(id AS TEXT) FROM cases WHERE id IN {c}))",
        f"DELETE FROM person_links WHERE anonymous_id IN {p} OR known_id IN {p}",
        f"DELETE FROM retention_keeps WHERE person_id IN {p}",
        # the record rights' rows (migration 0017) would go by ON DELETE CASCADE; named
        # here so what a cull deletes is in one list. A restriction not lifted refuses to
        # be deleted (its trigger does not yield to the culling marker): the service holds
        # such a person and their family back, and anything past it fails the whole run
        f"DELETE FROM extract_decisions WHERE review_id IN "
        f"(SELECT id FROM extract_reviews WHERE person_id IN {p})",
        f"DELETE FROM extract_reviews WHERE person_id IN {p}",
        f"DELETE FROM person_history WHERE person_id IN {p}",
        f"DELETE FROM person_restrictions WHERE person_id IN {p}",
        f"DELETE FROM relations WHERE from_person_id IN {p} OR to_person_id IN {p} "
        f"OR case_id IN {c}",
        f"DELETE FROM closures WHERE person_id IN {p} OR case_id IN {c}",
        f"DELETE FROM assignments WHERE case_member_id IN {members}",
        f"DELETE FROM case_members WHERE person_id IN {p} OR case_id IN {c}",
        f"DELETE FROM intakes WHERE case_id IN {c}",
        f"DELETE FROM note_fts WHERE rowid IN {notes}",
        f"DELETE FROM journal_notes WHERE person_id IN {p}",
        f"DELETE FROM person_fts WHERE rowid IN {p}",
        f"DELETE FROM persons WHERE id IN {p}",  # its trigger empties person_name_fts
        f"DELETE FROM case_fts WHERE rowid IN {c}",
        f"DELETE FROM cases WHERE id IN {c}",
    ]
    for statement in statements:
        s.execute(text(statement))
    return _fk_violations(s) <= before


def delete_rows(s: Session, table: str, ids: Collection[int]) -> None:
    """Delete the turned-away requests or shift-log entries ``ids`` (inside ``culling``)."""
    if table == "shift_entries":
        s.execute(text(f"DELETE FROM shift_reads WHERE entry_id IN {_in(ids)}"))
    elif table != "turned_away":
        raise ValueError(f"not a table culled by rows: {table}")
    s.execute(text(f"DELETE FROM {table} WHERE id IN {_in(ids)}"))
