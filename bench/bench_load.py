"""Many sessions at once: prints one JSON object per line and always exits 0.

    python bench/bench_load.py --db PATH                      # 30 sessions, 60 s
    python bench/bench_load.py --db PATH --sessions 10 --seconds 20

PATH is a demo database (``bench/bench_search.py --keep PATH`` makes the 100,000-person
one). Every session is a process of its own and a real login: the demo users in turn
(anna and per, caseworkers; siri and dagny, shelter staff; chef, the manager – several
sessions per user), each unlocking the database with the real Argon2 parameters (at most
``--logins`` key derivations at a time, so that 30 of them do not need 30 times the KDF's
memory at once). Once every session is in, they start together and each does one action
every ``--interval`` seconds (each at its own offset) for ``--seconds``, a mix like a
working day's:

* ``search`` (40 %): a name, an identity number, a prefix or a word of the journals;
* ``open`` (25 %): a person the user works with (``PeopleService.get``);
* ``due`` (10 %): the home screen's due list (``HomeService.due_items``);
* ``note`` (15 %): a signed journal note about such a person (``RecordService.add_note``);
* ``shift`` (10 %): a shift-log entry (``ShelterService.write_entry``) – shelter staff and
  the manager; a caseworker writes a journal note instead, and shelter staff with no
  resident (the bulk demo has no stays) write shift-log entries instead of opening
  persons and writing notes.

Lines: ``{"metric": "load_login", ...}`` (the logins' wall times), one ``{"metric":
"load_ms", "action", "n", "p50", "p95", "max", "cpu_p50", "cpu_p95", "errors", "locked",
"ok"}`` per action (wall times, and the action's own CPU time) and
one for all actions together (``"action": "all"``), with the budgets p95 <= 25 ms and
max <= 300 ms and no error (``ok``). ``locked`` counts "database is locked" among the errors.
Before the start each session loads its due list and searches once, as after a login (a
new process reads and decrypts the index pages it needs once; not measured). The last line
(``load_slowest``) names the ten slowest actions, when in the run and whose. The sessions
log out after the run, all at once (``load_logout_ms``: not in the actions' figures).
Every action is a real one: the database grows by the notes, entries and access-log rows.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

SELF = Path(__file__).resolve()
RESULT = "RC-LOAD-RESULT "
READY = "RC-LOAD-READY"
CLOSED = "RC-LOAD-CLOSED "
TEST_KDF_ENV = "RC_TUI_INSECURE_TEST_KDF"  # storage.keys.TEST_KDF_ENV; never set here
USERS = ["anna", "per", "siri", "dagny", "chef"]
MIX = [("search", 40), ("open", 25), ("due", 10), ("note", 15), ("shift", 10)]
P95_BUDGET_MS = 25.0
MAX_BUDGET_MS = 300.0
QUERIES = ["an", "lin", "samtal", "säkerhetsplan", "ström", "keramikkurs", "Karlsson"]


def say(line: dict[str, Any]) -> None:
    print(json.dumps(line, ensure_ascii=False), flush=True)


# --------------------------------------------------------------------------- child


def _login(db: Path, user: str, locks: Path, slots: int) -> tuple[Any, float]:
    """Unlock as ``user`` once one of ``slots`` login slots is free (file locks)."""
    from rc_tui import demo
    from storage.vault import Vault

    phrase = next(u[3] for u in demo.DEMO_USERS if u[0] == user)
    while True:
        for i in range(slots):
            with open(locks / f"login-{i}.lock", "w") as f:
                try:
                    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue
                t = time.perf_counter()
                vault = Vault.unlock(db, user, phrase)
                return vault, time.perf_counter() - t
        time.sleep(0.05)


def _people(vault: Any) -> tuple[list[int], list[str]]:
    """Persons this user works with (for open, note and search) and their names."""
    from sqlalchemy import select

    from rc_tui.services.access import Capability
    from rc_tui.services.search import SearchService
    from storage.models import Person

    svc = SearchService(vault)
    with vault.session() as s:
        if svc.access.can(Capability.ALL_CASES):
            ids = list(s.scalars(select(Person.id).where(Person.protection_level == "none")
                                 .order_by(Person.id).limit(2000)))
        else:
            ids = sorted(svc.access.assigned_persons(s) | svc.access.shelter_residents(s))
        names = [f"{p.given_name} {p.family_name}" for p in s.scalars(
            select(Person).where(Person.id.in_(ids[:200]), Person.given_name.is_not(None),
                                 Person.family_name.is_not(None),
                                 Person.protection_level == "none"))]
    return ids, names


def child_session(db: Path, user: str, seed: int, seconds: float, interval: float,
                  locks: Path, slots: int) -> None:
    from rc_tui.services.access import Capability
    from rc_tui.services.home import HomeService
    from rc_tui.services.people import PeopleService
    from rc_tui.services.records import RecordService
    from rc_tui.services.search import SearchService
    from rc_tui.services.shelter import ShelterService

    vault, login_s = _login(db, user, locks, slots)
    try:
        rng = random.Random(seed)
        ids, names = _people(vault)
        search = SearchService(vault, screen="search")
        people = PeopleService(vault, screen="person")
        home = HomeService(vault, screen="home")
        records = RecordService(vault, screen="journal")
        shelter = ShelterService(vault, screen="shelter")
        writes_shifts = Capability.SHELTER_BOARD in search.capabilities()

        def act(kind: str) -> str:
            """Do ``kind`` (or what this user does instead) and say what was done."""
            person = rng.choice(ids) if ids else None
            if kind in ("open", "note") and person is None:
                kind = "shift"  # shelter staff with no resident in the demo
            if kind == "shift" and not writes_shifts:
                kind = "note"  # a caseworker writes in the journal instead
            if kind == "search":
                search.search(rng.choice(QUERIES + names[:20]))
            elif kind == "open":
                assert person is not None
                people.get(person)
            elif kind == "due":
                home.due_items()
            elif kind == "shift":
                shelter.write_entry("shelter", f"Lugn natt, rond {rng.randint(1, 9)}.")
            else:
                assert person is not None
                records.add_note(person, "note", "Samtal om säkerhetsplanen.", sign=True)
            return kind

        # as after a login: the home screen's due list, then a first search (a new
        # process reads and decrypts the index pages it needs once; not measured)
        home.due_items()
        search.search(names[0] if names else "an")
        print(READY, flush=True)
        start = float(sys.stdin.readline().split()[1])  # "GO <time.time() to start at>"
        weights = [w for _k, w in MIX]
        kinds = [k for k, _w in MIX]
        offset = rng.uniform(0, interval)
        times: dict[str, list[float]] = {k: [] for k in kinds}
        errors: dict[str, list[str]] = {k: [] for k in kinds}
        cpus: dict[str, list[float]] = {k: [] for k in kinds}
        slowest: list[tuple[float, float, str]] = []  # (ms, seconds into the run, action)
        n = 0
        while True:
            due = start + offset + n * interval
            if due >= start + seconds:
                break
            pause = due - time.time()
            if pause > 0:
                time.sleep(pause)
            kind = rng.choices(kinds, weights)[0]
            t, cpu = time.perf_counter(), time.thread_time()
            try:
                kind = act(kind)
            except Exception as exc:  # counted and reported, never fatal
                errors[kind].append(f"{type(exc).__name__}: {str(exc)[:120]}")
            times[kind].append((time.perf_counter() - t) * 1000)
            cpus[kind].append((time.thread_time() - cpu) * 1000)
            slowest.append((times[kind][-1], round(due - start, 1), kind))
            slowest = sorted(slowest, reverse=True)[:3]
            n += 1
        # the result now, the logout once every session is done: 30 processes logging
        # out and exiting within the run's last two seconds would measure that burst (a
        # few hundred ms of CPU each on 2 cores), not the working mix; the logouts are
        # timed on their own below
        print(RESULT + json.dumps({"user": user, "login_s": login_s, "times": times,
                                   "cpu": cpus, "errors": errors, "slowest": slowest},
                                  ensure_ascii=False), flush=True)
        sys.stdin.readline()  # "CLOSE"
        t = time.perf_counter()
        vault.close()
        print(CLOSED + json.dumps({"ms": (time.perf_counter() - t) * 1000}), flush=True)
        return None
    finally:
        vault.close()


def child_main(argv: list[str]) -> int:
    db, user, seed = Path(argv[1]), argv[2], int(argv[3])
    seconds, interval, locks, slots = float(argv[4]), float(argv[5]), Path(argv[6]), int(argv[7])
    try:
        child_session(db, user, seed, seconds, interval, locks, slots)
    except Exception:
        result = {"user": user, "failed": traceback.format_exc(limit=3)[-600:]}
        print(RESULT + json.dumps(result, ensure_ascii=False), flush=True)
    return 0


# --------------------------------------------------------------------------- parent


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def summary(action: str, times: list[float], cpu: list[float],
            errors: list[str]) -> dict[str, Any]:
    locked = sum("locked" in e.lower() for e in errors)
    line: dict[str, Any] = {"metric": "load_ms", "action": action, "n": len(times),
                            "errors": len(errors), "locked": locked}
    if cpu:  # the action's own CPU time: what is left of it on a quiet machine
        line.update(cpu_p50=round(statistics.median(cpu), 2),
                    cpu_p95=round(percentile(cpu, 0.95), 2))
    if times:
        p95, top = percentile(times, 0.95), max(times)
        line.update(p50=round(statistics.median(times), 2), p95=round(p95, 2),
                    max=round(top, 2), p95_budget=P95_BUDGET_MS, max_budget=MAX_BUDGET_MS,
                    ok=p95 <= P95_BUDGET_MS and top <= MAX_BUDGET_MS and not errors)
    if errors:
        line["first_errors"] = sorted(set(errors))[:3]
    return line


def run_sessions(args: argparse.Namespace, env: dict[str, str], locks: str
                 ) -> tuple[list[dict[str, Any]], list[float]]:
    """Start the sessions, let them run together, collect their results, then let them
    log out (all at once) and collect how long that took."""
    children = [subprocess.Popen(
        [sys.executable, str(SELF), "_session", str(args.db), USERS[i % len(USERS)],
         str(args.seed * 1000 + i), str(args.seconds), str(args.interval), locks,
         str(max(1, args.logins))],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        for i in range(args.sessions)]
    results: list[dict[str, Any]] = []
    ready = []
    for child in children:
        assert child.stdout is not None
        line = child.stdout.readline()
        if line.strip() == READY:
            ready.append(child)
        else:  # it failed before starting: its result line (or nothing) follows
            rest = line + child.stdout.read()
            for out in rest.splitlines():
                if out.startswith(RESULT):
                    results.append(json.loads(out[len(RESULT):]))
    start = time.time() + 1.0
    for child in ready:
        assert child.stdin is not None
        child.stdin.write(f"GO {start}\n")
        child.stdin.flush()
    for child in ready:
        assert child.stdout is not None
        for out in iter(child.stdout.readline, ""):
            if out.startswith(RESULT):
                results.append(json.loads(out[len(RESULT):]))
                break
    closes: list[float] = []
    for child in ready:  # every session is done: now they log out, all at once
        assert child.stdin is not None
        with contextlib.suppress(OSError):
            child.stdin.write("CLOSE\n")
            child.stdin.flush()
    for child in ready:
        assert child.stdout is not None
        for out in child.stdout.read().splitlines():
            if out.startswith(CLOSED):
                closes.append(float(json.loads(out[len(CLOSED):])["ms"]))
    for child in children:
        child.wait()
    return results, closes


def main(argv: list[str] | None = None) -> int:
    args_in = sys.argv[1:] if argv is None else argv
    if args_in and args_in[0] == "_session":
        return child_main(args_in)
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="a demo database")
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between actions")
    parser.add_argument("--logins", type=int, default=2, help="key derivations at a time")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(args_in)
    if not args.db.exists():
        parser.error(f"{args.db} does not exist")
    say({"metric": "env", "python": platform.python_version(), "cpu_count": os.cpu_count(),
         "platform": platform.platform(), "sessions": args.sessions, "seconds": args.seconds,
         "interval": args.interval})
    env = dict(os.environ)
    env.pop(TEST_KDF_ENV, None)
    with tempfile.TemporaryDirectory(prefix="rc-tui-load-") as locks:
        results, closes = run_sessions(args, env, locks)
    failed = [r for r in results if "failed" in r]
    done = [r for r in results if "failed" not in r]
    logins = [r["login_s"] for r in done]
    say({"metric": "load_login", "sessions": len(done), "failed": len(failed),
         "login_s_median": round(statistics.median(logins), 2) if logins else None,
         "login_s_max": round(max(logins), 2) if logins else None,
         **({"first_failure": failed[0]["failed"]} if failed else {})})
    everything: list[float] = []
    all_cpu: list[float] = []
    all_errors: list[str] = []
    for action, _weight in MIX:
        times = [t for r in done for t in r["times"][action]]
        cpu = [t for r in done for t in r["cpu"][action]]
        errors = [e for r in done for e in r["errors"][action]]
        everything += times
        all_cpu += cpu
        all_errors += errors
        say(summary(action, times, cpu, errors))
    say(summary("all", everything, all_cpu, all_errors))
    say({"metric": "load_logout_ms", "sessions": len(closes),
         "p50": round(statistics.median(closes), 1) if closes else None,
         "max": round(max(closes), 1) if closes else None,
         "note": "all sessions at once, after the run (not in the actions' figures)"})
    slow = sorted(([round(ms, 1), at, kind, r["user"]] for r in done
                   for ms, at, kind in r["slowest"]), reverse=True)[:10]
    say({"metric": "load_slowest", "actions": slow,
         "fields": ["ms", "seconds into the run", "action", "user"]})
    return 0


if __name__ == "__main__":
    sys.exit(main())
