"""Search benchmark of rc-tui: prints one JSON object per line and always exits 0.

    python bench/bench_search.py                          # 100,000 persons, 1,000,000 notes
    python bench/bench_search.py --persons 3000 --notes 30000   # a quick run
    python bench/bench_search.py --keep PATH              # create the demo at PATH, keep it
    python bench/bench_search.py --db PATH                # reuse a demo made with --keep
    python bench/bench_search.py --user anna              # one user only (default anna, chef)

See bench/README.md ("Search benchmark") for the query kinds and the budget.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# As in bench.py, the parent imports nothing from the project: the generation and the
# searches run in child processes (this file, started with a hidden first argument), so
# the searching process is a fresh one, like an app session after login.
SELF = Path(__file__).resolve()
RESULT = "RC-BENCH-RESULT "
TEST_KDF_ENV = "RC_TUI_INSECURE_TEST_KDF"  # storage.keys.TEST_KDF_ENV; never set here
GENERATE_TIMEOUT_S = 3 * 3600.0
SEARCH_TIMEOUT_S = 1800.0
BUDGET_MS = 10.0
FULL_PERSONS = 100_000
FULL_NOTES = 1_000_000
#: The demo caseworker (need-to-know: her caseload only) and the demo manager (all cases).
SEARCH_USERS = ["anna", "chef"]
#: Fixed queries (the rest are taken from the generated data; see sample_queries).
FIXED_QUERIES: list[tuple[str, str]] = [
    ("prefix_2", "an"),
    ("prefix_3", "lin"),
    ("common_word", "samtal"),
    ("rare_word", "keramikkurs"),
    ("swedish_word", "säkerhetsplan"),
    ("no_match", "xylofonstämning"),
    ("infix_name", "ström"),  # inside Wikström, Lindström … (the trigram index of names)
    ("infix_no_match", "xyzå"),  # a name part no name holds
]


def say(line: dict[str, Any]) -> None:
    print(json.dumps(line, ensure_ascii=False), flush=True)


# --------------------------------------------------------------------------- children


def child_generate(db: Path, persons: int, notes: int) -> dict[str, Any]:
    from rc_tui import demo

    t0 = time.perf_counter()
    stats: dict[str, Any] = {}
    real_bulk = demo.generate_bulk

    def timed_bulk(*args: Any, **kwargs: Any) -> demo.BulkResult:
        t = time.perf_counter()
        result = real_bulk(*args, **kwargs)
        stats.update(persons=result.persons, cases=result.cases, notes=result.notes,
                     persons_s=round(result.persons_s, 1), notes_s=round(result.notes_s, 1),
                     bulk_s=round(time.perf_counter() - t, 1))
        return result

    demo.generate_bulk = timed_bulk
    if not demo.ensure_demo(db, persons=persons, notes=notes, progress=lambda _s: None):
        raise RuntimeError(f"{db} exists already")
    stats["total_s"] = round(time.perf_counter() - t0, 1)
    return stats


def sample_queries(vault: Any, manager: bool) -> list[tuple[str, str]]:
    """Realistic queries from the data: the full name, identity number (in several forms)
    and case number of a victim the user works with (the middle one of those a manager or
    caseworker may see), and for a caseworker also the name of someone outside her cases
    (a search that must find nothing)."""
    from sqlalchemy import func, select

    from storage.models import Assignment, Case, CaseMember, Person

    with vault.session() as s:
        victims = (select(Person.id, CaseMember.case_id)
                   .join(CaseMember, CaseMember.person_id == Person.id)
                   .where(CaseMember.role == "victim", Person.id_kind == "personnummer",
                          Person.given_name.is_not(None), Person.family_name.is_not(None)))
        mine = select(CaseMember.case_id).join(
            Assignment, Assignment.case_member_id == CaseMember.id).where(
            Assignment.user_id == vault.user.id, Assignment.ended_at.is_(None))
        visible = victims if manager else victims.where(CaseMember.case_id.in_(mine))
        count = s.scalar(select(func.count()).select_from(visible.subquery())) or 0
        row = s.execute(visible.order_by(Person.id).offset(count // 2).limit(1)).first()
        outsider = None
        if not manager:
            others = victims.where(CaseMember.case_id.not_in(mine))
            total = s.scalar(select(func.count()).select_from(others.subquery())) or 0
            outsider = s.execute(others.order_by(Person.id).offset(total // 2).limit(1)).first()
        queries: list[tuple[str, str]] = []
        if row is not None:
            person = s.get(Person, row[0])
            assert person is not None and person.id_number
            pnr = person.id_number  # YYYYMMDD-NNNN
            case_number = str(s.scalar(select(Case.case_number).where(Case.id == row[1])))
            queries += [
                ("full_name", f"{person.given_name} {person.family_name}"),
                ("id_12_dash", pnr),
                ("id_12_digits", pnr.replace("-", "")),
                ("id_10_dash", pnr[2:]),
                ("id_birth_date", pnr[:8]),
                ("case_number", case_number),
                ("case_number_bare", case_number.removeprefix("RC-")),  # YYYY-NNNN
                ("id_10_plus", pnr[2:].replace("-", "+")),  # "+": a person of 100+, none here
            ]
        if outsider is not None:
            other = s.get(Person, outsider[0])
            assert other is not None
            queries.append(("full_name_not_mine", f"{other.given_name} {other.family_name}"))
    return queries + FIXED_QUERIES


def floor_query(vault: Any, query: str) -> float:
    """The floor of one search, in milliseconds: the bare FTS5 lookups of the same words
    (the person index and the journal index, 30 rowids each, as the search's prefix pass)
    on a connection of the same database – no need-to-know, no loading, no access log."""
    from rc_tui.services.search import fts_query

    match = fts_query(query)
    if match is None:
        return 0.0
    conn = vault.engine.raw_connection()
    try:
        t = time.perf_counter()
        for table in ("person_fts", "note_fts"):
            conn.execute(f"SELECT rowid FROM {table} WHERE {table} MATCH ? LIMIT 30",
                         (match,)).fetchall()
        return (time.perf_counter() - t) * 1000
    finally:
        conn.close()


def child_search(db: Path, user: str, repeat: int) -> dict[str, Any]:
    from rc_tui import demo
    from rc_tui.services.search import SearchService
    from storage.roles import Role
    from storage.vault import Vault

    phrase = next(u[3] for u in demo.DEMO_USERS if u[0] == user)
    vault = Vault.unlock(db, user, phrase)
    try:
        queries = sample_queries(vault, manager=vault.user.role is Role.MANAGER)
        search = SearchService(vault, screen="search")
        times: dict[str, list[float]] = {kind: [] for kind, _q in queries}
        floors: dict[str, list[float]] = {kind: [] for kind, _q in queries}
        cpus: dict[str, list[float]] = {kind: [] for kind, _q in queries}
        hits: dict[str, int] = {}
        for _round in range(repeat):  # round robin: no query runs twice in a row
            for kind, query in queries:
                t, cpu = time.perf_counter(), time.thread_time()
                found = search.search(query)
                times[kind].append((time.perf_counter() - t) * 1000)
                cpus[kind].append((time.thread_time() - cpu) * 1000)
                hits[kind] = len(found)
                floors[kind].append(floor_query(vault, query))  # beside it, same load
        return {"user": user, "role": vault.user.role.value, "results": [
            {"query_kind": kind, "query": query, "times_ms": times[kind],
             "floor_ms": floors[kind], "cpu_ms": cpus[kind], "hits": hits[kind]}
            for kind, query in queries]}
    finally:
        vault.close()


def child_main(argv: list[str]) -> int:
    mode, db = argv[0], Path(argv[1])
    if mode == "_generate":
        result = child_generate(db, int(argv[2]), int(argv[3]))
    else:
        result = child_search(db, argv[2], int(argv[3]))
    print(RESULT + json.dumps(result, ensure_ascii=False), flush=True)
    return 0


# --------------------------------------------------------------------------- parent


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop(TEST_KDF_ENV, None)
    return env


def run_child(timeout: float, *args: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, str(SELF), *args], capture_output=True, text=True, env=child_env(),
        timeout=timeout, check=False,
    )
    if proc.returncode != 0:
        tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
        raise RuntimeError(f"child exited with {proc.returncode}: {tail}")
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT):
            result: dict[str, Any] = json.loads(line[len(RESULT):])
            return result
    raise RuntimeError("the child reported no result")


def db_size_mb(db: Path) -> float:
    files = [db, db.with_name(db.name + "-wal")]
    return round(sum(p.stat().st_size for p in files if p.exists()) / 1e6, 1)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def report(result: dict[str, Any]) -> None:
    for row in result["results"]:
        times, floor = row["times_ms"], row["floor_ms"]
        p95, floor_p95 = percentile(times, 0.95), percentile(floor, 0.95)
        say({"metric": "search_ms", "user": result["user"], "role": result["role"],
             "query_kind": row["query_kind"], "query": row["query"],
             "p50": round(statistics.median(times), 2), "p95": round(p95, 2),
             "max": round(max(times), 2), "budget": BUDGET_MS, "ok": p95 <= BUDGET_MS,
             "floor_p50": round(statistics.median(floor), 2), "floor_p95": round(floor_p95, 2),
             "p95_over_floor_p95": round(p95 / floor_p95, 1) if floor_p95 > 0 else None,
             "cpu_p50": round(statistics.median(row["cpu_ms"]), 2),
             "cpu_p95": round(percentile(row["cpu_ms"], 0.95), 2),
             "n": len(times), "hits": row["hits"]})


def main(argv: list[str] | None = None) -> int:
    args_in = sys.argv[1:] if argv is None else argv
    if args_in and args_in[0] in {"_generate", "_search"}:
        return child_main(args_in)
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--db", type=Path, help="search this demo database (made with --keep)")
    where.add_argument("--keep", type=Path, help="create the demo database here and keep it")
    parser.add_argument("--persons", type=int, default=FULL_PERSONS)
    parser.add_argument("--notes", type=int, default=FULL_NOTES)
    parser.add_argument("--repeat", type=int, default=20, help="runs per query (default 20)")
    parser.add_argument("--user", action="append", choices=SEARCH_USERS,
                        help="search as this demo user (repeatable; default: anna and chef)")
    args = parser.parse_args(args_in)
    if args.db is not None and not args.db.exists():
        parser.error(f"{args.db} does not exist")
    if args.keep is not None and args.keep.exists():
        parser.error(f"{args.keep} exists already (use --db to reuse it)")

    say({"metric": "env", "python": platform.python_version(), "cpu_count": os.cpu_count(),
         "platform": platform.platform()})
    tmp: str | None = None
    try:
        if args.db is not None:
            db = args.db
        else:
            if args.keep is not None:
                db = args.keep
            else:
                tmp = tempfile.mkdtemp(prefix="rc-tui-bench-search-")
                db = Path(tmp) / "demo.db"
            t0 = time.perf_counter()
            try:
                gen = run_child(GENERATE_TIMEOUT_S, "_generate", str(db), str(args.persons),
                                str(args.notes))
            except Exception as exc:  # report, never fail
                say({"metric": "generate", "ok": False, "error": f"{type(exc).__name__}: {exc}"})
                return 0
            say({"metric": "generate", "seconds": round(time.perf_counter() - t0, 1), **gen,
                 "db_mb": db_size_mb(db)})
        for user in args.user or SEARCH_USERS:
            try:
                report(run_child(SEARCH_TIMEOUT_S, "_search", str(db), user,
                                 str(max(1, args.repeat))))
            except Exception as exc:
                say({"metric": "search_ms", "user": user, "ok": False,
                     "error": f"{type(exc).__name__}: {exc}"})
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
