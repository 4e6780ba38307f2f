"""Over SSH and slow links: the real program in a pseudo-terminal at 80x24.

Low-bandwidth mode writes clearly fewer bytes per keystroke and no mouse tracking,
256-colour/truecolor or box-drawing sequences; the app works with TERM=xterm-256color,
xterm, linux and screen, without a mouse and after resizes; and no action depends only on
a key that terminals or SSH clients may swallow.
"""

from __future__ import annotations

import importlib
import pkgutil
import shutil
import statistics
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from textual.binding import Binding
from textual.dom import DOMNode
from textual.scrollbar import ScrollBar, ScrollBarRender

from screens.app import RcApp
from screens.terminal import LOW_BANDWIDTH_CLASS
from storage.vault import Vault
from tests.conftest import ADMIN, ADMIN_PASS, ANNA, ANNA_PASS
from tests.helpers import login, screen_text, settle
from tests.pty_terminal import (
    MOUSE_ON,
    RICH_COLOURS,
    PtyTerminal,
    TmuxTerminal,
    box_characters,
)

POSIX_ONLY = pytest.mark.skipif(sys.platform == "win32", reason="POSIX pty and signals")
TEST_ENV = {"RC_TUI_INSECURE_TEST_KDF": "1"}


def _log_in(term: PtyTerminal) -> int:
    """Log in as anna; returns the output position from before the login."""
    term.wait_for("Logga in")
    mark = term.mark()
    term.type(ANNA + "\r" + ANNA_PASS + "\r")
    term.wait_for("Mina öppna ärenden", start=mark)
    return mark


def _bytes_per_key(db: Path, low_bandwidth: bool) -> tuple[list[int], int, bytes]:
    """The bytes of each key typed into the login screen's username field, and of the
    Enter that moves on to the passphrase field."""
    term = PtyTerminal(["--db", str(db), *(["--low-bandwidth"] if low_bandwidth else [])],
                       env=TEST_ENV)
    try:
        term.wait_for("Logga in")
        term.settle(0.3)
        counts = [term.key(ch) for ch in "anna.a"]
        enter = term.key("\r", quiet=0.3)
        term.send("\x11")  # Ctrl+Q is XON: it must reach the app, not the tty's flow control
        assert term.proc.wait(20) == 0
        return counts, enter, term.output
    finally:
        term.close()


@POSIX_ONLY
def test_low_bandwidth_mode_writes_fewer_bytes(installed: Path) -> None:
    with ThreadPoolExecutor(2) as pool:
        normal_run = pool.submit(_bytes_per_key, installed, False)
        low_run = pool.submit(_bytes_per_key, installed, True)
        normal_keys, normal_enter, normal = normal_run.result()
        low_keys, low_enter, low = low_run.result()
    # the median: a redraw delayed past one key's window (a busy machine) counts for the next
    assert statistics.median(low_keys) < 0.8 * statistics.median(normal_keys), \
        (low_keys, normal_keys)
    assert low_enter < 0.5 * normal_enter  # a focus move redraws two fields, not the screen
    # what the normal mode sends, and low-bandwidth mode never does (TERM=xterm-256color)
    assert any(seq in normal for seq in MOUSE_ON) and b"38;5;" in normal
    assert box_characters(normal)
    assert not [seq for seq in MOUSE_ON if seq in low]
    assert not [seq for seq in RICH_COLOURS if seq in low]
    assert box_characters(low) == set()
    assert "Lösenfras".encode() in low  # still UTF-8 text


@POSIX_ONLY
@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")
def test_compacted_output_draws_what_was_typed_in_a_real_terminal(installed: Path,
                                                                  tmp_path: Path) -> None:
    """Low-bandwidth mode erases and skips blanks (``ESC[nX ESC[nC``) instead of writing
    them: a terminal (tmux) shows the field as typed, the deleted letter gone."""
    term = TmuxTerminal(tmp_path, "lb", [
        "env", *(f"{k}={v}" for k, v in TEST_ENV.items()), sys.executable, "-m", "rc_tui",
        "--db", str(installed), "--low-bandwidth"])
    try:
        term.log_in(ANNA, ANNA_PASS)
        term.wait_for("Mina öppna ärenden")
        term.type("n")
        term.wait_for("Ny aktualisering")
        term.type("sRingde.")  # channel: herself; what happened
        term.keys("C-o")  # leaves the text box
        term.type("nvMajaxx")  # no immediate danger, role: victim; a name with two slips
        term.wait_for("Majaxx")
        term.keys("BSpace", "BSpace")
        term.wait_for("Maja", gone="Majax")
        line = next(row for row in term.screen().splitlines() if row.startswith(" Förnamn"))
        assert line.split("|", 1)[1].rstrip() == " Maja", line
    finally:
        term.kill_server()


@POSIX_ONLY
@pytest.mark.parametrize(("term_name", "low_bandwidth_setting"), [
    ("xterm-256color", False), ("xterm", False),
    ("linux", True),  # the console font has no block characters: the user's ASCII setting
    ("screen", False),
])
def test_usable_at_80x24_after_resizes(installed: Path, term_name: str,
                                       low_bandwidth_setting: bool) -> None:
    if low_bandwidth_setting:
        with Vault.unlock(installed, ANNA, ANNA_PASS) as v:
            v.set_preference("low_bandwidth", True)
    # COLUMNS/LINES exported (as pytest-xdist and some shells do): the size still follows
    env = {**TEST_ENV, "COLUMNS": "80", "LINES": "24"}
    term = PtyTerminal(["--db", str(installed)], term=term_name, env=env)
    try:
        before_login = _log_in(term)
        mark = term.mark()
        term.resize(100, 30)
        term.wait_for("\x1b[30;", start=mark)  # drawn down to row 30
        term.settle()
        mark = term.mark()
        term.resize(80, 24)
        term.wait_for("Mina öppna ärenden", start=mark)
        term.settle()
        # still responsive, keyboard only: an intake typed ahead, in the right fields
        mark = term.mark()
        term.send("n")
        term.wait_for("Ny aktualisering", start=mark)
        term.type("sRingde själv.\x0fnvMaja\rTestsson")  # Ctrl+O leaves the text box
        term.wait_for("Testsson", start=mark)
        if low_bandwidth_setting:  # switched on at login: mouse off, 16 colours, ASCII
            mark = term.mark()
            term.send("\x13")  # Ctrl+S is XOFF: it must reach the app
            term.wait_for("Maja Testsson", start=mark)
            after = term.since(before_login)
            assert b"\x1b[?1003l" in after
            after = after[after.rindex(b"\x1b[?1003l"):]
            assert not [s for s in MOUSE_ON if s in after]
            assert not [s for s in RICH_COLOURS if s in after]
            assert box_characters(after) == set()
    finally:
        term.close()


async def test_low_bandwidth_is_each_users_own_setting(installed: Path) -> None:
    """B on the home screen (or Ctrl+P): on at once and kept for this user only (the
    pty test with TERM=linux shows it switched on at login)."""
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await login(pilot, ANNA, ANNA_PASS)
        assert not app.low_bandwidth
        assert "Låg bandbredd på/av" in [c.title for c in app.get_system_commands(app.screen)]
        await pilot.press("b")
        await settle(pilot)
        assert app.low_bandwidth and app.has_class(LOW_BANDWIDTH_CLASS)
        assert app.console.color_system == "standard" and app.animation_level == "none"
        assert "+----" in screen_text(app) and not box_characters(screen_text(app).encode())
    assert ScrollBar.renderer is ScrollBarRender  # Textual's class attribute given back
    with Vault.unlock(installed, ANNA, ANNA_PASS) as v:
        assert v.preference("low_bandwidth") is True
        with pytest.raises(ValueError):
            v.preference("no_such_preference")
    with Vault.unlock(installed, ADMIN, ADMIN_PASS) as v:
        assert v.preference("low_bandwidth") is False


#: Keys a terminal, multiplexer or SSH client may keep for itself: XON/XOFF flow control,
#: function keys (macOS media keys, F11 full screen, F1/F10 menus), PageUp/PageDown and
#: Home/End (scrollback in macOS Terminal), Delete (none on Mac laptops), Ctrl+T/N/W
#: (browser-based terminals), screen's Ctrl+A and tmux's Ctrl+B prefixes.
SWALLOWED = {"ctrl+s", "ctrl+q", "pageup", "pagedown", "home", "end", "delete",
             "ctrl+t", "ctrl+n", "ctrl+w", "ctrl+a", "ctrl+b", *(f"f{n}" for n in range(1, 13))}
#: Keys a classic terminal cannot send at all, or sends as another key (Ctrl+H is
#: Backspace, Ctrl+I Tab, Ctrl+M Enter, Ctrl+J newline, Ctrl+[ Escape).
UNSENDABLE = ("alt+", "meta+", "super+", "ctrl+shift+", "ctrl+alt+", "ctrl+h", "ctrl+i",
              "ctrl+m", "ctrl+j", "ctrl+left_square_bracket")


def _bound_classes() -> list[type[DOMNode]]:
    import screens

    for info in pkgutil.walk_packages(screens.__path__, "screens."):
        importlib.import_module(info.name)
    found: list[type[DOMNode]] = [RcApp]
    pending: list[type[DOMNode]] = [DOMNode]
    while pending:
        for sub in pending.pop().__subclasses__():
            pending.append(sub)
            if sub.__module__.startswith("screens.") and "BINDINGS" in vars(sub):
                found.append(sub)
    return found


def test_every_action_has_a_key_that_survives_ssh_clients() -> None:
    """Each action has a key no terminal keeps for itself, or is in the Ctrl+P palette
    (the palette lists every binding with an id and a description)."""
    problems: list[str] = []
    for cls in _bound_classes():
        by_action: dict[str, list[Binding]] = {}
        for item in vars(cls)["BINDINGS"]:
            assert isinstance(item, Binding)
            for key in item.key.split(","):
                if key.startswith(UNSENDABLE):
                    problems.append(f"{cls.__name__}: {key} cannot be sent by a terminal")
            by_action.setdefault(item.action, []).append(item)
        for action, bindings in by_action.items():
            keys = {k for b in bindings for k in b.key.split(",")}
            if keys <= SWALLOWED and not any(b.id and b.description for b in bindings):
                problems.append(f"{cls.__name__}.{action}: only {sorted(keys)}, not in Ctrl+P")
    assert not problems
