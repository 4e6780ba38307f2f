"""The large-scale demo for load tests and benchmarks: rows written straight with
SQLAlchemy Core in large batches (one access-log entry sums it up), e.g. 100,000 persons
and 1,000,000 journal notes. Same families as the service-layer demo, same search tokens."""

from __future__ import annotations

import dataclasses
import gc
import multiprocessing
import queue
import random
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TypeVar, cast

from sqlalchemy import Table, func, select, text
from sqlalchemy.orm import Session

from rc_tui.demo.base import (
    ASSIGNED_CASES,
    BASE_DATE,
    DEMO_CASEWORKER,
    DEMO_PERPETRATOR_WORKER,
    DEMO_USERS,
    NotADemoDatabase,
    require_demo,
)
from rc_tui.demo.bulk_notes import BATCH, NoteBatch, NoteJob, NoteMaker, note_batches
from rc_tui.demo.families import IdNumbers, family, opened_at, shapes
from rc_tui.demo.words import (
    RECEIVING_UNITS,
)
from rc_tui.services.cases import case_search_numbers
from rc_tui.services.people import apply_input, index_person, validate
from storage import audit, db, files, keys
from storage.bulkinsert import bind_rows, insert_rows
from storage.models import (
    Assignment,
    Case,
    CaseMember,
    ChildReport,
    Intake,
    JournalNote,
    Person,
    Relation,
    User,
)
from storage.nfc import nfc
from storage.vault import Vault

#: The page cache of the bulk writer's connection, in KiB (see _large_cache).
BULK_CACHE_KIB = 256 * 1024
#: From this many persons and notes on, :func:`generate_bulk` writes in a process of its own.
SEPARATE_PROCESS_ROWS = 20_000
#: FTS5's in-memory gathering while the bulk writer builds the journal's search index
#: (see _note_index_hash), and FTS5's own default, set back after.
BULK_FTS_HASH_BYTES = 64 * 1024 * 1024
FTS5_DEFAULT_HASH_BYTES = 1024 * 1024


@dataclass
class BulkResult:
    persons: int = 0
    cases: int = 0
    notes: int = 0
    persons_s: float = 0.0
    notes_s: float = 0.0  # all of the notes' part, the two below included
    note_index_s: float = 0.0  # the journal's search index, built once
    indexes_s: float = 0.0  # the dropped indexes, built again


class _PersonValues(SimpleNamespace):
    """A person's column values as ``apply_input`` sets them on a new ``Person``, without
    the ORM's instrumentation (a third of preparing a family's rows went to it). A column
    not set is None, as on a new ``Person``; text is composed (NFC) where the ORM's
    attribute events would compose it, and ``test_demo`` compares the search entries with
    what the service writes for the same person."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return None

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, nfc(value) if isinstance(value, str) else value)


class _Capture:
    """Stands in for a Session in ``people.index_person``: keeps the rows it would write to
    person_fts (column names and values), so the bulk path indexes with exactly the same
    tokens."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self._parsed: dict[str, list[tuple[str, str]] | None] = {}

    def execute(self, statement: Any, params: dict[str, Any] | None = None) -> None:
        sql = str(getattr(statement, "text", statement))
        if sql not in self._parsed:  # the same few statements each time: parsed once
            found = _FTS_INSERT.match(sql.strip())
            self._parsed[sql] = None if found is None else list(zip(
                [c.strip() for c in found["columns"].split(",")],
                [v.strip().removeprefix(":") for v in found["values"].split(",")],
                strict=True))
        pairs = self._parsed[sql]
        if pairs is None:
            return  # the DELETE of an older entry: a new person has none
        values = params or {}
        self.rows.append({c: values[n] for c, n in pairs})


_FTS_INSERT = re.compile(
    r"INSERT INTO person_fts \((?P<columns>[^)]*)\) VALUES \((?P<values>[^)]*)\)$",
    re.IGNORECASE)


def _table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


def _next_id(s: Session, column: Any) -> int:
    return int(s.scalar(select(func.coalesce(func.max(column), 0))) or 0) + 1


class _CaseNumbers:
    """RC-YYYY-NNNN, counting on from what the database already holds for each year."""

    def __init__(self, s: Session) -> None:
        self.next: dict[int, int] = {}
        for (last,) in s.execute(select(func.max(Case.case_number)).where(
                Case.case_number.like("RC-____-%")).group_by(func.substr(Case.case_number, 4, 4))):
            self.next[int(last[3:7])] = int(last.rsplit("-", 1)[1]) + 1

    def make(self, year: int) -> str:
        number = self.next.get(year, 1)
        if number > 9999:
            raise ValueError(f"more than 9999 demo cases in {year}")
        self.next[year] = number + 1
        return f"RC-{year}-{number:04d}"


def _large_cache(s: Session) -> None:
    """A page cache that holds the indexes being filled: the access log's and the
    journal's indexes take entries in date order, not id order, and with the default cache
    (8 MB) each insert read and wrote pages all over them; a million notes took 13 minutes
    instead of 2. Per connection; the writer's connections end with it."""
    s.execute(text(f"PRAGMA cache_size = -{BULK_CACHE_KIB}"))


#: The family rows of the bulk demo by batch key (``case_fts`` and ``person_fts`` beside
#: them are search indexes, bound as they are).
_FAMILY_TABLES: dict[str, type[Any]] = {
    "persons": Person, "cases": Case, "members": CaseMember, "relations": Relation,
    "intakes": Intake, "reports": ChildReport}

_T = TypeVar("_T")


def _ahead(items: Iterator[_T], depth: int = 2) -> Iterator[_T]:
    """``items``, made by a thread of their own up to ``depth`` ahead of the caller.

    The bulk writer prepares rows (Python: the interpreter's lock) in that thread while
    this one writes (SQLite, which releases the lock while it works), so the two use both
    cores. An error in the thread is raised here; if the caller stops early, the thread
    stops at its next item."""
    handed: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(kind: str, value: Any) -> None:
        while not stop.is_set():
            try:
                handed.put((kind, value), timeout=0.1)
                return
            except queue.Full:
                continue

    def run() -> None:
        try:
            for item in items:
                put("item", item)
                if stop.is_set():
                    return
            put("done", None)
        except BaseException as exc:  # handed to the caller, which raises it
            put("error", exc)

    worker = threading.Thread(target=run, name="rc-tui-bulk-rows", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = handed.get()
            if kind == "done":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        worker.join()


#: Indexes dropped while the journal notes are written and built again after: each note
#: and its access-log entry land all over these (persons in random order), while CREATE
#: INDEX sorts once. The log's indexes by time stay: the notes come in the order of their
#: dates, so those only grow at one end.
_REINDEXED = ("ix_journal_person", "ix_access_log_person")


@dataclass
class _Rebuilt:
    seconds: float = 0.0  # building the indexes again


@contextmanager
def _indexes_built_after(vault: Vault, names: tuple[str, ...]) -> Iterator[_Rebuilt]:
    """Drop the indexes ``names`` for the block and build them again with the same
    definitions afterwards, whether the block succeeds or not (a failed demo is removed
    whole by its caller; an index must never go missing all the same). Only the indexes:
    the triggers that keep signed notes and the access log read-only stay."""
    with vault.session(write=True) as s:
        found = [tuple(r) for name in names for r in s.execute(text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "AND name = :n"), {"n": name}).all()]
        for name, _sql in found:
            s.execute(text(f'DROP INDEX "{name}"'))  # a name sqlite_master gave
    rebuilt = _Rebuilt()
    try:
        yield rebuilt
    finally:
        t = time.perf_counter()
        with vault.session(write=True) as s:
            _large_cache(s)
            for _name, sql in found:
                s.execute(text(str(sql)))
        rebuilt.seconds = time.perf_counter() - t


def generate_bulk(
    vault: Vault, persons: int, notes: int, seed: int = 7, *,
    progress: Callable[[str], None] | None = None, separate_process: bool | None = None,
) -> BulkResult:
    """Write ``persons`` synthetic persons and ``notes`` signed journal notes into a demo
    database (see :func:`_write`). Refuses any database that was not created as a demo.

    The rows are written by a process of its own (``spawn``: a fresh interpreter) that
    opens the database as the same demo user without SQLCipher's memory security
    (``storage.db.without_memory_security``): the data is fiction, and locking and wiping
    every allocation made the writing 10-40 times slower. This process keeps its memory
    security. ``separate_process``: ``None`` chooses by size (from
    :data:`SEPARATE_PROCESS_ROWS` rows on, where starting a process pays); the rows are
    the same either way. A user that is not a demo login (no known passphrase) is
    written here.
    """
    require_demo(vault)
    say = progress or (lambda _msg: None)
    if separate_process is None:
        separate_process = persons + notes >= SEPARATE_PROCESS_ROWS
    if not separate_process or vault.user.username not in {u[0] for u in DEMO_USERS}:
        return _write(vault, persons, notes, seed, say)
    context = multiprocessing.get_context("spawn")
    here, there = context.Pipe()
    child = context.Process(target=_write_in_child, name="rc-tui-bulk-demo", args=(
        str(vault.path), vault.user.username, persons, notes, seed, there))
    child.start()
    there.close()
    try:
        while True:
            try:
                kind, value = here.recv()
            except EOFError:
                raise RuntimeError("the bulk demo's writer ended without a result") from None
            if kind == "say":
                say(str(value))
            elif kind == "done":
                return BulkResult(**value)
            else:
                raise RuntimeError(f"the bulk demo's writer failed: {value}")
    finally:
        child.join()
        here.close()


def _write_in_child(path: str, username: str, persons: int, notes: int, seed: int,
                    out: Connection) -> None:
    from rc_tui.hygiene import harden_process

    harden_process()  # a process of its own: no core file, no attaching, as the app
    try:
        db.without_memory_security()  # before this process's first connection
        # millions of short-lived rows and no cycles to free: the cyclic collector's
        # passes were 3 % of the writing (this process ends with it)
        gc.disable()
        if not keys.KeyFile.load(files.keyfile_path(Path(path))).demo:
            raise NotADemoDatabase("demo data is only written into a demo database")
        phrase = next(u[3] for u in DEMO_USERS if u[0] == username)
        vault = Vault.unlock(Path(path), username, phrase)
        try:
            result = _write(vault, persons, notes, seed,
                            lambda message: out.send(("say", message)), notes_apart=True)
        finally:
            vault.close(None)
        out.send(("done", dataclasses.asdict(result)))
    except BaseException as exc:  # reported to the parent, which raises
        out.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        out.close()


def _write(
    vault: Vault, persons: int, notes: int, seed: int, say: Callable[[str], None],
    *, notes_apart: bool = False,
) -> BulkResult:
    """Write ``persons`` synthetic persons (in families, with cases, members, relations and
    intakes) and ``notes`` signed journal notes straight into a demo database, with their
    search entries, in transactions of :data:`BATCH` rows. Deterministic for a given
    ``seed``. Refuses any database that was not created as a demo.

    One access-log entry (``demo_generated``) records the generation; the rows are
    attributed to the demo caseworker ``anna`` when she exists. Her caseload is the
    :data:`ASSIGNED_CASES` most recent open cases (victims', children's and other persons'
    tracks; the perpetrators' go to ``per``); nobody is assigned to the other cases.

    ``notes_apart``: the notes' batches are made by a process of their own
    (:class:`NoteMaker`, started here so that its start overlaps the persons' part), else
    by a thread.
    """
    require_demo(vault)
    maker = NoteMaker() if notes_apart and notes > 0 else None
    try:
        return _write_all(vault, persons, notes, seed, say, maker)
    finally:
        if maker is not None:
            maker.close()


# C901: one deterministic pass over the families (the generator's state: ids, counters,
# the rng) and the writer of its batches; split further, the state would pass through
# every helper
def _write_all(  # noqa: C901
    vault: Vault, persons: int, notes: int, seed: int, say: Callable[[str], None],
    maker: NoteMaker | None,
) -> BulkResult:
    """:func:`_write`'s pass (``maker``: its notes' batches come from there)."""
    result = BulkResult()
    rng = random.Random(seed)  # noqa: S311 - reproducible fiction, not secrets
    ids = IdNumbers(rng)
    family_shapes = shapes(rng, persons) if persons > 0 else []
    span_days = max(240, -(-len(family_shapes) // 4000) * 365)  # at most ~4,000 cases per year
    t0 = time.perf_counter()
    with vault.session() as s:
        numbers = _CaseNumbers(s)
        author = s.scalar(select(User.id).where(User.username == DEMO_CASEWORKER))
        next_person = _next_id(s, Person.id)
        next_case = _next_id(s, Case.id)
        next_member = _next_id(s, CaseMember.id)
        next_relation = _next_id(s, Relation.id)
        next_intake = _next_id(s, Intake.id)
        next_note = _next_id(s, JournalNote.id)
    author_id = author if author is not None else vault.user.id
    author_name = DEMO_CASEWORKER if author is not None else vault.user.username
    targets: list[tuple[int, int, datetime]] = []  # person, case, opened: for the notes
    weights: list[float] = []
    recent: deque[list[tuple[int, str]]] = deque(maxlen=ASSIGNED_CASES)  # open cases' members

    person_columns = [c.key for c in Person.__table__.columns]
    weight_of = {"victim": 3.0, "perpetrator": 1.5, "child": 0.6, "other": 0.3}
    dialect = vault.engine.dialect

    def family_batches() -> Iterator[dict[str, list[dict[str, Any]]]]:
        """The families' rows in batches of about :data:`BATCH` persons, every value as
        stored (made in a thread of its own while the batch before is written)."""
        nonlocal next_person, next_case, next_member, next_relation, next_intake
        buf: dict[str, list[dict[str, Any]]] = {k: [] for k in (*_FAMILY_TABLES, "case_fts")}
        capture = _Capture()

        def take() -> dict[str, list[dict[str, Any]]]:
            batch = {key: bind_rows(_table(model), buf[key], dialect)
                     for key, model in _FAMILY_TABLES.items()}
            batch["person_fts"], batch["case_fts"] = capture.rows, buf["case_fts"]
            buf.update({k: [] for k in buf})
            capture.rows = []
            return batch

        for i, shape in enumerate(family_shapes):
            opened = opened_at(i, len(family_shapes), span_days, rng)
            fam = family(rng, ids, shape, opened, protected=rng.random() < 0.05)
            closed = opened.date() < BASE_DATE - timedelta(days=365) and rng.random() < 0.8
            case_id, next_case = next_case, next_case + 1
            number = numbers.make(opened.year)
            buf["cases"].append({
                "id": case_id, "case_number": number, "status": "closed" if closed else "open",
                "opened_at": opened, "closed_at": opened + timedelta(days=120) if closed else None,
                "close_reason": "Avslutat enligt plan." if closed else None,
                "created_by_id": author_id, "version": 1})
            buf["case_fts"].append({"rowid": case_id, "numbers": case_search_numbers(number)})
            person_ids: list[int] = []
            members: list[tuple[int, str]] = []
            for m in fam.members:
                number_parsed, problems = validate(m.data, BASE_DATE)
                if problems:
                    raise ValueError(f"invalid demo person: {problems}")
                p = cast(Person, _PersonValues(id=next_person, created_at=opened,
                                               updated_at=opened, created_by_id=author_id,
                                               version=1))
                apply_input(p, m.data, number_parsed)
                index_person(cast(Session, capture), p)
                buf["persons"].append({k: getattr(p, k) for k in person_columns})
                member_id, next_member = next_member, next_member + 1
                buf["members"].append({"id": member_id, "case_id": case_id,
                                       "person_id": next_person, "role": m.role,
                                       "added_at": opened, "added_by_id": author_id})
                members.append((member_id, m.role))
                if m.role == "child" and rng.random() < 0.9:  # a few reports are missing
                    reported = rng.random() < 0.75
                    buf["reports"].append({
                        "child_person_id": next_person, "case_id": case_id,
                        "decision": "reported" if reported else "not_needed",
                        "report_date": opened.date() if reported else None,
                        "receiving_unit": rng.choice(RECEIVING_UNITS) if reported else None,
                        "reason": "Barnet har bevittnat våld i hemmet." if reported else
                        "Barnet är redan aktuellt hos Barn och unga.",
                        "decided_by_id": author_id, "created_at": opened})
                targets.append((next_person, case_id, opened))
                weights.append(weight_of[m.role])
                person_ids.append(next_person)
                next_person += 1
            if not closed:
                recent.append(members)
            victim = person_ids[0]
            rels: list[tuple[int, int, str]] = []
            perps = [person_ids[k] for k in fam.index_of("perpetrator")]
            for perp in perps:
                rels.append((victim, perp, fam.partner_kind))
            for k in fam.index_of("child"):
                rels.append((victim, person_ids[k], "parent_of"))
                if perps and fam.perpetrator_is_parent:
                    rels.append((perps[0], person_ids[k], "parent_of"))
            for a, b, kind in rels:
                buf["relations"].append({"id": next_relation, "case_id": case_id,
                                         "from_person_id": a, "to_person_id": b, "kind": kind,
                                         "created_at": opened})
                next_relation += 1
            buf["intakes"].append({
                "id": next_intake, "case_id": case_id, "contact_person_id": victim,
                "occurred_at": opened - timedelta(hours=2), "channel": fam.channel,
                "referrer_name": fam.referrer or None, "what_happened": fam.what_happened,
                "immediate_danger": fam.danger, "created_by_id": author_id,
                "created_at": opened})
            next_intake += 1
            if len(buf["persons"]) >= BATCH:
                yield take()
        if buf["persons"]:
            yield take()

    for batch in _ahead(family_batches()):
        with vault.session(write=True) as s:
            _large_cache(s)
            for key, model in _FAMILY_TABLES.items():
                insert_rows(s, _table(model), batch[key], bound=True)
            insert_rows(s, "person_fts", batch["person_fts"])
            insert_rows(s, "case_fts", batch["case_fts"])
        result.persons += len(batch["persons"])
        result.cases += len(batch["cases"])
        say(f"  {result.persons} / {persons} personer")
    result.persons_s = time.perf_counter() - t0

    # Journal notes, spread over the persons by role, dated between the case's opening and
    # BASE_DATE; a few are unsigned drafts.
    t1 = time.perf_counter()
    end = datetime.combine(BASE_DATE, datetime.min.time())
    with _indexes_built_after(vault, _REINDEXED) as rebuilt:
        with vault.session(write=True) as s:
            after = audit.tail(s)
        job = NoteJob(notes=notes, next_note=next_note, targets=targets, weights=weights,
                       rng_state=rng.getstate(), author_id=author_id, author_name=author_name,
                       after=after, dialect=type(vault.engine.dialect))
        written = _write_notes(vault, job, maker.batches(job) if maker is not None
                               else _ahead(note_batches(job)), say)
        t2 = time.perf_counter()
        _index_notes(vault, next_note)
        result.note_index_s = time.perf_counter() - t2
    result.indexes_s = rebuilt.seconds
    result.notes = written
    result.notes_s = time.perf_counter() - t1

    with vault.session(write=True) as s:
        _large_cache(s)
        perp_worker = s.scalar(select(User.id).where(User.username == DEMO_PERPETRATOR_WORKER))
        assignments = [
            {"case_member_id": member_id, "user_id": user_id, "assigned_by_id": author_id,
             "assigned_at": end, "ended_at": None}
            for case_members in recent for member_id, role in case_members
            for user_id in [perp_worker if role == "perpetrator" else author]
            if user_id is not None]
        insert_rows(s, _table(Assignment), assignments)
        audit.append(s, "demo_generated", user_id=vault.user.id, username=vault.user.username,
                     screen="demo", reason=f"{result.persons} persons, {result.notes} notes")
    return result


def _write_notes(vault: Vault, job: NoteJob, batches: Iterator[NoteBatch],
                 say: Callable[[str], None]) -> int:
    """Write ``batches`` (of ``job``: its journal notes, each signed one sealed in the
    access log); the number written (:func:`_index_notes` makes their search entries).

    The batches are made elsewhere (a thread, :func:`_ahead`, or a process,
    :class:`NoteMaker`) while this one writes the one before. The log rows are chained
    ahead from the log's tail; ``audit.append_chained`` checks that they still follow it,
    and the append-only trigger checks every row."""
    written = 0
    for batch in batches:
        with vault.session(write=True) as s:
            _large_cache(s)
            insert_rows(s, _table(JournalNote), batch.notes, bound=True)
            audit.append_chained(s, batch.log_rows, batch.head, bound=True)
        written += len(batch.notes)
        if written % (BATCH * 5) == 0 or written == job.notes:
            say(f"  {written} / {job.notes} journalanteckningar")
    return written


def _index_notes(vault: Vault, first: int) -> None:
    """The journal's search entries of the notes from id ``first`` on, built once over
    all of them (far cheaper than growing the index per batch), then merged into one
    segment. Without the merge, the big segments of the build waited at FTS5's lowest
    level, and the app's twelfth small write to the index merged them all within its
    commit: 3.8 s, holding the write lock (the load test's first minute stalled every
    session that wrote). The merge costs about 1.7 s here."""
    with vault.session(write=True) as s:
        _large_cache(s)
        _note_index_hash(s, BULK_FTS_HASH_BYTES)
        s.execute(text("INSERT INTO note_fts (rowid, body) "
                       "SELECT id, body FROM journal_notes WHERE id >= :first ORDER BY id"),
                  {"first": first})
        s.execute(text("INSERT INTO note_fts (note_fts) VALUES ('optimize')"))
        _note_index_hash(s, FTS5_DEFAULT_HASH_BYTES)


def _note_index_hash(s: Session, size: int) -> None:
    """Set FTS5's ``hashsize`` of the journal's search index: how many bytes of new
    entries it gathers in memory before it writes them out as a segment that later merges
    rewrite. With the default (1 MiB) a million notes made hundreds of small segments and
    the index took 9 s to build; with 64 MiB, 5 s. The option is stored with the index, so
    the bulk writer sets the default back in the same transaction: the app's own writes
    gather as before."""
    s.execute(text("INSERT INTO note_fts (note_fts, rank) VALUES ('hashsize', :size)"),
              {"size": size})
