"""Benchmark of the screens a shift opens first: the home screen's due list (every rule,
the shelter's and the drafts' included) and the shelter's board, shift log and handover.

    python bench/bench_due.py              # a new demo database in a temp dir (about 30 s)
    python bench/bench_due.py --db PATH    # a demo database kept elsewhere

Prints one JSON object per line (median, min, max of --repeat runs, milliseconds) and always
exits 0. Uses the demo users (their passphrases are the demo's public ones); real Argon2
parameters.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BUDGET_MS = {"due_items": 300, "board": 150, "shift_log": 100, "handover": 100}


def timed(run: Callable[[], Any], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        out.append((time.perf_counter() - start) * 1000)
    return out


def emit(metric: str, user: str, values: list[float], **extra: Any) -> None:
    value = statistics.median(values)
    budget = BUDGET_MS.get(metric)
    print(json.dumps({"metric": f"{metric}_ms", "user": user, "value": round(value, 1),
                      "min": round(min(values), 1), "max": round(max(values), 1),
                      "n": len(values), "budget": budget,
                      "ok": None if budget is None else value <= budget, **extra}),
          flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="a demo database (default: a new one)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    os.environ.pop("RC_TUI_INSECURE_TEST_KDF", None)
    from rc_tui import demo
    from rc_tui.services.home import HomeService
    from rc_tui.services.shelter import ShelterService
    from storage.vault import Vault

    tmp = None
    db = args.db
    if db is None:
        tmp = tempfile.TemporaryDirectory(prefix="rc-tui-bench-due-")
        db = Path(tmp.name) / "demo.db"
        start = time.perf_counter()
        demo.ensure_demo(db, progress=lambda _m: None)
        print(json.dumps({"metric": "demo_s", "value": round(time.perf_counter() - start, 1)}),
              flush=True)
    try:
        for user, _name, role, phrase in demo.DEMO_USERS:
            if role.value == "admin":
                continue
            with Vault.unlock(db, user, phrase) as v:
                home = HomeService(v, screen="bench")
                items = home.due_items()
                emit("due_items", user, timed(home.due_items, args.repeat), items=len(items))
                shelter = ShelterService(v, screen="bench")
                if shelter.may_open("shelter"):
                    emit("board", user, timed(lambda s=shelter: s.board("shelter"),
                                              args.repeat))
                    emit("shift_log", user, timed(lambda s=shelter: s.shift_log("shelter"),
                                                  args.repeat))
                    emit("handover", user, timed(lambda s=shelter: s.handover("shelter"),
                                                 args.repeat))
    finally:
        if tmp is not None:
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
