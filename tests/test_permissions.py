"""File permissions: folder 0700, every file 0600 (POSIX; Windows relies on profile ACLs)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from storage import files
from storage.vault import Vault
from tests.conftest import ANNA, ANNA_PASS

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


def test_existing_folder_is_tightened(tmp_path: Path) -> None:
    folder = tmp_path / "loose"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    Vault.create(folder / "rc.db", "admin", "Admin", "en lång nog fras").close()
    assert mode(folder) == 0o700
    assert mode(folder / "rc.db") == 0o600
    assert mode(folder / "rc.db.keys") == 0o600


def test_process_hygiene() -> None:
    from rc_tui.hygiene import harden_process

    applied = harden_process()
    assert applied["no_core"]
    import resource

    assert resource.getrlimit(resource.RLIMIT_CORE) == (0, 0)
    if os.uname().sysname == "Linux":
        assert applied["not_dumpable"]
