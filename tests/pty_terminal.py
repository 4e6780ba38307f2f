"""The real program in a pseudo-terminal: keys go in, every byte it writes is kept.

Used by the pty tests and by ``bench/bytes.py`` (bytes per keystroke). POSIX only: the
modules ``pty``, ``fcntl`` and ``termios`` are imported when a terminal is opened.
``TmuxTerminal`` is a program in a tmux pane instead (a real terminal emulator in front of
the pty, driven by ``send-keys``, read by ``capture-pane``).
"""

from __future__ import annotations

import os
import select
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

#: Mouse reporting (X10, press/release, drag, every move) and the SGR and urxvt encodings
#: Textual switches on with it.
MOUSE_ON = (b"\x1b[?9h", b"\x1b[?1000h", b"\x1b[?1002h", b"\x1b[?1003h",
            b"\x1b[?1006h", b"\x1b[?1015h")
#: 256-colour and truecolor SGR parameters (foreground and background).
RICH_COLOURS = (b"38;5;", b"48;5;", b"38;2;", b"48;2;")


def box_characters(data: bytes) -> set[str]:
    """Box-drawing (U+2500-257F) and block (U+2580-259F) characters in terminal output."""
    return {ch for ch in data.decode("utf-8", "replace") if 0x2500 <= ord(ch) <= 0x259F}


class PtyTerminal:
    """``python -m rc_tui ARGS`` on a pseudo-terminal of ``cols`` x ``rows``."""

    def __init__(self, args: Sequence[str], *, term: str = "xterm-256color",
                 cols: int = 80, rows: int = 24, env: dict[str, str] | None = None,
                 cwd: Path | None = None, controlling: bool = False) -> None:
        """``controlling``: the pty becomes the program's controlling terminal, as under
        sshd or a terminal window, so closing it (``hang_up``) sends SIGHUP."""
        import pty

        self.master, slave = pty.openpty()
        self._set_size(slave, cols, rows)
        child_env = {**os.environ, **(env or {}), "TERM": term, "LANG": "C.UTF-8"}
        for name in ("COLORTERM", "LC_ALL", "TEXTUAL_COLOR_SYSTEM", "NO_COLOR"):
            if name not in (env or {}):
                child_env.pop(name, None)  # the colours follow TERM, as over SSH
        # the new session's leader takes its stdin as controlling terminal, then becomes rc-tui
        shim = ["-c", "import fcntl, os, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
                "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"] if controlling else []
        self.proc = subprocess.Popen(
            [sys.executable, *shim, "-m", "rc_tui", *args],
            stdin=slave, stdout=slave, stderr=slave, env=child_env, cwd=cwd,
            start_new_session=True,
        )
        os.close(slave)
        self._output = bytearray()
        self._lock = threading.Lock()
        self._changed = time.monotonic()
        self._stop = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @staticmethod
    def _set_size(fd: int, cols: int, rows: int) -> None:
        import fcntl
        import struct
        import termios

        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def _read(self) -> None:
        while True:
            # polled, not blocked in read: a close of the master while a read holds it
            # would not hang the terminal up until the program writes again
            if self._stop.is_set():
                return
            if not select.select([self.master], [], [], 0.05)[0]:
                continue
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            with self._lock:
                self._output.extend(chunk)
                self._changed = time.monotonic()

    @property
    def output(self) -> bytes:
        with self._lock:
            return bytes(self._output)

    def mark(self) -> int:
        """A position in the output, for :meth:`since`."""
        with self._lock:
            return len(self._output)

    def since(self, mark: int) -> bytes:
        with self._lock:
            return bytes(self._output[mark:])

    def send(self, data: str | bytes) -> None:
        os.write(self.master, data.encode("utf-8") if isinstance(data, str) else data)

    def type(self, keys: str, delay: float = 0.01) -> None:
        """One character at a time, as a person (or a burst over SSH) would."""
        for ch in keys:
            self.send(ch)
            time.sleep(delay)

    def settle(self, quiet: float = 0.15, timeout: float = 10.0) -> None:
        """Wait until nothing has been written for ``quiet`` seconds (from now on)."""
        start = time.monotonic()
        deadline = start + timeout
        while time.monotonic() < deadline:
            with self._lock:
                idle = time.monotonic() - max(self._changed, start)
            if idle >= quiet:
                return
            time.sleep(min(0.02, quiet / 4))

    def key(self, data: str | bytes, quiet: float = 0.15) -> int:
        """Send one key, wait until the screen is redrawn; the bytes written meanwhile."""
        start = self.mark()
        self.send(data)
        self.settle(quiet)
        return self.mark() - start

    def wait_for(self, needle: str, timeout: float = 30.0, start: int = 0) -> None:
        deadline = time.monotonic() + timeout
        encoded = needle.encode("utf-8")
        while time.monotonic() < deadline:
            if encoded in self.since(start):
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.03)
        raise AssertionError(f"{needle!r} never appeared on the terminal "
                             f"(exit code {self.proc.poll()})")

    def resize(self, cols: int, rows: int) -> None:
        """What a terminal window (or sshd) does: new size, then SIGWINCH."""
        self._set_size(self.master, cols, rows)
        self.proc.send_signal(signal.SIGWINCH)

    def hang_up(self) -> None:
        """Close the terminal (a window closed, sshd ending a dropped link's session): the
        kernel hangs the pty up and sends SIGHUP to a program it controls."""
        if self.master >= 0:
            self._stop.set()
            self._reader.join(5)
            os.close(self.master)
            self.master = -1

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.hang_up()


class TmuxTerminal:
    """A program (here: an ssh client or rc-tui itself) in a tmux session at 80×24, tmux on
    its own socket in ``tmp``."""

    def __init__(self, tmp: Path, name: str, argv: list[str]) -> None:
        self.tmux = ["tmux", "-S", str(tmp / "tmux.sock"), "-f", "/dev/null"]
        self.name = name
        self.run("new-session", "-d", "-x", "80", "-y", "24", "-s", name,
                 "exec " + shlex.join(argv))

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self.tmux, *args], capture_output=True, text=True, check=False)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.name).stdout

    def wait_for(self, needle: str, timeout: float = 20.0, *, gone: str = "") -> None:
        """Until ``needle`` is on the screen (and ``gone``, if given, is not)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.screen()
            if needle in shown and not (gone and gone in shown):
                return
            time.sleep(0.05)
        raise AssertionError(f"{needle!r} never appeared:\n{self.screen()}")

    def type(self, literal: str) -> None:
        self.run("send-keys", "-t", self.name, "-l", literal)

    def keys(self, *names: str) -> None:
        self.run("send-keys", "-t", self.name, *names)

    def alive(self) -> bool:
        return self.run("has-session", "-t", self.name).returncode == 0

    def client_pid(self) -> int:
        return int(self.run("display-message", "-p", "-t", self.name, "#{pane_pid}").stdout)

    def log_in(self, user: str, phrase: str) -> None:
        self.wait_for("Logga in")
        self.type(user)
        self.keys("Enter")
        self.type(phrase)
        self.keys("Enter")

    def kill_server(self) -> None:
        self.run("kill-server")
