"""Outage packs at the storage level: the pack file, its key, and the one extra row a
transaction carries.

A pack is an installation of its own – a SQLCipher database with the same schema and a
key file ``<pack>.keys`` – made for one user: its random data key is sealed in one slot,
made from that user's passphrase (so their passphrase opens it and nothing else does).
What goes into it is chosen by the services (``rc_tui.services.packs``) with the access
policy; this module only makes the file (``new_pack``), copies the rows it is given
(``copy_rows``) and opens it again (``open_pack``, refused after the expiry).

``RecordingVault``: a vault whose next data-changing transaction carries one extra row in
the same transaction (``carrying``) – in a pack the recorded operation, in the shared
database a merge's ``pack_merges`` entry (so a resumed merge never applies an operation
twice). A ``PackVault`` refuses every data change that carries no operation
(``OfflineRefused``): a write the merge could not replay is never made in a pack.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path
from typing import Any, cast

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Connection, Table, bindparam, event, insert, select, text
from sqlalchemy.orm import Session

from storage import audit, db, files, integrity, keys
from storage.errors import DatabaseExists, NotAPack, OfflineRefused, PackExpired
from storage.install import DEFAULT_SETTINGS
from storage.meta import get_meta, set_meta
from storage.models import AccessLog, Base, User
from storage.vault import Vault

#: tables a pack writes on its own, without an operation: its own access log, the user's
#: drafts and preferences, and the operations themselves (none of it is replayed)
LOCAL_ONLY = frozenset({"access_log", "audit_head", "meta", "drafts", "users",
                        "pack_operations", "pack_merges", "packs"})
#: the full-text entries kept by the services, per table whose row ids they index: how to
#: read them and how to write them (``person_name_fts`` is kept by a trigger on
#: ``persons``: it fills itself)
FTS_OF: dict[str, list[tuple[str, str]]] = {
    "persons": [("SELECT rowid, names, numbers FROM person_fts WHERE rowid IN :ids",
                 "INSERT INTO person_fts (rowid, names, numbers) VALUES (:a, :b, :c)")],
    "journal_notes": [("SELECT rowid, body, NULL FROM note_fts WHERE rowid IN :ids",
                       "INSERT INTO note_fts (rowid, body) VALUES (:a, :b)")],
    "cases": [("SELECT rowid, numbers, NULL FROM case_fts WHERE rowid IN :ids",
               "INSERT INTO case_fts (rowid, numbers) VALUES (:a, :b)")],
}
#: each full-text index's settings (its ``_config``, e.g. ``secure-delete``): read in the
#: database, written in the pack (a new index is made with the defaults)
FTS_CONFIG: dict[str, tuple[str, str]] = {
    name: (f"SELECT k, v FROM {name}_config WHERE k != 'version'",  # noqa: S608
           f"INSERT INTO {name} ({name}, rank) VALUES (:k, :v)")  # noqa: S608
    for name in ("person_fts", "person_name_fts", "note_fts", "case_fts")}
_RECORDER = "rc_recorder"
_CHUNK = 500


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class PackInfo:
    """What a pack's key file says about it (no secret): its id, the database it was
    made from, whose it is and until when it opens."""

    uid: str
    source_db_id: str
    username: str
    expires_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {"uid": self.uid, "source": self.source_db_id, "user": self.username,
                "expires_at": self.expires_at.isoformat()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PackInfo:
        try:
            return cls(str(data["uid"]), str(data["source"]), str(data["user"]),
                       datetime.fromisoformat(str(data["expires_at"])))
        except (KeyError, ValueError) as exc:
            raise NotAPack(type(exc).__name__) from None


def pack_info(path: Path) -> PackInfo | None:
    """The pack's own description from its key file; None for an ordinary database."""
    try:
        kf = keys.KeyFile.load(files.keyfile_path(Path(path)))
    except Exception:
        return None
    return PackInfo.from_json(kf.pack) if kf.pack is not None else None


class _Carry:
    def __init__(self, make_row: Callable[[], Base]) -> None:
        self.make_row = make_row
        self.written = False


class RecordingVault(Vault):
    """A vault whose next data-changing transaction carries one extra row (see the
    module docstring). Opened like a ``Vault``: ``RecordingVault.unlock(...)``."""

    #: refuse a data change that carries no row (a pack)
    refuse_unrecorded = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._carry = threading.local()

    @contextmanager
    def carrying(self, make_row: Callable[[], Base]) -> Iterator[_Carry]:
        """Within this block (this thread), the first transaction that changes data
        also inserts ``make_row()``; ``written`` tells whether one did."""
        carry = _Carry(make_row)
        previous = getattr(self._carry, "value", None)
        self._carry.value = carry
        try:
            yield carry
        finally:
            self._carry.value = previous

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        with super().session(write=write) as s:
            s.info[_RECORDER] = self
            yield s

    def before_flush(self, s: Session) -> None:
        changed = [o for o in chain(s.new, s.deleted, (o for o in s.dirty if s.is_modified(o)))
                   if getattr(o, "__tablename__", "") not in LOCAL_ONLY]
        if not changed:
            return
        carry: _Carry | None = getattr(self._carry, "value", None)
        if carry is None:
            if self.refuse_unrecorded:
                raise OfflineRefused(str(getattr(changed[0], "__tablename__", "")))
            return
        if not carry.written:
            s.add(carry.make_row())
            carry.written = True


@event.listens_for(Session, "before_flush")
def _before_flush(s: Session, _context: Any, _instances: Any) -> None:
    recorder = s.info.get(_RECORDER)
    if isinstance(recorder, RecordingVault):
        recorder.before_flush(s)


class PackVault(RecordingVault):
    """An open outage pack (``open_pack``)."""

    refuse_unrecorded = True
    info: PackInfo


def open_pack(path: Path, username: str, passphrase: str, *,
              clock: Callable[[], float] = time.time, expired_ok: bool = False) -> PackVault:
    """Open the pack ``path`` as ``username`` (their passphrase). Refused after its expiry
    (``PackExpired``; the refusal is in the pack's own access log) – except for the merge
    (``expired_ok``): what was typed in a pack is brought back whenever that is."""
    path = Path(path)
    info = pack_info(path)
    if info is None:
        raise NotAPack(str(path))
    vault = cast(PackVault, PackVault.unlock(path, username, passphrase, clock=clock))
    with vault.session() as s:
        stored = get_meta(s, "pack")
    if not isinstance(stored, dict) or PackInfo.from_json(stored) != info:
        vault.close(None)
        raise NotAPack("the key file does not describe this pack")
    vault.info = info
    now = datetime.fromtimestamp(clock(), UTC).replace(tzinfo=None)
    if now >= info.expires_at and not expired_ok:
        vault.close("pack_expired")
        raise PackExpired(info.expires_at.isoformat())
    return vault


def check_passphrase(vault: Vault, passphrase: str) -> None:
    """``WrongPassphrase`` unless ``passphrase`` opens this user's own slot in the
    database's key file: a pack is sealed with the user's passphrase, not any other."""
    kf = keys.KeyFile.load(vault.keyfile_path)
    keys.open_private_key(kf.slot(vault.user.username), passphrase, kf.db_id)


def default_pack_path(username: str, when: datetime) -> Path:
    """Where the app puts a pack it makes: the user's own data folder."""
    return files.default_data_dir() / "packs" / f"{username}-{when:%Y%m%d-%H%M}.pack"


@contextmanager
def new_pack(out: Path, info: PackInfo, *, passphrase: str, user: User,
             settings: dict[str, Any], source: Session) -> Iterator[Connection]:
    """Make the pack file ``out`` (and ``out.keys``) for ``user`` and yield a connection
    in its one transaction, for ``copy_rows``; foreign keys are checked per row as the
    rows come (a pack holds a part of the database: what a copied row refers to and the
    user may not see stays out). Its schema is the database's own (``source``): the same
    revision, tables, indexes and triggers. The files are removed again if anything
    fails."""
    out = Path(out)
    kpath = files.keyfile_path(out)
    if out.exists() or kpath.exists():
        raise DatabaseExists(str(out))
    files.secure_umask()
    files.ensure_private_dir(out.parent)
    data_key = keys.new_data_key()
    audit_private = X25519PrivateKey.generate()
    kf = keys.KeyFile(db_id=info.uid, generation=1,
                      audit_public_key=audit_private.public_key().public_bytes_raw(),
                      pack=info.to_json())
    kf.slots[user.username] = keys.make_slot(
        user.username, passphrase, data_key, info.uid, 1, role=user.role,
        display_name=user.display_name)
    engine = db.make_engine(out, data_key)
    try:
        with engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            assert raw is not None
            # outside any transaction (inside one SQLite ignores it)
            raw.execute("PRAGMA foreign_keys = OFF")
            try:
                with conn.begin():
                    copy_schema(source, conn)
                    s = Session(bind=conn)
                    set_meta(s, "db_id", info.uid)
                    set_meta(s, "demo", False)
                    set_meta(s, "audit_private_key",
                             keys.b64e(audit_private.private_bytes_raw()))
                    set_meta(s, "rekey_pending", False)
                    set_meta(s, "pack", info.to_json())
                    for k in DEFAULT_SETTINGS:
                        set_meta(s, f"setting.{k}", settings.get(k, DEFAULT_SETTINGS[k]))
                    s.flush()
                    yield conn
                    s.flush()
                    audit.append(s, "pack_made", username=user.username,
                                 user_id=user.id, record_type="pack")
                    s.flush()
            finally:
                raw.execute("PRAGMA foreign_keys = ON")
        kf.save(kpath)
    except BaseException:
        engine.dispose()
        keys.wipe(data_key)
        for p in (*files.sidecar_paths(out), kpath):
            with contextlib.suppress(OSError):
                p.unlink()
        raise
    with contextlib.suppress(Exception), engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    keys.wipe(data_key)
    for p in files.sidecar_paths(out):
        files.restrict_file(p)


def copy_schema(source: Session, target: Connection) -> None:
    """The database's schema as it is, made again in ``target``: every table, index,
    trigger and full-text index in the order they were made (much faster than running
    every migration, and the same revision by construction)."""
    rows = source.execute(text(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL "
        "AND name NOT LIKE 'sqlite_%' ORDER BY CASE type WHEN 'table' THEN 0 "
        "WHEN 'index' THEN 1 ELSE 2 END, rowid")).all()
    virtual = [name for kind, name, sql in rows
               if kind == "table" and str(sql).upper().startswith("CREATE VIRTUAL TABLE")]
    for kind, name, sql in rows:
        if kind == "table" and any(name.startswith(f"{v}_") for v in virtual):
            continue  # a full-text index's own tables: made with it
        target.exec_driver_sql(str(sql))
    for name in virtual:  # their settings too (secure-delete above all)
        read, write = FTS_CONFIG[name]
        for k, v in source.execute(text(read)).all():
            target.execute(text(write), {"k": k, "v": v})
    target.execute(text("INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, 0, :g)"),
                   {"g": audit.GENESIS})
    version = source.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    target.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"),
                   {"v": version})


def table(name: str) -> Table:
    return Base.metadata.tables[name]


def copy_rows(source: Session, target: Connection, name: str, ids: Sequence[int]) -> int:
    """Copy the rows ``ids`` of table ``name`` (and their full-text entries) as they are."""
    t = table(name)
    wanted = sorted(set(ids))
    count = 0
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start:start + _CHUNK]
        rows = [dict(r) for r in source.execute(select(t).where(t.c.id.in_(chunk))).mappings()]
        if rows:
            target.execute(insert(t), rows)
            count += len(rows)
        for read, write in FTS_OF.get(name, []):
            found = source.execute(text(read).bindparams(bindparam("ids", expanding=True)),
                                   {"ids": chunk}).all()
            if found:
                target.execute(text(write), [{"a": a, "b": b, "c": c} for a, b, c in found])
    return count


def carry_seals(source: Session, target: Connection, *, user_id: int, username: str) -> int:
    """The seals of the signed records copied into the pack: each record's content hash as
    the database's access log recorded it, appended to the pack's own log – so ``rc-tui
    check`` tells a changed copy in a pack as it does in the database."""
    entries: list[dict[str, Any]] = []
    for (record_type, record_id), _digest in sorted(integrity.all_sealed(target).items()):
        for digest in source.scalars(select(AccessLog.content_hash).where(
                AccessLog.record_type == record_type, AccessLog.record_id == record_id,
                AccessLog.content_hash.is_not(None)).distinct()):
            entries.append({"action": "seal_copied", "user_id": user_id, "username": username,
                            "record_type": record_type, "record_id": record_id,
                            "content_hash": digest, "screen": "pack",
                            "reason": "as recorded in the database"})
    audit.append_many(target, entries)
    return len(entries)


def insert_rows(target: Connection, name: str, rows: list[dict[str, Any]]) -> None:
    """Insert rows the caller made (a redacted copy): no full-text entry goes with them."""
    if rows:
        target.execute(insert(table(name)), rows)


def new_uid() -> str:
    return uuid.uuid4().hex
