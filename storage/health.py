"""The health of an open installation: an online copy for backups (encrypted from its
first page, checked before it is returned) and the full integrity check."""

from __future__ import annotations

import contextlib
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from storage import audit, db, files, integrity, keys, schema
from storage.errors import DatabaseBusy, DatabaseDamaged
from storage.guard import GuardedVault, wipe_all
from storage.values import CheckReport, ReclaimReport

#: how long reclaiming waits for other sessions' readers to let the WAL be truncated
RECLAIM_WAIT_SECONDS = 10.0

_DB_ERRORS = db.DATABASE_ERRORS
#: a session turns damage into ``DatabaseDamaged`` (anything else, e.g. a revoked
#: session, is not a finding about the database and goes to the caller)
_READ_ERRORS: tuple[type[BaseException], ...] = (*db.DATABASE_ERRORS, DatabaseDamaged)


class HealthMixin(GuardedVault):
    """Online copy and integrity check of an open session."""

    def online_copy(self, dest: Path) -> bytes:
        """Copy the database into the new file ``dest`` with SQLite's online backup API.

        ``dest`` is keyed with the same data key before its first page is written, so the
        copy is encrypted on disk from the start. One step is one read snapshot: writers
        carry on. Returns the key file read after the copy; a rekey may commit meanwhile
        (it does not wait for readers), so the key file is checked to still unseal the
        copy's key for this user, and the copy is taken again under the new key if not.
        The copy is checked before return.
        """
        for _ in range(3):
            self.heartbeat()  # the guard: still active, and following any rekey first
            key = bytearray(self._data_key)  # the copy's key, even if a rekey comes between
            try:
                src = db.connect(self.path, key)
                try:
                    dst = db.connect(dest, key, configure_wal=False)
                    try:
                        src.backup(dst)
                        raw_keys = self.keyfile_path.read_bytes()
                        problems = [r[0] for r in dst.execute("PRAGMA cipher_integrity_check")]
                        quick = [r[0] for r in dst.execute("PRAGMA quick_check")]
                    finally:
                        dst.close()
                finally:
                    src.close()
                if problems or quick != ["ok"]:
                    raise DatabaseDamaged("backup copy does not verify")
                private = X25519PrivateKey.from_private_bytes(self._private)
                saved = keys.KeyFile.from_bytes(raw_keys)
                candidates = self._candidate_keys(saved, self.user.username, private)
                unchanged = any(k == key for _, k in candidates)
                wipe_all(candidates)
                if unchanged:
                    return raw_keys
                for p in [dest, *files.sidecar_paths(dest)]:  # a rekey came between: again
                    with contextlib.suppress(FileNotFoundError):
                        p.unlink()
            finally:
                keys.wipe(key)
        raise DatabaseBusy("rekeyed during the copy")

    def reclaim(self, wait_seconds: float = RECLAIM_WAIT_SECONDS) -> ReclaimReport:
        """Rewrite the database so no page of a deleted record is left in the file.

        ``secure_delete`` (on for every connection) zeroes what SQLite frees, but older
        versions of a page stay in the write-ahead log until a checkpoint, and a page
        rebuilt by a b-tree balance is not guaranteed to be clean. So: ``VACUUM`` (the whole
        database rebuilt; its temporary copy in memory, ``temp_store=MEMORY``), then a
        TRUNCATE checkpoint, which copies the new pages into the main file and empties the
        log – it waits for other sessions' readers (up to ``wait_seconds``). The report
        says whether free pages or log bytes are left (then run it again when others have
        logged out).
        """
        self.heartbeat()
        wal = Path(f"{self.path}-wal")
        vacuumed = True
        with db.raw_connection(self.path, self._data_key) as conn:
            try:
                conn.execute("VACUUM")
            except _DB_ERRORS as exc:
                if not db.is_busy(exc):
                    raise
                vacuumed = False  # another session wrote for longer than the busy timeout
            # the checkpoint waits for other sessions' readers through the busy handler
            conn.execute(f"PRAGMA busy_timeout = {int(wait_seconds * 1000)}")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            free = int(conn.execute("PRAGMA freelist_count").fetchone()[0])
            left = wal.stat().st_size if wal.exists() else 0
        return ReclaimReport(free, left, vacuumed)

    def check(self) -> CheckReport:
        """Every integrity check; never raises for what it finds in the database.

        SQLCipher's page authentication and SQLite's integrity checks (and any database
        error on the way) are *damage*; the schema (every table, index and trigger as the
        migrations create them), the access-log chain and the sealed records are
        *findings*. Problems name checks, rows and records by id – never content.
        """
        problems: list[str] = []
        damaged = False

        def damage(step: str, exc: BaseException) -> None:
            nonlocal damaged
            damaged = True
            problems.append(f"{step}: {db.error_message(exc)}")

        try:
            with self.engine.connect() as conn:
                for (msg,) in conn.exec_driver_sql("PRAGMA cipher_integrity_check").fetchall():
                    damaged = True
                    problems.append(f"SQLCipher: {msg}")
                conn.rollback()
        except _DB_ERRORS as exc:
            damage("SQLCipher", exc)
        try:
            with self.engine.connect() as conn:
                result = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check")]
                if result != ["ok"]:
                    damaged = True
                    problems.extend(f"SQLite: {m}" for m in result[:5])
                fks = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if fks:
                    problems.append(f"SQLite: {len(fks)} foreign key violations")
                conn.rollback()
        except _DB_ERRORS as exc:
            damage("SQLite", exc)
        try:
            with self.engine.connect() as conn:
                problems.extend(schema.schema_problems(conn))
                conn.rollback()
        except _DB_ERRORS as exc:
            damage("schema", exc)
        rows, head = 0, ""
        try:
            with self.session() as s:
                report = audit.verify_chain(s)
            problems.extend(report.problems)
            rows, head = report.rows, report.head_hash
        except _READ_ERRORS as exc:
            damage("access log", exc)
        try:
            with self.session() as s:
                problems.extend(integrity.verify_sealed(s))
        except _READ_ERRORS as exc:
            damage("sealed records", exc)
        return CheckReport(not problems, tuple(problems), rows, head, damaged)
