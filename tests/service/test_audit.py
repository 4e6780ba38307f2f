"""The access log: append-only in the database, hash-chained, tail anchored."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlcipher3
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from storage import audit
from storage.vault import Vault
from tests.conftest import MANAGER, MANAGER_PASS


def _with_entries(path: Path, n: int = 5) -> None:
    with Vault.unlock(path, MANAGER, MANAGER_PASS) as v:
        for i in range(n):
            v.log("view", record_type="test", record_id=i)


def _raw(path: Path) -> sqlcipher3.dbapi2.Connection:
    """A raw connection with the data key, bypassing the app (what an insider could do)."""
    v = Vault.unlock(path, MANAGER, MANAGER_PASS)
    key = bytes(v._data_key)
    v.close(None)
    conn = sqlcipher3.dbapi2.connect(str(path), isolation_level=None)
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    return conn


def _problems(path: Path) -> tuple[str, ...]:
    with Vault.unlock(path, MANAGER, MANAGER_PASS) as v:
        return v.check().problems


def test_chain_verifies(installed: Path) -> None:
    _with_entries(installed)
    assert _problems(installed) == ()


def test_database_refuses_update_and_delete(installed: Path) -> None:
    _with_entries(installed)
    with Vault.unlock(installed, MANAGER, MANAGER_PASS) as v:
        for statement in (
            "UPDATE access_log SET action = 'nothing' WHERE id = 2",
            "DELETE FROM access_log WHERE id = 2",
            "DELETE FROM audit_head",
            "UPDATE audit_head SET last_id = 1",
            "INSERT INTO access_log (id, ts, action, outcome, flagged, prev_hash, hash) "
            "VALUES (999, '2026-01-01', 'x', 'ok', 0, 'x', 'y')",
        ):
            with pytest.raises(sa_exc.DatabaseError), v.session(write=True) as s:
                s.execute(text(statement))


def _drop_triggers(conn: sqlcipher3.dbapi2.Connection) -> None:
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"):
        conn.execute(f"DROP TRIGGER {name}")


def test_edited_row_is_detected(installed: Path) -> None:
    _with_entries(installed)
    conn = _raw(installed)
    _drop_triggers(conn)
    conn.execute("UPDATE access_log SET record_id = 42 WHERE id = 4")
    conn.close()
    problems = _problems(installed)
    assert any("row 4 was altered" in p for p in problems)


def test_deleted_row_is_detected(installed: Path) -> None:
    _with_entries(installed)
    conn = _raw(installed)
    _drop_triggers(conn)
    conn.execute("DELETE FROM access_log WHERE id = 3")
    conn.close()
    assert any("row 3 is missing" in p for p in _problems(installed))


def test_swapped_rows_are_detected(installed: Path) -> None:
    _with_entries(installed)
    conn = _raw(installed)
    _drop_triggers(conn)
    conn.execute("UPDATE access_log SET id = -1 WHERE id = 3")
    conn.execute("UPDATE access_log SET id = 3 WHERE id = 4")
    conn.execute("UPDATE access_log SET id = 4 WHERE id = -1")
    conn.close()
    assert _problems(installed)


def test_cut_off_tail_is_detected(installed: Path) -> None:
    _with_entries(installed)
    conn = _raw(installed)
    _drop_triggers(conn)
    last = conn.execute("SELECT max(id) FROM access_log").fetchone()[0]
    conn.execute("DELETE FROM access_log WHERE id > ?", (last - 3,))
    conn.close()
    problems = _problems(installed)
    # the next login appends after the (stale) head, so the gap shows as missing rows
    assert any("missing" in p or "cut off" in p for p in problems)


def test_cut_tail_with_rewritten_head_is_still_detected(installed: Path) -> None:
    _with_entries(installed)
    conn = _raw(installed)
    _drop_triggers(conn)
    last = conn.execute("SELECT max(id) FROM access_log").fetchone()[0]
    conn.execute("DELETE FROM access_log WHERE id > ?", (last - 3,))
    row = conn.execute("SELECT id, hash FROM access_log ORDER BY id DESC LIMIT 1").fetchone()
    conn.execute("UPDATE audit_head SET last_id = ?, last_hash = ?", row)
    conn.close()
    problems = _problems(installed)
    # the login behind _problems found the counter ahead of the head: a flagged segment
    assert any(f"rows {last - 2}-{last} are missing: its tail was cut off" in p
               for p in problems)


def test_log_rows_hold_ids_not_personal_data(vault: Vault) -> None:
    with vault.session() as s:
        columns = [r[1] for r in s.execute(text("PRAGMA table_info(access_log)"))]
    assert "name" not in columns and "text" not in columns
    assert audit.GENESIS == "0" * 64


def test_many_entries_are_stored_composed_as_hashed(vault: Vault) -> None:
    """``append_many`` hands its rows to the DB-API connection past the engine's NFC
    listener: the rows must be composed (and their times written as the ORM writes them)
    before they are hashed, or the chain breaks on text typed decomposed."""
    decomposed, composed = "O\u0308berg ringde", "\u00d6berg ringde"
    with vault.session(write=True) as s:
        audit.append(s, "view", reason=decomposed, record_type="one")
        audit.append_many(s, [{"action": "view", "reason": decomposed, "record_type": "many",
                               "person_id": 1}, {"action": "view", "record_type": "many"}])
    with vault.session() as s:
        rows = s.execute(text("SELECT record_type, reason, ts, flagged FROM access_log "
                              "WHERE record_type IN ('one', 'many') ORDER BY id")).all()
        report = audit.verify_chain(s)
    assert [r[1] for r in rows] == [composed, composed, None]
    assert {len(r[2]) for r in rows} == {len("2026-12-07 04:00:00.000000")}
    assert {r[3] for r in rows} == {0}
    assert report.ok, report.problems
