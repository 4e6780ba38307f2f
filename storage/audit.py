"""The tamper-evident access log: append-only rows chained by SHA-256.

Each row's ``hash`` covers its own fields and the previous row's hash. Triggers refuse
UPDATE and DELETE and only let a row in when it extends the chain by one; ``audit_head``
anchors the tail and ``sqlite_sequence`` remembers the highest id ever used, so editing,
deleting, reordering or truncating rows is detected by ``verify_chain``.

An entry that seals a record (signing, concluding, deciding, approving) also holds the
record's ``content_hash`` (``storage.integrity``), which its row hash covers.

A damaged tail must not lock everybody out: when the head, the last row and the highest
id ever used disagree (rows were cut off, or the head was altered), the next append first
writes a flagged ``log_gap`` row that starts a new segment after the highest id ever seen
and links to the last row that is left. Work goes on; ``verify_chain`` reports the gap
for as long as the log exists, and the log review shows the flagged row.

Limits (also in the README): anybody holding the data key can drop the triggers and
rewrite the whole chain consistently, or cut its tail and rewind the head and the id
counter with it. ``rc-tui check`` prints the head hash so it can be witnessed outside
the database (e.g. in the manager's review notes).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, Table, insert, select, text, update
from sqlalchemy.orm import Session

from storage.bulkinsert import insert_rows
from storage.models import AccessLog, AuditHead
from storage.nfc import nfc

GENESIS = "0" * 64
GAP_ACTION = "log_gap"
MAX_PROBLEMS = 20


def utcnow() -> datetime:
    """Naive UTC timestamp (what the database stores)."""
    return datetime.now(UTC).replace(tzinfo=None)


#: The canonical form each row hash covers. One encoder for every row: ``json.dumps``
#: with these arguments builds a new one per call, which was a third of hashing a row.
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=True, separators=(",", ":"))


def _row_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    canonical = _CANONICAL.encode(fields)
    return hashlib.sha256((prev_hash + "|" + canonical).encode("ascii")).hexdigest()


def _fields(row: AccessLog | SimpleNamespace) -> dict[str, Any]:
    fields = {
        "id": row.id,
        "ts": row.ts.isoformat(timespec="microseconds"),
        "user_id": row.user_id,
        "username": row.username,
        "action": row.action,
        "outcome": row.outcome,
        "person_id": row.person_id,
        "record_type": row.record_type,
        "record_id": row.record_id,
        "screen": row.screen,
        "reason": row.reason,
        "flagged": bool(row.flagged),
    }
    if row.content_hash is not None:  # rows written before 0010 have none: same hash
        fields["content_hash"] = row.content_hash
    return fields


_TAIL = text(
    "SELECT h.last_id, h.last_hash, "
    "(SELECT id FROM access_log ORDER BY id DESC LIMIT 1), "
    "(SELECT hash FROM access_log ORDER BY id DESC LIMIT 1), "
    "(SELECT seq FROM sqlite_sequence WHERE name = 'access_log') "
    "FROM (SELECT 1) LEFT JOIN audit_head h ON h.id = 1"
)


def _tail(session: Session | Connection) -> tuple[int, str]:
    """The id and hash the next row follows (in the caller's write transaction).

    If the head, the last row and the id counter disagree, a flagged gap row is written
    first (see the module docstring), so appending never fails on a damaged tail.
    """
    head_id, head_hash, last_id, last_hash, seq = session.execute(_TAIL).one()
    last_id = int(last_id or 0)
    last_hash = str(last_hash or GENESIS)
    seq = int(seq or 0)
    if head_id is not None and int(head_id) == last_id and head_hash == last_hash \
            and seq <= last_id:
        return last_id, last_hash
    gap_id = max(last_id, int(head_id or 0), seq) + 1
    said = "no head" if head_id is None else f"head at row {int(head_id)}"
    gap = AccessLog(
        id=gap_id, ts=utcnow(), user_id=None, username=None, action=GAP_ACTION,
        outcome="damaged", person_id=None, record_type=None, record_id=None, screen=None,
        reason=f"log ended at row {last_id}, {said}, ids used up to {seq}",
        flagged=True, content_hash=None, prev_hash=last_hash, hash="",
    )
    gap.hash = _row_hash(gap.prev_hash, _fields(gap))
    session.execute(insert(AccessLog), [{c: getattr(gap, c) for c in _COLUMNS}])
    if head_id is None:
        session.execute(insert(AuditHead).values(id=1, last_id=gap_id, last_hash=gap.hash))
    else:
        session.execute(update(AuditHead).where(AuditHead.id == 1)
                        .values(last_id=gap_id, last_hash=gap.hash))
    return gap_id, gap.hash


def append(
    session: Session,
    action: str,
    *,
    user_id: int | None = None,
    username: str | None = None,
    outcome: str = "ok",
    person_id: int | None = None,
    record_type: str | None = None,
    record_id: int | None = None,
    screen: str | None = None,
    reason: str | None = None,
    flagged: bool = False,
    ts: datetime | None = None,
    content_hash: str | None = None,
) -> AccessLog:
    """Append one entry in the caller's (write) transaction. ``content_hash``: the hash of
    the record this entry seals (``storage.integrity.content_hash``)."""
    last_id, last_hash = _tail(session)
    row = AccessLog(
        id=last_id + 1,
        ts=ts or utcnow(),
        user_id=user_id,
        username=username,
        action=action,
        outcome=outcome,
        person_id=person_id,
        record_type=record_type,
        record_id=record_id,
        screen=screen,
        reason=reason,
        flagged=flagged,
        content_hash=content_hash,
        prev_hash=last_hash,
        hash="",
    )
    row.hash = _row_hash(row.prev_hash, _fields(row))
    session.add(row)
    session.flush()
    session.execute(update(AuditHead).where(AuditHead.id == 1)
                    .values(last_id=row.id, last_hash=row.hash))
    return row


def append_many(session: Session | Connection, entries: list[dict[str, Any]]) -> None:
    """Append several entries with one INSERT and one head update – e.g. every search hit
    shown. Each dict holds ``append``'s keywords (``action`` required).

    The rows are plain values, not ``AccessLog`` objects (which cost more than the insert
    itself): text is composed (NFC) here, as the model's attributes compose it, so the hash
    covers exactly what is stored. One multi-row INSERT (``storage.bulkinsert``): a search
    appends up to thirty rows, and an ``executemany`` pays per row what one statement
    pays once. The rows' text is composed in ``_chain``: they go to the DB-API connection
    as they are (``insert_rows(composed=True)``)."""
    rows, head = _chained_rows(session, entries)
    if rows:
        insert_rows(session, _LOG_TABLE, rows, composed=True)
        session.execute(_MOVE_HEAD, {"id": head[0], "hash": head[1]})


def append_bulk(session: Session, entries: list[dict[str, Any]]) -> None:
    """``append_many`` for many thousands of entries (the bulk demo's sealed notes): the
    same rows and chain, written with multi-row INSERTs (``storage.bulkinsert``), then one
    head update."""
    rows, head = _chained_rows(session, entries)
    if rows:
        insert_rows(session, _LOG_TABLE, rows)
        session.execute(_MOVE_HEAD, {"id": head[0], "hash": head[1]})


def tail(session: Session) -> tuple[int, str]:
    """The id and hash the next entry follows (see ``_tail``), for :func:`chain`."""
    return _tail(session)


def chain(entries: list[dict[str, Any]], after: tuple[int, str]
          ) -> tuple[list[dict[str, Any]], tuple[int, str]]:
    """The rows for ``entries`` chained after ``after`` (an id and its hash, from
    :func:`tail` or an earlier ``chain``), and the new head: for a writer that prepares
    many rows ahead (the bulk demo) and appends them with :func:`append_chained`."""
    return _chain(entries, *after)


def append_chained(session: Session, rows: list[dict[str, Any]], head: tuple[int, str],
                   *, bound: bool = False) -> None:
    """Append rows made by :func:`chain` (``bound``: and passed through
    ``storage.bulkinsert.bind_rows``), after checking that they follow the log's tail as it
    is now in this transaction (else ``ValueError``; the append-only trigger would refuse
    them as well)."""
    if not rows:
        return
    last_id, last_hash = _tail(session)
    if rows[0]["id"] != last_id + 1 or rows[0]["prev_hash"] != last_hash:
        raise ValueError("the prepared access-log rows do not follow the log's tail")
    insert_rows(session, _LOG_TABLE, rows, bound=bound)
    session.execute(update(AuditHead).where(AuditHead.id == 1)
                    .values(last_id=head[0], last_hash=head[1]))


def _chained_rows(session: Session | Connection, entries: list[dict[str, Any]]
                  ) -> tuple[list[dict[str, Any]], tuple[int, str]]:
    """The rows for ``entries`` after the chain's tail, and the new head (id, hash)."""
    last_id, prev_hash = _tail(session) if entries else (0, GENESIS)
    return _chain(entries, last_id, prev_hash)


def _chain(entries: list[dict[str, Any]], last_id: int, prev_hash: str
           ) -> tuple[list[dict[str, Any]], tuple[int, str]]:
    next_id = last_id + 1
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for entry in entries:
        row: dict[str, Any] = {
            "id": next_id, "ts": entry.get("ts") or now, "user_id": entry.get("user_id"),
            "username": _text(entry.get("username")), "action": _text(entry["action"]),
            "outcome": _text(entry.get("outcome", "ok")), "person_id": entry.get("person_id"),
            "record_type": _text(entry.get("record_type")),
            "record_id": entry.get("record_id"), "screen": _text(entry.get("screen")),
            "reason": _text(entry.get("reason")), "flagged": bool(entry.get("flagged", False)),
            "content_hash": _text(entry.get("content_hash")), "prev_hash": prev_hash,
        }
        fields = {k: row[k] for k in _HASHED}
        fields["ts"] = row["ts"].isoformat(timespec="microseconds")
        if row["content_hash"] is not None:
            fields["content_hash"] = row["content_hash"]
        row["hash"] = _row_hash(prev_hash, fields)
        rows.append(row)
        prev_hash, next_id = row["hash"], next_id + 1
    return rows, (next_id - 1, prev_hash)


#: the head follows the rows just appended (its trigger checks that it does)
_MOVE_HEAD = text("UPDATE audit_head SET last_id = :id, last_hash = :hash WHERE id = 1")


def _text(value: Any) -> Any:
    return nfc(value) if isinstance(value, str) else value


#: the table itself: a Core insert of plain rows, not the ORM's bulk path
_LOG_TABLE: Table = AccessLog.__table__  # type: ignore[assignment]
LOG_TABLE = _LOG_TABLE

#: the fields every row hash covers (``_fields``; ``content_hash`` only when there is one)
_HASHED = ("id", "ts", "user_id", "username", "action", "outcome", "person_id",
           "record_type", "record_id", "screen", "reason", "flagged")


_COLUMNS = ("id", "ts", "user_id", "username", "action", "outcome", "person_id",
            "record_type", "record_id", "screen", "reason", "flagged", "content_hash",
            "prev_hash", "hash")


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    rows: int
    head_hash: str
    problems: tuple[str, ...]


def verify_chain(session: Session) -> ChainReport:
    """Walk the whole chain and report every break (at most ``MAX_PROBLEMS``), naming
    rows by id only."""
    problems: list[str] = []
    prev_hash, prev_id, count = GENESIS, 0, 0
    for row in session.scalars(select(AccessLog).order_by(AccessLog.id)).yield_per(2000):
        count += 1
        gap = row.action == GAP_ACTION and bool(row.flagged)
        if row.id <= prev_id:
            problems.append(f"access log row {row.id} is out of order")
        elif row.id > prev_id + 1:
            missing = (f"row {prev_id + 1} is missing" if row.id == prev_id + 2
                       else f"rows {prev_id + 1}-{row.id - 1} are missing")
            if gap:
                problems.append(f"access log {missing}: its tail was cut off (a new, "
                                f"flagged segment starts at row {row.id})")
            else:
                problems.append(f"access log {missing} or out of order")
        elif gap:
            problems.append(f"access log head did not match its last row before row "
                            f"{row.id} (the head or the tail was altered; a new, flagged "
                            "segment starts there)")
        if row.prev_hash != prev_hash and (gap or row.id == prev_id + 1):
            problems.append(f"access log row {row.id} does not link to the previous row")
        if _row_hash(row.prev_hash, _fields(row)) != row.hash:
            problems.append(f"access log row {row.id} was altered")
        prev_hash, prev_id = row.hash, row.id
    head = session.get(AuditHead, 1)
    if head is None:
        problems.append("access log head is missing")
    elif head.last_id != prev_id or head.last_hash != prev_hash:
        problems.append(
            f"access log ends at row {prev_id} but its head says {head.last_id}"
            " (rows were cut off or the head was altered)"
        )
    seq = session.execute(
        text("SELECT seq FROM sqlite_sequence WHERE name = 'access_log'")
    ).scalar()
    if seq is not None and int(seq) != prev_id:
        problems.append(
            f"access log ends at row {prev_id} but ids up to {seq} were used (rows removed)"
        )
    if len(problems) > MAX_PROBLEMS:
        more = len(problems) - MAX_PROBLEMS
        problems = [*problems[:MAX_PROBLEMS], f"{more} more problems in the access log"]
    return ChainReport(not problems, count, prev_hash, tuple(problems))
