"""Writer processes for the concurrency, crash and backup tests (not a test module).

``python -m tests.writers DB USER`` reads USER's passphrase from stdin, imports rc-tui once
and then forks writers on command: many short-lived real processes for the price of one
Python start-up (POSIX only; the tests that use it skip on Windows). The writers run the
services exactly as the app does: their own vault, engine and transactions.

Commands on stdin, one per line:

* ``spawn MODE SECONDS N SEED`` – fork N writers running MODE for SECONDS; prints
  ``pid PID`` for each
* ``wait`` – reap the writers; prints ``reaped``

A writer prints one line per write *after* its commit returned (one ``os.write`` each,
so lines from several processes never mix):

* ``ready W`` – logged in
* ``case W ID`` – an intake: a case, its intake and three members (one transaction)
* ``note W ID`` – a journal note on the shared person
* ``update W OLD NEW`` – the shared person changed from version OLD to NEW
* ``conflict W`` – that change was refused as a conflict (somebody else was first)
* ``locked W`` / ``error W TYPE`` – what must never happen
* ``done W CLOSE SLOWEST`` – logged out; how long the logout and the slowest write took

MODE ``intake`` only registers intakes; ``mixed`` also writes notes and changes the shared
person (the person of the lowest id, which the test creates first); ``idle`` only keeps a
session open; ``hold`` keeps the write lock for SECONDS (prints ``holding W``). SIGTERM
ends a writer early (cleanly, after its current write).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

os.environ["RC_TUI_INSECURE_TEST_KDF"] = "1"

from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from rc_tui.services.cases import CaseService, IntakeInput, MemberInput
from rc_tui.services.people import PeopleService, PersonInput
from rc_tui.services.records import RecordService
from storage.errors import ConflictError
from storage.vault import Vault

MEMBERS = 3  # every intake: the contact and two children, in one transaction


def say(line: str) -> None:
    os.write(1, (line + "\n").encode("ascii"))


def intake(worker: int, seq: int) -> IntakeInput:
    people = [MemberInput("victim", PersonInput(given_name="Test", family_name=f"W{worker}",
                                                birth_year=1980))]
    people += [MemberInput("child", PersonInput(given_name=f"Barn{n}",
                                                family_name=f"W{worker}", birth_year=2015))
               for n in range(MEMBERS - 1)]
    return IntakeInput(occurred_at=datetime(2026, 3, 2, 10, 0), channel="self",
                       what_happened=f"writer {worker} intake {seq}", immediate_danger=False,
                       members=people)


def work(db: Path, user: str, phrase: str, mode: str, seconds: float, worker: int,
         seed: int) -> None:
    stop: list[int] = []
    signal.signal(signal.SIGTERM, lambda signum, _frame: stop.append(signum))
    rng = random.Random(seed * 1000 + worker)
    vault = Vault.unlock(db, user, phrase)
    cases, people, records = CaseService(vault), PeopleService(vault), RecordService(vault)
    with vault.session() as s:
        shared = s.execute(text("SELECT min(id) FROM persons")).scalar()
    say(f"ready {worker}")
    deadline = time.monotonic() + seconds
    seq, slowest = 0, 0.0
    if mode == "hold":  # one write transaction, open for SECONDS
        with vault.session(write=True) as s:
            s.execute(text("SELECT 1"))
            say(f"holding {worker}")
            time.sleep(seconds)
    while time.monotonic() < deadline and not stop:
        if mode in ("idle", "hold"):
            time.sleep(0.01)
            continue
        seq += 1
        began = time.monotonic()
        roll = rng.random() if mode == "mixed" and shared is not None else 0.0
        try:
            if roll < 0.4:
                say(f"case {worker} {cases.register_intake(intake(worker, seq)).case_id}")
            elif roll < 0.7:
                note = records.add_note(shared, "note", f"writer {worker} note {seq}")
                say(f"note {worker} {note}")
            else:
                detail = people.get(shared)
                time.sleep(rng.random() * 0.01)  # the time a person takes to edit
                data = replace(detail.data, safe_times=f"w{worker}-{seq}")
                new = people.update(shared, detail.version, data)
                say(f"update {worker} {detail.version} {new}")
        except ConflictError:
            say(f"conflict {worker}")
        except OperationalError as exc:
            say(f"locked {worker}" if "locked" in str(exc) else f"error {worker} Operational")
        except Exception as exc:
            say(f"error {worker} {type(exc).__name__}")
        slowest = max(slowest, time.monotonic() - began)
    start = time.monotonic()
    vault.close()
    say(f"done {worker} {time.monotonic() - start:.3f} {slowest:.3f}")


def main() -> None:
    db, user = Path(sys.argv[1]), sys.argv[2]
    phrase = sys.stdin.readline().rstrip("\n")
    children: list[int] = []
    for line in sys.stdin:
        cmd = line.split()
        if cmd and cmd[0] == "spawn":
            mode, seconds, count, seed = cmd[1], float(cmd[2]), int(cmd[3]), int(cmd[4])
            for worker in range(count):
                pid = os.fork()
                if pid == 0:  # the writer: never returns into the command loop
                    code = 0
                    try:
                        work(db, user, phrase, mode, seconds, worker, seed)
                    except BaseException as exc:
                        say(f"error {worker} {type(exc).__name__}")
                        code = 1
                    os._exit(code)
                children.append(pid)
                say(f"pid {pid}")
        elif cmd and cmd[0] == "wait":
            for pid in children:
                os.waitpid(pid, 0)
            children.clear()
            say("reaped")
    for pid in children:
        os.waitpid(pid, 0)


# ---------------------------------------------------------------------- for the tests
def first_intake(path: Path, user: str, phrase: str) -> int:
    """An intake; its first person is the one the ``mixed`` writers share and edit."""
    with Vault.unlock(path, user, phrase) as v:
        return CaseService(v).register_intake(intake(99, 0)).person_ids[0]


def rows(vault: Vault, sql: str) -> list[tuple[Any, ...]]:
    with vault.session() as s:
        return [tuple(r) for r in s.execute(text(sql)).all()]


def whole_intakes(vault: Vault) -> set[int]:
    """Every case with its intake, its members and their persons and search entries – the
    ids of the cases; fails on any half-written one."""
    cases = {r[0] for r in rows(vault, "SELECT id FROM cases")}
    members = Counter(r[0] for r in rows(vault, "SELECT case_id FROM case_members"))
    intakes = Counter(r[0] for r in rows(vault, "SELECT case_id FROM intakes"))
    assert all(members[c] == MEMBERS and intakes[c] == 1 for c in cases)
    assert set(members) <= cases and set(intakes) <= cases
    assert rows(vault, "SELECT count(*) FROM case_fts") == [(len(cases),)]
    persons = rows(vault, "SELECT count(*) FROM persons")
    assert persons == rows(vault, "SELECT count(*) FROM person_fts")
    assert rows(vault, "SELECT count(*) FROM case_members m LEFT JOIN persons p "
                       "ON p.id = m.person_id WHERE p.id IS NULL") == [(0,)]
    return cases


ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Pool:
    """The forking writer process, seen from a test: commands in, lines collected."""

    proc: subprocess.Popen[bytes]
    lines: list[list[str]] = field(default_factory=list)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            self.lines.append(raw.decode("ascii").split())

    def send(self, command: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write((command + "\n").encode("utf-8"))
        self.proc.stdin.flush()

    def wait_for(self, kind: str, count: int, timeout: float = 60.0) -> list[list[str]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [x for x in self.lines if x and x[0] == kind]
            if len(found) >= count:
                return found
            if self.proc.poll() is not None:
                break
            time.sleep(0.005)
        raise AssertionError(f"expected {count} '{kind}' lines, got {self.lines[-5:]}")

    def spawn(self, mode: str, seconds: float, count: int, seed: int = 0) -> list[int]:
        before = len(self.by_kind("pid"))
        self.send(f"spawn {mode} {seconds} {count} {seed}")
        return [int(x[1]) for x in self.wait_for("pid", before + count)[before:]]

    def reap(self) -> None:
        before = len(self.by_kind("reaped"))
        self.send("wait")
        self.wait_for("reaped", before + 1)

    def by_kind(self, kind: str) -> list[list[str]]:
        return [x for x in list(self.lines) if x and x[0] == kind]


@contextmanager
def pool(db: Path, user: str, phrase: str) -> Iterator[Pool]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.writers", str(db), user], cwd=ROOT,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        env={**os.environ, "RC_TUI_INSECURE_TEST_KDF": "1", "PYTHONIOENCODING": "utf-8"},
    )
    p = Pool(proc)
    reader = threading.Thread(target=p._read, daemon=True)
    reader.start()
    p.send(phrase)
    try:
        yield p
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        reader.join(5)


if __name__ == "__main__":
    main()
