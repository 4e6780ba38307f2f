"""Type-ahead in a real terminal: whole bursts of keys arrive in ONE read of the driver.

Pilot paces its keys (each is handled before the next is sent), so it cannot show what a
laggy SSH link or a password manager's auto-type does: many keys in one ``read``. Here the
program runs in a pty and each burst is one ``os.write`` (or one tmux ``send-keys``), and
the test looks where the keys landed: the screen reached, what the terminal was sent, the
database.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from rc_tui.services.people import PeopleService
from rc_tui.services.search import SearchService
from storage.vault import Vault
from tests.conftest import ADMIN, ADMIN_PASS, ANNA, ANNA_PASS
from tests.pty_terminal import PtyTerminal, TmuxTerminal

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX pty")

TEST_ENV = {"RC_TUI_INSECURE_TEST_KDF": "1"}
HOME = "Mina öppna ärenden"
CTRL_O = "\x0f"  # leave a text box
CTRL_S = "\x13"
DIALOG = "Tillfällig lösenfras"  # a label of the add-user dialog


def _terminal(db: Path) -> PtyTerminal:
    return PtyTerminal(["--db", str(db)], env=TEST_ENV)


def test_login_burst_puts_the_passphrase_in_its_field(installed: Path) -> None:
    """``user⇥passphrase⏎n`` in one read: logged in, the terminal was never sent the
    passphrase (it would be, in clear text, if it had reached the username field), and the
    ``n`` typed after the Enter waited for the login and opened an intake on the home
    screen."""
    term = _terminal(installed)
    try:
        term.wait_for("Logga in")
        term.settle(0.3)  # the login screen and its focus are up: the burst is typed ahead
        start = term.mark()
        term.send(f"{ANNA}\t{ANNA_PASS}\rn")
        term.wait_for("Ny aktualisering", start=start)
        assert ANNA_PASS.encode() not in term.output
        assert ANNA.encode() in term.since(start)  # the username was drawn in its field
    finally:
        term.close()


def _people(db: Path, name: str) -> dict[str, int | None]:
    """Given name -> birth year of the persons found by ``name``."""
    with Vault.unlock(db, ANNA, ANNA_PASS) as v:
        found: dict[str, int | None] = {}
        for hit in SearchService(v, screen="test").search(name):
            if hit.kind == "person" and hit.person_id is not None:
                data = PeopleService(v, screen="test").get(hit.person_id).data
                found[data.given_name] = data.birth_year
        return found


def test_intake_burst_lands_each_value_in_its_field(installed: Path) -> None:
    """The issue's burst (name Enter family Enter Enter 1990 Enter k), for two persons and
    the save, in one read: each person gets their own birth year, nothing spills over."""
    term = _terminal(installed)
    try:
        term.wait_for("Logga in")
        term.send(f"{ANNA}\r{ANNA_PASS}\r")
        term.wait_for(HOME)
        start = term.mark()
        term.send("n")
        term.wait_for("Ny aktualisering", start=start)
        start = term.mark()
        term.send("s" "Ringde själv.\tRädd." + CTRL_O + "n"
                  "vMaja\rTypsson\r\r1990\rk"
                  "bLeo\rTypsson\r\r2019\rm" + CTRL_S)
        term.wait_for("Aktualiseringar", start=start)  # the case screen: saved
    finally:
        term.close()
    assert _people(installed, "Typsson") == {"Maja": 1990, "Leo": 2019}


def test_tmux_send_keys_login_and_one_dialog_per_burst(installed: Path,
                                                       tmp_path: Path) -> None:
    """Through tmux over a real pty, each burst one ``send-keys``: the login with a Tab,
    then ``u`` and ``a a a`` (users, add user): exactly one dialog, and the repeated ``a``
    is not typed into it. (The list whose own key handler opened three dialogs, an
    ``EntryList``, is proved in ``tests/ui/test_typeahead.py``.)"""
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    argv = ["env", *(f"{k}={v}" for k, v in TEST_ENV.items()), sys.executable, "-m",
            "rc_tui", "--db", str(installed)]
    term = TmuxTerminal(tmp_path, "keys", argv)
    try:
        term.wait_for("Logga in")
        term.keys(ADMIN, "Tab", ADMIN_PASS, "Enter")
        term.wait_for("Admin Istratör (admin)", gone="Logga in")  # the administrator's home
        assert ADMIN_PASS not in term.screen()
        term.keys("u", "a", "a", "a")
        term.wait_for(DIALOG)
        term.type("bo")
        term.wait_for("▊ bo")  # the username field holds what was typed, no "a"
        term.keys("Escape")
        term.wait_for("Användarnamn", gone=DIALOG)  # one Esc: no dialog left
    finally:
        term.kill_server()
