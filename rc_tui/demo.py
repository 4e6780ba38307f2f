"""The demo database: clearly fictional, deterministic data and shown demo logins.

``rc-tui demo`` creates it if missing and opens the app; the login screen of a demo
database lists these logins (and only a demo database does).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rc_tui.services import accounts
from storage import files
from storage.roles import Role
from storage.vault import Vault

DEFAULT_PERSONS = 60

#: username, display name, role, passphrase (fictional; shown on the demo login screen)
DEMO_USERS: list[tuple[str, str, Role, str]] = [
    ("anna", "Anna Demo-Handläggare", Role.CASEWORKER, "demo-blå-kanot"),
    ("per", "Per Demo-Behandlare", Role.CASEWORKER, "demo-grön-spade"),
    ("siri", "Siri Demo-Nattpersonal", Role.SHELTER, "demo-röd-lykta"),
    ("chef", "Cecilia Demo-Chef", Role.MANAGER, "demo-gul-fyrbåk"),
    ("admin", "Demo-Administratör", Role.ADMIN, "demo-vit-nyckel"),
]


def default_demo_path() -> Path:
    return files.default_data_dir() / "demo" / "rc-tui-demo.db"


def ensure_demo(
    path: Path, *, persons: int | None = None, progress: Callable[[str], None] = print,
) -> bool:
    """Create the demo database at ``path`` unless it exists. Returns True if created."""
    if path.exists() or files.keyfile_path(path).exists():
        return False
    admin = next(u for u in DEMO_USERS if u[2] is Role.ADMIN)
    logins = [(u, p, r.value) for u, _n, r, p in DEMO_USERS]
    progress("Skapar demodatabas (krypteringsnycklar tar några sekunder)…")
    vault = Vault.create(path, admin[0], admin[1], admin[3], demo=True, demo_logins=logins)
    try:
        for username, name, role, phrase in DEMO_USERS:
            if role is Role.ADMIN:
                continue
            accounts.add_user(vault, username, name, role, phrase, must_change=False)
        generate(vault, persons if persons is not None else DEFAULT_PERSONS)
    finally:
        vault.close(None)
    return True


def generate(vault: Vault, persons: int) -> None:
    """Fill the demo with synthetic data. Extended by each feature that adds data."""
    del vault, persons
