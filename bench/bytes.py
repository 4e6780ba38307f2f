"""Bytes rc-tui writes to the terminal, normal versus low-bandwidth mode.

    python bench/bytes.py              # a fresh demo database in a temporary folder
    python bench/bytes.py --only low-bandwidth

Runs the real program (``python -m rc_tui``) in a pseudo-terminal of 80x24, logs in as the
demo caseworker, registers an intake by keyboard and counts every byte read from the
terminal's master side. Each key is sent alone and the screen left to settle, as when a
slow link delivers one key at a time. Prints one JSON object per mode and always exits 0.
POSIX only. See bench/README.md for the numbers.
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
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.pty_terminal import MOUSE_ON, RICH_COLOURS, PtyTerminal, box_characters  # noqa: E402

#: mode name -> (extra arguments, extra environment)
MODES: dict[str, tuple[list[str], dict[str, str]]] = {
    "normal": ([], {}),
    "normal-truecolor": ([], {"COLORTERM": "truecolor"}),
    "low-bandwidth": (["--low-bandwidth"], {}),
}
USER, PASSPHRASE = "anna", "demo-blå-kanot"  # rc_tui.demo.DEMO_USERS: fictional data only


@dataclass
class Counter:
    """Bytes per key, by the kind of field that had the focus."""

    keys: dict[str, list[int]] = field(default_factory=dict)

    def press(self, term: PtyTerminal, kind: str, keys: str) -> None:
        for key in keys:
            self.keys.setdefault(kind, []).append(term.key(key))

    def total(self) -> tuple[int, int]:
        counts = [n for values in self.keys.values() for n in values]
        return sum(counts), len(counts)


def personnummer(yymmdd: str, serial: str) -> str:
    from rc_tui.domain.identity import luhn_check_digit

    return f"19{yymmdd}-{serial}{luhn_check_digit(yymmdd + serial)}"


def idle_rate(term: PtyTerminal, seconds: float = 3.0) -> int:
    """Bytes per second while nobody types (a blinking cursor is redrawn)."""
    mark = term.mark()
    time.sleep(seconds)
    return round((term.mark() - mark) / seconds)


def intake(term: PtyTerminal, c: Counter) -> int:
    """A referral from the police: a woman and her child (fictional), all by keyboard.
    Returns the idle bytes per second with the cursor in the first text field."""
    mark = term.mark()
    c.press(term, "other", "n")  # home: new intake
    term.wait_for("Ny aktualisering", start=mark)
    term.settle(0.5)
    c.keys["other"][-1] = term.mark() - mark  # the whole new screen
    c.press(term, "choice", "p")  # channel: police; the referrer field follows
    idle = idle_rate(term)
    c.press(term, "text_field", "Polisen Malmö")
    c.press(term, "other", "\r")
    c.press(term, "text_box", "Larm om bråk i lägenheten, barnen hemma.")
    c.press(term, "other", "\x0f")  # Ctrl+O leaves the text box
    c.press(term, "choice", "n")  # immediate danger: no
    for role, given, family, ident, gender in (
        ("v", "Tovelina", "Bergavik", personnummer("850312", "731"), "k"),
        ("b", "Ellinor", "Bergavik", "2016", "k"),
    ):
        c.press(term, "choice", role)
        c.press(term, "text_field", given)
        c.press(term, "other", "\r")
        c.press(term, "text_field", family)
        c.press(term, "other", "\r\r")  # and no alias
        c.press(term, "text_field", ident)
        c.press(term, "other", "\r")
        c.press(term, "choice", gender)  # the last field: adds the person
    mark = term.mark()
    c.press(term, "other", "\x13")  # Ctrl+S: save; the case screen follows
    term.wait_for("Tovelina Bergavik", start=mark)
    term.settle(0.5)
    return idle


def measure(db: Path, mode: str) -> dict[str, Any]:
    args, env = MODES[mode]
    term = PtyTerminal(["--db", str(db), *args], env=env)
    try:
        term.wait_for("Logga in")
        term.settle(0.5)
        result: dict[str, Any] = {"metric": "bytes", "mode": mode, "term": "xterm-256color",
                                  "size": "80x24", "login_screen": term.mark()}
        mark = term.mark()
        term.type(USER + "\r" + PASSPHRASE + "\r")
        term.wait_for("Mina öppna ärenden", start=mark)
        term.settle(0.5)
        result["login_to_home"] = term.mark() - mark
        if mode == "low-bandwidth":
            result["mouse_moves_20"] = None  # the terminal reports no mouse moves at all
        else:  # what 20 mouse moves across the screen cost (hover highlights)
            mark = term.mark()
            for step in range(20):
                term.send(f"\x1b[<35;{4 + step * 3};{8 + step % 14}M")
                time.sleep(0.02)
            term.settle(0.3)
            result["mouse_moves_20"] = term.mark() - mark
        counter = Counter()
        result["idle_in_text_field_per_s"] = intake(term, counter)
        intake_bytes, intake_keys = counter.total()
        for kind, values in counter.keys.items():  # the median is the typical key
            result[f"per_key_{kind}"] = round(statistics.median(values))
            result[f"per_key_{kind}_mean"] = round(statistics.mean(values))
        result["intake_bytes"] = intake_bytes
        result["intake_keys"] = intake_keys
        output = term.output
        result["mouse_tracking"] = any(seq in output for seq in MOUSE_ON)
        result["rich_colours"] = any(seq in output for seq in RICH_COLOURS)
        result["box_characters"] = "".join(sorted(box_characters(output)))
        term.send("\x11")  # Ctrl+Q
        result["exit_code"] = term.proc.wait(20)
        result["total"] = term.mark()
        return result
    finally:
        term.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(MODES), action="append",
                        help="measure only this mode (repeatable)")
    args = parser.parse_args(argv)
    os.environ.pop("RC_TUI_INSECURE_TEST_KDF", None)  # a real demo database
    print(json.dumps({"metric": "env", "python": platform.python_version(),
                      "textual": version("textual"), "rich": version("rich"),
                      "platform": platform.platform()}), flush=True)
    if sys.platform == "win32":
        print(json.dumps({"metric": "bytes", "ok": False, "error": "needs a POSIX pty"}))
        return 0
    tmp = tempfile.mkdtemp(prefix="rc-tui-bytes-")
    try:
        template = Path(tmp) / "template"
        subprocess.run([sys.executable, "-m", "rc_tui", "demo", "--db",
                        str(template / "demo.db"), "--no-open"],
                       check=True, stdout=subprocess.DEVNULL)
        for mode in args.only or list(MODES):
            folder = Path(tmp) / mode  # each mode its own copy: the same intake, no duplicate
            shutil.copytree(template, folder)
            try:
                print(json.dumps(measure(folder / "demo.db", mode), ensure_ascii=False),
                      flush=True)
            except Exception as exc:  # reports, never fails
                print(json.dumps({"metric": "bytes", "mode": mode, "ok": False,
                                  "error": f"{type(exc).__name__}: {exc}"}), flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
