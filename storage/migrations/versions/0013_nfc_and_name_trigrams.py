"""Text composed (NFC) in storage and search; names found by any part (trigrams); case
serials in the case index.

* Every text column of every row is composed (NFC), as new text now is on its way in
  (``storage.nfc``) – except what is sealed or append-only: the access log, and records
  that were signed, concluded, decided or approved, which stay exactly as they were signed
  (the database refuses to change them, and their content hashes cover them). The search
  indexes hold the composed text of those too.
* ``person_name_fts``: a trigram index of the names and aliases alone (no identity number,
  no journal text), inside the encrypted database, so "ström" finds Bäckström. Triggers on
  ``persons`` keep it in step with every insert, update and delete, whatever code writes.
  It deletes for real (FTS5 ``secure-delete``), and so do ``person_fts`` and ``note_fts``
  (their entries deleted before are purged once, by ``optimize``): a changed name or a
  draft note's earlier wording is not left in any of them. (A contentless index cannot
  delete for real: it does not know what it indexed.)
* ``case_fts`` also holds each case's serial ("0007"), so the number is found without
  its prefix.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

#: Never rewritten: append-only, or not case data.
SKIP_TABLES = frozenset({"access_log", "audit_head", "alembic_version"})
_APPROVED = "(SELECT approved_at FROM samrad WHERE samrad.id = {t}.samrad_id) IS NOT NULL"
#: Rows that are sealed (signed, concluded, decided, approved, recorded): never rewritten.
#: A frozen copy of what this revision's read-only triggers and sealed records cover.
SEALED: dict[str, str] = {
    "journal_notes": "signed_at IS NOT NULL",
    "assessments": "signed_at IS NOT NULL",
    "investigations": "concluded_at IS NOT NULL",
    "decisions": "1",
    "followups": "done_at IS NOT NULL",
    "closures": "1",
    "shift_entries": "1",
    "samrad": "approved_at IS NOT NULL",
    "samrad_participants": _APPROVED.format(t="samrad_participants"),
    "samrad_persons": _APPROVED.format(t="samrad_persons"),
    # an action's review outcome is sealed by the meeting that reviewed it
    "samrad_actions": _APPROVED.format(t="samrad_actions") + " OR (reviewed_in_id IS NOT NULL "
                      "AND (SELECT approved_at FROM samrad WHERE samrad.id = "
                      "samrad_actions.reviewed_in_id) IS NOT NULL)",
}

NAMES = "concat_ws(' ', {p}.given_name, {p}.family_name, {p}.alias)"


def _composed(value: object) -> bool:
    return not isinstance(value, str) or unicodedata.is_normalized("NFC", value)


def _text_columns(conn: sa.Connection, table: str) -> list[str]:
    return [str(row[1]) for row in conn.exec_driver_sql(f'PRAGMA table_info("{table}")')
            if any(t in str(row[2]).upper() for t in ("CHAR", "CLOB", "TEXT"))]


def _compose_rows(conn: sa.Connection) -> None:
    tables = [str(r[0]) for r in conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name NOT LIKE '%_fts%' ORDER BY name")]
    for table in tables:
        if table in SKIP_TABLES:
            continue
        columns = _text_columns(conn, table)
        if not columns:
            continue
        selected = ", ".join(f'"{c}"' for c in columns)
        where = f" WHERE NOT ({SEALED[table]})" if table in SEALED else ""
        changes: list[tuple[int, dict[str, str]]] = []
        for row in conn.exec_driver_sql(f'SELECT rowid, {selected} FROM "{table}"{where}'):
            changed = {c: unicodedata.normalize("NFC", v)
                       for c, v in zip(columns, row[1:], strict=True) if not _composed(v)}
            if changed:
                changes.append((int(row[0]), changed))
        for rowid, changed in changes:
            sets = ", ".join(f'"{c}" = :{c}' for c in changed)
            # a row the database refuses to change (a read-only record, a unique key that
            # composing would duplicate) stays exactly as it is
            conn.exec_driver_sql("SAVEPOINT compose_row")
            try:
                conn.execute(sa.text(f'UPDATE "{table}" SET {sets} WHERE rowid = :rowid'),
                             {**changed, "rowid": rowid})
            except sa.exc.IntegrityError:
                conn.exec_driver_sql("ROLLBACK TO compose_row")
            conn.exec_driver_sql("RELEASE compose_row")


def _compose_index(conn: sa.Connection, table: str, columns: tuple[str, ...]) -> None:
    """Re-index the rows of an FTS5 table whose text is not composed."""
    selected = ", ".join(columns)
    stale = [row for row in conn.exec_driver_sql(f"SELECT rowid, {selected} FROM {table}")
             if not all(_composed(v) for v in row[1:])]
    placeholders = ", ".join(f":{c}" for c in columns)
    for row in stale:
        values = {c: unicodedata.normalize("NFC", v) if isinstance(v, str) else v
                  for c, v in zip(columns, row[1:], strict=True)}
        conn.execute(sa.text(f"DELETE FROM {table} WHERE rowid = :id"), {"id": row[0]})
        conn.execute(sa.text(f"INSERT INTO {table} (rowid, {selected}) "
                             f"VALUES (:id, {placeholders})"), {"id": row[0], **values})


def upgrade() -> None:
    conn = op.get_bind()
    _compose_rows(conn)
    _compose_index(conn, "person_fts", ("names", "numbers"))
    _compose_index(conn, "note_fts", ("body",))

    op.execute(
        "CREATE VIRTUAL TABLE person_name_fts USING fts5(names, "
        "tokenize = 'trigram remove_diacritics 0')"
    )
    # the journal index too: a draft note's earlier wording must not stay in its blocks
    for table in ("person_name_fts", "person_fts", "note_fts"):
        op.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('secure-delete', 1)")
    for table in ("person_fts", "note_fts"):
        op.execute(f"INSERT INTO {table} ({table}) VALUES ('optimize')")
    op.execute(
        "CREATE TRIGGER persons_name_index_insert AFTER INSERT ON persons BEGIN "
        f"INSERT INTO person_name_fts (rowid, names) VALUES (NEW.id, {NAMES.format(p='NEW')}); "
        "END"
    )
    op.execute(
        "CREATE TRIGGER persons_name_index_update "
        "AFTER UPDATE OF id, given_name, family_name, alias ON persons BEGIN "
        "DELETE FROM person_name_fts WHERE rowid = OLD.id; "
        f"INSERT INTO person_name_fts (rowid, names) VALUES (NEW.id, {NAMES.format(p='NEW')}); "
        "END"
    )
    op.execute(
        "CREATE TRIGGER persons_name_index_delete AFTER DELETE ON persons BEGIN "
        "DELETE FROM person_name_fts WHERE rowid = OLD.id; END"
    )
    op.execute(
        f"INSERT INTO person_name_fts (rowid, names) SELECT id, {NAMES.format(p='persons')} "
        "FROM persons"
    )

    cases = conn.execute(sa.text("SELECT id, case_number FROM cases")).all()
    for case_id, number in cases:
        words = [str(number).replace("-", "").lower()]
        serial = str(number).rsplit("-", 1)[-1]
        if serial.isdigit() and serial != number:
            words.append(serial)
        conn.execute(sa.text("DELETE FROM case_fts WHERE rowid = :id"), {"id": case_id})
        conn.execute(sa.text("INSERT INTO case_fts (rowid, numbers) VALUES (:id, :n)"),
                     {"id": case_id, "n": " ".join(words)})


def downgrade() -> None:
    raise RuntimeError("rc-tui migrations are forward-only")
