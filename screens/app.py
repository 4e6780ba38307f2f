"""The Textual app shell: login, session lifetime, idle lock, quick-hide, hang-up."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from rich.console import RenderableType
from textual import events, work
from textual.app import SystemCommand
from textual.binding import Binding
from textual.driver import Driver
from textual.screen import Screen

from rc_tui import i18n
from rc_tui.i18n import _
from rc_tui.services import accounts
from rc_tui.services.capabilities import Capability
from screens.base import OPEN_GROUP, translate_bindings
from screens.closing import (
    CLOSE_WAIT_SECONDS,
    ClosingSave,
    clear_passphrase_fields,
    close_session,
    closing_saves,
)
from screens.compat import (
    app_driver,
    console_color_system,
    node_bindings,
)
from screens.driver import NEVER_HELD, urgent_keys_driver
from screens.navigation import Navigation
from storage import install
from storage.errors import DatabaseLocked, KeyChanged, SessionRevoked, VaultError
from storage.files import default_instruments_dir

if TYPE_CHECKING:
    from rc_tui.services.session import UserSession
    from screens.hangup import HangupWatch


#: The style sheets, base first and low-bandwidth last (it overrides the borders of all).
STYLES = ("base", "session", "case", "person", "assessment", "casework", "shelter",
          "low_bandwidth")


def _css_paths() -> list[str | PurePath]:
    import screens

    folder = Path(screens.__file__).resolve().parent / "styles"
    return [folder / f"{name}.tcss" for name in STYLES]


#: Seconds between the session's heartbeats: a cheap read transaction whose guard ends a
#: revoked user's idle session and lets the session follow a rekey (see Vault.heartbeat).
HEARTBEAT_SECONDS = 2.0

#: Workers that decide where the next key goes (login, first run, passphrase forms, and
#: opening a person or a case: the screen is pushed when it has been read): keys typed
#: ahead wait for them (``RcApp.hold_keys``).
KEY_HOLDING_WORKERS = frozenset({"login", "create", "passphrase", "add-user", "reset",
                                 OPEN_GROUP})
class RcApp(Navigation):
    """One process = one terminal session. At most one user is unlocked at a time."""

    CSS_PATH = _css_paths()
    TITLE = "rc-tui"
    ENABLE_COMMAND_PALETTE = True
    COMMAND_PALETTE_BINDING = "ctrl+p"
    BINDINGS = [
        Binding("ctrl+l", "lock", "Lock", priority=True, id="app.lock"),
        Binding("ctrl+g", "quick_hide", "Hide", priority=True, id="app.quick-hide"),
        Binding("ctrl+f", "search", "Search", priority=True, id="app.search"),
        Binding("f12", "quick_hide", "Hide", show=False, priority=True, id="app.quick-hide-f12"),
        Binding("ctrl+q", "quit", "Quit", priority=True, id="app.quit"),
    ]

    def __init__(
        self, db_path: Path, *, lang: str | None = None, low_bandwidth: bool = False,
        instruments_dir: Path | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.db_path = Path(db_path)
        #: an outage pack (``rc-tui --pack``): every screen's header says so
        self.outage = install.is_pack(self.db_path)
        self.cli_lang = lang
        self.cli_low_bandwidth = low_bandwidth  # --low-bandwidth: for every user
        self.low_bandwidth = False
        self.instruments_dir = instruments_dir if instruments_dir is not None else \
            default_instruments_dir()
        self.clock = clock
        self.wall_clock = wall_clock  # login throttle (persisted, so wall time)
        self.session: UserSession | None = None
        self.is_demo = False
        self.demo_logins: list[tuple[str, str, str]] = []
        self.idle_timeout = float(install.DEFAULT_SETTINGS["idle_timeout_seconds"])
        self.session_lifetime = float(install.DEFAULT_SETTINGS["session_lifetime_seconds"])
        self.last_activity = clock()
        self.login_time = clock()
        self.last_heartbeat = clock()
        self.lock_reason: str | None = None
        #: threads that are closing ended sessions (``close_vault``)
        self.closers: list[threading.Thread] = []
        #: the event loop's thread (``interrupt_database_wait``) and the loop
        self._ui_thread: int | None = None
        self._event_loop: asyncio.AbstractEventLoop | None = None
        #: guards ``session`` against the hang-up watch's thread (``take_session``)
        self._session_lock = threading.Lock()
        self._hung_up = False
        self.hangup_watch: HangupWatch | None = None
        i18n.set_language(lang or i18n.DEFAULT_LANGUAGE)
        translate_bindings(self)
        self._normal_terminal = (console_color_system(self.console), self.animation_level,
                                self.theme)
        if low_bandwidth:
            self.set_low_bandwidth(True)

    # ------------------------------------------------------------------ start
    def on_mount(self) -> None:
        self._ui_thread = threading.get_ident()
        self._event_loop = asyncio.get_running_loop()
        self.set_interval(1.0, self.check_session)
        self.push_screen(self._entry_screen())

    def _entry_screen(self) -> Screen[Any]:
        from screens.login import FirstRunScreen, LoginScreen

        if not install.installation_exists(self.db_path):
            return FirstRunScreen(self.db_path)
        self.is_demo, self.demo_logins = install.peek_demo(self.db_path)
        return LoginScreen(self.db_path, demo=self.is_demo, demo_logins=self.demo_logins,
                           locked_user=None)

    def hangup(self) -> None:
        """A hang-up (dropped SSH link, closed terminal): close the vault, drafts first, and
        exit. Run on the event loop when the hang-up watch asks (``screens.hangup``); the
        watch ends the process itself if the loop cannot."""
        self.close_vault("hangup")
        if self.hangup_watch is not None:
            self.hangup_watch.loop_closed.set()
        self.exit(0)

    def request_hangup(self) -> None:
        """From the hang-up watch's thread: a form's save waiting for the write lock on the
        UI thread gives up at once, and the loop runs ``hangup`` as soon as it is free."""
        self.interrupt_database_wait()
        loop = self._event_loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has ended already
                loop.call_soon_threadsafe(self.hangup)

    def take_session(self) -> UserSession | None:
        """The open session, let go of (any thread); after a hang-up no login keeps one
        (``on_login``)."""
        with self._session_lock:
            self._hung_up = True
            session, self.session = self.session, None
        return session

    def install_hangup_watch(self) -> bool:
        """Start the hang-up watch (a real terminal only: ``run_app``)."""
        from screens.hangup import HangupWatch

        watch = HangupWatch(self.request_hangup, self.take_session, lambda: self.closers)
        if not watch.start():
            return False
        self.hangup_watch = watch
        return True

    # ------------------------------------------------------------------ session
    def can(self, capability: Capability) -> bool:
        """Whether the signed-in user's role may do ``capability`` (nobody signed in: no)."""
        return self.session is not None and self.session.can(capability)

    def user_line(self) -> str:
        if self.session is None:
            return ""
        user = self.session.user
        return f"{user.display_name} ({user.username}) · {accounts.role_label(user.role)}"

    def on_login(self, session: UserSession, previous_user: str | None) -> None:
        """Called by the login screens once a user is signed in."""
        with self._session_lock:
            late = self._hung_up
            if not late:
                self.session = session
        if late:  # the terminal hung up during the login: close at once, show nothing
            self._start_closer(session, "hangup", [])
            return
        self.is_demo = session.demo
        if not self.cli_lang and session.user.language in i18n.LANGUAGES:
            i18n.set_language(session.user.language or i18n.DEFAULT_LANGUAGE)
        translate_bindings(self)
        wanted = self.cli_low_bandwidth or bool(session.preference("low_bandwidth"))
        if wanted != self.low_bandwidth:
            self.set_low_bandwidth(wanted)  # the user's own setting, from this login on
        self.reload_settings()
        self.login_time = self.last_activity = self.clock()
        self.lock_reason = None
        self.call_later(self._show_home)
        from rc_tui.hygiene import release_memory

        self.call_after_refresh(release_memory)

    async def _show_home(self) -> None:
        from screens.home import HomeScreen
        from screens.passphrase import ChangePassphraseScreen

        await self._reset_to(HomeScreen())
        if self.session is not None and self.session.must_change_passphrase:
            self.push_screen(ChangePassphraseScreen(forced=True))

    def reload_settings(self) -> None:
        if self.session is None:
            return
        self.idle_timeout = float(self.session.setting("idle_timeout_seconds"))
        self.session_lifetime = float(self.session.setting("session_lifetime_seconds"))

    # ------------------------------------------------------------------ low bandwidth
    def set_low_bandwidth(self, on: bool) -> None:
        """Low-bandwidth mode on or off, at once (see ``screens.terminal``)."""
        from rich.color import ColorSystem

        from screens import terminal

        self.low_bandwidth = on
        colors, animations, theme = self._normal_terminal
        terminal.set_color_system(self.console, ColorSystem.STANDARD if on else colors)
        self.theme = "ansi-dark" if on else theme
        self.animation_level = "none" if on else animations
        terminal.set_scrollbars(ascii_only=on)
        terminal.set_mouse(app_driver(self), not on)
        terminal.set_compact_output(on)
        self.set_class(on, terminal.LOW_BANDWIDTH_CLASS)
        if self.screen_stack:
            self.screen.refresh(repaint=True, layout=True)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """A text field's cursor never blinks, in either mode: each blink is a redraw sent
        over the link, and a link that always carries output is never found dead by sshd's
        client-alive check (a paused laptop stayed connected for minutes). Idle, rc-tui
        writes nothing (tests/system/test_pty.py)."""
        from textual.widgets import Input, TextArea

        if isinstance(event.widget, (Input, TextArea)):
            event.widget.cursor_blink = False

    def toggle_low_bandwidth(self) -> None:
        """The signed-in user's setting: switched at once and kept for the next login."""
        on = not self.low_bandwidth
        self.set_low_bandwidth(on)
        if self.session is not None:
            self.session.set_preference("low_bandwidth", on)
        self.notify(_("Low bandwidth on: no mouse, 16 colours, ASCII borders, no animations.")
                    if on else _("Low bandwidth off."), timeout=4)

    def toggle_language(self) -> None:
        new = "en" if i18n.language() == "sv" else "sv"
        i18n.set_language(new)
        if self.session is not None:
            self.session.set_language(new)
        translate_bindings(self)
        self.call_later(self._show_home)

    async def _reset_to(self, screen: Screen[Any]) -> None:
        """Remove every screen (and with them every widget that held data), show ``screen``."""
        while len(self.screen_stack) > 2:
            await self.pop_screen()
        if len(self.screen_stack) == 2:
            await self.switch_screen(screen)
        else:
            await self.push_screen(screen)

    def close_vault(self, action: str) -> threading.Thread | None:
        """End the session without waiting for the database: the screens change at once.

        On the UI thread only what needs the widgets: the unsaved drafts are read and the
        passphrase fields emptied, and the session is let go of (no screen can use it any
        more). The drafts' save, the closing log entry and the key's wipe run in a thread
        that waits at most ``CLOSE_WAIT_SECONDS`` for another process's write lock."""
        if self.session is None:
            return None
        saves = closing_saves(self.screen_stack)  # drafts first: nothing typed is lost
        clear_passphrase_fields(self.screen_stack)
        # the session's grants (emergency access, reveals) end with it
        with self._session_lock:
            session, self.session = self.session, None
        if session is None:  # the hang-up watch has taken it meanwhile
            return None
        return self._start_closer(session, action, saves)

    def _start_closer(self, session: UserSession, action: str,
                      saves: list[ClosingSave]) -> threading.Thread:
        closer = threading.Thread(target=close_session, args=(session, action, saves),
                                  name="rc-tui-close")
        closer.start()
        self.closers.append(closer)
        return closer

    def wait_closed(self, timeout: float = CLOSE_WAIT_SECONDS + 2.0) -> None:
        """Wait for the closing threads (at exit: the log entry is written, the key gone)."""
        deadline = time.monotonic() + timeout
        for closer in self.closers:
            closer.join(max(0.0, deadline - time.monotonic()))

    def lock(self, reason: str = "lock") -> None:
        """Lock now: close the vault (key forgotten), clear all screens, ask again."""
        from screens.login import LoginScreen

        if self.session is None:
            return
        username = self.session.user.username
        action = {"idle": "lock_idle", "expired": "lock_expired", "logout": "logout",
                  "revoked": "lock_revoked"}.get(reason, "lock")
        self.close_vault(action)
        self.lock_reason = reason
        screen = LoginScreen(self.db_path, demo=self.is_demo, demo_logins=self.demo_logins,
                             locked_user=username, reason=reason)
        self.call_later(self._reset_to, screen)

    def check_session(self) -> None:
        """Runs every second: revocation and rekeys (the heartbeat), idle lock and absolute
        session lifetime."""
        if self.session is None:
            return
        now = self.clock()
        if self.session.is_open and now - self.last_heartbeat >= HEARTBEAT_SECONDS:
            self.last_heartbeat = now
            self._heartbeat(self.session)  # a session it ends is locked at the next tick
        if not self.session.is_open:
            # the vault ended itself (revoked, or its key is gone) – perhaps inside an action
            # whose screen showed the error: lock now, whoever noticed first
            self.lock("revoked" if self.session.ended == "revoked" else "key_changed")
        elif now - self.login_time >= self.session_lifetime:
            self.lock("expired")
        elif now - self.last_activity >= self.idle_timeout:
            self.lock("idle")

    def hold_keys(self) -> bool:
        """Keys typed after the Enter that submits a login (or a passphrase form) wait for
        its worker, so they reach the screen that follows – unless one of them quits,
        locks or hides: those never wait behind a key derivation."""
        if any(isinstance(e, events.Key) and e.key in NEVER_HELD for e in self.keys_waiting()):
            return False
        return any(w.group in KEY_HOLDING_WORKERS and not w.is_finished for w in self.workers)

    @work(thread=True, exclusive=True, group="heartbeat", exit_on_error=False)
    def _heartbeat(self, session: UserSession) -> None:
        """In a thread: the guard may follow a rekey or record what administrators signed."""
        with contextlib.suppress(VaultError):  # an ended session is locked by check_session
            session.heartbeat()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.Paste)):
            self.last_activity = self.clock()
        await super().on_event(event)  # keys and pastes: in order (screens.typeahead)

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver for this terminal, which also tells the app at once – from its
        input thread – when lock, quick-hide or quit is typed (``interrupt_database_wait``)."""
        return urgent_keys_driver(super().get_driver_class(), self.interrupt_database_wait)

    def interrupt_database_wait(self) -> None:
        """Lock, quick-hide or quit was typed (called from the terminal's input thread), or
        a hang-up arrived.

        Reads run in threads, but a form's save still runs on the UI thread and waits there
        for another session's write lock (up to the busy timeout) – the key would wait with
        it. The save gives up now instead (``DatabaseLocked``: the form says the database
        was busy and keeps what was typed), and the key is handled at once."""
        session, thread = self.session, self._ui_thread
        if session is not None and thread is not None:
            session.interrupt_waits(thread)

    def intercept_exception(self, error: Exception) -> bool:
        if isinstance(error, DatabaseLocked) and self.session is not None:
            # a call on the UI thread that could not get the lock in time (or gave up for
            # lock/quick-hide/quit) without its own error handling: say so, go on
            self.notify(accounts.error_text(error), markup=False, severity="error", timeout=8)
            return True
        if isinstance(error, SessionRevoked) and self.session is not None:
            self.lock("revoked")
            return True
        if isinstance(error, KeyChanged) and self.session is not None:
            self.lock("key_changed")
            return True
        return False

    def crash_report(self, exc: Exception | None) -> RenderableType:
        """Crash report without local variables or exception text (they may hold case data)."""
        self.close_vault("crash")
        frames = traceback.extract_tb(exc.__traceback__) if exc else []
        lines = [f"  {f.filename}:{f.lineno} in {f.name}" for f in frames[-12:]]
        kind = type(exc).__name__ if exc else "Error"
        report = "\n".join([_("rc-tui stopped after an internal error ({kind}).", kind=kind),
                            *lines])
        from rich.text import Text

        return Text(report)

    # ------------------------------------------------------------------ navigation
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "search":
            return self.can(Capability.CASE_CONTENT)
        return True

    # ------------------------------------------------------------------ actions
    def action_lock(self) -> None:
        self.lock("lock")

    def action_quick_hide(self) -> None:
        from screens.hide import HideScreen

        if isinstance(self.screen, HideScreen):
            self.pop_screen()
        else:
            self.push_screen(HideScreen())

    async def action_quit(self) -> None:
        self.close_vault("logout")
        self.exit(0)

    def action_command_palette(self) -> None:
        from textual.command import CommandPalette

        if not CommandPalette.is_open(self):  # type: ignore[arg-type]
            self.push_screen(CommandPalette(placeholder=_("Search for commands…"),
                                            id="--command-palette"))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The command palette lists every rc-tui command of this screen and the app: the
        bindings with an id (ours all have one, Textual's own have none), each action once
        (a second key for the same action, such as F12 for Ctrl+G, is not a second command)."""
        seen: set[str] = set()
        for node in (screen, self):
            for items in node_bindings(node).key_to_bindings.values():
                for binding in items:
                    if not binding.id or not binding.description or binding.action in seen:
                        continue
                    if isinstance(node, Screen) and node.check_action(binding.action, ()) is False:
                        continue
                    seen.add(binding.action)
                    action = binding.action
                    target = node

                    def run(target: Any = target, action: str = action) -> None:
                        self.call_later(target.run_action, action)

                    yield SystemCommand(binding.description, _("Key: {key}", key=binding.key),
                                        run)

    def on_unmount(self) -> None:
        self.close_vault("logout")
        if self.low_bandwidth:  # the scrollbar renderer is Textual's class attribute
            from screens import terminal

            terminal.set_scrollbars(ascii_only=False)


def run_app(db_path: Path, *, lang: str | None = None, low_bandwidth: bool = False,
            instruments_dir: Path | None = None) -> int:
    # Textual reads the size through shutil.get_terminal_size, which prefers COLUMNS/LINES:
    # exported by a shell or a test runner, they would pin the size and every resize would
    # be ignored. The terminal itself knows the size.
    for name in ("COLUMNS", "LINES"):
        os.environ.pop(name, None)
    app = RcApp(db_path, lang=lang, low_bandwidth=low_bandwidth,
                instruments_dir=instruments_dir)
    app.install_hangup_watch()  # before Textual starts its threads: they inherit the mask
    result = app.run(mouse=not low_bandwidth)
    app.wait_closed()  # the terminal is back already; the closing entry may still be due
    return int(result or app.return_code or 0)
