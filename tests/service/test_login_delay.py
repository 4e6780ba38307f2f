"""The login delay holds when many processes try at once (check → KDF → record is one
locked step per user, and no failure count is lost)."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path
from typing import Any

import pytest

from storage import authstate, keys
from storage.authstate import Throttle
from storage.errors import LockedOut, WrongPassphrase
from storage.vault import Vault
from tests.conftest import ANNA

PARALLEL = 8
SLOW_KDF_SECONDS = 0.25  # a product-like KDF: the window a racing attempt could slip through


def _context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _attempt(path: str, barrier: Any, results: Any, no_delay: bool) -> None:
    """One process: wait for the others, then try a wrong passphrase."""
    real_open = keys.open_slot  # the key derivation of a login

    def slow_open(*args: Any, **kw: Any) -> Any:
        time.sleep(SLOW_KDF_SECONDS)
        return real_open(*args, **kw)

    keys.open_slot = slow_open  # type: ignore[assignment]
    if no_delay:  # every attempt must then be checked, and every failure counted
        authstate.delay_for = lambda failures: 0.0
    barrier.wait(timeout=60)
    try:
        Vault.unlock(Path(path), ANNA, "en fel fras men lång")
    except WrongPassphrase:
        results.put("wrong")
    except LockedOut:
        results.put("locked_out")
    except Exception as exc:  # reported, so the test shows it
        results.put(type(exc).__name__)
    else:
        results.put("opened")


def _burst(path: Path, *, no_delay: bool) -> list[str]:
    ctx = _context()
    barrier = ctx.Barrier(PARALLEL)
    results = ctx.Queue()
    procs = [ctx.Process(target=_attempt, args=(str(path), barrier, results, no_delay))
             for _ in range(PARALLEL)]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    return sorted(outcomes)


def test_parallel_failures_are_all_counted_and_the_ninth_waits(installed: Path) -> None:
    outcomes = _burst(installed, no_delay=True)
    assert outcomes == ["wrong"] * PARALLEL
    assert Throttle(installed).failures(ANNA) == PARALLEL
    with pytest.raises(LockedOut) as caught:
        Vault.unlock(installed, ANNA, "en fel fras men lång")
    assert caught.value.wait_seconds > 100  # 2 ** 7 seconds after eight failures


def test_parallel_attempts_wait_for_each_others_verdict(installed: Path) -> None:
    """With the real delay, a burst gets exactly one guess: the others arrive while the
    first one's delay runs and are refused without a key derivation."""
    outcomes = _burst(installed, no_delay=False)
    assert outcomes == ["locked_out"] * (PARALLEL - 1) + ["wrong"]
    assert Throttle(installed).failures(ANNA) == 1


def test_threads_of_one_process_share_the_lock_file(installed: Path) -> None:
    """POSIX record locks belong to the process: one thread's unlock must not release
    another thread's lock (the registry keeps one descriptor per file)."""
    import threading

    throttle = Throttle(installed)
    inside: list[int] = []
    overlap: list[bool] = []

    def hold() -> None:
        with throttle.attempt(ANNA):
            inside.append(1)
            overlap.append(len(inside) > 1)
            time.sleep(0.05)
            inside.pop()

    threads = [threading.Thread(target=hold) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert overlap == [False] * 4
    assert authstate._open_fds == {}  # the last holder closed the file
