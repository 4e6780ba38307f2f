"""Snapshot tests of the important screens at 80x24 (update with --snapshot-update)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rc_tui.app import RcApp
from storage.roles import Role
from storage.vault import Vault
from tests.helpers import login, settle

SIZE = (80, 24)


def _demo_like(tmp_path: Path) -> Path:
    path = tmp_path / "snap" / "rc.db"
    logins = [("anna", "demo-blå-kanot", "caseworker"), ("admin", "demo-vit-nyckel", "admin")]
    v = Vault.create(path, "admin", "Demo-Administratör", "demo-vit-nyckel", demo=True,
                     demo_logins=logins)
    v.add_user("anna", "Anna Demo-Handläggare", Role.CASEWORKER, "demo-blå-kanot",
               must_change=False)
    v.close(None)
    return path


def test_first_run_screen(snap_compare: Any) -> None:
    app = RcApp(Path("/nonexistent/rc-tui-snapshot/rc.db"))
    assert snap_compare(app, terminal_size=SIZE)


def test_login_screen_demo(snap_compare: Any, tmp_path: Path) -> None:
    assert snap_compare(RcApp(_demo_like(tmp_path)), terminal_size=SIZE)


def test_home_caseworker(snap_compare: Any, tmp_path: Path) -> None:
    async def run_before(pilot: Any) -> None:
        await login(pilot, "anna", "demo-blå-kanot")
        await settle(pilot)

    assert snap_compare(RcApp(_demo_like(tmp_path)), terminal_size=SIZE, run_before=run_before)


def test_home_admin_english(snap_compare: Any, tmp_path: Path) -> None:
    async def run_before(pilot: Any) -> None:
        await login(pilot, "admin", "demo-vit-nyckel")
        await settle(pilot)

    app = RcApp(_demo_like(tmp_path), lang="en")
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_lock_screen(snap_compare: Any, tmp_path: Path) -> None:
    async def run_before(pilot: Any) -> None:
        await login(pilot, "anna", "demo-blå-kanot")
        await pilot.press("ctrl+l")
        await settle(pilot)

    assert snap_compare(RcApp(_demo_like(tmp_path)), terminal_size=SIZE, run_before=run_before)
