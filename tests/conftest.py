"""Shared fixtures. Tests use tiny Argon2 parameters through the explicit test-only switch
``RC_TUI_INSECURE_TEST_KDF=1`` (the product refuses to create such slots without it)."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

try:
    import fcntl
except ImportError:  # Windows: each worker builds its own templates
    fcntl = None  # type: ignore[assignment]

os.environ["RC_TUI_INSECURE_TEST_KDF"] = "1"
# no scrolling animations in tests: the same final screens, fewer frames to draw
os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
# recorded times are stored in UTC and shown in local time: tests run in one known zone
os.environ["TZ"] = "UTC"
if hasattr(time, "tzset"):
    time.tzset()

from rc_tui import i18n
from storage import files
from storage.models import Role
from storage.vault import Vault

ADMIN = "admin"
ADMIN_PASS = "korrekt hästbatteri"
MANAGER = "maja"
MANAGER_PASS = "majas egen långa fras"
ANNA = "anna"
ANNA_PASS = "anna har en lång fras"
HOSTILE_FILE = Path(__file__).with_name("hostile-text.json")


def hostile_cases() -> list[tuple[str, str]]:
    data = json.loads(HOSTILE_FILE.read_text(encoding="utf-8"))
    return [(c["why"], c["text"]) for c in data["cases"]]


#: one case of each kind of trouble, for the UI tests (drawing a screen per case is what
#: costs there); the whole corpus goes through the text, storage and service tests.
#: Markup, terminal escapes, bare control characters, bidi, width (combining, zero-width,
#: emoji, CJK), search syntax, long and multi-line text, the lone surrogate, blank text.
#: The order matters: markup first, and test_ui_hostile_casework.py saves every
#: third non-blank case (markup, NUL, tabs and newlines, emoji, FTS5 syntax, 100 kB).
UI_HOSTILE = (
    "Rich markup", "ANSI colour escape", "OSC 8 hyperlink", "NUL byte", "C1 control CSI",
    "carriage return overwrite", "tabs and newlines", "right-to-left override",
    "combining marks (zalgo)", "emoji with skin tone and ZWJ", "zero-width joiner and space",
    "wide CJK", "FTS5 query syntax", "very long word", "many lines", "100 kB text",
    "lone surrogate escaped (must be rejected or replaced, never crash)",
    "only whitespace", "empty",
)


def hostile_ui_cases() -> list[tuple[str, str]]:
    """The representative subset of the hostile corpus that the UI tests draw."""
    cases = dict(hostile_cases())
    return [(why, cases[why]) for why in UI_HOSTILE]


def hostile_ui_batches() -> list[str]:
    """The non-blank UI cases in as few texts as show them all: every short case on a line
    of one text (a screen that draws it draws each kind of trouble), then each long one
    alone. For a form where a save and a redraw per case is what a test would cost."""
    texts = [text for _why, text in hostile_ui_cases() if text.strip()]
    short = [text for text in texts if len(text) <= 200]
    return ["\n".join(short), *(text for text in texts if len(text) > 200)]


@pytest.fixture(autouse=True)
def _swedish() -> Iterator[None]:
    i18n.set_language("sv")
    yield
    i18n.set_language("sv")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "rc.db"


def create(path: Path, **kw: Any) -> Vault:
    """A new installation with administrator ``admin`` and manager ``maja``; returns the
    manager's open vault (the administrator holds no data key)."""
    return Vault.create(path, ADMIN, "Admin Istratör", ADMIN_PASS, MANAGER, "Maja Chef",
                        MANAGER_PASS, **kw)


def enrol(
    path: Path, username: str, display_name: str, role: Role, passphrase: str, *,
    must_change: bool = False,
) -> None:
    """The way a user comes in: the administrator adds the slot (pending), the manager's
    next login enrols it."""
    with Vault.unlock(path, ADMIN, ADMIN_PASS) as admin:
        admin.add_user(username, display_name, role, passphrase, must_change=must_change)
    manager = Vault.unlock(path, MANAGER, MANAGER_PASS)
    assert username in [u.username for u in manager.enrolled]
    manager.close(None)


@pytest.fixture
def vault(db_path: Path) -> Iterator[Vault]:
    """An installation with admin, manager maja and caseworker anna; yields the manager's
    open vault (a data-key holder)."""
    v = create(db_path)
    enrol(db_path, ANNA, "Anna Andersson", Role.CASEWORKER, ANNA_PASS)
    yield v
    v.close(None)


def copy_installation(source: Path, target: Path) -> None:
    """Copy the installation at ``source`` – the database and every file that belongs to it
    (key file, sealed login events, lockout state) – to ``target``, as its own files.
    A target file the source does not have is removed, so the copy is exact."""
    files.ensure_private_dir(target.parent)
    for src, dst in zip(files.sidecar_paths(source), files.sidecar_paths(target), strict=True):
        if src.exists():
            shutil.copy2(src, dst)  # with its owner-only mode
        else:
            dst.unlink(missing_ok=True)


class Templates:
    """Installations built once per test run and copied for each test: creating one runs
    every migration and several key derivations, copying it is a few file copies – and each
    test still gets files of its own.

    Under xdist the workers share one folder and build each template once between them,
    under a file lock (the first worker to need it builds it, the others wait and copy);
    where there are no POSIX file locks each worker keeps its own folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.built: dict[str, tuple[Path, Any]] = {}

    def copy(self, name: str, target: Path, build: Callable[[Path], Any]) -> Any:
        """Copy template ``name`` to ``target`` (building it first, once, with
        ``build(path)`` in a folder of its own); returns what ``build`` returned (it must
        pickle: the other workers read it from the file the builder wrote)."""
        if name not in self.built:
            self.built[name] = self._build_once(name, build)
        source, value = self.built[name]
        copy_installation(source, target)
        return value

    def _build_once(self, name: str, build: Callable[[Path], Any]) -> tuple[Path, Any]:
        folder = self.root / name
        path = folder / "data" / "rc.db"
        made = folder / "built.pickle"
        with _exclusive(self.root / f"{name}.lock"):
            if not made.exists():
                shutil.rmtree(folder, ignore_errors=True)  # what a failed build left
                folder.mkdir(parents=True)
                value = build(path)
                made.write_bytes(pickle.dumps(value))
            return path, pickle.loads(made.read_bytes())


@contextmanager
def _exclusive(lock: Path) -> Iterator[None]:
    """Held by one test process at a time (``fcntl.flock``; a no-op without it, where each
    worker has a folder of its own)."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("a") as handle:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield  # the lock is released when the file is closed


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Templates:
    if worker_id == "master" or fcntl is None:
        return Templates(tmp_path_factory.mktemp("templates"))
    # every worker of this run has its base folder in the same parent
    return Templates(tmp_path_factory.getbasetemp().parent / "templates")


def build_installed(db_path: Path) -> None:
    """What ``installed`` copies: the installation of the ``vault`` fixture, closed."""
    v = create(db_path)
    enrol(db_path, ANNA, "Anna Andersson", Role.CASEWORKER, ANNA_PASS)
    v.close(None)


@pytest.fixture
def installed(db_path: Path, templates: Templates) -> Path:
    """Path of a closed installation (admin, maja, anna), a copy of this worker's
    template."""
    templates.copy("installed", db_path, build_installed)
    return db_path


@pytest.fixture(autouse=True, scope="session")
def _no_network() -> Iterator[None]:
    """rc-tui never uses the network: any attempt to reach a host from the test process
    fails the test that made it (local Unix sockets – xdist, asyncio – stay allowed)."""
    import socket

    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guard(sock: socket.socket, address: object) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            raise AssertionError(f"network use in a test: {address!r}")

    def connect(sock: socket.socket, address: object) -> None:
        guard(sock, address)
        real_connect(sock, address)  # type: ignore[arg-type]

    def connect_ex(sock: socket.socket, address: object) -> int:
        guard(sock, address)
        return real_connect_ex(sock, address)  # type: ignore[arg-type]

    socket.socket.connect = connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign,assignment]
    yield
    socket.socket.connect = real_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = real_connect_ex  # type: ignore[method-assign]


#: test files with the longest tests: they start first, so with several workers no long
#: test is left running alone at the end (xdist hands tests out in collection order)
SLOW_FIRST = ("test_ui_perpetrator_path.py", "test_leak_scan.py", "test_ui_compartments.py",
              "test_ui_casework.py", "test_ui_layout.py", "test_ui_hostile_casework.py",
              "test_ui_intake.py", "test_ui_assessment.py", "test_pty.py",
              "test_ui_hostile.py", "test_ui_logreview.py", "test_ui_samrad.py",
              "test_ui_hostile_shelter.py", "test_ui_shelter.py", "test_ui_sessions.py",
              "test_ui_safety.py", "test_documents.py", "test_terminals.py", "test_cli.py",
              "test_drafts.py", "test_conflicts.py", "test_concurrency.py", "test_backup.py",
              "test_ssh.py", "test_demo.py", "test_snapshots.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


def tables_added_after(revision: str) -> list[str]:
    """The tables the migrations after ``revision`` create (read from their files), newest
    first and each migration's last table first – the order to drop them in when a test
    rewinds a database to ``revision``."""
    import re

    from storage import schema

    later = schema.KNOWN_REVISIONS[schema.KNOWN_REVISIONS.index(revision) + 1:]
    folder = schema.MIGRATIONS_DIR / "versions"
    tables: list[str] = []
    for rev in reversed(later):
        (source,) = folder.glob(f"{rev}_*.py")
        created = re.findall(r'create_table\(\s*"(\w+)"', source.read_text(encoding="utf-8"))
        tables += reversed(created)
    return tables


def drop_tables_added_after(conn: Any, revision: str) -> None:
    """Drop (on a raw DB-API connection, or SQLAlchemy's) what the migrations after
    ``revision`` added: their tables, and the triggers on older tables that refer to them
    (a later revision's triggers on an older table make no sense without its tables; the
    migrations make them anew)."""
    import re

    from storage import schema

    run = getattr(conn, "exec_driver_sql", None) or conn.execute
    dropped = tables_added_after(revision)
    for table in dropped:
        run(f"DROP TABLE IF EXISTS {table}")
    # a later migration that adds only triggers names them by a ``TRIGGER_SUFFIX``
    later = schema.KNOWN_REVISIONS[schema.KNOWN_REVISIONS.index(revision) + 1:]
    suffixes = [m for rev in later
                for source in (schema.MIGRATIONS_DIR / "versions").glob(f"{rev}_*.py")
                for m in re.findall(r'^TRIGGER_SUFFIX = "(\w+)"',
                                    source.read_text(encoding="utf-8"), re.MULTILINE)]
    for name, sql in run("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'") \
            .fetchall():
        if any(re.search(rf"\b{t}\b", sql or "") for t in dropped) or \
                any(name.endswith(x) for x in suffixes):
            run(f"DROP TRIGGER IF EXISTS {name}")
