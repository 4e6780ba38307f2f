"""An open data-key holder's session and the guard around each of its transactions.

Every transaction begins with the guard: is this user still active (a revoked user's
session ends at once), has the signed directory news to record, is a rekey pending? When
another session has rekeyed, this one unseals the new data key from its own slot and
reopens (``_follow_rekey``) before the caller sees the transaction. The rekey itself is
here too, as it interlocks with the guard: it begins its transaction through it, and the
guard finishes a rekey whose process died. ``storage.vault.Vault`` builds on this class.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

import sqlcipher3
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Engine, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from storage import audit, db, directory, files, keys
from storage.authstate import SealedEvents
from storage.directory_acts import record_directory, unrecorded
from storage.errors import (
    RESTRICTED_MESSAGE,
    DatabaseDamaged,
    DatabaseLocked,
    KeyChanged,
    KeyFileDamaged,
    NoDataKey,
    RecordRestricted,
    RekeyBusy,
    SessionRevoked,
    VaultError,
)
from storage.meta import ACCEPTED, PINNED, get_meta, set_meta
from storage.models import User, UserStatus
from storage.values import EnrolledUser, UserInfo

CLOSE_CHECKPOINT_WAIT_MS = 100
#: How long a session waits for a rekey that another session is committing right now
#: (the new key is in the key file before the commit, so this is normally one retry).
FOLLOW_REKEY_SECONDS = 10.0
#: After a rekey, wait at most this long for readers to move on so that every page of the
#: main database file is rewritten under the new key (a FULL checkpoint).
REKEY_CHECKPOINT_WAIT_MS = 2000

#: The guard at the start of every transaction: is this user still active, and is a
#: rekey pending? One indexed lookup each, in the transaction's own snapshot. It also reads
#: the access epoch (migration 0021) of that snapshot, for the services' snapshot reads
#: (``Session.info[ACCESS_EPOCH]``; None before 0021).
_GUARD = text(
    "SELECT (SELECT status FROM users WHERE username = :u), "
    "(SELECT value FROM meta WHERE key = 'rekey_pending'), "
    "(SELECT value FROM meta WHERE key = 'access_epoch')"
)
#: ``Session.info`` key of the access epoch the transaction's guard read
ACCESS_EPOCH = "rc_access_epoch"


#: How often an open session looks at the WAL, and copies it into the database when it
#: changed (``Checkpointer``).
CHECKPOINT_SECONDS = 5.0


class Checkpointer:
    """A session's WAL checkpoints, in a thread of their own.

    SQLite checkpoints at the commit that takes the WAL past 1,000 pages: that commit then
    copies them into the database file and waits for its disk, 0.1-0.5 s on a large
    database – inside somebody's save or search. Here the session's connections never
    checkpoint at a commit (``wal_autocheckpoint = 0``) and this thread, every
    :data:`CHECKPOINT_SECONDS` in which the WAL changed, runs a PASSIVE checkpoint: it
    copies what no reader still needs and waits for no one (SQLite releases the
    interpreter meanwhile). The last connection to close checkpoints the rest, as before.
    """

    def __init__(self, wal: Path, engine: Callable[[], Engine | None]) -> None:
        self._wal = wal
        self._engine = engine
        self._stop = threading.Event()
        self._seen: tuple[int, int] | None = None
        self._thread = threading.Thread(target=self._run, name="rc-tui-checkpoint",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=2.0)

    def _run(self) -> None:
        while not self._stop.wait(CHECKPOINT_SECONDS):
            self.run_once()

    def run_once(self) -> bool:
        """A checkpoint if the WAL changed since the last look; True if one ran."""
        try:
            stat = self._wal.stat()
        except OSError:
            return False
        seen = (stat.st_size, stat.st_mtime_ns)
        engine = self._engine()
        if seen == self._seen or engine is None or self._stop.is_set():
            return False
        self._seen = seen
        with contextlib.suppress(Exception):  # closing, busy, rekeyed: the next look
            raw = engine.raw_connection()
            try:
                conn: Any = raw.driver_connection
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            finally:
                raw.close()
        return True


class GuardedVault:
    """The state of an open session and its transactions (see the module docstring)."""

    def __init__(
        self, path: Path, keyfile: keys.KeyFile, engine: Engine, data_key: bytearray,
        user: UserInfo, audit_private: X25519PrivateKey, private: X25519PrivateKey,
        generation: int,
    ) -> None:
        self.path = path
        self.keyfile_path = files.keyfile_path(path)
        self.db_id = keyfile.db_id
        self.demo = keyfile.demo
        self._engine: Engine | None = engine
        # the one copy of the data key that this process keeps: the engine uses this very
        # buffer (no copy of its own), a rekey replaces it in place, and close() zeroes it
        self._data_key = data_key
        #: this user's own private key, kept for the session so that it can follow a rekey
        #: (unseal the new data key from its own slot) without asking for the passphrase
        self._private = bytearray(private.private_bytes_raw())
        self._generation = generation
        self._audit_private = audit_private
        self.user = user
        #: why the session ended on its own ("revoked", "key_changed"); None while open
        self.ended: str | None = None
        #: worker threads share the vault: one of them follows a rekey, the others wait
        self._reopen_lock = threading.Lock()
        #: how long this session's writers may still wait for the lock (set by close)
        self._wait_limit = db.WaitLimit()
        #: users this login enrolled (a manager's login; shown on the home screen)
        self.enrolled: tuple[EnrolledUser, ...] = ()
        #: the signed directory as last read: (stat signature, key file, pinned keys)
        self._directory: tuple[tuple[int, int, int], keys.KeyFile, dict[str, bytes]] | None = None
        self._checkpointer = Checkpointer(Path(f"{path}-wal"), lambda: self._engine)

    @staticmethod
    def _candidate_keys(
        kf: keys.KeyFile, username: str, private: X25519PrivateKey,
    ) -> list[tuple[int, bytearray]]:
        """The data keys this user's slot unseals: the slot's own and, during or after an
        interrupted rekey, the pending one (one of them opens the database)."""
        slot = kf.slot(username)
        if slot.sealed_data_key is None:
            raise NoDataKey()  # an administrator's slot, or one not enrolled (any more)
        found = [(slot.generation, keys.unseal_data_key(
            slot.sealed_data_key, private, kf.db_id, username, slot.generation))]
        pending = kf.pending_sealed.get(username)
        if kf.pending_generation is not None and pending is not None:
            with contextlib.suppress(KeyFileDamaged):
                found.append((kf.pending_generation, keys.unseal_data_key(
                    pending, private, kf.db_id, username, kf.pending_generation)))
        return found

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise VaultError("vault is closed")
        return self._engine

    @property
    def is_open(self) -> bool:
        return self._engine is not None

    def close(self, action: str | None = "logout", *, wait: float | None = None) -> None:
        """Log ``action`` (logout/lock/hangup), release connections and forget the key.

        ``wait``: the most seconds to wait for the write lock – for the closing entry and
        for every other thread of this session still waiting – before the connections are
        released and the key is forgotten regardless. An entry that could not be written
        in time is sealed to the audit key instead (like a failed login) and enters the
        access log at the next login, marked ``deferred``."""
        if self._engine is None:
            return
        if wait is not None:
            self.limit_waits(wait)
        if action:
            try:
                self.log(action)
            except Exception:
                self._log_later(action)
        self._checkpointer.stop()
        engine, self._engine = self._engine, None
        with contextlib.suppress(Exception), engine.connect() as conn:
            # best effort, and never in anybody's way: a PASSIVE checkpoint copies what no
            # reader still needs and waits for no one. A TRUNCATE one held every other
            # session's writes while it waited and copied: with 30 sessions on a large
            # database, each logout stalled the others' saves and searches for 1-3 s.
            # SQLite checkpoints and removes the WAL itself when the last connection closes.
            conn.exec_driver_sql(f"PRAGMA busy_timeout = {CLOSE_CHECKPOINT_WAIT_MS}")
            conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
        engine.dispose()
        self._forget_keys()

    def limit_waits(self, seconds: float) -> None:
        """From now on, no writer of this session waits for the write lock longer than
        ``seconds`` from now (an earlier limit stays): the session is about to close."""
        until = time.monotonic() + seconds
        current = self._wait_limit.until
        self._wait_limit.until = until if current is None else min(current, until)

    def interrupt_waits(self, thread: int) -> None:
        """A wait for the write lock that ``thread`` began before now gives up at once
        (``DatabaseLocked``): called from another thread (see ``db.WaitLimit``)."""
        self._wait_limit.interrupt(thread)

    def _log_later(self, action: str) -> None:
        """The closing entry, sealed to the audit key: the next login enters it."""
        with contextlib.suppress(Exception):
            kf = keys.KeyFile.load(self.keyfile_path)
            SealedEvents(self.path, kf.audit_public_key).append({
                "action": action, "outcome": "deferred", "username": self.user.username,
                "screen": "session", "ts": time.time(),
                "reason": "the database was busy when the session closed"})

    def _forget_keys(self) -> None:
        for secret in (self._data_key, self._private):
            keys.wipe(secret)

    def _end(self, reason: str) -> None:
        """The session ends on its own (revoked, key gone): no connection, no key."""
        self.ended = reason
        self._checkpointer.stop()
        engine, self._engine = self._engine, None
        if engine is not None:
            engine.dispose()
        self._forget_keys()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """A short transaction. ``write=True`` takes the write lock up front (BEGIN IMMEDIATE).

        Every transaction starts with the guard (``_begin``): a revoked user's session ends
        here (``SessionRevoked``), and a session whose data key was replaced by a rekey
        reopens with the new key before the caller sees the transaction.
        """
        try:
            s = self._begin(write)
        except (sqlcipher3.dbapi2.OperationalError, sa_exc.OperationalError) as exc:
            if db.is_busy(exc):
                raise DatabaseLocked() from None
            raise
        try:
            transaction = s.get_transaction()
            assert transaction is not None
            with s, transaction:  # commits on success, rolls back on an exception
                yield s
        except (sqlcipher3.dbapi2.DatabaseError, sa_exc.DatabaseError) as exc:
            if db.is_not_a_database(getattr(exc, "orig", None) or exc):
                raise KeyChanged() from None
            if db.is_damage(exc):
                raise DatabaseDamaged(type(exc).__name__) from None
            if db.is_busy(exc):
                raise DatabaseLocked() from None
            if RESTRICTED_MESSAGE in str(getattr(exc, "orig", None) or exc):
                raise RecordRestricted() from None
            raise

    def _begin(self, write: bool, *, finish_rekey: bool = True,
               check_directory: bool = True) -> Session:
        """Begin a transaction and pass the guard in it; returns the open session."""
        tried_rekey, tried_directory = False, not check_directory
        deadline = time.monotonic() + FOLLOW_REKEY_SECONDS
        while True:
            generation = self._generation
            s = Session(self.engine.execution_options(rc_write=write, rc_limit=self._wait_limit),
                        expire_on_commit=False)
            try:
                s.begin()
                status, pending, epoch = s.execute(_GUARD, {"u": self.user.username}).one()
                s.info[ACCESS_EPOCH] = epoch
            except (sqlcipher3.dbapi2.DatabaseError, sa_exc.DatabaseError,
                    DatabaseDamaged) as exc:
                s.close()
                if not (isinstance(exc, DatabaseDamaged)
                        or db.is_not_a_database(getattr(exc, "orig", None) or exc)):
                    if db.is_damage(exc):
                        raise DatabaseDamaged(type(exc).__name__) from None
                    raise
                self._follow_rekey(deadline, generation)
                continue
            except BaseException:
                s.close()
                raise
            if status != UserStatus.ACTIVE.value:
                s.close()
                self._end_revoked()
                raise SessionRevoked()
            if not tried_directory and self._directory_has_news(s):
                # an administrator signed a revocation (perhaps of this user) or a new
                # signing key: record it now, in its own write transaction
                s.close()
                tried_directory = True
                with contextlib.suppress(sa_exc.OperationalError, RekeyBusy):
                    self._record_directory_now()
                self._directory = None  # that read is older than what was just recorded
                continue
            if finish_rekey and pending is not None and json.loads(pending) and not tried_rekey:
                # a revocation whose rekey did not complete (its process died): finish it
                s.close()
                tried_rekey = True
                with contextlib.suppress(RekeyBusy):
                    self._rekey(only_if_pending=True)
                continue
            return s

    def _directory_has_news(self, s: Session) -> bool:
        """Has the signed directory changed since this session last read it, with a signed
        act that no data-key holder has recorded yet? One ``stat`` when nothing changed."""
        try:
            st = os.stat(self.keyfile_path)
        except OSError:
            return False
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        if self._directory is not None and self._directory[0] == stamp:
            return False
        try:
            kf = keys.KeyFile.load(self.keyfile_path)
        except VaultError:
            return False  # damaged or missing: the next login says so
        pinned = directory.pinned_from_meta(get_meta(s, PINNED, {}))
        accepted = get_meta(s, ACCEPTED, {})
        if unrecorded(kf, pinned, accepted):
            return True
        self._directory = (stamp, kf, pinned)
        return False

    def _record_directory_now(self) -> None:
        s = self._begin(True, finish_rekey=False, check_directory=False)
        transaction = s.get_transaction()
        assert transaction is not None
        with s, transaction, self._keyfile() as kf:
            actor = s.get(User, self.user.id)
            assert actor is not None
            record_directory(s, kf, actor)

    def _end_revoked(self) -> None:
        """Record that the revoked user's session ended, then forget every key."""
        with contextlib.suppress(Exception), Session(
            self.engine.execution_options(rc_write=True)
        ) as s, s.begin():
            audit.append(s, "session_revoked", user_id=self.user.id,
                         username=self.user.username, outcome="revoked")
        self._end("revoked")

    def _follow_rekey(self, deadline: float, failed_generation: int) -> None:
        """The data key no longer opens the database: another session rekeyed it. Unseal
        the new key from this user's own slot and reopen (or end the session)."""
        with self._reopen_lock:
            if self._engine is not None and self._generation != failed_generation:
                return  # another thread of this session has followed the rekey already
            self._follow_rekey_locked(deadline)

    def _follow_rekey_locked(self, deadline: float) -> None:
        private = X25519PrivateKey.from_private_bytes(self._private)
        while True:
            kf = keys.KeyFile.load(self.keyfile_path)
            slot = kf.slots.get(self.user.username)
            if slot is None:  # revoked and rekeyed: the slot is gone
                self._end("revoked")
                raise SessionRevoked()
            if slot.public_key != private.public_key().public_bytes_raw():
                self._end("key_changed")  # an administrator gave this user a new key pair
                raise KeyChanged()
            candidates = self._candidate_keys(kf, self.user.username, private)
            try:
                for generation, key in candidates:
                    try:
                        db.connect(self.path, key).close()
                    except DatabaseDamaged:
                        continue
                    # every pooled connection has the old key: release them, open anew
                    # (in place: the buffer stays the one copy of the key)
                    self._data_key[:] = key
                    engine, self._engine = self._engine, db.make_engine(
                        self.path, self._data_key, background_checkpoint=True)
                    self._generation = generation
                    if engine is not None:
                        engine.dispose()
                    return
                unchanged = all(key == self._data_key for _, key in candidates)
            finally:
                wipe_all(candidates)
            if unchanged:
                self._end("damaged")  # no new key anywhere: the file itself is damaged
                raise DatabaseDamaged("the data key no longer opens the database")
            if time.monotonic() > deadline:
                self._end("key_changed")
                raise KeyChanged()
            time.sleep(0.05)  # the rekey's key file is written; its commit is on the way

    def heartbeat(self) -> None:
        """A cheap read transaction (the guard only): called every few seconds by the app so
        an idle session also ends at once when revoked and follows a rekey."""
        with self.session():
            pass

    def log(self, action: str, **kw: Any) -> None:
        with self.session(write=True) as s:
            audit.append(s, action, user_id=self.user.id, username=self.user.username, **kw)

    def rekey(self) -> None:
        """Replace the data key now (``rc-tui rekey``; raises ``RekeyBusy`` when the write
        lock cannot be had within the busy timeout)."""
        self._rekey()

    def _rekey(self, *, only_if_pending: bool = False) -> None:
        """Replace the data key in one write transaction; other sessions keep working.

        SQLCipher rewrites every page under the new key and commits them with the
        transaction's other writes (in WAL mode the pages go to the WAL; readers keep their
        snapshot, writers wait for the lock as for any write). Crash-safe: before the
        rewrite, the key file gets the new key sealed to every slot and keeps the old one
        as ``pending``; whichever the database ends up with, every remaining user opens it,
        and the next write-lock holder settles the key file (``_keyfile``). Other
        sessions find the new key at their next transaction (``_follow_rekey``).
        """
        new_key = keys.new_data_key()
        try:
            s = self._begin(True, finish_rekey=False, check_directory=False)
        except sa_exc.OperationalError as exc:
            if db.is_busy(exc):
                raise RekeyBusy() from None
            raise
        transaction = s.get_transaction()
        assert transaction is not None
        try:
            with s, transaction:
                if only_if_pending and not get_meta(s, "rekey_pending", False):
                    return  # another session finished it while this one waited for the lock
                with self._keyfile() as kf:
                    old_gen = kf.generation
                    gen = old_gen + 1
                    holders = kf.holders()  # administrators and pending slots get nothing
                    kf.pending_generation = old_gen
                    kf.pending_sealed = {n: slot.sealed_data_key
                                         for n, slot in holders.items()
                                         if slot.generation == old_gen and slot.sealed_data_key}
                    for name, slot in holders.items():
                        slot.sealed_data_key = keys.seal_data_key(
                            new_key, slot.public_key, kf.db_id, name, gen)
                        slot.generation = gen
                    kf.generation = gen
                # SQLCipher commits the open transaction together with the rewritten pages,
                # so everything that belongs to the rekey is written before it
                set_meta(s, "rekey_pending", False)
                audit.append(s, "rekey", user_id=self.user.id, username=self.user.username)
                s.flush()
                s.connection().exec_driver_sql(f"PRAGMA rekey = \"x'{new_key.hex()}'\"")
        finally:
            # the pooled connection now has the new key but the engine would open new ones
            # with the old key: start over with a new engine either way
            self.engine.dispose()
        self._data_key[:] = new_key  # in place: the buffer stays the one copy of the key
        keys.wipe(new_key)
        self._generation = gen
        self._engine = db.make_engine(self.path, self._data_key, background_checkpoint=True)
        with self.session(write=True), self._keyfile():
            pass  # settling the key file drops the old key's seals
        with contextlib.suppress(Exception), self.engine.connect() as conn:
            # rewrite the main file from the WAL now, so that no page under the old key is
            # left on disk (a copy of the file alone must not open with the old key either)
            conn.exec_driver_sql(f"PRAGMA busy_timeout = {REKEY_CHECKPOINT_WAIT_MS}")
            conn.exec_driver_sql("PRAGMA wal_checkpoint(FULL)")
            conn.exec_driver_sql(f"PRAGMA busy_timeout = {db.BUSY_TIMEOUT_MS}")

    @contextmanager
    def _keyfile(self) -> Iterator[keys.KeyFile]:
        """The key file under ``<db>.keys.lock``, settled after an interrupted rekey, saved
        when the block ends without an error. Use only inside a write transaction: the
        holder of the database write lock knows which generation opens the database (its
        own); the file lock keeps administrators' updates from being lost."""
        with files.exclusive_lock(files.keyfile_lock_path(self.path)):
            kf = keys.KeyFile.load(self.keyfile_path)
            settle(kf, self._generation)
            yield kf
            kf.save(self.keyfile_path)


def wipe_all(candidates: list[tuple[int, bytearray]]) -> None:
    for _, key in candidates:
        keys.wipe(key)


def settle(kf: keys.KeyFile, working_generation: int) -> bool:
    """Resolve a rekey's two candidates: keep the generation that opens the database.

    ``working_generation`` is the generation of a key that just opened the database under
    the write lock. Returns True when ``kf`` changed (the caller saves it).
    """
    if kf.pending_generation is None:
        return False
    if working_generation == kf.pending_generation:
        for name, slot in kf.slots.items():
            if name in kf.pending_sealed:
                slot.sealed_data_key = kf.pending_sealed[name]
                slot.generation = kf.pending_generation
        kf.generation = kf.pending_generation
    kf.pending_generation = None
    kf.pending_sealed = {}
    return True
