"""Demo generation benchmark of rc-tui: prints one JSON object per line, always exits 0.

    python bench/bench_demo.py                                  # 100,000 persons, 1,000,000 notes
    python bench/bench_demo.py --persons 10000 --notes 100000   # a quick run
    python bench/bench_demo.py --keep PATH                      # keep the demo database

Times ``rc-tui demo``'s work for a large demo (``rc_tui.demo.ensure_demo``: the database,
its users' key slots, the bulk rows, their search indexes and access-log seals) and, in
the same run, the floor: what SQLCipher alone takes for the same number of rows and the
same search indexes. See bench/README.md ("Demo generation").
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# As in the other benchmarks the parent imports nothing from the project; both the demo
# and the floor are built in child processes (this file, with a hidden first argument).
SELF = Path(__file__).resolve()
RESULT = "RC-BENCH-RESULT "
TEST_KDF_ENV = "RC_TUI_INSECURE_TEST_KDF"  # storage.keys.TEST_KDF_ENV; never set here
TIMEOUT_S = 3 * 3600.0
BUDGET_S = 60.0
FULL_PERSONS = 100_000
FULL_NOTES = 1_000_000
#: Rows per transaction in the floor (as the bulk demo's batches).
FLOOR_BATCH = 20_000
WORDS = [
    "samtal", "med", "kvinnan", "om", "säkerhetsplanen", "och", "barnens", "skola", "hon",
    "berättar", "att", "han", "har", "hotat", "henne", "flera", "gånger", "vi", "går",
    "igenom", "kontakter", "med", "polisen", "och", "boendet", "uppföljning", "nästa",
    "vecka", "keramikkurs",
]


def say(line: dict[str, Any]) -> None:
    print(json.dumps(line, ensure_ascii=False), flush=True)


def child_demo(db: Path, persons: int, notes: int) -> dict[str, Any]:
    from rc_tui import demo

    stats: dict[str, Any] = {}
    real_bulk = demo.generate_bulk

    def timed_bulk(*args: Any, **kwargs: Any) -> demo.BulkResult:
        t = time.perf_counter()
        result = real_bulk(*args, **kwargs)
        stats.update(persons=result.persons, cases=result.cases, notes=result.notes,
                     persons_s=round(result.persons_s, 1), notes_s=round(result.notes_s, 1),
                     note_index_s=round(result.note_index_s, 1),
                     indexes_s=round(result.indexes_s, 1),
                     bulk_s=round(time.perf_counter() - t, 1))
        return result

    demo.generate_bulk = timed_bulk
    t0 = time.perf_counter()
    if not demo.ensure_demo(db, persons=persons, notes=notes, progress=lambda _s: None):
        raise RuntimeError(f"{db} exists already")
    stats["seconds"] = round(time.perf_counter() - t0, 1)
    return stats


def child_floor(db: Path, persons: int, notes: int) -> dict[str, Any]:
    """SQLCipher alone: the rows of a bulk demo (persons, journal notes, one access-log
    row per note), written with executemany in transactions of FLOOR_BATCH, then the
    search indexes the demo has (names and numbers, notes, name trigrams) built once.
    The connection as the bulk demo's writer opens it (storage.db.connect's settings,
    without memory security, as the writer), on a raw key: no KDF."""
    import sqlcipher3

    conn = sqlcipher3.dbapi2.connect(str(db), isolation_level=None)
    conn.executescript("PRAGMA key = \"x'" + os.urandom(32).hex() + "'\"")
    for pragma in ("temp_store = MEMORY", "secure_delete = ON", "foreign_keys = ON",
                   "recursive_triggers = ON", "synchronous = FULL", "journal_mode = WAL"):
        conn.execute("PRAGMA " + pragma).fetchall()
    conn.executescript(
        "CREATE TABLE persons (id INTEGER PRIMARY KEY, given_name TEXT, family_name TEXT, "
        " id_number TEXT, created_at TEXT);"
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, person_id INTEGER REFERENCES persons, "
        " body TEXT, created_at TEXT);"
        "CREATE INDEX ix_notes_person ON notes (person_id, created_at);"
        "CREATE TABLE log (id INTEGER PRIMARY KEY, ts TEXT, person_id INTEGER, "
        " record_id INTEGER, content_hash TEXT, prev_hash TEXT, hash TEXT);"
        "CREATE INDEX ix_log_ts ON log (ts); CREATE INDEX ix_log_person ON log (person_id, ts);"
        "CREATE VIRTUAL TABLE person_fts USING fts5(names, numbers, "
        " tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3 4');"
        "CREATE VIRTUAL TABLE note_fts USING fts5(body, "
        " tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3 4');"
        "CREATE VIRTUAL TABLE name_fts USING fts5(names, tokenize = 'trigram');")
    rng = random.Random(7)
    timing: dict[str, float] = {}

    def batches(total: int, make: Any, sql: str) -> None:
        for start in range(0, total, FLOOR_BATCH):
            rows = [make(i) for i in range(start + 1, min(total, start + FLOOR_BATCH) + 1)]
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(sql, rows)
            conn.execute("COMMIT")

    t = time.perf_counter()
    batches(persons, lambda i: (i, rng.choice(WORDS).title(), rng.choice(WORDS).title(),
                                f"{19500101 + i % 500000:08d}-{i % 10000:04d}",
                                "2025-01-01 10:00:00.000000"),
            "INSERT INTO persons VALUES (?, ?, ?, ?, ?)")
    batches(notes, lambda i: (i, 1 + i % max(1, persons), " ".join(rng.choices(WORDS, k=24)),
                              "2025-01-01 10:00:00.000000"),
            "INSERT INTO notes VALUES (?, ?, ?, ?)")
    batches(notes, lambda i: (i, "2025-01-01 10:00:00.000000", 1 + i % max(1, persons), i,
                              "ab" * 32, "cd" * 32, "ef" * 32),
            "INSERT INTO log VALUES (?, ?, ?, ?, ?, ?, ?)")
    timing["inserts_s"] = time.perf_counter() - t
    t = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO person_fts (rowid, names, numbers) "
                 "SELECT id, given_name || ' ' || family_name, id_number FROM persons")
    conn.execute("INSERT INTO name_fts (rowid, names) "
                 "SELECT id, given_name || ' ' || family_name FROM persons")
    conn.execute("INSERT INTO note_fts (rowid, body) SELECT id, body FROM notes")
    conn.execute("COMMIT")
    timing["fts_s"] = time.perf_counter() - t
    conn.close()
    return {k: round(v, 1) for k, v in timing.items()} | {
        "seconds": round(sum(timing.values()), 1)}


def child_main(argv: list[str]) -> int:
    mode, db, persons, notes = argv[0], Path(argv[1]), int(argv[2]), int(argv[3])
    result = (child_demo if mode == "_demo" else child_floor)(db, persons, notes)
    print(RESULT + json.dumps(result), flush=True)
    return 0


def run_child(*args: str) -> dict[str, Any]:
    env = dict(os.environ)
    env.pop(TEST_KDF_ENV, None)  # the demo's key slots with real Argon2 parameters
    proc = subprocess.run([sys.executable, str(SELF), *args], capture_output=True, text=True,
                          env=env, timeout=TIMEOUT_S, check=False)
    if proc.returncode != 0:
        tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
        raise RuntimeError(f"child exited with {proc.returncode}: {tail}")
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT):
            result: dict[str, Any] = json.loads(line[len(RESULT):])
            return result
    raise RuntimeError("the child reported no result")


def main(argv: list[str] | None = None) -> int:
    args_in = sys.argv[1:] if argv is None else argv
    if args_in and args_in[0] in {"_demo", "_floor"}:
        return child_main(args_in)
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--persons", type=int, default=FULL_PERSONS)
    parser.add_argument("--notes", type=int, default=FULL_NOTES)
    parser.add_argument("--keep", type=Path, help="create the demo database here and keep it")
    args = parser.parse_args(args_in)
    if args.keep is not None and args.keep.exists():
        parser.error(f"{args.keep} exists already")
    say({"metric": "env", "python": platform.python_version(), "cpu_count": os.cpu_count(),
         "platform": platform.platform(), "persons": args.persons, "notes": args.notes})
    tmp = tempfile.mkdtemp(prefix="rc-tui-bench-demo-")
    try:
        floor: dict[str, Any] | None = None
        try:
            floor = run_child("_floor", str(Path(tmp) / "floor.db"), str(args.persons),
                              str(args.notes))
            say({"metric": "demo_floor_s", "value": floor["seconds"], **floor})
        except Exception as exc:  # report, never fail
            say({"metric": "demo_floor_s", "ok": False, "error": f"{type(exc).__name__}: {exc}"})
        db = args.keep if args.keep is not None else Path(tmp) / "demo.db"
        try:
            gen = run_child("_demo", str(db), str(args.persons), str(args.notes))
        except Exception as exc:
            say({"metric": "demo_generate_s", "ok": False,
                 "error": f"{type(exc).__name__}: {exc}"})
            return 0
        ratio = round(gen["seconds"] / floor["seconds"], 1) if floor and floor["seconds"] else None
        say({"metric": "demo_generate_s", "value": gen["seconds"], "budget": BUDGET_S,
             "ok": gen["seconds"] <= BUDGET_S, "floor_s": floor and floor["seconds"],
             "ratio_to_floor": ratio, **gen})
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
