"""The insider and the administrators' signed settings: a caseworker with file access, her
own passphrase and Python (the project's storage API) must not get a setting no
administrator signed, nor one an administrator has since replaced.

Review of issue 22 (the settings read cached per key-file read): the cache itself keeps
what the uncached read returned, but what that read falls back to is open to the insider –
these tests show it; each fails on the tree as reviewed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from storage import files
from storage.errors import VaultError
from storage.meta import set_meta
from storage.vault import Vault
from tests.conftest import ADMIN, ADMIN_PASS, ANNA, ANNA_PASS

#: what the administrator signs: shorter sessions than the defaults, no plaintext files
SIGNED = {"idle_timeout_seconds": 60, "session_lifetime_seconds": 3600, "plaintext_export": 0}
#: what the insider would rather have
WANTED = {"idle_timeout_seconds": 3600, "session_lifetime_seconds": 24 * 3600,
          "plaintext_export": 1}


def _sign(installed: Path, values: dict[str, Any]) -> None:
    with Vault.unlock(installed, ADMIN, ADMIN_PASS) as admin:
        for name, value in values.items():
            admin.set_setting(name, value)


def _edit_keyfile(installed: Path, change: Any) -> None:
    keyfile = files.keyfile_path(installed)
    data = json.loads(keyfile.read_text())
    change(data)
    keyfile.write_text(json.dumps(data))


def _seen(installed: Path) -> dict[str, Any] | None:
    """The settings a new session of Anna's takes, or None when it refuses to open."""
    try:
        with Vault.unlock(installed, ANNA, ANNA_PASS) as anna:
            return {name: anna.setting(name) for name in SIGNED}
    except VaultError:
        return None


def test_a_broken_settings_signature_does_not_hand_the_settings_to_the_database(
        installed: Path) -> None:
    """Anna writes the values she wants into the database's own ``setting.*`` rows (she
    holds the data key), then breaks the signature of the settings in the key file (any
    value changed). A session must then keep the signed values or refuse to open – not
    take the database's rows, which any data-key holder can write."""
    _sign(installed, SIGNED)
    with Vault.unlock(installed, ANNA, ANNA_PASS) as anna, anna.session(write=True) as s:
        for name, value in WANTED.items():
            set_meta(s, f"setting.{name}", value)

    def forge(data: dict[str, Any]) -> None:
        data["settings"]["body"]["values"]["centre_name"] = "x"  # the signature breaks

    _edit_keyfile(installed, forge)
    seen = _seen(installed)
    assert seen is None or seen == SIGNED, seen


def test_settings_removed_from_the_key_file_do_not_fall_back_to_the_defaults(
        installed: Path) -> None:
    """Anna deletes the signed settings from the key file: the administrator's shorter idle
    timeout and session lifetime must not become the longer defaults (300 s, 12 h)."""
    _sign(installed, SIGNED)
    _edit_keyfile(installed, lambda data: data.pop("settings"))
    seen = _seen(installed)
    assert seen is None or seen == SIGNED, seen


def test_an_older_signed_settings_statement_is_not_taken_again(installed: Path) -> None:
    """Replay: Anna keeps a copy of the settings an administrator signed earlier (plaintext
    files allowed, long sessions) and puts it back after the administrator replaced it. A
    data-key holder's session trusts a statement only if it is newer than the last one it
    accepted (README, security model) – for settings too."""
    _sign(installed, WANTED)
    with Vault.unlock(installed, ANNA, ANNA_PASS) as anna:  # a session sees the old ones
        assert anna.setting("plaintext_export") == 1
    old = json.loads(files.keyfile_path(installed).read_text())["settings"]
    _sign(installed, SIGNED)
    with Vault.unlock(installed, ANNA, ANNA_PASS) as anna:  # ... and then the new ones
        assert anna.setting("plaintext_export") == 0

    def replay(data: dict[str, Any]) -> None:
        data["settings"] = old

    _edit_keyfile(installed, replay)
    seen = _seen(installed)
    assert seen is None or seen == SIGNED, seen


def test_a_running_session_keeps_the_signed_settings_when_the_key_file_is_forged(
        installed: Path) -> None:
    """As ``test_settings_reads``' forged-file test, but exact: after the forgery the
    running session still returns the administrator's value (600), not the default (300)
    nor anything else no administrator signed."""
    _sign(installed, {"idle_timeout_seconds": 600})
    with Vault.unlock(installed, ANNA, ANNA_PASS) as anna:
        assert anna.setting("idle_timeout_seconds") == 600

        def forge(data: dict[str, Any]) -> None:
            data["settings"]["body"]["values"]["idle_timeout_seconds"] = 3600

        _edit_keyfile(installed, forge)
        try:
            seen = anna.setting("idle_timeout_seconds")
        except VaultError:
            return  # the session ended: also fine
        assert seen == 600, seen
