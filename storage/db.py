"""SQLCipher connections and the SQLAlchemy engine.

Every connection is keyed with the raw 256-bit data key (``PRAGMA key = "x'<hex>'"``),
so SQLCipher's passphrase KDF is bypassed, and every security-relevant setting is
switched on *and verified* before the connection is handed out.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.pool import QueuePool

from storage import nfc
from storage.errors import DatabaseDamaged, SecurityCheckFailed

BUSY_TIMEOUT_MS = 10_000

#: SQLCipher's memory security: every allocation SQLite makes locked in RAM and wiped when
#: freed. Off unless the process asked for it before its first connection
#: (``with_memory_security``; ``rc-tui --memory-security``), as in SQLCipher itself since
#: 4.5. Measured here it made every statement 10-40 times dearer in CPU (an mlock/munlock
#: pair and a wipe per allocation): a search 3-10 times slower, 30 sessions on one host
#: queueing for the CPU. What it protects is narrow: the same plaintext is copied out of
#: SQLite's buffers into Python strings, which are neither wiped nor locked whatever this
#: says, while SQLCipher wipes its own key material when it frees it in either mode. The
#: process dump and the core file, which would expose both, are closed (``rc_tui.hygiene``).
_memory_security = False
POLL_SECONDS = 0.010  # the longest pause of a writer waiting for the lock (begin_immediate)
SQLITE_BUSY = 5
#: The page cache of a session's connections, in KiB (this SQLCipher's default: 8,000). A
#: manager's search of a full name reads the name index's long lists of trigrams (every
#: "und" of 100,000 names); with 8 MB the pages of other reads between two searches evict
#: them and the next search decrypts them again (CPU 7.4 ms against 5.5 with 12 MB on the
#: 100,000-person demo; RSS about 4 MB more once full: bench/README.md). The cache grows
#: only as pages are read: a small centre's database never fills it.
SESSION_CACHE_KIB = 12_288

Connection = Any  # sqlcipher3.dbapi2.Connection (untyped C extension)


def _key_pragma(data_key: bytes | bytearray) -> str:
    if len(data_key) != 32:
        raise ValueError("data key must be 32 bytes")
    return f"PRAGMA key = \"x'{data_key.hex()}'\""


_DAMAGE_MARKERS = ("not a database", "malformed", "corrupt", "disk image")


#: Every error SQLite/SQLCipher or SQLAlchemy raises about a database.
DATABASE_ERRORS: tuple[type[BaseException], ...] = (sqlcipher3.dbapi2.Error,
                                                    sa_exc.SQLAlchemyError)


def error_message(exc: BaseException) -> str:
    """SQLite's own message for a database error (``orig`` of a SQLAlchemy error, which
    would add the statement): one line, short. It names no values (``hide_parameters``)."""
    message = str(getattr(exc, "orig", None) or exc).splitlines()
    return (message[0] if message else type(exc).__name__)[:200]


def is_not_a_database(exc: BaseException) -> bool:
    return "not a database" in str(exc)


def is_damage(exc: BaseException) -> bool:
    """True for errors that mean the file is damaged (or keyed differently)."""
    message = str(getattr(exc, "orig", None) or exc)
    return any(marker in message for marker in _DAMAGE_MARKERS)


def connect(
    path: Path, data_key: bytes | bytearray, *, configure_wal: bool = True,
    autocheckpoint: bool = True,
) -> Connection:
    """Open one SQLCipher connection with the raw data key and verified settings.

    Raises ``DatabaseDamaged`` when the file does not open with this key (wrong key or a
    damaged file) and ``SecurityCheckFailed`` when a required setting cannot be verified.
    """
    conn = sqlcipher3.dbapi2.connect(
        str(path),
        timeout=BUSY_TIMEOUT_MS / 1000,
        isolation_level=None,  # transactions are begun explicitly (see make_engine)
        check_same_thread=False,  # the pool hands a connection to one thread at a time
    )
    try:
        # SQLCipher logs decryption failures to stderr by default, which would draw over
        # the terminal UI; errors reach us as exceptions instead.
        conn.execute("PRAGMA cipher_log_level = NONE")
        # before the key: SQLCipher then wipes every allocation it frees, the key's too
        if _memory_security:
            conn.execute("PRAGMA cipher_memory_security = ON")
        # executescript, not execute: execute would keep the statement (with the key in
        # hex) in the connection's statement cache for as long as the connection lives
        conn.executescript(_key_pragma(data_key))
        version = conn.execute("PRAGMA cipher_version").fetchone()
        if not version or not version[0]:
            raise SecurityCheckFailed("not SQLCipher")
        mem = conn.execute("PRAGMA cipher_memory_security").fetchone()
        if _memory_security and (not mem or str(mem[0]) != "1"):
            raise SecurityCheckFailed("cipher_memory_security is off")
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlcipher3.dbapi2.DatabaseError as exc:
            raise DatabaseDamaged(str(exc)) from None
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute("PRAGMA foreign_keys = ON")
        # a REPLACE deletes the row it conflicts with; only with recursive triggers does
        # that delete fire the triggers that keep signed records read-only
        conn.execute("PRAGMA recursive_triggers = ON")
        conn.execute("PRAGMA synchronous = FULL")
        if configure_wal:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()
            if not mode or str(mode[0]).lower() != "wal":
                raise SecurityCheckFailed("WAL journal could not be enabled")
        if not autocheckpoint:  # a session's own thread checkpoints (``guard.Checkpointer``)
            conn.execute("PRAGMA wal_autocheckpoint = 0")
        _verify(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def with_memory_security() -> None:
    """Every connection of this process turns SQLCipher's memory security on and verifies it
    (``rc-tui --memory-security``: a host's choice, for the price above). Call it before the
    first connection: SQLCipher decides once per process."""
    global _memory_security  # one process-wide choice, made once at start
    _memory_security = True


def without_memory_security() -> None:
    """This process writes only fictional data: its connections go without SQLCipher's
    memory security even where the host asked for it (``--memory-security``). For the bulk
    demo's builder alone (``rc_tui.demo.bulk``, a process of its own that opens nothing but
    a demo database): a million journal notes would take minutes instead of seconds. Once
    a connection has turned it on, SQLCipher keeps it on for the life of the process, so
    calling this later changes nothing; the app never calls it (a test checks that only
    the bulk demo does)."""
    global _memory_security  # one process-wide choice, made once at start
    _memory_security = False


def _verify(conn: Connection) -> None:
    checks = {
        "temp_store": "2",
        "secure_delete": "1",
        "foreign_keys": "1",
        "recursive_triggers": "1",
    }
    for pragma, expected in checks.items():
        row = conn.execute(f"PRAGMA {pragma}").fetchone()
        if not row or str(row[0]) != expected:
            raise SecurityCheckFailed(f"{pragma} is not {expected}")


def make_engine(path: Path, data_key: bytes | bytearray, *,
                background_checkpoint: bool = False) -> Engine:
    """An engine over SQLCipher with an explicit QueuePool.

    The default ``SingletonThreadPool`` of the SQLite dialects has crashed sqlcipher3 under
    thread workers elsewhere, so the pool is chosen explicitly. A pooled connection stays
    open while the session is unlocked; that is what lets a rekey detect other live
    sessions (see ``Vault.rekey``). Transactions begin explicitly: ``BEGIN IMMEDIATE`` for
    writes (``execution_options(rc_write=True)``), deferred ``BEGIN`` for reads.

    The engine keeps a reference to the caller's ``data_key`` buffer, not a copy: when
    the vault zeroes it on close, no other copy of the key is left with the engine.

    ``background_checkpoint``: its connections never checkpoint the WAL at a commit (an
    open session's own thread does it: ``storage.guard.Checkpointer``).
    """

    def creator() -> Connection:
        conn = connect(path, data_key, autocheckpoint=not background_checkpoint)
        try:
            conn.execute(f"PRAGMA cache_size = -{SESSION_CACHE_KIB}")
        except BaseException:
            conn.close()
            raise
        return conn

    engine = create_engine(
        "sqlite+pysqlite://",
        creator=creator,
        module=sqlcipher3.dbapi2,
        poolclass=QueuePool,
        pool_size=1,
        max_overflow=4,
        pool_timeout=30,
        hide_parameters=True,  # never put case data into exception text or logs
    )
    nfc.install_engine(engine)  # text in, search terms too, composed (NFC)

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        options = conn.get_execution_options()
        if options.get("rc_write"):
            begin_immediate(conn.connection.dbapi_connection, limit=options.get("rc_limit"))
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


def is_busy(exc: BaseException) -> bool:
    return getattr(exc, "sqlite_errorcode", None) == SQLITE_BUSY or "database is locked" in str(
        exc)


class WaitLimit:
    """Bounds on how long the writers of one session wait for the write lock, whatever
    their own wait.

    ``until``: the latest moment (``time.monotonic``) any of them may wait; ``None``: no
    such limit. A closing session sets it: its own closing log entry and every thread of it
    still waiting for the lock give up by then, so the key is forgotten on time even while
    another process holds the lock (``Vault.close``).

    ``interrupt(thread)``: a wait that thread began before now gives up at once. The
    terminal UI calls it from its input thread when lock, quick-hide or quit is typed while
    its event loop waits for the lock (a form's save): the save fails, the key is handled.
    """

    __slots__ = ("_interrupts", "until")

    def __init__(self) -> None:
        self.until: float | None = None
        self._interrupts: dict[int, float] = {}

    def interrupt(self, thread: int) -> None:
        self._interrupts[thread] = time.monotonic()

    def interrupted_since(self, started: float) -> bool:
        """Was this thread's wait, begun at ``started``, interrupted since?"""
        when = self._interrupts.get(threading.get_ident())
        return when is not None and when >= started


def begin_immediate(conn: Connection, wait_seconds: float = BUSY_TIMEOUT_MS / 1000, *,
                    limit: WaitLimit | None = None) -> None:
    """``BEGIN IMMEDIATE``, waiting up to ``wait_seconds`` (and never past ``limit``) for
    the write lock.

    SQLite's own busy handler backs off to 100 ms sleeps, so a process that has waited a
    while loses nearly every race to newcomers that still poll every few milliseconds:
    with eight busy writers single writes waited 4-6 s, and under more load they would
    reach the timeout ("database is locked"). Here the back-off stops at ``POLL_SECONDS``
    (jittered), so after a few tries every waiter has the same chance whenever the lock
    is released (the same load: at most about 2 s).
    """
    conn.execute("PRAGMA busy_timeout = 0")
    try:
        started = time.monotonic()
        deadline = started + wait_seconds
        delay = 0.001
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlcipher3.dbapi2.OperationalError as exc:
                # the limit is read anew each time: a session may close while this waits
                until = deadline if limit is None or limit.until is None else min(
                    deadline, limit.until)
                if not is_busy(exc) or time.monotonic() >= until or (
                        limit is not None and limit.interrupted_since(started)):
                    raise
            time.sleep(delay * (0.5 + random.random()))  # noqa: S311 - jitter, not a secret
            delay = min(delay * 2, POLL_SECONDS)
    finally:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


@contextmanager
def raw_connection(path: Path, data_key: bytes | bytearray) -> Iterator[Connection]:
    conn = connect(path, data_key)
    try:
        yield conn
    finally:
        conn.close()
