"""Performance benchmark of rc-tui: prints one JSON object per line and always exits 0.

    python bench/bench.py [--repeat N]                 # on a fresh demo database
    python bench/bench.py --db PATH --user NAME        # passphrase on stdin, never argv
    python bench/bench.py --only login                 # only the login metrics

See bench/README.md for the metrics and their budgets.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from importlib.metadata import version
from pathlib import Path
from typing import Any

# Deliberately no project imports: the vault work runs in _probe.py children, so this
# process stays small (Linux children inherit the parent's peak RSS across fork/exec).
PROBE = Path(__file__).resolve().with_name("_probe.py")
FLOOR = PROBE.with_name("_floor.py")  # the memory floors: a bare Textual app, + libraries
READY = "RC-BENCH-READY"
RESULT = "RC-BENCH-RESULT "
TIMEOUT_S = 180.0
TEST_KDF_ENV = "RC_TUI_INSECURE_TEST_KDF"  # storage.keys.TEST_KDF_ENV; never set here
BUDGETS: dict[str, float | None] = {
    "start_to_login_s": 0.6,
    "unlock_s": 1.0,
    "first_screen_after_login_s": None,
    "rss_after_login_mb": 60.0,  # [W2 9/9]: the memory a session holds, after login
    "cpu_per_key_ratio": 3.0,
}


def emit(metric: str, values: list[float], **extra: Any) -> None:
    """One result line: the median as value, min/max beside it."""
    budget = BUDGETS[metric]
    value = statistics.median(values)
    line = {
        "metric": metric, "value": round(value, 3), "budget": budget,
        "ok": None if budget is None else value <= budget,
        "min": round(min(values), 3), "max": round(max(values), 3), "n": len(values),
        **extra,
    }
    print(json.dumps(line, ensure_ascii=False), flush=True)


def median_or_none(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.median(present), 1) if present else None


def emit_error(metric: str, error: str) -> None:
    print(json.dumps({"metric": metric, "value": None, "budget": BUDGETS[metric],
                      "ok": False, "error": error}), flush=True)


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop(TEST_KDF_ENV, None)
    return env


def spawn(*args: str, stdin: int = subprocess.PIPE,
          script: Path = PROBE) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(script), *args], stdin=stdin, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env=child_env(),
    )


def check(proc: subprocess.Popen[str], err: str) -> None:
    if proc.returncode != 0:
        tail = " | ".join(err.strip().splitlines()[-3:])
        raise RuntimeError(f"probe exited with {proc.returncode}: {tail}")


def probe(*args: str, stdin: str = "", script: Path = PROBE) -> dict[str, Any]:
    """Run one probe to the end and return its result line."""
    proc = spawn(*args, script=script)
    try:
        out, err = proc.communicate(stdin, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    check(proc, err)
    for line in out.splitlines():
        if line.startswith(RESULT):
            result: dict[str, Any] = json.loads(line[len(RESULT):])
            return result
    raise RuntimeError("the probe reported no result")


def start_to_login(db: Path) -> float:
    """Wall time from spawning a fresh interpreter to the login screen being painted."""
    t0 = time.perf_counter()
    proc = spawn("start", str(db), stdin=subprocess.DEVNULL)
    watchdog = threading.Timer(TIMEOUT_S, proc.kill)
    watchdog.start()
    assert proc.stdout is not None
    elapsed: float | None = None
    for line in proc.stdout:
        if READY in line:
            elapsed = time.perf_counter() - t0
            break
    _out, err = proc.communicate()
    watchdog.cancel()
    check(proc, err)
    if elapsed is None:
        raise RuntimeError("the probe never showed the login screen")
    return elapsed


def measure(metric: str, repeat: int, run: Callable[[], Any]) -> list[Any] | None:
    try:
        return [run() for _ in range(repeat)]
    except Exception as exc:  # report, never fail
        emit_error(metric, f"{type(exc).__name__}: {exc}")
        return None


#: --only GROUP: the metrics each group runs (a full run takes minutes on a loaded machine)
GROUPS = {
    "start": ("start_to_login_s",),
    "login": ("unlock_s", "first_screen_after_login_s", "rss_after_login_mb"),
    "keys": ("cpu_per_key_ratio",),
}


def run_all(db: Path, user: str, phrase: str, repeat: int,
            groups: Iterable[str] = tuple(GROUPS)) -> None:
    groups = set(groups)
    if "start" in groups:
        starts = measure("start_to_login_s", repeat, lambda: start_to_login(db))
        if starts:
            emit("start_to_login_s", starts)
    if "login" in groups:
        logins(db, user, phrase, repeat)
    if "keys" in groups:
        typing_cost(db, user, phrase, repeat)


def logins(db: Path, user: str, phrase: str, repeat: int) -> None:
    try:
        res = probe("unlock", str(db), user, str(repeat), stdin=phrase + "\n")
        emit("unlock_s", res["times"], user=user, time_cost=res["time_cost"],
             memory_kib=res["memory_kib"], parallelism=res["parallelism"])
    except Exception as exc:  # e.g. a wrong passphrase: no more attempts (lockout)
        emit_error("unlock_s", f"{type(exc).__name__}: {exc}")
        for metric in ("first_screen_after_login_s", "rss_after_login_mb"):
            emit_error(metric, "skipped: unlock failed")
        return

    runs = measure("first_screen_after_login_s", repeat,
                   lambda: probe("login", str(db), user, stdin=phrase + "\n"))
    if not runs:
        return
    totals = [r["submit_to_home_s"] for r in runs]
    in_app = [r["unlock_s"] for r in runs if r["unlock_s"] is not None]
    rest = [r["submit_to_home_s"] - r["unlock_s"] for r in runs if r["unlock_s"] is not None]
    step_names = [name for name in runs[0].get("steps_ms", {})]
    emit("first_screen_after_login_s", totals, includes_unlock=True,
         unlock_part_s=round(statistics.median(in_app), 3) if in_app else None,
         excluding_unlock_s=round(statistics.median(rest), 3) if rest else None,
         # the home screen's last frame after the unlock (the screen stopped changing);
         # the probe's end comes later: Pilot's press returns only after two quiet
         # 20 ms windows (textual's wait_for_idle), which no user waits for
         last_frame_after_unlock_ms=median_or_none(
             r["steps_ms"]["last_frame"] for r in runs
             if "last_frame" in r.get("steps_ms", {})),
         # ms after the unlock returned, medians: the login's on_login, the home screen
         # composed, mounted, painted, its lists read (in a thread) and drawn
         steps_ms={name: median_or_none(r.get("steps_ms", {}).get(name) for r in runs)
                   for name in step_names},
         # the same steps in the process's CPU time (all threads) after the unlock: what
         # the wall times above come to on a machine no one else uses
         steps_cpu_ms={name: median_or_none(r.get("steps_cpu_ms", {}).get(name)
                                            for r in runs) for name in step_names},
         excluding_unlock_cpu_ms=median_or_none(
             r["steps_cpu_ms"]["painted"] for r in runs
             if "painted" in r.get("steps_cpu_ms", {})))
    peaks = [r["peak_rss_mb"] for r in runs if r["peak_rss_mb"] is not None]
    if not peaks:
        print(json.dumps({"metric": "rss_after_login_mb", "value": None,
                          "budget": BUDGETS["rss_after_login_mb"], "ok": None,
                          "note": "skipped: no resource module on this platform"}), flush=True)
        return
    hwm = [r["vmhwm_mb"] for r in runs if r["vmhwm_mb"] is not None]
    # The budget is for the memory the session holds after login. The peak also holds
    # Argon2's working memory (64-512 MiB, calibrated), freed right after the KDF.
    now_after = [r["rss_after_login_mb"] for r in runs if r["rss_after_login_mb"] is not None]
    # the floors, measured in the same run: what a bare Textual app holds, and with the
    # libraries a session cannot do without, and with this project's ORM models
    floors: list[dict[str, Any]] = []
    floor_error: str | None = None
    try:
        floors = [probe(script=FLOOR) for _ in range(repeat)]
    except Exception as exc:  # report the login's numbers anyway
        floor_error = f"{type(exc).__name__}: {exc}"
    emit("rss_after_login_mb", now_after or peaks,
         measured="current RSS 1 s after login" if now_after else "peak RSS",
         at_first_paint_mb=median_or_none(r.get("rss_at_first_paint_mb") for r in runs),
         peak_including_kdf_mb=median_or_none(peaks),
         peak_at_login_screen_mb=median_or_none(r["peak_rss_login_screen_mb"] for r in runs),
         now_at_login_screen_mb=median_or_none(r["rss_login_screen_mb"] for r in runs),
         vmhwm_mb=median_or_none(hwm),
         # what the session alone holds; the rest of its RSS is mostly the libraries'
         # code, shared by every rc-tui process on a host
         private_dirty_mb=median_or_none(r.get("private_dirty_after_login_mb")
                                         for r in runs),
         floor_textual_mb=median_or_none(f["textual_mb"] for f in floors),
         floor_libraries_mb=median_or_none(f["libraries_mb"] for f in floors),
         floor_models_mb=median_or_none(f["models_mb"] for f in floors),
         **({"floor_error": floor_error} if floor_error else {}))


def typing_cost(db: Path, user: str, phrase: str, repeat: int) -> None:
    """CPU per key typed into the search field, beside a bare Textual Input typed in the
    same process (the floor): the ratio of the medians."""
    runs = measure("cpu_per_key_ratio", repeat,
                   lambda: probe("keys", str(db), user, stdin=phrase + "\n"))
    if not runs:
        return
    ratios = [statistics.median(r["search_ms"]) / statistics.median(r["bare_ms"])
              for r in runs]
    emit("cpu_per_key_ratio", ratios,
         search_ms=median_or_none(v for r in runs for v in r["search_ms"]),
         bare_input_ms=median_or_none(v for r in runs for v in r["bare_ms"]),
         typed=runs[0]["typed"], note="CPU of the whole process per key, each key left "
         "to settle (the search runs after every key)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="benchmark this database (default: new demo)")
    parser.add_argument("--user", help="username for --db; the passphrase is read from stdin")
    parser.add_argument("--repeat", type=int, default=5, help="runs per metric (default 5)")
    parser.add_argument("--only", action="append", choices=sorted(GROUPS),
                        help="run only these metric groups (repeatable; default all): "
                        "start = start_to_login_s, login = unlock_s, "
                        "first_screen_after_login_s and rss_after_login_mb, "
                        "keys = cpu_per_key_ratio")
    args = parser.parse_args(argv)
    if args.db and not args.user:
        parser.error("--db requires --user")
    repeat = max(1, args.repeat)
    os.environ.pop(TEST_KDF_ENV, None)  # real Argon2 parameters only

    print(json.dumps({
        "metric": "env", "python": platform.python_version(), "textual": version("textual"),
        "cpu_count": os.cpu_count(), "platform": platform.platform(),
    }), flush=True)

    tmp: str | None = None
    try:
        if args.db:
            db, user = args.db, args.user
            phrase = (getpass.getpass("Passphrase: ") if sys.stdin.isatty()
                      else sys.stdin.readline().rstrip("\n"))
        else:
            tmp = tempfile.mkdtemp(prefix="rc-tui-bench-")
            db = Path(tmp) / "demo.db"
            try:
                login = probe("setup", str(db))  # rc_tui.demo.ensure_demo; anna's login
            except Exception as exc:
                print(json.dumps({"metric": "setup", "ok": False,
                                  "error": f"{type(exc).__name__}: {exc}"}), flush=True)
                return 0
            user, phrase = login["user"], login["passphrase"]
        run_all(db, user, phrase, repeat, args.only or tuple(GROUPS))
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
