"""Child process of bench.py; reports over stdout (fd 1). All vault work happens here, so
the parent stays small (on Linux a child inherits the parent's peak RSS at fork/exec).

    _probe.py setup DB           create the demo database, print anna's login
    _probe.py unlock DB USER N   passphrase on stdin; time N x Vault.unlock, print the results
    _probe.py start DB           print the marker as soon as the login screen is shown, exit
    _probe.py login DB USER      passphrase on stdin; log in in the app, print the results
    _probe.py keys DB USER       passphrase on stdin; CPU per key typed into the search field,
                                 and into a bare Textual Input in the same process
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input

from rc_tui.services import accounts
from screens.app import RcApp
from screens.login import LoginScreen

# storage.vault / rc_tui.demo (SQLAlchemy, Argon2, ...) are imported only by the modes
# that use them, so "start" imports exactly what the app imports before its login screen.

READY = "RC-BENCH-READY"
RESULT = "RC-BENCH-RESULT "
TIMEOUT_S = 60.0


def say(line: str) -> None:
    """Textual captures sys.stdout while it runs, so write to the file descriptor."""
    os.write(1, (line + "\n").encode())


def peak_rss_mb() -> float | None:
    try:
        import resource
    except ImportError:  # Windows
        return None
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def proc_status_mb(field: str) -> float | None:
    """VmHWM (peak since exec) or VmRSS (now) from /proc, in MiB; None off Linux."""
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return None


def private_dirty_mb() -> float | None:
    """Private_Dirty from /proc/self/smaps_rollup, in MiB (None off Linux): the memory
    only this process holds and the kernel can neither share nor drop (its heap, Python's
    objects). The rest of its RSS is mostly the libraries' code, read from their files and
    shared by every rc-tui process on a host."""
    try:
        text = Path("/proc/self/smaps_rollup").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("Private_Dirty:"):
            return int(line.split()[1]) / 1024
    return None


async def shown(
    app: RcApp, kind: type[Screen[Any]], focus: str | None = None,
    failed: Callable[[], bool] = lambda: False,
) -> None:
    """Wait until a ``kind`` screen is active and mounted (with ``focus`` focused), then
    until it has been painted once."""
    deadline = time.perf_counter() + TIMEOUT_S
    while not (isinstance(app.screen, kind) and app.screen.is_mounted
               and (focus is None or (app.focused is not None and app.focused.id == focus))):
        if failed() or app._exception is not None or time.perf_counter() > deadline:
            raise RuntimeError(f"{kind.__name__} was not shown")
        await asyncio.sleep(0.001)
    painted = asyncio.Event()
    app.screen.call_after_refresh(painted.set)
    await painted.wait()


async def start(app: RcApp, pilot: Pilot[int]) -> None:
    del pilot
    await shown(app, LoginScreen, focus="username")
    say(READY)
    app.exit(0)


def home_steps(marks: dict[str, float], cpu: dict[str, float]) -> None:
    """Mark the steps from the unlock to the home screen's lists on screen (``marks``:
    name -> perf_counter, ``cpu``: name -> the process's CPU time, all threads; the first
    time each is reached)."""
    from screens.home import HomeScreen

    def mark(name: str) -> None:
        marks.setdefault(name, time.perf_counter())
        cpu.setdefault(name, time.process_time())

    real_on_login, real_compose = RcApp.on_login, HomeScreen.compose
    real_mount, real_show = HomeScreen.on_mount, HomeScreen.show

    def on_login(self: RcApp, *args: Any, **kwargs: Any) -> None:
        mark("on_login")
        real_on_login(self, *args, **kwargs)

    def compose(self: HomeScreen) -> Any:
        mark("compose")
        yield from real_compose(self)

    def on_mount(self: HomeScreen) -> None:
        real_mount(self)
        mark("mounted")

    def show(self: HomeScreen, lists: Any) -> None:
        mark("lists_read")
        real_show(self, lists)
        self.call_after_refresh(lambda: mark("lists_painted"))

    real_display = RcApp._display

    def display(self: RcApp, screen: Screen[Any], renderable: Any) -> None:
        # every frame the app produces (headless: not written, the same work otherwise);
        # the last one before the probe's "painted" is when the screen stopped changing
        if renderable is not None and isinstance(screen, HomeScreen):
            marks["last_frame"] = time.perf_counter()
            cpu["last_frame"] = time.process_time()
        real_display(self, screen, renderable)

    RcApp._display = display  # type: ignore[method-assign]
    RcApp.on_login = on_login  # type: ignore[method-assign]
    HomeScreen.compose = compose  # type: ignore[method-assign]
    HomeScreen.on_mount = on_mount  # type: ignore[method-assign]
    HomeScreen.show = show  # type: ignore[method-assign]


def watch_warm_up() -> threading.Event:
    """An event set once the login screen's warm-up (``accounts.warm_up``) has run."""
    done = threading.Event()
    real_warm_up = accounts.warm_up

    def warm_up() -> None:
        try:
            real_warm_up()
        finally:
            done.set()

    accounts.warm_up = warm_up  # the screen calls accounts.warm_up in its worker
    return done


async def login(app: RcApp, pilot: Pilot[int], username: str, phrase: str) -> None:
    unlock: list[float] = []
    errors: list[str] = []
    marks: dict[str, float] = {}
    cpu: dict[str, float] = {}
    real_login = accounts.login

    def timed_login(*args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return real_login(*args, **kwargs)
        except Exception as exc:
            errors.append(type(exc).__name__)
            raise
        finally:
            unlock.append(time.perf_counter() - t)
            marks.setdefault("unlocked", time.perf_counter())
            cpu.setdefault("unlocked", time.process_time())

    accounts.login = timed_login  # the screen calls accounts.login in its worker
    warmed = watch_warm_up()
    await shown(app, LoginScreen, focus="username")
    # the RSS of the login screen, before the home screen's modules are imported
    rss_login_screen = peak_rss_mb(), proc_status_mb("VmRSS")
    # A user takes seconds to type a name and a passphrase: the screen's warm-up (the
    # storage stack and the home screen's services imported, garbage collected) has run
    # by the time they press Enter. Wait for it, as they do.
    deadline = time.perf_counter() + TIMEOUT_S
    while not warmed.is_set():
        if app._exception is not None or time.perf_counter() > deadline:
            raise RuntimeError("the login screen's warm-up did not finish")
        await asyncio.sleep(0.01)
    # imported before the clock starts (the app imports it after the unlock): the bench
    # times the screen's own work
    from screens.home import HomeScreen

    home_steps(marks, cpu)
    app.screen.query_one("#username", Input).value = username
    await pilot.press("enter")  # FormMixin: moves focus to the passphrase
    field = app.screen.query_one("#passphrase", Input)
    if app.focused is not field:
        raise RuntimeError("Enter on #username did not move focus to #passphrase")
    field.value = phrase
    t0 = time.perf_counter()
    await pilot.press("enter")  # submits; the login runs in a thread worker
    await shown(app, HomeScreen, failed=lambda: bool(errors))
    total = time.perf_counter() - t0
    marks.setdefault("painted", time.perf_counter())
    cpu.setdefault("painted", time.process_time())
    rss_first_paint = proc_status_mb("VmRSS")
    await pilot.pause(1.0)  # the session at rest: what it holds while the user works
    deadline = time.perf_counter() + TIMEOUT_S
    while "lists_painted" not in marks and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)
    start, cpu_start = marks.get("unlocked"), cpu.get("unlocked")
    steps = {name: round((at - start) * 1000, 1) for name, at in sorted(
        marks.items(), key=lambda item: item[1])} if start is not None else {}
    steps_cpu = {name: round((cpu[name] - cpu_start) * 1000, 1) for name in steps
                 if name in cpu} if cpu_start is not None else {}
    say(RESULT + json.dumps({
        "submit_to_home_s": total,
        "unlock_s": unlock[0] if unlock else None,
        "peak_rss_mb": peak_rss_mb(),
        "vmhwm_mb": proc_status_mb("VmHWM"),
        "peak_rss_login_screen_mb": rss_login_screen[0],
        "rss_login_screen_mb": rss_login_screen[1],
        "rss_after_login_mb": proc_status_mb("VmRSS"),
        "rss_at_first_paint_mb": rss_first_paint,
        "private_dirty_after_login_mb": private_dirty_mb(),
        "steps_ms": steps,
        "steps_cpu_ms": steps_cpu,
    }))
    app.exit(0)


#: Typed one key at a time into the search field (and the bare Input); each key is left
#: to settle, as a slow typist or a slow link delivers them: the search runs after every key.
TYPED = "lindqvist"
#: Wall time left after each key: the search's debounce (0.15 s), the search and its redraw.
KEY_SETTLE_S = 0.6


async def type_keys(pilot: Pilot[Any], text: str) -> list[float]:
    """CPU time (all threads of the process) per key, in milliseconds."""
    cpu: list[float] = []
    for char in text:
        t = time.process_time()
        await pilot.press(char)
        await pilot.pause(KEY_SETTLE_S)
        cpu.append((time.process_time() - t) * 1000)
    return cpu


#: search_typing's result, reported with the bare Input's once the app has ended
TYPING: dict[str, list[float]] = {}


async def search_typing(app: RcApp, pilot: Pilot[int], username: str, phrase: str) -> None:
    from screens.home import HomeScreen
    from screens.search import SearchScreen

    await shown(app, LoginScreen, focus="username")
    app.screen.query_one("#username", Input).value = username
    await pilot.press("enter")
    app.screen.query_one("#passphrase", Input).value = phrase
    await pilot.press("enter")
    await shown(app, HomeScreen)
    await pilot.pause(1.0)  # the home screen's lists read and drawn
    await pilot.press("ctrl+f")
    await shown(app, SearchScreen, focus="query")
    await pilot.pause(0.5)
    TYPING["search_ms"] = await type_keys(pilot, TYPED)
    app.exit(0)


def bare_typing() -> list[float]:
    """The floor: the same keys into a bare Textual Input (one widget and a footer-less
    screen), in this process, after the app above has ended."""
    from textual.app import App, ComposeResult

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Input(id="field")

    bare = Bare()
    out: list[float] = []

    async def drive(pilot: Pilot[None]) -> None:
        while not (bare.focused is not None and bare.focused.id == "field"):
            await asyncio.sleep(0.01)
        await pilot.pause(0.5)
        out.extend(await type_keys(pilot, TYPED))
        bare.exit()

    asyncio.run(bare.run_async(headless=True, size=(80, 24), auto_pilot=drive))
    return out


def setup(db: Path) -> None:
    from rc_tui import demo

    demo.ensure_demo(db, persons=None, progress=lambda s: None)
    user = next(u for u in demo.DEMO_USERS if u[0] == "anna")
    say(RESULT + json.dumps({"user": user[0], "passphrase": user[3]}, ensure_ascii=False))


def unlock(db: Path, username: str, phrase: str, repeat: int) -> None:
    from storage import files, keys
    from storage.vault import Vault

    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        vault = Vault.unlock(db, username, phrase)
        times.append(time.perf_counter() - t)
        vault.close("logout")
    kdf = keys.KeyFile.load(files.keyfile_path(db)).slots[username].kdf
    say(RESULT + json.dumps({"times": times, "time_cost": kdf.time_cost,
                             "memory_kib": kdf.memory_kib, "parallelism": kdf.parallelism}))


def main() -> int:
    if os.environ.get("RC_TUI_INSECURE_TEST_KDF"):
        raise SystemExit("refusing to benchmark with RC_TUI_INSECURE_TEST_KDF set")
    mode, db = sys.argv[1], Path(sys.argv[2])
    if mode == "setup":
        setup(db)
        return 0
    if mode == "unlock":
        unlock(db, sys.argv[3], sys.stdin.readline().rstrip("\n"), int(sys.argv[4]))
        return 0
    from rc_tui.hygiene import harden_process

    harden_process()  # as `rc-tui` does before it starts the app
    app = RcApp(db)
    if mode == "start":
        async def pilot_start(pilot: Pilot[int]) -> None:
            await start(app, pilot)
        auto = pilot_start
    elif mode == "keys":
        username, phrase = sys.argv[3], sys.stdin.readline().rstrip("\n")

        async def pilot_keys(pilot: Pilot[int]) -> None:
            await search_typing(app, pilot, username, phrase)
        auto = pilot_keys
    else:
        username, phrase = sys.argv[3], sys.stdin.readline().rstrip("\n")

        async def pilot_login(pilot: Pilot[int]) -> None:
            await login(app, pilot, username, phrase)
        auto = pilot_login
    asyncio.run(app.run_async(headless=True, auto_pilot=auto))
    if app._exception is not None:
        return 1
    if mode == "keys":
        say(RESULT + json.dumps({"search_ms": TYPING["search_ms"], "bare_ms": bare_typing(),
                                 "typed": TYPED}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
