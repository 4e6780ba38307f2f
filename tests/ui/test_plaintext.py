"""No plaintext on disk: marker strings written through the app never appear in any file
of the data folder (database, -wal, -shm, auth files) or in temp folders. The one
exception is by design: the key file is the administrators' signed user directory, so it
holds the usernames, display names and roles (and no case content)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest
from textual.widgets import Input

from screens.app import RcApp
from storage import files, keys
from storage.vault import Vault
from tests.conftest import ADMIN, ADMIN_PASS, MANAGER, MANAGER_PASS
from tests.helpers import settle, signed_in, type_text


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
        await signed_in(pilot, ADMIN, ADMIN_PASS)
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
        assert _hits(temp, [name_marker, user_marker]) == []
    # the administrator's session has no database: the user is a signed, pending slot in
    # the key file (the signed directory: the display name's one copy outside the
    # encrypted database, by design - JSON-escaped, so no raw hit for "ö")
    assert _hits(data_dir, [name_marker]) == []
    assert keys.KeyFile.load(files.keyfile_path(installed)).slots[user_marker].display_name \
        == name_marker
    assert _hits(temp, [name_marker, user_marker]) == []
    with Vault.unlock(installed, ADMIN, ADMIN_PASS) as v:
        names = [u.display_name for u in v.list_users()]
    assert name_marker in names
    # a manager's login enrols the user into the database, still encrypted there
    with Vault.unlock(installed, MANAGER, MANAGER_PASS) as v:
        assert user_marker in [u.username for u in v.enrolled]
        assert os.path.exists(str(installed) + "-wal")  # the WAL is live while open
        assert _hits(data_dir, [name_marker]) == []
        assert _hits(temp, [name_marker, user_marker]) == []
    assert _hits(data_dir, [name_marker]) == []


def test_nothing_but_own_files_in_the_data_folder(vault: Vault) -> None:
    vault.log("view")
    allowed = {"rc.db", "rc.db-wal", "rc.db-shm", "rc.db.keys", "rc.db.keys.lock", "rc.db.auth",
               "rc.db.lockout", "rc.db.lockout.lock"}  # the two .lock files are empty
    assert {p.name for p in vault.path.parent.iterdir()} <= allowed
