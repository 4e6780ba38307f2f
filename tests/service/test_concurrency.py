"""Many sessions at once and processes killed mid-write ([8/8]): real processes running the
services, one shared database.

* eight writers inserting and editing: nothing lost, concurrent edits refused as conflicts
  (never silently overwritten), never "database is locked";
* SIGKILL at random points during writes, many times: the database opens, passes
  ``rc-tui check`` and holds no half-written intake.
"""

from __future__ import annotations

import io
import os
import random
import signal
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from storage import db
from storage.vault import Vault
from tests.conftest import ANNA, ANNA_PASS, MANAGER, MANAGER_PASS
from tests.writers import Pool, first_intake, pool, rows, whole_intakes

posix_only = pytest.mark.skipif(sys.platform == "win32",
                                reason="forked writer processes and SIGKILL are POSIX")


def ids(p: Pool, kind: str) -> list[int]:
    return [int(x[2]) for x in p.by_kind(kind)]


# ---------------------------------------------------------------------- waiting for the lock
def test_a_writer_waits_for_the_lock_and_then_gets_it(vault: Vault) -> None:
    key = bytes(vault._data_key)
    holder = db.connect(vault.path, key)
    waiter = db.connect(vault.path, key)
    try:
        holder.execute("BEGIN IMMEDIATE")
        threading.Timer(0.2, holder.execute, ("COMMIT",)).start()
        start = time.monotonic()
        db.begin_immediate(waiter)
        assert time.monotonic() - start >= 0.15
        waiter.execute("COMMIT")
        assert waiter.execute("PRAGMA busy_timeout").fetchone()[0] == db.BUSY_TIMEOUT_MS
        holder.execute("BEGIN IMMEDIATE")  # never released: the waiter gives up in time
        with pytest.raises(Exception, match="database is locked"):
            db.begin_immediate(waiter, wait_seconds=0.1)
        assert waiter.execute("PRAGMA busy_timeout").fetchone()[0] == db.BUSY_TIMEOUT_MS
        holder.execute("ROLLBACK")
    finally:
        holder.close()
        waiter.close()


# ---------------------------------------------------------------------- many writers
@posix_only
def test_eight_writers_lose_nothing_and_conflicts_are_refused(installed: Path) -> None:
    shared = first_intake(installed, ANNA, ANNA_PASS)
    with Vault.unlock(installed, ANNA, ANNA_PASS) as v:
        setup_cases = {r[0] for r in rows(v, "SELECT id FROM cases")}
        start_version = rows(v, f"SELECT version FROM persons WHERE id = {shared}")[0][0]
    with pool(installed, ANNA, ANNA_PASS) as p:
        p.spawn("mixed", 2.0, 8, seed=1)
        p.reap()
    kinds = Counter(x[0] for x in p.lines)
    assert kinds["locked"] == 0 and kinds["error"] == 0, p.lines
    assert kinds["done"] == 8
    with Vault.unlock(installed, MANAGER, MANAGER_PASS) as v:
        assert v.check().ok
        cases = whole_intakes(v)
        # no lost writes: exactly what the writers were told was committed
        assert cases - setup_cases == set(ids(p, "case"))
        assert {r[0] for r in rows(v, "SELECT id FROM journal_notes")} == set(ids(p, "note"))
        final_version = rows(v, f"SELECT version FROM persons WHERE id = {shared}")[0][0]
    # every accepted change started from the version the one before it produced: two
    # writers never both saved over the same version (the loser got a conflict instead)
    updates = sorted((int(x[2]), int(x[3])) for x in p.by_kind("update"))
    assert [old for old, _ in updates] == list(range(start_version, final_version))
    assert all(new == old + 1 for old, new in updates)
    assert kinds["conflict"] >= 1
    assert kinds["case"] + kinds["note"] >= 8  # every writer got its turns


# ---------------------------------------------------------------------- SIGKILL
KILLS = 15


@posix_only
def test_sigkill_during_writes_never_leaves_half_an_intake(
    installed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = random.Random(8)
    with pool(installed, ANNA, ANNA_PASS) as p:
        for round_ in range(KILLS):
            committed = len(p.by_kind("case"))
            (pid,) = p.spawn("intake", 30.0, 1, seed=round_)
            if round_ % 4:  # most rounds: once it has committed an intake (whatever the load)
                p.wait_for("case", committed + 1)
            # then anywhere: logging in, in an intake, committing, between intakes
            time.sleep(rng.uniform(0.0, 0.25))
            os.kill(pid, signal.SIGKILL)
            p.reap()
            with Vault.unlock(installed, MANAGER, MANAGER_PASS) as v:
                report = v.check()
                assert report.ok, (round_, report.problems)
                cases = whole_intakes(v)
            assert set(ids(p, "case")) <= cases  # what was reported committed stayed so
    assert len(ids(p, "case")) >= KILLS * 3 // 4
    assert not p.by_kind("done") and not p.by_kind("error")
    # the command itself, as a manager would run it after a crash
    import rc_tui.hygiene
    from rc_tui.cli import main

    monkeypatch.setattr(rc_tui.hygiene, "harden_process", dict)
    assert main(["check", "--db", str(installed), "--user", MANAGER],
                stdin=io.StringIO(MANAGER_PASS + "\n")) == 0
