"""A running session's reads of the administrators' signed settings: verified once per read
of the key file, and never older than the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from storage import files
from storage.errors import SecurityCheckFailed
from storage.vault import Vault
from tests.conftest import ADMIN, ADMIN_PASS, ANNA, ANNA_PASS


def test_a_settings_change_is_seen_by_the_next_read_of_a_running_session(
        installed: Path) -> None:
    with Vault.unlock(installed, ANNA, ANNA_PASS) as anna:
        before = anna.setting("idle_timeout_seconds")
        assert anna.setting("idle_timeout_seconds") == before  # read again: the same
        with Vault.unlock(installed, ADMIN, ADMIN_PASS) as admin:
            admin.set_setting("idle_timeout_seconds", before + 60)
            admin.set_setting("suppression_k", 9)
        assert anna.setting("idle_timeout_seconds") == before + 60
        assert anna.setting("suppression_k") == 9


def test_settings_forged_in_the_key_file_are_not_taken_by_a_running_session(
        installed: Path) -> None:
    """The insider: a user with file access rewrites the signed settings in the key file
    while her session runs (the old signature kept). The session has read and verified the
    genuine ones; the forged values are never returned."""
    keyfile = files.keyfile_path(installed)
    with Vault.unlock(installed, ADMIN, ADMIN_PASS) as admin:
        admin.set_setting("idle_timeout_seconds", 600)
    with Vault.unlock(installed, ANNA, ANNA_PASS) as anna:
        assert anna.setting("idle_timeout_seconds") == 600
        data = json.loads(keyfile.read_text())
        data["settings"]["body"]["values"]["idle_timeout_seconds"] = 3600
        keyfile.write_text(json.dumps(data))
        # tampering: the session refuses (the reviewer's exact version of this test is
        # tests/service/test_settings_insider.py)
        with pytest.raises(SecurityCheckFailed):
            anna.setting("idle_timeout_seconds")
