"""README, security model: "A host that wants it all the same adds ``--memory-security`` to
the command that starts rc-tui (the SSH ``ForceCommand``, …)". sshd runs a forced command
through the login shell (``sh -c '<ForceCommand>'``); README's wrapper must then hand the
flag to rc-tui – a host that asked for memory security must not run without it, silently.

No sshd needed: the wrapper is README's own (read as ``tests.system.test_ssh`` reads
it), with rc-tui replaced by a stub that writes down its arguments, run the way sshd runs
it, in a terminal (the wrapper refuses to run without one)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="a POSIX shell script")


README = Path(__file__).resolve().parents[2] / "README.md"


def _readme_wrapper() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("#!/bin/sh\n# Forced command for rc-tui over SSH")
    return text[start:text.index("\n```", start)] + "\n"


def _run_forced_command(tmp_path: Path, force_command_args: str,
                        original_command: str | None) -> list[str]:
    args_file = tmp_path / "args"
    stub = tmp_path / "rc-tui"
    stub.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {shlex.quote(str(args_file))}\n')
    stub.chmod(0o755)
    script = _readme_wrapper()
    assert "exec /opt/rc-tui/bin/rc-tui " in script, "README's wrapper changed"
    script = script.replace("exec /opt/rc-tui/bin/rc-tui ", f"exec {shlex.quote(str(stub))} ")
    wrapper = tmp_path / "rc-tui-ssh"
    wrapper.write_text(script)
    wrapper.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "SSH_ORIGINAL_COMMAND"}
    if original_command is not None:
        env["SSH_ORIGINAL_COMMAND"] = original_command
    primary, secondary = os.openpty()
    try:
        done = subprocess.run(["/bin/sh", "-c", f"{wrapper} {force_command_args}"],
                              stdin=secondary, stdout=secondary, stderr=subprocess.PIPE,
                              env=env, timeout=30, check=False)
    finally:
        os.close(secondary)
        os.close(primary)
    assert done.returncode == 0, done.stderr
    return args_file.read_text().split()


@pytest.mark.parametrize("original_command", [None, "low-bandwidth"])
def test_memory_security_in_the_forced_command_reaches_rc_tui(
        tmp_path: Path, original_command: str | None) -> None:
    argv = _run_forced_command(tmp_path, "--memory-security", original_command)
    assert "--db" in argv  # the wrapper ran rc-tui
    assert "--memory-security" in argv, argv
