"""What every part of the demo shares: its fixed dates and seed, the demo logins, the
settable clock, and opening the demo installation as one of its users."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date, datetime

from storage.errors import VaultError
from storage.roles import Role
from storage.vault import Vault

DEFAULT_PERSONS = 60
#: Above this many persons ``ensure_demo`` uses :func:`rc_tui.demo.bulk.generate_bulk`.
BULK_THRESHOLD = 2000
#: Journal notes per person when ``ensure_demo`` uses the bulk generator.
BULK_NOTES_PER_PERSON = 10
#: The demo caseworkers' caseload in a bulk demo (the most recent open cases).
ASSIGNED_CASES = 40
#: All demo dates lie before this day (never "today": the demo is the same every time).
BASE_DATE = date(2026, 1, 5)
DEMO_SEED = 20260105
#: The caseworker the demo data is registered by (victims' and children's tracks).
DEMO_CASEWORKER = "anna"
#: The manager who assigns perpetrator tracks, and the caseworker who gets them.
DEMO_MANAGER = "chef"
DEMO_PERPETRATOR_WORKER = "per"

#: username, display name, role, passphrase (fictional; shown on the demo login screen)
DEMO_USERS: list[tuple[str, str, Role, str]] = [
    ("anna", "Anna Demo-Handläggare", Role.CASEWORKER, "demo-blå-kanot"),
    ("per", "Per Demo-Behandlare", Role.CASEWORKER, "demo-grön-spade"),
    ("siri", "Siri Demo-Nattpersonal", Role.SHELTER, "demo-röd-lykta"),
    ("dagny", "Dagny Demo-Dagpersonal", Role.SHELTER, "demo-grå-lykta"),
    ("chef", "Cecilia Demo-Chef", Role.MANAGER, "demo-gul-fyrbåk"),
    ("admin", "Demo-Administratör", Role.ADMIN, "demo-vit-nyckel"),
]


class NotADemoDatabase(VaultError):
    """Demo data is only ever written into a database created as a demo."""

    code = "not_a_demo_database"


def require_demo(vault: Vault) -> None:
    if not vault.demo:
        raise NotADemoDatabase("demo data is only written into a demo database")


class Clock:
    """A settable clock, so every date the services record is fixed (deterministic)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@contextlib.contextmanager
def as_user(vault: Vault, username: str) -> Iterator[Vault]:
    """The demo installation opened as ``username`` with the demo passphrase (``vault``
    itself when it is theirs already; administrators see no case content)."""
    if vault.user.username == username:
        yield vault
        return
    phrase = next(u[3] for u in DEMO_USERS if u[0] == username)
    other = Vault.unlock(vault.path, username, phrase)
    try:
        yield other
    finally:
        other.close()
