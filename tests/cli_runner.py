"""``rc-tui`` run in the test process (``rc_tui.cli.main``), with its standard input given
as a pipe gives it: bytes under a text stream that splits lines at ``\\n`` only, as
``sys.stdin`` does on POSIX. Measured by coverage, and no interpreter start per command;
tests/system/test_cli_input.py and test_demo.py still run real processes."""

from __future__ import annotations

import contextlib
import io

from rc_tui import hygiene, i18n


def run_cli(*args: object, stdin: bytes | str = b"") -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``rc-tui ARGS``."""
    raw = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    pipe = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8", newline="\n")
    out, err = io.StringIO(), io.StringIO()
    real_harden = hygiene.harden_process
    hygiene.harden_process = dict  # core dumps and ptrace are the process's: not pytest's
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                from rc_tui.cli import main

                code = main([str(a) for a in args], stdin=pipe)
            except SystemExit as exc:  # argparse's usage errors
                code = exc.code if isinstance(exc.code, int) else 2
    finally:
        hygiene.harden_process = real_harden
        i18n.set_language("sv")
    return code, out.getvalue(), err.getvalue()
