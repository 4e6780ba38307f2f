"""The CLI without a terminal: passphrases on stdin, exit codes, one-line messages.

The commands run in this process through ``rc_tui.cli.main`` with the passphrases on a
byte stream as a pipe gives them (measured by coverage, and no interpreter start per
command); tests/system/test_cli_input.py runs real processes for what only a process shows
(stdin as bytes, invalid UTF-8, CRLF)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.cli_runner import run_cli
from tests.conftest import Templates

ADMIN_PASS = "styrelsens långa fras"
ANNA_PASS = "kanotens långa fras"
CHEF_PASS = "fyrbåkens långa fras"
FIRST = f"{ADMIN_PASS}\n{CHEF_PASS}\n"  # init: the administrator's, then the manager's


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """``rc-tui ARGS`` with ``stdin`` piped in: its exit code and what it printed."""
    return subprocess.CompletedProcess(list(args), *run_cli(*args, stdin=stdin))


def assert_clean(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr
    assert "Traceback" not in result.stdout


def build_initialised(path: Path) -> None:
    result = run("init", "--db", str(path), "--admin", "admin", "--manager", "chef",
                 stdin=FIRST)
    assert result.returncode == 0, result.stderr


@pytest.fixture
def db(tmp_path: Path, templates: Templates) -> Path:
    """An installation as ``rc-tui init`` made it (once per run; each test has a copy)."""
    path = tmp_path / "cli" / "rc.db"
    templates.copy("cli-init", path, build_initialised)
    return path


def _data_key_of(path: Path, username: str, passphrase: str) -> bytes:
    from storage import keys

    kf = keys.KeyFile.load(path.with_name(path.name + ".keys"))
    slot = kf.slots[username]
    private = keys.open_private_key(slot, passphrase, kf.db_id)
    assert slot.sealed_data_key is not None
    return keys.unseal_data_key(slot.sealed_data_key, private, kf.db_id, username,
                                slot.generation)


def test_init_with_crlf_lines_creates_an_administrator_without_and_a_manager_with_the_key(
    tmp_path: Path,
) -> None:
    """A stdin file made on Windows: the \r is no part of either passphrase."""
    from storage import keys

    os.environ["RC_TUI_INSECURE_TEST_KDF"] = "1"
    path = tmp_path / "crlf" / "rc.db"
    r = run("init", "--db", str(path), "--admin", "admin", "--name", "Ada Admin",
            "--manager", "chef", "--manager-name", "Cecilia Chef",
            stdin=f"{ADMIN_PASS}\r\n{CHEF_PASS}\r\n")
    assert r.returncode == 0, r.stderr
    assert "admin" in r.stdout and "chef" in r.stdout
    kf = keys.KeyFile.load(path.with_name(path.name + ".keys"))
    assert kf.slots["admin"].sealed_data_key is None  # the administrator holds no data key
    assert kf.slots["admin"].display_name == "Ada Admin"
    assert kf.slots["chef"].display_name == "Cecilia Chef"
    assert len(_data_key_of(path, "chef", CHEF_PASS)) == 32
    keys.open_slot(kf.slots["admin"], ADMIN_PASS, kf.db_id)  # without the \r
    r = run("check", "--db", str(path), "--user", "chef", stdin=CHEF_PASS + "\r\n")
    assert r.returncode == 0, r.stderr
    r = run("check", "--db", str(path), "--user", "admin", stdin=ADMIN_PASS + "\n")
    assert r.returncode == 1  # refused: an administrator's passphrase opens no database
    assert "inte databasen" in r.stderr
    assert_clean(r)


def test_init_needs_both_users(tmp_path: Path) -> None:
    path = tmp_path / "one" / "rc.db"
    r = run("init", "--db", str(path), "--admin", "admin", stdin=FIRST)
    assert r.returncode == 2  # --manager is required
    r = run("init", "--db", str(path), "--admin", "admin", stdin=ADMIN_PASS + "\n")
    assert r.returncode == 2
    r = run("init", "--db", str(path), "--admin", "chef", "--manager", "chef", stdin=FIRST)
    assert r.returncode == 1
    assert "två olika" in r.stderr
    r = run("init", "--db", str(path), "--admin", "admin", "--manager", "chef",
            stdin=ADMIN_PASS + "\n")  # the manager's passphrase is missing
    assert r.returncode == 2
    assert not path.exists()
    assert_clean(r)


def test_init_user_add_list_check(db: Path) -> None:
    r = run("user", "add", "--db", str(db), "--user", "admin", "anna", "--role", "caseworker",
            "--name", "Anna A", stdin=f"{ADMIN_PASS}\n{ANNA_PASS}\n")
    assert r.returncode == 0, r.stderr
    r = run("user", "list", "--db", str(db), "--user", "admin", stdin=ADMIN_PASS + "\n")
    assert r.returncode == 0
    assert "anna\tcaseworker\tpending" in r.stdout
    r = run("check", "--db", str(db), "--user", "anna", stdin=ANNA_PASS + "\n")
    assert r.returncode == 3  # pending: no data key until a manager's login
    assert "väntar" in r.stderr
    assert_clean(r)
    r = run("check", "--db", str(db), "--user", "chef", stdin=CHEF_PASS + "\n")
    assert r.returncode == 0, r.stderr  # the manager's login enrolled anna
    r = run("user", "list", "--db", str(db), "--user", "admin", stdin=ADMIN_PASS + "\n")
    assert "anna\tcaseworker\tactive" in r.stdout
    r = run("check", "--db", str(db), "--user", "anna", stdin=ANNA_PASS + "\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("OK")


def test_an_administrator_gets_a_clear_refusal_for_what_needs_the_data_key(
    db: Path, tmp_path: Path,
) -> None:
    for args in (["check"], ["rekey"], ["backup", "--out", str(tmp_path / "b.rcbackup")]):
        r = run(*args, "--db", str(db), "--user", "admin", stdin=ADMIN_PASS + "\n")
        assert r.returncode == 1, args
        assert "inte databasen" in r.stderr
        assert_clean(r)
    assert not (tmp_path / "b.rcbackup").exists()
    r = run("backup", "--db", str(db), "--user", "chef", "--out", str(tmp_path / "c.rcbackup"),
            stdin=CHEF_PASS + "\n")
    assert r.returncode == 0, r.stderr
    r = run("restore", "--db", str(db), "--user", "admin", "--from",
            str(tmp_path / "c.rcbackup"), "--verify-only", stdin=ADMIN_PASS + "\n")
    assert r.returncode == 1
    assert "inte databasen" in r.stderr
    r = run("restore", "--db", str(db), "--user", "chef", "--from",
            str(tmp_path / "c.rcbackup"), "--verify-only", stdin=CHEF_PASS + "\n")
    assert r.returncode == 0, r.stderr
    assert_clean(r)


def test_passphrases_never_from_argv(db: Path) -> None:
    r = run("check", "--db", str(db), "--user", "admin", ADMIN_PASS)
    assert r.returncode == 2  # argparse refuses the extra argument
    r = run("check", "--db", str(db), "--user", "admin")  # nothing on stdin
    assert r.returncode == 2
    assert "standard in" in r.stderr
    assert_clean(r)


def test_wrong_passphrase_unknown_user_exit_codes(db: Path) -> None:
    r = run("check", "--db", str(db), "--user", "admin", stdin="fel lösenfras igen\n")
    assert r.returncode == 3
    assert r.stderr.strip() == "rc-tui: Fel lösenfras."
    assert_clean(r)
    r = run("check", "--db", str(db), "--user", "nobody", stdin=ADMIN_PASS + "\n")
    assert r.returncode == 3
    assert "Okänd eller spärrad användare" in r.stderr
    # after many failures the delay is long; the message says how long, in English here
    (db.parent / (db.name + ".lockout")).write_text(
        '{"admin": {"failures": 10, "last": 9999999999}}')
    r = run("--lang", "en", "check", "--db", str(db), "--user", "admin", stdin=ADMIN_PASS + "\n")
    assert r.returncode == 3
    assert "Too many failed attempts" in r.stderr
    assert_clean(r)


def test_missing_database_and_keyfile(tmp_path: Path) -> None:
    r = run("check", "--db", str(tmp_path / "none.db"), "--user", "admin", stdin="x" * 12 + "\n")
    assert r.returncode == 4
    assert "Nyckelfilen saknas" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert_clean(r)


def test_damaged_database(db: Path) -> None:
    data = bytearray(db.read_bytes())
    data[0:64] = bytes(64)
    db.write_bytes(bytes(data))
    r = run("check", "--db", str(db), "--user", "chef", stdin=CHEF_PASS + "\n")
    assert r.returncode == 4
    assert "skadad" in r.stderr
    assert_clean(r)


def test_weak_passphrase_refused_with_reason(tmp_path: Path) -> None:
    path = tmp_path / "weak" / "rc.db"
    r = run("init", "--db", str(path), "--admin", "admin", "--manager", "chef",
            stdin=f"password1234\n{CHEF_PASS}\n")
    assert r.returncode == 1
    assert "vanliga lösenord" in r.stderr
    r = run("init", "--db", str(path), "--admin", "admin", "--manager", "chef",
            stdin=f"{ADMIN_PASS}\nkort\n")  # the manager's is checked as well
    assert r.returncode == 1
    assert "minst 12 tecken" in r.stderr
    assert not path.exists()


def test_passwd_revoke_and_rekey(db: Path) -> None:
    assert run("user", "add", "--db", str(db), "--user", "admin", "anna", "--role",
               "caseworker", stdin=f"{ADMIN_PASS}\n{ANNA_PASS}\n").returncode == 0
    assert run("check", "--db", str(db), "--user", "chef",
               stdin=CHEF_PASS + "\n").returncode == 0  # enrols anna
    old_key = _data_key_of(db, "anna", ANNA_PASS)
    new = "paddelns nya långa fras"
    r = run("user", "passwd", "--db", str(db), "--user", "anna",
            stdin=f"{ANNA_PASS}\n{new}\n")
    assert r.returncode == 0, r.stderr
    assert run("check", "--db", str(db), "--user", "anna", stdin=new + "\n").returncode == 0
    r = run("user", "revoke", "--db", str(db), "--user", "admin", "anna",
            stdin=ADMIN_PASS + "\n")
    assert r.returncode == 0, r.stderr
    assert "nästa transaktion" in r.stdout.lower()  # the rekey is a data-key holder's
    assert run("check", "--db", str(db), "--user", "anna", stdin=new + "\n").returncode == 3
    r = run("rekey", "--db", str(db), "--user", "admin", stdin=ADMIN_PASS + "\n")
    assert r.returncode == 1  # the administrator has no data key to rekey with
    r = run("check", "--db", str(db), "--user", "chef", stdin=CHEF_PASS + "\n")
    assert r.returncode == 0, r.stderr  # recorded the revocation and rekeyed
    assert _data_key_of(db, "chef", CHEF_PASS) != old_key
    r = run("rekey", "--db", str(db), "--user", "chef", stdin=CHEF_PASS + "\n")
    assert r.returncode == 0, r.stderr


def test_settings(db: Path) -> None:
    r = run("settings", "--db", str(db), "--user", "admin", "--idle-timeout", "600",
            stdin=ADMIN_PASS + "\n")
    assert r.returncode == 0, r.stderr
    assert "idle_timeout_seconds\t600" in r.stdout
    r = run("settings", "--db", str(db), "--user", "admin", "--idle-timeout", "5",
            stdin=ADMIN_PASS + "\n")
    assert r.returncode == 1
    r = run("settings", "--db", str(db), "--user", "chef", "--idle-timeout", "900",
            stdin=CHEF_PASS + "\n")
    assert r.returncode == 3  # settings are signed by an administrator
    r = run("settings", "--db", str(db), "--user", "chef", stdin=CHEF_PASS + "\n")
    assert "idle_timeout_seconds\t600" in r.stdout  # the manager's session reads the signed one


def test_check_detects_tampering(db: Path) -> None:
    from storage.vault import Vault

    os.environ["RC_TUI_INSECURE_TEST_KDF"] = "1"
    with Vault.unlock(db, "chef", CHEF_PASS) as v:
        key = bytes(v._data_key)
    import sqlcipher3

    conn = sqlcipher3.dbapi2.connect(str(db), isolation_level=None)
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    conn.execute("DROP TRIGGER access_log_no_update")
    conn.execute("UPDATE access_log SET username = 'someone' WHERE id = 1")
    conn.close()
    r = run("check", "--db", str(db), "--user", "chef", stdin=CHEF_PASS + "\n")
    assert r.returncode == 1
    assert "Kontrollen misslyckades" in r.stderr and "row 1" in r.stderr
    assert_clean(r)


def test_newer_schema_cli(db: Path) -> None:
    from sqlalchemy import text

    from storage.vault import Vault

    with Vault.unlock(db, "chef", CHEF_PASS) as v, v.session(write=True) as s:
        s.execute(text("UPDATE alembic_version SET version_num = 'ffff'"))
    r = run("check", "--db", str(db), "--user", "chef", stdin=CHEF_PASS + "\n")
    assert r.returncode == 4
    assert "nyare version" in r.stderr
    assert_clean(r)




def test_places_are_set_up_by_a_manager_and_seen_by_the_facilitys_staff(db: Path) -> None:
    """``rc-tui places``: what a fresh shared host needs before its first night shift."""
    siri_pass = "nattens stilla långa fras"
    r = run("user", "add", "--db", str(db), "--user", "admin", "siri", "--role", "shelter",
            stdin=f"{ADMIN_PASS}\n{siri_pass}\n")
    assert r.returncode == 0, r.stderr
    for room, place in (("Rum 1", "1A"), ("Rum 1", "1B")):
        r = run("places", "add", "--db", str(db), "--user", "chef", "--room", room, place,
                stdin=CHEF_PASS + "\n")
        assert r.returncode == 0, r.stderr
    r = run("places", "add", "--db", str(db), "--user", "chef", "--facility",
            "perpetrator_housing", "--room", "Lägenhet", "L1", stdin=CHEF_PASS + "\n")
    assert r.returncode == 0, r.stderr
    r = run("places", "list", "--db", str(db), "--user", "siri", stdin=siri_pass + "\n")
    assert r.returncode == 0, r.stderr  # the manager's logins enrolled her
    rows = [line.split("\t") for line in r.stdout.splitlines()]
    assert [row[1:] for row in rows] == [["Rum 1", "1A"], ["Rum 1", "1B"]]
    r = run("places", "out-of-use", "--db", str(db), "--user", "chef", rows[1][0],
            "--from", "2026-01-05", "--reason", "Vattenskada", stdin=CHEF_PASS + "\n")
    assert r.returncode == 0, r.stderr
    # bad paths: a night worker or an administrator may not add places; a
    # shelter worker does not see the temporary housing; bad input is a usage error
    r = run("places", "add", "--db", str(db), "--user", "siri", "--room", "Rum 9", "9A",
            stdin=siri_pass + "\n")
    assert r.returncode == 3 and "9A" not in r.stdout
    r = run("places", "add", "--db", str(db), "--user", "admin", "--room", "Rum 9", "9A",
            stdin=ADMIN_PASS + "\n")
    assert r.returncode == 3 and "chef" in r.stderr
    r = run("places", "list", "--db", str(db), "--user", "siri", "--facility",
            "perpetrator_housing", stdin=siri_pass + "\n")
    assert r.returncode == 3 and "L1" not in r.stdout
    r = run("places", "out-of-use", "--db", str(db), "--user", "chef", rows[0][0],
            "--from", "5 jan", "--reason", "x", stdin=CHEF_PASS + "\n")
    assert r.returncode == 2
    r = run("places", "add", "--db", str(db), "--user", "chef", "--room", " ", "2A",
            stdin=CHEF_PASS + "\n")
    assert r.returncode == 1 and r.stderr
    r = run("places", "list", "--db", str(db), "--user", "chef", stdin=CHEF_PASS + "\n")
    assert len(r.stdout.splitlines()) == 2
    assert_clean(r)
