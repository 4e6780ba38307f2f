"""Copies of secrets in the running process: the data key has one home (the vault's
buffer, zeroed on close), and no passphrase stays in a field or a Python object after
lock. Scans every object the garbage collector knows (and what they hold), with
collection paused so that garbage awaiting collection counts as a copy too."""

from __future__ import annotations

import gc
import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from textual.widgets import Input

from screens.app import RcApp
from screens.home import HomeScreen
from screens.login import LoginScreen
from screens.passphrase import ChangePassphraseScreen
from storage.models import Role
from storage.vault import Vault
from tests.conftest import ADMIN, ADMIN_PASS, MANAGER, MANAGER_PASS
from tests.helpers import screen_text, settle, type_text

HEX64 = re.compile(r"[0-9a-fA-F]{64}")
#: the test passphrase, reversed: the real one exists only where the app made it
MASKED = "sarf gnål rof gatsgnarad reknad"


@contextmanager
def no_collection() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def atoms() -> Iterator[object]:
    """Every str/bytes/bytearray held by an object the collector tracks."""
    for holder in gc.get_objects():
        for item in gc.get_referents(holder):
            if isinstance(item, (str, bytes, bytearray)):
                yield item


def key_copies(digest: bytes) -> int:
    """How many objects hold the key with this SHA-256, raw or as hex text."""
    seen: set[int] = set()
    for item in atoms():
        if id(item) in seen:
            continue
        if isinstance(item, (bytes, bytearray)) and len(item) == 32:
            if hashlib.sha256(item).digest() == digest:
                seen.add(id(item))
        elif isinstance(item, str) and len(item) >= 64:
            for run in HEX64.findall(item):
                if hashlib.sha256(bytes.fromhex(run)).digest() == digest:
                    seen.add(id(item))
    return len(seen)


def passphrase_copies() -> int:
    seen: set[int] = set()
    for item in atoms():
        text = item.decode("utf-8", "ignore") if isinstance(item, (bytes, bytearray)) else item
        if isinstance(text, str) and MASKED[::-1] in text:
            seen.add(id(item))
    return len(seen)


def test_the_data_key_has_one_home_which_close_zeroes(installed: Path) -> None:
    with no_collection():
        vault = Vault.unlock(installed, MANAGER, MANAGER_PASS)
        vault.log("view")  # a pooled connection is open and keyed
        digest = hashlib.sha256(vault._data_key).digest()
        assert key_copies(digest) == 1  # the vault's buffer; the engine shares it
        vault.close()
        assert bytes(vault._data_key) == bytes(32)
        assert key_copies(digest) == 0


def test_rekey_keeps_one_home_for_the_new_key(installed: Path) -> None:
    with no_collection():
        vault = Vault.unlock(installed, MANAGER, MANAGER_PASS)
        buffer = vault._data_key
        vault.rekey()
        assert vault._data_key is buffer
        vault.log("view")
        digest = hashlib.sha256(vault._data_key).digest()
        assert key_copies(digest) == 1
        vault.close()
        assert key_copies(digest) == 0


async def test_no_passphrase_left_in_fields_or_objects_after_lock(installed: Path) -> None:
    with Vault.unlock(installed, ADMIN, ADMIN_PASS) as v:
        v.add_user("bo", "Bo B", Role.CASEWORKER, MASKED[::-1], must_change=False)
    Vault.unlock(installed, MANAGER, MANAGER_PASS).close()  # enrols bo
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await type_text(pilot, "bo")
        await pilot.press("enter")
        login_field = app.screen.query_one("#passphrase", Input)
        await pilot.press(*reversed(MASKED))
        await pilot.press("enter")
        await settle(pilot)
        for _ in range(100):
            if isinstance(app.screen, HomeScreen):
                break
            await pilot.pause(0.05)
        assert isinstance(app.screen, HomeScreen), screen_text(app)
        assert login_field.value == ""
        app.push_screen(ChangePassphraseScreen())
        await settle(pilot)
        old_field = app.screen.query_one("#old", Input)
        await pilot.press(*reversed(MASKED))  # typed, never submitted
        assert old_field.value == MASKED[::-1]
        with no_collection():
            assert passphrase_copies() >= 1  # the scan finds the field's value
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen) and app.session is None
        assert old_field.value == "" and login_field.value == ""
        assert app.screen.query_one("#passphrase", Input).value == ""
        with no_collection():
            assert passphrase_copies() == 0
