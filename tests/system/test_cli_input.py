"""Passphrases on stdin: invalid UTF-8 is a usage error (and a failed attempt at the named
user), a Windows line end (CRLF) is a line end – for every command that reads one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from storage import files
from storage.authstate import Throttle
from storage.vault import Vault
from tests.cli_runner import run_cli
from tests.conftest import ADMIN, ADMIN_PASS, ANNA, ANNA_PASS, MANAGER, MANAGER_PASS

NEW_PASS = "en helt ny lång fras"
BAD = b"\xff\xfe inte utf-8 \xc3\x28"

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli() -> Cli:
    """``rc-tui`` in this process (``tests.cli_runner``): exit code, stdout, stderr."""
    return run_cli


def lines(*phrases: str | bytes, end: bytes = b"\n") -> bytes:
    return b"".join((p if isinstance(p, bytes) else p.encode()) + end for p in phrases)


#: every command that reads a passphrase: (argv after --db, the user it unlocks, the
#: passphrase lines). The first line is the named user's passphrase.
COMMANDS: dict[str, tuple[list[str], list[str]]] = {
    "user add": (["user", "add", "--user", ADMIN, "bo", "--role", "caseworker"],
                 [ADMIN_PASS, NEW_PASS]),
    "user passwd (own)": (["user", "passwd", "--user", ANNA], [ANNA_PASS, NEW_PASS]),
    "user passwd (reset)": (["user", "passwd", "--user", ADMIN, ANNA], [ADMIN_PASS, NEW_PASS]),
    "user revoke": (["user", "revoke", "--user", ADMIN, ANNA], [ADMIN_PASS]),
    "user list": (["user", "list", "--user", ADMIN], [ADMIN_PASS]),
    "check": (["check", "--user", ANNA], [ANNA_PASS]),
    "rekey": (["rekey", "--user", MANAGER], [MANAGER_PASS]),
    "backup --user": (["backup", "--user", ANNA, "--out", "{tmp}/b.rcb"], [ANNA_PASS]),
    "restore": (["restore", "--user", MANAGER, "--from", "{backup}"], [MANAGER_PASS]),
    "settings": (["settings", "--user", ADMIN, "--idle-timeout", "300"], [ADMIN_PASS]),
}

#: whose passphrase becomes NEW_PASS
NEW_PASSPHRASE_OF = {"user add": "bo", "user passwd (own)": ANNA, "user passwd (reset)": ANNA}


def named_user(argv: list[str]) -> str:
    return argv[argv.index("--user") + 1]


def prepared(installed: Path, tmp_path: Path, cli: Cli, argv: list[str]) -> list[str]:
    if "{backup}" in argv:
        backup = tmp_path / "before.rcb"
        code, _, err = cli("backup", "--db", installed, "--out", backup, "--user", MANAGER,
                           stdin=lines(MANAGER_PASS))
        assert code == 0, err
    return ["--db", str(installed),
            *(a.format(tmp=tmp_path, backup=tmp_path / "before.rcb") for a in argv)]


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_crlf_lines_are_read_without_the_carriage_return(
    installed: Path, tmp_path: Path, cli: Cli, command: str
) -> None:
    argv, phrases = COMMANDS[command]
    code, _, err = cli(*prepared(installed, tmp_path, cli, argv),
                       stdin=lines(*phrases, end=b"\r\n"))
    assert code == 0, err
    assert Throttle(installed).failures(named_user(argv)) == 0
    if command in NEW_PASSPHRASE_OF:  # the new passphrase was stored without the \r
        Vault.unlock(installed, MANAGER, MANAGER_PASS).close()  # enrols a pending slot
        Vault.unlock(installed, NEW_PASSPHRASE_OF[command], NEW_PASS).close()


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_invalid_utf8_is_a_usage_error_and_a_failed_attempt(
    installed: Path, tmp_path: Path, cli: Cli, command: str
) -> None:
    argv, _phrases = COMMANDS[command]
    args = prepared(installed, tmp_path, cli, argv)
    keys_before = files.keyfile_path(installed).read_bytes()
    code, _, err = cli(*args, stdin=lines(BAD, NEW_PASS))
    assert code == 2, err
    assert "UTF-8" in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert files.keyfile_path(installed).read_bytes() == keys_before
    user = named_user(argv)
    assert Throttle(installed).failures(user) == 1
    # the attempt reaches the access log with the next login
    Throttle(installed).reset(user)
    with Vault.unlock(installed, MANAGER, MANAGER_PASS) as v:
        from sqlalchemy import select

        from storage.models import AccessLog

        with v.session() as s:
            rows = s.scalars(select(AccessLog).where(AccessLog.action == "login_failed")).all()
            assert [(r.username, r.outcome) for r in rows] == [(user, "invalid_input")]


@pytest.mark.parametrize("command", ["user add", "user passwd (own)", "user passwd (reset)"])
def test_an_invalid_new_passphrase_changes_nothing(
    installed: Path, tmp_path: Path, cli: Cli, command: str
) -> None:
    argv, phrases = COMMANDS[command]
    keys_before = files.keyfile_path(installed).read_bytes()
    code, _, err = cli(*prepared(installed, tmp_path, cli, argv), stdin=lines(phrases[0], BAD))
    assert code == 2, err
    assert files.keyfile_path(installed).read_bytes() == keys_before
    assert Throttle(installed).failures(named_user(argv)) == 0  # that login was right


def test_init_with_crlf_and_with_invalid_utf8(tmp_path: Path, cli: Cli) -> None:
    path = tmp_path / "new" / "rc.db"
    first = ["init", "--db", path, "--admin", ADMIN, "--manager", "chef"]
    chef_pass = "fyrbåkens långa fras"
    for stdin in (lines(BAD, chef_pass), lines(ADMIN_PASS, BAD)):
        code, _, err = cli(*first, stdin=stdin)
        assert code == 2 and "UTF-8" in err
        assert not path.exists() and not files.keyfile_path(path).exists()
    code, _, err = cli(*first, stdin=lines(ADMIN_PASS, chef_pass, end=b"\r\n"))
    assert code == 0, err
    Vault.unlock(path, ADMIN, ADMIN_PASS).close()
    Vault.unlock(path, "chef", chef_pass).close()


def test_unknown_user_with_invalid_utf8_is_recorded_as_such(installed: Path, cli: Cli) -> None:
    code, _, _ = cli("check", "--db", installed, "--user", "nobody", stdin=lines(BAD))
    assert code == 2
    assert files.authlog_path(installed).exists()
    assert Throttle(installed).failures("nobody") == 0


def test_a_real_process_reads_crlf_and_refuses_invalid_utf8(installed: Path) -> None:
    """The same through the process's own ``sys.stdin`` (no in-process stand-in)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "RC_TUI_INSECURE_TEST_KDF": "1"}

    def run(stdin: bytes) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([sys.executable, "-m", "rc_tui", "check", "--db", str(installed),
                               "--user", ANNA], input=stdin, capture_output=True, env=env,
                              timeout=120, check=False)

    result = run(lines(ANNA_PASS, end=b"\r\n"))
    assert result.returncode == 0, result.stderr
    result = run(lines(BAD))
    assert result.returncode == 2 and b"UTF-8" in result.stderr
    assert b"Traceback" not in result.stderr
    assert Throttle(installed).failures(ANNA) == 1
