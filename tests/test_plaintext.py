"""No plaintext on disk: marker strings written through the app never appear in any file
of the data folder (database, -wal, -shm, key file, auth files) or in temp folders."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest
from textual.widgets import Input

from rc_tui.app import RcApp
from storage.vault import Vault
from tests.conftest import ADMIN, ADMIN_PASS
from tests.helpers import login, settle, type_text


def _hits(folder: Path, markers: list[str]) -> list[str]:
    found = []
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        for marker in markers:
            for encoded in (marker.encode("utf-8"), marker.encode("utf-16-le")):
                if encoded in data:
                    found.append(f"{path.name}: {marker}")
    return found


async def test_markers_never_reach_disk_in_plaintext(
    installed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("SQLITE_TMPDIR", str(temp))
    monkeypatch.setenv("TMPDIR", str(temp))
    name_marker = f"Markör {secrets.token_hex(6)}"
    user_marker = f"mk{secrets.token_hex(5)}"
    data_dir = installed.parent
    app = RcApp(installed)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await login(pilot, ADMIN, ADMIN_PASS)
        await pilot.press("u")
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        await type_text(pilot, user_marker)
        await pilot.press("enter")
        await type_text(pilot, name_marker)
        await pilot.press("enter")
        for field in ("passphrase", "repeat"):
            app.screen.query_one(f"#{field}", Input).value = "en tillfällig lång fras"
        app.screen.set_focus(app.screen.query_one("#repeat", Input))
        await pilot.press("enter")
        await settle(pilot)
        assert os.path.exists(str(installed) + "-wal")  # the WAL is live while open
        assert _hits(data_dir, [name_marker]) == []
        assert _hits(temp, [name_marker, user_marker]) == []
    assert _hits(data_dir, [name_marker]) == []
    assert _hits(temp, [name_marker, user_marker]) == []
    # the usernames are in the key file by design (the only names it holds) - but the
    # display name, roles and everything else are only inside the encrypted database
    with Vault.unlock(installed, ADMIN, ADMIN_PASS) as v:
        names = [u.display_name for u in v.list_users()]
    assert name_marker in names


def test_nothing_but_own_files_in_the_data_folder(vault: Vault) -> None:
    vault.log("view")
    allowed = {"rc.db", "rc.db-wal", "rc.db-shm", "rc.db.keys", "rc.db.auth", "rc.db.lockout"}
    assert {p.name for p in vault.path.parent.iterdir()} <= allowed
