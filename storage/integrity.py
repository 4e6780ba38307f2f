"""Sealed records: a hash of a signed or approved record's content, kept in the access log.

Triggers make signed journal notes, signed assessments, concluded investigations,
decisions, approved samråd minutes, partner contacts and signed safety plans read-only –
but whoever holds the data key can drop
the triggers, change a record and put them back. So the act that seals a record (signing,
concluding, deciding, approving) writes ``content_hash`` – SHA-256 over the record's
canonical content – into its access-log entry, which the chain hash covers, and
``verify_sealed`` (``rc-tui check``) recomputes every sealed record's hash and compares.

The canonical content is the record's row as stored (the raw SQLite values, read with
plain SQL, so sealing and checking see the same representation), as sorted JSON, over
the columns listed here. Columns that legitimately change after sealing are left out
(``MUTABLE``); a test keeps ``COLUMNS`` and ``MUTABLE`` together equal to each table's
columns, so a new column is a deliberate choice. Approved minutes also cover their
participants, persons discussed, their own actions' agreed terms, and the review
outcomes recorded in that meeting for earlier actions.

Culling (gallring, ``storage.retention``) deletes sealed records on purpose: each one is
named with its content hash in a ``retention_cull`` entry. A sealed record that is gone is
accepted only with such an entry whose hash is the one it was sealed with, made by a user
whose role may cull (a manager), and – culling takes whole persons – only when no person
its sealing entries name is still there; a culled record that is there again, and a
culling marker left in ``retention_culling`` (it would leave read-only rows deletable), are
reported. The cull entries carry no manager's signature: whoever holds the data key can
still erase a whole person and append matching entries (a record whose sealing names no
person – approved samråd minutes, a pre-0010 baseline – needs only the entry).

Problems name the record type and id only, never content.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

FORMAT = "v1"
MAX_PROBLEMS = 50
#: the access-log action that names a record deleted by culling (``storage.retention``)
CULL_ACTION = "retention_cull"
#: the roles whose entries may cull
CULL_ROLES = frozenset({"manager"})


@dataclass(frozen=True)
class Kind:
    """One kind of sealed record: its table, when a row is sealed, and how it is named."""

    table: str
    sealed_when: str  # SQL condition on the row
    label: str  # in check reports: "<label> <id>"


KINDS: dict[str, Kind] = {
    "journal_note": Kind("journal_notes", "signed_at IS NOT NULL", "signed journal note"),
    "assessment": Kind("assessments", "signed_at IS NOT NULL", "signed assessment"),
    "investigation": Kind("investigations", "concluded_at IS NOT NULL",
                          "concluded investigation"),
    "decision": Kind("decisions", "1", "decision"),
    "samrad": Kind("samrad", "approved_at IS NOT NULL", "approved samråd minutes"),
    "partner_contact": Kind("partner_contacts", "1", "partner contact"),
    "safety_plan": Kind("safety_plans", "signed_at IS NOT NULL", "signed safety plan"),
}

#: The columns each sealed table's hash covers (ordered as stored: it is sorted JSON).
COLUMNS: dict[str, tuple[str, ...]] = {
    "journal_notes": ("id", "person_id", "case_id", "note_type", "body", "author_id",
                      "created_at", "signed_at", "corrects_id", "version"),
    "assessments": ("id", "person_id", "case_id", "intake_id", "instrument_id",
                    "instrument_version", "instrument_title", "definition",
                    "definition_sha256", "answers", "score", "suggested_level", "level",
                    "judgement", "rationale", "deviation_reason", "training_confirmed",
                    "created_by_id", "created_at", "updated_at", "signed_by_id", "signed_at",
                    "supersedes_id", "version"),
    "investigations": ("id", "person_id", "case_id", "consent_id", "template",
                       "investigator_id", "started_on", "ended_on", "findings",
                       "assessment_ids", "conclusion", "created_at", "updated_at",
                       "concluded_at", "concluded_by_id", "version"),
    "decisions": ("id", "person_id", "case_id", "investigation_id", "intervention", "outcome",
                  "reasons", "legal_basis", "legal_text", "appeal_text", "emergency",
                  "period_start", "period_end", "provider", "provider_user_id",
                  "decided_by_id", "decided_at"),
    "samrad": ("id", "case_id", "requested_by", "requested_at", "meeting_on", "place",
               "chair_id", "previous_id", "repeat", "approved_at", "approved_by_id",
               "created_at", "updated_at", "version", "extract_rules"),
    "partner_contacts": ("id", "person_id", "perpetrator_id", "case_id", "contacted_at",
                         "outcome", "informed_service", "informed_support", "safety_view",
                         "fear", "wants_contact", "consent_pass_on", "safety_flag", "note",
                         "recorded_by_id", "created_at"),
    "safety_plans": ("id", "person_id", "case_id", "template", "definition", "sections",
                     "review_on", "created_by_id", "created_at", "updated_at",
                     "signed_by_id", "signed_at", "supersedes_id", "version"),
    "samrad_participants": ("id", "samrad_id", "kind", "agency", "role", "name",
                            "undertaking"),
    "samrad_persons": ("id", "samrad_id", "person_id", "legal_ground", "ground_rationale",
                       "info_shared", "risk_view"),
    # an action's agreed terms; its review outcome belongs to the meeting that reviews it
    "samrad_actions": ("id", "samrad_id", "person_id", "what", "agency", "order_no",
                       "due_on"),
}
#: Columns left out on purpose: they may change after the record is sealed.
MUTABLE: dict[str, tuple[str, ...]] = {
    # reviewed in a later meeting (sealed by that meeting's approval: REVIEWED below), and
    # the plan item it became
    "samrad_actions": ("outcome", "outcome_note", "reviewed_in_id", "plan_item_id"),
}
#: Columns added after records of the table were first sealed: left out of the content
#: while NULL, so a record sealed before the column existed keeps its hash (samråd approved
#: before migration 0012 have no stored extract rules).
ADDED_LATER: dict[str, tuple[str, ...]] = {"samrad": ("extract_rules",)}
#: Sealed tables added after the first sealing migration (0010, which seals what exists).
ADDED_TABLES = frozenset({"partner_contacts", "safety_plans"})
#: What an approving meeting records about the earlier actions it reviewed.
REVIEWED = ("id", "outcome", "outcome_note", "reviewed_in_id")
_CHILDREN = ("samrad_participants", "samrad_persons", "samrad_actions")

Executor = Session | Connection


#: The canonical form of a record's content (one encoder: ``json.dumps`` with these
#: arguments builds a new one per call).
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=True, separators=(",", ":"))


def _digest(record_type: str, content: Any) -> str:
    canonical = _CANONICAL.encode(content)
    return hashlib.sha256(f"{record_type}|{FORMAT}|{canonical}".encode("ascii")).hexdigest()


def _rows(ex: Executor, table: str, columns: Sequence[str], where: str,
          params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    sql = f"SELECT {', '.join(columns)} FROM {table} WHERE {where} ORDER BY id"  # noqa: S608
    return [dict(zip(columns, row, strict=True))
            for row in ex.execute(text(sql), params or {}).all()]


def _columns(ex: Executor, table: str) -> tuple[str, ...]:
    """The covered columns of ``table``; a column added later only once it exists (the
    migrations before it seal with the schema of their time)."""
    later = ADDED_LATER.get(table, ())
    if not later:
        return COLUMNS[table]
    present = {str(r[1]) for r in ex.execute(text(f"PRAGMA table_info({table})")).all()}
    return tuple(c for c in COLUMNS[table] if c not in later or c in present)


def _contents(ex: Executor, record_type: str, ids: Iterable[int] | None) -> dict[int, Any]:
    """The canonical content of each sealed record of ``record_type`` (all when ``ids`` is
    None), by id."""
    kind = KINDS[record_type]
    if kind.table in ADDED_TABLES and not ex.execute(text(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :t"),
            {"t": kind.table}).first():
        return {}  # a migration before the table existed seals with the tables of its time
    where = f"({kind.sealed_when})"
    params: dict[str, Any] = {}
    if ids is not None:
        id_list = sorted(set(ids))
        if not id_list:
            return {}
        where += f" AND id IN ({', '.join(str(int(i)) for i in id_list)})"
    rows = _rows(ex, kind.table, _columns(ex, kind.table), where, params)
    for r in rows:
        for column in ADDED_LATER.get(kind.table, ()):
            if r.get(column, 1) is None:
                del r[column]
    if record_type != "samrad":
        return {int(r["id"]): r for r in rows}
    out: dict[int, Any] = {int(r["id"]): {"meeting": r} for r in rows}
    if not out:
        return out
    in_set = ", ".join(str(i) for i in sorted(out))
    for child in _CHILDREN:
        grouped: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for r in _rows(ex, child, COLUMNS[child], f"samrad_id IN ({in_set})"):
            grouped[int(r["samrad_id"])].append(r)
        for sid, content in out.items():
            content[child] = grouped.get(sid, [])
    reviewed: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in _rows(ex, "samrad_actions", REVIEWED, f"reviewed_in_id IN ({in_set})"):
        reviewed[int(r["reviewed_in_id"])].append(r)
    for sid, content in out.items():
        content["reviewed"] = reviewed.get(sid, [])
    return out


def content_hash(ex: Executor, record_type: str, record_id: int) -> str:
    """The hash of one sealed record as it is now (in the caller's transaction).

    Raises ``ValueError`` if the record does not exist or is not sealed: sealing comes
    first, then its log entry."""
    if isinstance(ex, Session):
        ex.flush()
    contents = _contents(ex, record_type, [record_id])
    if record_id not in contents:
        raise ValueError(f"{record_type} {record_id} is not sealed")
    return _digest(record_type, contents[record_id])


def content_hash_of(record_type: str, stored: dict[str, Any]) -> str:
    """The hash of a record of a single-table kind from its values *as stored* (what a
    bulk writer is about to insert: dates as the column stores them). The same as
    :func:`content_hash` once the row is in the database; a test compares the two."""
    kind = KINDS[record_type]
    if record_type == "samrad" or ADDED_LATER.get(kind.table):
        raise ValueError(f"{record_type}: its content is not one row's columns")
    return _digest(record_type, {c: stored[c] for c in COLUMNS[kind.table]})


def content_hashes(ex: Executor, record_type: str, ids: Iterable[int]) -> dict[int, str]:
    """``content_hash`` for many records at once (those not sealed are left out)."""
    return {rid: _digest(record_type, c) for rid, c in _contents(ex, record_type, ids).items()}


def all_sealed(ex: Executor) -> dict[tuple[str, int], str]:
    """Every sealed record's current hash, by (record type, id)."""
    out: dict[tuple[str, int], str] = {}
    for record_type in KINDS:
        for rid, content in _contents(ex, record_type, None).items():
            out[(record_type, rid)] = _digest(record_type, content)
    return out


def _compare(current: dict[tuple[str, int], str], recorded: dict[tuple[str, int], set[str]],
             culled: set[tuple[str, int]]) -> list[str]:
    """The sealed records as they are against what the log recorded (after its culls)."""
    problems: list[str] = []
    for key in sorted(set(current) | set(recorded) | culled):
        record_type, rid = key
        label = f"{KINDS[record_type].label} {rid}"
        if key in culled:
            if key in current:
                problems.append(f"{label} was culled (access log) but is there again")
        elif key not in recorded:
            problems.append(f"{label} is sealed, but its sealing is not in the access log")
        elif key not in current:
            problems.append(f"{label} was sealed (access log) but is missing or no longer "
                            "sealed")
        elif recorded[key] != {current[key]}:
            problems.append(f"{label} was changed after it was sealed")
    return problems


def verify_sealed(ex: Executor) -> list[str]:
    """Compare every sealed record with the hashes its sealing entries recorded; a record
    that is gone must have been culled (see the module docstring).

    The log is read in order: a cull closes a record's history (its hash must be the one
    it was sealed with), and a sealing of the same id after it (SQLite may give a later
    record the id of a culled one) starts a new one."""
    current = all_sealed(ex)
    recorded: dict[tuple[str, int], set[str]] = defaultdict(set)
    owners: dict[tuple[str, int], set[int]] = defaultdict(set)
    culled: set[tuple[str, int]] = set()
    problems: list[str] = []
    persons = {int(r[0]) for r in ex.execute(text("SELECT id FROM persons")).all()}
    rows = ex.execute(text(
        "SELECT l.id, l.action, l.record_type, l.record_id, l.content_hash, u.role, "
        "l.person_id FROM access_log l LEFT JOIN users u ON u.id = l.user_id "
        "WHERE l.content_hash IS NOT NULL ORDER BY l.id")).all()
    for log_id, action, record_type, record_id, digest, role, person_id in rows:
        if record_type not in KINDS or record_id is None:
            continue
        key = (str(record_type), int(record_id))
        label = f"{KINDS[record_type].label} {int(record_id)}"
        if action != CULL_ACTION:
            recorded[key].add(str(digest))
            if person_id is not None:
                owners[key].add(int(person_id))
            culled.discard(key)
            continue
        if role not in CULL_ROLES:
            problems.append(f"access log row {log_id} culls {label}, but its user may not "
                            "cull")
        if key not in recorded:
            problems.append(f"{label} was culled (access log row {log_id}) but never sealed")
        elif recorded[key] != {str(digest)}:
            problems.append(f"{label} was changed after it was sealed, before it was culled")
        living = sorted(owners.pop(key, set()) & persons)
        if living:
            # culling deletes a whole person (and family) at once: a record culled while
            # the person it was sealed for is still there was deleted on its own
            problems.append(f"{label} was culled (access log row {log_id}), but person "
                            f"{living[0]} it belongs to is still there")
        recorded.pop(key, None)
        culled.add(key)
    problems += _compare(current, recorded, culled)
    if ex.execute(text("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                       "AND name = 'retention_culling'")).first() and ex.execute(
            text("SELECT 1 FROM retention_culling")).first():
        problems.append("retention: a culling marker was left in the database (read-only "
                        "records can be deleted while it is there)")
    if len(problems) > MAX_PROBLEMS:
        more = len(problems) - MAX_PROBLEMS
        problems = [*problems[:MAX_PROBLEMS], f"{more} more sealed records do not match"]
    return problems
