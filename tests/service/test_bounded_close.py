"""Closing a session waits a bounded time for the write lock – its own closing entry and
every thread of the session still waiting – then forgets the key; the entry that could not
be written is sealed and enters the access log at the next login."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from storage.errors import DatabaseLocked
from storage.vault import Vault
from tests.conftest import ANNA, ANNA_PASS, MANAGER, MANAGER_PASS


def hold_write_lock(path: Path) -> tuple[Vault, Any]:
    holder = Vault.unlock(path, MANAGER, MANAGER_PASS)
    raw = holder.engine.raw_connection()
    raw.driver_connection.execute("BEGIN IMMEDIATE")
    return holder, raw


def release(holder: Vault, raw: Any) -> None:
    raw.driver_connection.execute("ROLLBACK")
    raw.close()
    holder.close(None)


def test_close_forgets_the_key_within_the_bound_and_stops_waiting_threads(
        installed: Path) -> None:
    anna = Vault.unlock(installed, ANNA, ANNA_PASS)
    key = anna._data_key
    holder, raw = hold_write_lock(installed)
    try:
        outcome: list[BaseException | None] = []
        ended = threading.Event()

        def reader() -> None:  # a screen's load, waiting for the lock in a worker
            try:
                anna.log("person_viewed")
                outcome.append(None)
            except BaseException as exc:
                outcome.append(exc)
            ended.set()

        worker = threading.Thread(target=reader)
        worker.start()
        time.sleep(0.2)  # the worker is waiting for the lock now
        began = time.monotonic()
        anna.close("lock", wait=0.5)
        took = time.monotonic() - began
        assert took < 1.5, took  # not the busy timeout (10 s)
        assert bytes(key) == bytes(len(key)) and not anna.is_open
        assert ended.wait(1.5), "the waiting thread did not give up with the close"
        assert isinstance(outcome[0], DatabaseLocked)
        worker.join()
    finally:
        release(holder, raw)
    with Vault.unlock(installed, MANAGER, MANAGER_PASS) as v, v.session() as s:
        rows = [tuple(r) for r in s.execute(text(
            "SELECT action, username, outcome FROM access_log ORDER BY id"))]
    assert ("lock", ANNA, "deferred") in rows
    assert ("person_viewed", ANNA, "ok") not in rows


def test_a_busy_timeout_is_database_locked(installed: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from storage import db

    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 300)  # begin_immediate's default wait
    monkeypatch.setattr(db.begin_immediate, "__defaults__", (0.3,))
    anna = Vault.unlock(installed, ANNA, ANNA_PASS)
    holder, raw = hold_write_lock(installed)
    try:
        with pytest.raises(DatabaseLocked), anna.session(write=True):
            pass
    finally:
        release(holder, raw)
        anna.close(None)
