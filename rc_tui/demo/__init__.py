"""The demo database: clearly fictional, deterministic data and shown demo logins.

``rc-tui demo`` creates it if missing and opens the app; the login screen of a demo
database lists these logins (and only a demo database does).

Everything here is synthetic: names are random combinations from short lists of common
names (``data/*.toml``, read by :mod:`rc_tui.demo.words`), identity numbers are random but
valid (correct Luhn digit), dates are derived from the fixed :data:`BASE_DATE` and every
choice comes from ``random.Random(seed)``, so two demo databases made with the same
arguments hold the same people, cases and texts.

Two generators:

* :func:`generate` (:mod:`~rc_tui.demo.scenario`) goes through the service layer as the
  demo caseworker ``anna`` (every row validated and access-logged like a real
  registration). Used up to :data:`BULK_THRESHOLD` persons.
* :func:`generate_bulk` (:mod:`~rc_tui.demo.bulk`) writes rows directly with SQLAlchemy
  Core in large batches (one access-log entry sums it up). For load tests: 100,000 persons
  and 1,000,000 notes.

The modules: ``base`` (dates, seed, demo logins, clock), ``words`` (the word lists),
``families`` (who the fictional people are), ``registration`` (intake, consents, reports,
notes, perpetrator tracks), ``assessments``, ``casework``, ``samrad``, ``shelter``, ``safety``,
``scenario`` (the service-layer generator) and ``bulk``. :func:`ensure_demo` is here: it
calls the generators through this module, so a caller may replace one of them here (the
search benchmark times ``generate_bulk`` that way).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

from rc_tui.demo.base import (
    ASSIGNED_CASES,
    BASE_DATE,
    BULK_NOTES_PER_PERSON,
    BULK_THRESHOLD,
    DEFAULT_PERSONS,
    DEMO_CASEWORKER,
    DEMO_MANAGER,
    DEMO_PERPETRATOR_WORKER,
    DEMO_SEED,
    DEMO_USERS,
    NotADemoDatabase,
)
from rc_tui.demo.bulk import BulkResult, generate_bulk
from rc_tui.demo.bulk_notes import BATCH
from rc_tui.demo.scenario import generate
from rc_tui.services import accounts
from storage import files
from storage.roles import Role
from storage.vault import Vault

__all__ = [
    "ASSIGNED_CASES", "BASE_DATE", "BATCH", "BULK_NOTES_PER_PERSON", "BULK_THRESHOLD",
    "DEFAULT_PERSONS", "DEMO_CASEWORKER", "DEMO_MANAGER", "DEMO_PERPETRATOR_WORKER",
    "DEMO_SEED", "DEMO_USERS", "BulkResult", "NotADemoDatabase", "default_demo_path",
    "ensure_demo", "generate", "generate_bulk",
]


def default_demo_path() -> Path:
    return files.default_data_dir() / "demo" / "rc-tui-demo.db"


def ensure_demo(
    path: Path, *, persons: int | None = None, notes: int | None = None,
    progress: Callable[[str], None] = print,
) -> bool:
    """Create the demo database at ``path`` unless it exists. Returns True if created.

    Up to :data:`BULK_THRESHOLD` persons the data goes through the service layer
    (:func:`generate`); above it, or when ``notes`` is given, :func:`generate_bulk` writes
    ``notes`` journal notes (default :data:`BULK_NOTES_PER_PERSON` per person). If the
    generation fails, the half-made database is removed so the next attempt starts over.
    """
    if path.exists() or files.keyfile_path(path).exists():
        return False
    count = persons if persons is not None else DEFAULT_PERSONS
    admin = next(u for u in DEMO_USERS if u[2] is Role.ADMIN)
    manager = next(u for u in DEMO_USERS if u[0] == DEMO_MANAGER)
    logins = [(u, p, r.value) for u, _n, r, p in DEMO_USERS]
    progress("Skapar demodatabas (krypteringsnycklar tar några sekunder)…")
    Vault.create(path, admin[0], admin[1], admin[3], manager[0], manager[1], manager[3],
                 demo=True, demo_logins=logins).close(None)
    vault: Vault | None = None
    try:
        # as in a real installation: the administrator adds the users (pending, no data
        # key), and the manager's next login enrols them
        with Vault.unlock(path, admin[0], admin[3]) as admin_vault:
            for username, name, role, phrase in DEMO_USERS:
                if username not in (admin[0], manager[0]):
                    accounts.add_user(admin_vault, username, name, role, phrase,
                                      must_change=False)
        vault = Vault.unlock(path, manager[0], manager[3])
        if notes is None and count <= BULK_THRESHOLD:
            generate(vault, count)
        else:
            note_count = notes if notes is not None else BULK_NOTES_PER_PERSON * count
            progress(f"Skapar {count} fiktiva personer och {note_count} journalanteckningar…")
            generate_bulk(vault, count, note_count, progress=progress)
    except BaseException:
        if vault is not None:
            vault.close(None)
        for p in files.sidecar_paths(path):
            with contextlib.suppress(OSError):
                p.unlink()
        raise
    vault.close(None)
    return True
