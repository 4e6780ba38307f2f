"""The tamper-evident access log: append-only rows chained by SHA-256.

Each row's ``hash`` covers its own fields and the previous row's hash. Triggers refuse
UPDATE and DELETE and only let a row in when it extends the chain by one; ``audit_head``
anchors the tail and ``sqlite_sequence`` remembers the highest id ever used, so editing,
deleting, reordering or truncating rows is detected by ``verify_chain``.

Limits (also in the README): anybody holding the data key can drop the triggers and
rewrite the whole chain consistently. ``rc-tui check`` prints the head hash so it can be
witnessed outside the database (e.g. in the manager's review notes).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, text, update
from sqlalchemy.orm import Session

from storage.models import AccessLog, AuditHead

GENESIS = "0" * 64


def utcnow() -> datetime:
    """Naive UTC timestamp (what the database stores)."""
    return datetime.now(UTC).replace(tzinfo=None)


def _row_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256((prev_hash + "|" + canonical).encode("ascii")).hexdigest()


def _fields(row: AccessLog) -> dict[str, Any]:
    return {
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
) -> AccessLog:
    """Append one entry in the caller's (write) transaction."""
    head = session.get(AuditHead, 1, with_for_update=False)
    if head is None:
        raise RuntimeError("audit_head missing")
    session.refresh(head)
    row = AccessLog(
        id=head.last_id + 1,
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
        prev_hash=head.last_hash,
        hash="",
    )
    row.hash = _row_hash(row.prev_hash, _fields(row))
    session.add(row)
    session.flush()
    head.last_id = row.id
    head.last_hash = row.hash
    session.flush()
    return row


def append_many(session: Session, entries: list[dict[str, Any]]) -> None:
    """Append several entries with one INSERT and one head update – e.g. every search hit
    shown. Each dict holds ``append``'s keywords (``action`` required)."""
    if not entries:
        return
    head = session.get(AuditHead, 1)
    if head is None:
        raise RuntimeError("audit_head missing")
    session.refresh(head)
    prev_hash, next_id = head.last_hash, head.last_id + 1
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for entry in entries:
        row = AccessLog(
            id=next_id, ts=entry.get("ts") or now, user_id=entry.get("user_id"),
            username=entry.get("username"), action=entry["action"],
            outcome=entry.get("outcome", "ok"), person_id=entry.get("person_id"),
            record_type=entry.get("record_type"), record_id=entry.get("record_id"),
            screen=entry.get("screen"), reason=entry.get("reason"),
            flagged=bool(entry.get("flagged", False)), prev_hash=prev_hash, hash="",
        )
        row.hash = _row_hash(prev_hash, _fields(row))
        rows.append({c: getattr(row, c) for c in _COLUMNS})
        prev_hash, next_id = row.hash, next_id + 1
    session.execute(insert(AccessLog), rows)
    session.execute(update(AuditHead).where(AuditHead.id == 1)
                    .values(last_id=next_id - 1, last_hash=prev_hash))
    session.expire(head)


_COLUMNS = ("id", "ts", "user_id", "username", "action", "outcome", "person_id",
            "record_type", "record_id", "screen", "reason", "flagged", "prev_hash", "hash")


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    rows: int
    head_hash: str
    problems: tuple[str, ...]


def verify_chain(session: Session) -> ChainReport:
    """Walk the whole chain; report the first break of each kind."""
    problems: list[str] = []
    prev_hash = GENESIS
    expected_id = 1
    count = 0
    for row in session.scalars(select(AccessLog).order_by(AccessLog.id)).yield_per(2000):
        count += 1
        if row.id != expected_id:
            problems.append(f"access log row {expected_id} is missing or out of order")
            break
        if row.prev_hash != prev_hash:
            problems.append(f"access log row {row.id} does not link to the previous row")
            break
        if _row_hash(row.prev_hash, _fields(row)) != row.hash:
            problems.append(f"access log row {row.id} was altered")
            break
        prev_hash = row.hash
        expected_id += 1
    head = session.get(AuditHead, 1)
    last_id = expected_id - 1
    if not problems:
        if head is None:
            problems.append("access log head is missing")
        elif head.last_id != last_id or head.last_hash != prev_hash:
            problems.append(
                f"access log ends at row {last_id} but its head says {head.last_id}"
                " (rows were cut off or the head was altered)"
            )
        seq = session.execute(
            text("SELECT seq FROM sqlite_sequence WHERE name = 'access_log'")
        ).scalar()
        if seq is not None and int(seq) != last_id:
            problems.append(
                f"access log has {last_id} rows but ids up to {seq} were used (rows removed)"
            )
    return ChainReport(not problems, count, prev_hash, tuple(problems))
