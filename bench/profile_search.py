"""Where a search's time goes: ``SearchService.search`` split into its parts, per query kind.

    python bench/profile_search.py --db PATH                  # anna and chef, 10 runs a query
    python bench/profile_search.py --db PATH --user anna --repeat 20 --top 25

PATH is a demo database (``bench/bench_search.py --keep PATH``); the passphrase is the demo
user's. One process unlocks the database (real Argon2 parameters) and, per query kind of
``bench_search.py``, times the whole call and each part of it – the transaction's begin
(the write lock and the guard), the case, person and note lookups, the hit for a complete
identity number, the access-log append and the commit – beside the bare FTS5 queries of the
same words on the same connection (the floor: no need-to-know, no loading, no log). Then a
``cProfile`` of all the searches in CPU time (``time.thread_time``: it holds still on a
loaded machine, where wall time does not), the functions with the most time of their own.

Prints one JSON object per line: ``{"metric": "search_parts", "user", "query_kind",
"total_ms", "floor_ms", "parts_ms": {...}}`` (medians over the runs) and
``{"metric": "profile", "user", "top": [[function, calls, own_ms, cumulative_ms], ...]}``.
Every search is a real one: it writes its access-log entries.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_search import TEST_KDF_ENV, floor_query, sample_queries


def say(line: dict[str, Any]) -> None:
    print(json.dumps(line, ensure_ascii=False), flush=True)


class Parts:
    """Milliseconds per part of the search running now (``current``)."""

    def __init__(self) -> None:
        self.current: dict[str, float] = defaultdict(float)

    def wrap(self, owner: Any, name: str, part: str) -> None:
        real = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                self.current[part] += (time.perf_counter() - t) * 1000

        setattr(owner, name, timed)

    def wrap_context(self, owner: Any, name: str, enter: str, leave: str) -> None:
        """Time a context manager's way in and its way out (not the body); a write
        transaction's parts are named apart (``write_`` in front)."""
        real = getattr(owner, name)
        parts = self

        @contextmanager
        def timed(*args: Any, **kwargs: Any) -> Iterator[Any]:
            prefix = "write_" if kwargs.get("write") else "read_"
            enter_part, leave_part = prefix + enter, prefix + leave
            t = time.perf_counter()
            cm = real(*args, **kwargs)
            value = cm.__enter__()
            parts.current[enter_part] += (time.perf_counter() - t) * 1000
            try:
                yield value
            except BaseException:
                if not cm.__exit__(*sys.exc_info()):
                    raise
            else:
                t = time.perf_counter()
                cm.__exit__(None, None, None)
                parts.current[leave_part] += (time.perf_counter() - t) * 1000

        setattr(owner, name, timed)


def profile_user(db: Path, user: str, repeat: int, top: int) -> None:
    from rc_tui import demo
    from rc_tui.services.search import SearchService
    from storage import audit
    from storage.guard import GuardedVault
    from storage.roles import Role
    from storage.vault import Vault

    phrase = next(u[3] for u in demo.DEMO_USERS if u[0] == user)
    vault = Vault.unlock(db, user, phrase)
    try:
        queries = sample_queries(vault, manager=vault.user.role is Role.MANAGER)
        parts = Parts()
        for name, part in (("_cases", "cases"), ("_caseload", "caseload"), ("_persons", "persons"),
                           ("_notes", "notes"),
                           ("_restricted_number_hit", "restricted")):
            if hasattr(SearchService, name):
                parts.wrap(SearchService, name, part)
        parts.wrap(audit, "append_many", "log_append")
        parts.wrap_context(GuardedVault, "session", "begin_and_guard", "commit")
        service = SearchService(vault, screen="search")
        totals: dict[str, list[float]] = defaultdict(list)
        floors: dict[str, list[float]] = defaultdict(list)
        split: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        # CPU time of this thread: stable on a loaded machine (the parts above are wall time)
        profiler = cProfile.Profile(time.thread_time)
        for _round in range(repeat):
            for kind, query in queries:
                parts.current = defaultdict(float)
                t = time.perf_counter()
                profiler.enable()
                service.search(query)
                profiler.disable()
                totals[kind].append((time.perf_counter() - t) * 1000)
                for part, ms in parts.current.items():
                    split[kind][part].append(ms)
                floors[kind].append(floor_query(vault, query))
        for kind, query in queries:
            known = {p: statistics.median(v) for p, v in split[kind].items()}
            total = statistics.median(totals[kind])
            say({"metric": "search_parts", "user": user, "query_kind": kind, "query": query,
                 "total_ms": round(total, 2), "floor_ms": round(statistics.median(floors[kind]), 2),
                 "parts_ms": {p: round(v, 2) for p, v in sorted(known.items())},
                 "rest_ms": round(total - sum(known.values()), 2)})
        stats = pstats.Stats(profiler)
        rows = []
        for (filename, line, func), (_cc, calls, own, cumulative, _callers) in \
                stats.stats.items():  # type: ignore[attr-defined]
            rows.append((f"{Path(filename).name}:{line}:{func}", calls, own * 1000,
                         cumulative * 1000))
        rows.sort(key=lambda r: r[2], reverse=True)
        say({"metric": "profile", "user": user, "searches": repeat * len(queries),
             "top": [[name, calls, round(own, 1), round(cum, 1)]
                     for name, calls, own, cum in rows[:top]]})
    finally:
        vault.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="a demo database")
    parser.add_argument("--user", action="append", choices=["anna", "chef"])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args(argv)
    if not args.db.exists():
        parser.error(f"{args.db} does not exist")
    os.environ.pop(TEST_KDF_ENV, None)
    run: Callable[[str], None] = lambda u: profile_user(args.db, u, max(1, args.repeat),  # noqa: E731
                                                        args.top)
    for user in args.user or ["anna", "chef"]:
        run(user)
    return 0


if __name__ == "__main__":
    sys.exit(main())
