"""rc-tui over SSH as the shelter's night staff use it, end to end.

A throwaway OpenSSH server on 127.0.0.1 (its own host key, config, authorized_keys and pid
file in tmp_path; the machine's /etc/ssh is not used) with the hardening of README's
"Shared host over SSH": no forwarding of any kind, a forced command like the README's
wrapper, ``restrict,pty`` on the key. The clients are ``ssh -tt`` inside tmux at 80×24;
passphrases are typed into the TUI (never in argv or the environment). Two night workers
are logged in at once: one writes a shift-log entry by keys and quits, and the entry is read
back through the services; the other's link drops (her ssh client killed), so her rc-tui
gets SIGHUP, logs the hang-up, closes the vault and exits.

Needs ``sshd`` (Debian: openssh-server), ``ssh``, ``ssh-keygen`` and ``tmux``; skips
without them (``.ci/run`` installs them where it can).
"""

from __future__ import annotations

import contextlib
import getpass
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from rc_tui.services.shelter import ShelterService
from storage.vault import Vault
from tests.conftest import MANAGER, MANAGER_PASS
from tests.pty_terminal import TmuxTerminal as Terminal
from tests.service.test_access import SIRI, SIRI_PASS, Family, family  # noqa: F401 - fixture
from tests.ui.test_ui_shelter import _places_and_handover


def _sshd() -> str | None:
    found = shutil.which("sshd")
    if found:
        return found
    return "/usr/sbin/sshd" if os.access("/usr/sbin/sshd", os.X_OK) else None


SSHD = _sshd()
MISSING = [name for name, path in (("sshd (openssh-server)", SSHD), ("ssh", shutil.which("ssh")),
                                   ("ssh-keygen", shutil.which("ssh-keygen")),
                                   ("tmux", shutil.which("tmux"))) if not path]

pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="OpenSSH server and tmux: POSIX only"),
    pytest.mark.skipif(bool(MISSING), reason="needs " + ", ".join(MISSING)
                       + " (.ci/run installs openssh-server and tmux with apt-get as root)"),
]

# sshd running as root chroots its pre-authentication child into this empty folder, which
# the system's ssh service normally creates (systemd RuntimeDirectory=sshd)
PRIVSEP_DIR = Path("/run/sshd")
README = Path(__file__).resolve().parents[2] / "README.md"
DAGNY_PASS = "dagpersonalens fras"  # as tests.ui.test_ui_shelter._places_and_handover
ENTRY = "Natten lugn – Rosen sover, larmet testat."


def _readme_block(first_line: str, end: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(first_line)
    return text[start:text.index(end, start)] + "\n"


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, f"README no longer has {old!r}"
    return text.replace(old, new)


def readme_setup_commands(db: Path) -> list[list[str]]:
    """README's step 2 (database, users, idle lock, places) as argv lists for ``rc_tui.cli``:
    each line's ``runuser -u rctui -- /opt/rc-tui/bin/rc-tui`` taken off, the test's
    database for the README's."""
    block = _readme_block("runuser -u rctui -- /opt/rc-tui/bin/rc-tui init", "\n```")
    commands = []
    for line in block.replace("\\\n", " ").splitlines():
        if not line.strip():
            continue
        argv = shlex.split(line)
        assert argv[:5] == ["runuser", "-u", "rctui", "--", "/opt/rc-tui/bin/rc-tui"], line
        argv = [str(db) if a == "/srv/rc-tui/data/rc-tui.db" else a for a in argv[5:]]
        commands.append(argv)
    return commands


def readme_wrapper(pidfile: Path, db: Path) -> str:
    """README's wrapper script, with the venv under test, the test's database, its pid
    written down, and two test-only settings (light Argon2, no animations) – no secret."""
    script = _readme_block("#!/bin/sh\n# Forced command for rc-tui over SSH", "\n```")
    return _replace(
        script, "exec /opt/rc-tui/bin/rc-tui --db /srv/rc-tui/data/rc-tui.db",
        f"echo $$ >> {shlex.quote(str(pidfile))}\n"
        f"exec env RC_TUI_INSECURE_TEST_KDF=1 TEXTUAL_ANIMATIONS=none "
        f"{shlex.quote(sys.executable)} -m rc_tui --db {shlex.quote(str(db))}")


def readme_match_block(user: str, wrapper: Path) -> str:
    """README's sshd_config block for the forced-command account, for ``user``."""
    block = _readme_block("Match User rctui\n", "\n\n")
    block = _replace(block, "Match User rctui", f"Match User {user}")
    return _replace(block, "ForceCommand /usr/local/bin/rc-tui-ssh", f"ForceCommand {wrapper}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(check: Callable[[], object], what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


class SshHost:
    """sshd on 127.0.0.1 whose only command for our key is rc-tui on ``db``."""

    def __init__(self, tmp: Path, db: Path) -> None:
        assert SSHD is not None
        self.tmp = tmp
        self.user = getpass.getuser()
        self.pidfile = tmp / "remote-rc-tui.pids"
        for name in ("host_key", "client_key"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name,
                            "-f", str(tmp / name)], check=True)
        wrapper = tmp / "rc-tui-ssh"
        wrapper.write_text(readme_wrapper(self.pidfile, db), encoding="utf-8")
        wrapper.chmod(0o700)
        pub = (tmp / "client_key.pub").read_text(encoding="ascii").strip()
        (tmp / "authorized_keys").write_text(f'restrict,pty,command="{wrapper}" {pub}\n',
                                             encoding="ascii")
        if os.geteuid() == 0 and not PRIVSEP_DIR.is_dir():
            PRIVSEP_DIR.mkdir(mode=0o755)
        self.proc: subprocess.Popen[bytes] | None = None
        for _attempt in range(3):  # another process may take the free port first
            self.port = _free_port()
            if self._start(wrapper):
                break
        else:
            raise AssertionError("sshd did not start: " + self._log())
        host_pub = (tmp / "host_key.pub").read_text(encoding="ascii").split()
        (tmp / "known_hosts").write_text(f"[127.0.0.1]:{self.port} {host_pub[0]} {host_pub[1]}\n",
                                         encoding="ascii")

    def _log(self) -> str:
        return (self.tmp / "sshd.log").read_text(encoding="utf-8", errors="replace")

    def _start(self, wrapper: Path) -> bool:
        t = self.tmp
        (t / "sshd_config").write_text(f"""\
ListenAddress 127.0.0.1:{self.port}
HostKey {t / "host_key"}
PidFile {t / "sshd.pid"}
AuthorizedKeysFile {t / "authorized_keys"}
# the test's files live under the world-writable /tmp, which sshd's ownership checks refuse
StrictModes no
UsePAM no
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitUserEnvironment no
{readme_match_block(self.user, wrapper)}""", encoding="utf-8")
        (t / "sshd.log").write_bytes(b"")
        with (t / "sshd.log").open("ab") as log:
            self.proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(t / "sshd_config")],
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if "Server listening" in self._log():
                return True
            if self.proc.poll() is not None:
                return False
            time.sleep(0.05)
        self.stop()
        return False

    def ssh_argv(self, *extra: str, command: str = "") -> list[str]:
        t = self.tmp
        return ["ssh", "-F", "/dev/null", "-p", str(self.port), "-i", str(t / "client_key"),
                "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
                "-o", f"UserKnownHostsFile={t / 'known_hosts'}",
                "-o", "StrictHostKeyChecking=yes", *extra, f"{self.user}@127.0.0.1",
                *([command] if command else [])]

    def remote_pids(self, n: int = 1) -> list[int]:
        """The pids of the remote rc-tui processes started so far (the wrapper's $$)."""
        def pids() -> list[int]:
            text = self.pidfile.read_text() if self.pidfile.is_file() else ""
            return [int(line) for line in text.split()]
        _wait(lambda: len(pids()) >= n, f"{n} remote rc-tui pids", 20)
        return pids()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


@pytest.fixture
def host(tmp_path: Path, family: Family) -> Iterator[SshHost]:
    _places_and_handover(family)  # places, a second night worker (dagny), a handover
    h = SshHost(tmp_path, family.path)
    try:
        yield h
    finally:
        h.stop()


def test_night_staff_over_ssh_a_shift_log_entry_and_a_dropped_link(
        host: SshHost, family: Family) -> None:
    """Two night workers at once: siri writes a shift-log entry by keys and quits with
    Ctrl+Q; dagny's link drops (her ssh client dies), so sshd closes her terminal and her
    rc-tui gets SIGHUP: it closes the vault and exits, no process is left behind."""
    # meanwhile: a port forwarding and any other command are refused
    refused = [subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
               for argv in (host.ssh_argv("-N", "-o", "ExitOnForwardFailure=yes",
                                          "-R", "0:127.0.0.1:9"),
                            host.ssh_argv(command="cat /etc/passwd"))]
    siri = Terminal(host.tmp, "siri", host.ssh_argv("-tt"))
    remote: list[int] = []
    try:
        siri.wait_for("Logga in")
        remote += host.remote_pids()
        dagny = Terminal(host.tmp, "dagny", host.ssh_argv("-tt", command="low-bandwidth"))
        siri.log_in(SIRI, SIRI_PASS)
        dagny.log_in("dagny", DAGNY_PASS)
        remote += host.remote_pids(2)[1:]
        siri.wait_for("Överlämning: 1")
        siri.keys("s")
        siri.wait_for("2 av 2 platser lediga")
        siri.keys("l")
        siri.wait_for("1 oläst (")
        siri.keys("n")
        siri.wait_for("Anteckning i passloggen")
        siri.type(ENTRY)
        siri.keys("C-s")
        siri.wait_for("Natten lugn", gone="Anteckning i passloggen")  # saved, dialog closed
        # the link drops under dagny, logged in and at her home screen
        dagny.wait_for("Mina")
        os.kill(dagny.client_pid(), signal.SIGKILL)
        _wait(lambda: not _alive(remote[1]), "dagny's rc-tui to exit on SIGHUP", 20)
        siri.keys("C-q")
        _wait(lambda: not _alive(remote[0]), "siri's rc-tui to exit after Ctrl+Q", 20)
        _wait(lambda: not siri.alive(), "siri's ssh session to end", 10)
    finally:
        for pid in remote:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        siri.kill_server()
        for proc in refused:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(10)
            proc.kill()
    (_, forward_err), (cat_out, cat_err) = (p.communicate() for p in refused)
    assert refused[0].returncode != 0 and "forwarding failed" in forward_err, forward_err
    assert refused[1].returncode == 2 and "root:" not in cat_out, cat_out
    assert "only 'low-bandwidth'" in cat_err, cat_err
    wal = Path(str(family.path) + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0  # both closed cleanly, checkpointed
    with Vault.unlock(family.path, MANAGER, MANAGER_PASS) as v:
        with v.session() as s:
            rows = s.execute(text("SELECT action, username FROM access_log ORDER BY id")).all()
        assert v.check().ok
    actions = [tuple(r) for r in rows]
    assert actions.count(("logout", SIRI)) == 1 and actions.count(("hangup", "dagny")) == 1
    with Vault.unlock(family.path, SIRI, SIRI_PASS) as v:
        log = ShelterService(v).shift_log("shelter")
    assert [(e.author, e.body) for e in log if e.body == ENTRY] == [(SIRI, ENTRY)], log


def test_the_readmes_setup_steps_end_with_a_night_shift_that_can_work(tmp_path: Path) -> None:
    """README's step 2, literally (through ``rc_tui.cli``, passphrases on stdin as each
    command documents): the night worker it adds can log in once the manager's
    ``places`` commands have run, and finds the shelter's places free."""
    from tests.system.test_cli import run

    db = tmp_path / "data" / "rc-tui.db"
    admin, manager, siri, siri_new = ("styrelsens långa fras", "fyrbåkens långa fras",
                                      "nattens stilla långa fras", "gryningens egen fras")
    stdin = {"init": [admin, manager], "user": [admin, siri], "settings": [admin],
             "places": [manager]}
    commands = readme_setup_commands(db)
    assert [c[0] for c in commands].count("places") >= 2
    for argv in commands:
        result = run(*argv, stdin="".join(f"{line}\n" for line in stdin[argv[0]]))
        assert result.returncode == 0, (argv, result.stderr)
    result = run("user", "passwd", "--db", str(db), "--user", "siri",
                 stdin=f"{siri}\n{siri_new}\n")  # what her first login asks for
    assert result.returncode == 0, result.stderr
    with Vault.unlock(db, "siri", siri_new) as v:
        board = ShelterService(v).board("shelter")
        assert board.free == len(board.lines) >= 2
