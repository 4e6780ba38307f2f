"""File permissions: folder 0700, every file 0600 (POSIX; Windows relies on profile ACLs)."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from storage import files
from storage.errors import UnsafeFolder
from storage.vault import Vault
from tests.cli_runner import run_cli
from tests.conftest import ADMIN_PASS, ANNA, ANNA_PASS

CHEF_PASS = "fyrbåkens långa fras"
FIRST = f"{ADMIN_PASS}\n{CHEF_PASS}\n"  # init: the administrator's, then the manager's

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_modes_after_create_and_use(installed: Path) -> None:
    old = os.umask(0o022)  # even with a permissive umask in the calling shell
    try:
        with pytest.raises(Exception):
            Vault.unlock(installed, ANNA, "fel lösenfras men lång")
        v = Vault.unlock(installed, ANNA, ANNA_PASS, clock=lambda: 9e9)
        v.log("view")
        assert mode(installed.parent) == 0o700
        for path in files.sidecar_paths(installed):
            if path.exists():
                assert mode(path) == 0o600, path.name
        v.close()
    finally:
        os.umask(old)


Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli() -> Cli:
    """``rc-tui`` in this process (``tests.cli_runner``): exit code, stdout, stderr."""
    return run_cli


def folder_with_mode(parent: Path, name: str, wanted: int) -> Path:
    folder = parent / name
    folder.mkdir()
    os.chmod(folder, wanted)
    return folder


@pytest.mark.parametrize("wanted", [0o755, 0o711, 0o750, 0o2750, 0o700])
def test_init_and_demo_keep_an_existing_folders_mode(
    tmp_path: Path, cli: Cli, wanted: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = folder_with_mode(tmp_path, "existing", wanted)
    code, _, err = cli("init", "--db", folder / "rc.db", "--admin", "admin",
                       "--manager", "chef", stdin=FIRST)
    assert code == 0, err
    assert mode(folder) == wanted
    assert mode(folder / "rc.db") == 0o600 and mode(folder / "rc.db.keys") == 0o600
    listable = bool(wanted & 0o044)
    assert ("rc-tui does not change" in err or "ändrar inte" in err) is listable

    if wanted == 0o2750:  # the demo makes its folder the same way (one mode is enough,
        # and its folder is what is looked at here: the data it generates is not)
        import rc_tui.demo

        monkeypatch.setattr(rc_tui.demo, "generate", lambda vault, persons: None)
        demo_folder = folder_with_mode(tmp_path, "demo", wanted)
        code, _, err = cli("demo", "--db", demo_folder / "demo.db", "--persons", "2",
                           "--no-open")
        assert code == 0, err
        assert mode(demo_folder) == wanted


@pytest.mark.parametrize("wanted", [0o755, 0o700])
def test_restore_keeps_an_existing_folders_mode(tmp_path: Path, cli: Cli, wanted: int) -> None:
    source = tmp_path / "source" / "rc.db"
    assert cli("init", "--db", source, "--admin", "admin", "--manager", "chef",
               stdin=FIRST)[0] == 0
    backup = tmp_path / "backups" / "rc.rcb"
    code, _, err = cli("backup", "--db", source, "--out", backup, "--user", "chef",
                       stdin=CHEF_PASS + "\n")
    assert code == 0, err
    folder = folder_with_mode(tmp_path, "target", wanted)
    code, _, err = cli("restore", "--db", folder / "rc.db", "--from", backup, "--user", "chef",
                       stdin=CHEF_PASS + "\n")
    assert code == 0, err
    assert (folder / "rc.db").exists()
    assert mode(folder) == wanted


@pytest.mark.parametrize("wanted", [0o1777, 0o777, 0o770, 0o730, 0o703])
def test_a_folder_others_can_write_is_refused_and_left_alone(
    tmp_path: Path, cli: Cli, wanted: int
) -> None:
    """Like ``--db /tmp/x.db``: refused with a reason, the folder keeps its mode (and the
    sticky bit), nothing is written into it."""
    folder = folder_with_mode(tmp_path, "shared", wanted)
    code, _, err = cli("init", "--db", folder / "rc.db", "--admin", "admin",
                       "--manager", "chef", stdin=FIRST)
    assert code == 1
    assert str(folder) in err and "mkdir -m 0700" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert mode(folder) == wanted
    assert list(folder.iterdir()) == []
    code, _, err = cli("demo", "--db", folder / "demo.db", "--persons", "2", "--no-open")
    assert code == 1 and mode(folder) == wanted and list(folder.iterdir()) == []
    with pytest.raises(UnsafeFolder) as caught:
        Vault.create(folder / "rc.db", "admin", "Admin", ADMIN_PASS, "chef", "Chef", CHEF_PASS)
    assert caught.value.reason == "writable"
    assert mode(folder) == wanted


def test_restore_into_a_folder_others_can_write_is_refused(tmp_path: Path, cli: Cli) -> None:
    source = tmp_path / "source" / "rc.db"
    assert cli("init", "--db", source, "--admin", "admin", "--manager", "chef",
               stdin=FIRST)[0] == 0
    backup = tmp_path / "backups" / "rc.rcb"
    assert cli("backup", "--db", source, "--out", backup, "--user", "chef",
               stdin=CHEF_PASS + "\n")[0] == 0
    folder = folder_with_mode(tmp_path, "shared", 0o1777)
    code, _, err = cli("restore", "--db", folder / "rc.db", "--from", backup, "--user", "chef",
                       stdin=CHEF_PASS + "\n")
    assert code == 1, err
    assert mode(folder) == 0o1777 and list(folder.iterdir()) == []


def test_a_folder_of_another_account_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files.os, "geteuid", lambda: 1000)  # also when the tests run as root
    folder = folder_with_mode(tmp_path, "theirs", 0o700)
    real_stat = Path.stat

    def foreign(self: Path, **kw: object) -> os.stat_result:
        st = real_stat(self, **kw)  # type: ignore[arg-type]
        if self == folder:
            fields = list(st)
            fields[stat.ST_UID] = 1001
            return os.stat_result(fields)
        return st

    monkeypatch.setattr(Path, "stat", foreign)
    with pytest.raises(UnsafeFolder) as caught:
        files.ensure_private_dir(folder)
    assert caught.value.reason == "owner"


def test_missing_folders_are_created_owner_only(tmp_path: Path) -> None:
    os.chmod(tmp_path, 0o755)
    old = os.umask(0o022)
    try:
        files.ensure_private_dir(tmp_path / "a" / "b" / "c")
    finally:
        os.umask(old)
    for folder in (tmp_path / "a", tmp_path / "a" / "b", tmp_path / "a" / "b" / "c"):
        assert mode(folder) == 0o700, folder
    assert mode(tmp_path) == 0o755  # the existing parent is not touched


def test_process_hygiene() -> None:
    from rc_tui.hygiene import harden_process

    applied = harden_process()
    assert applied["no_core"]
    import resource

    assert resource.getrlimit(resource.RLIMIT_CORE) == (0, 0)
    if os.uname().sysname == "Linux":
        assert applied["not_dumpable"]
