"""The bulk demo's journal notes, made from plain values: by a thread of the writer's
process or by a process of their own (:class:`NoteMaker`), the same notes either way.
Nothing here opens the database; ``rc_tui.demo.bulk`` writes what is made."""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import queue
import random
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from multiprocessing.connection import Connection
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.engine import Dialect

from rc_tui.demo.base import BASE_DATE
from rc_tui.demo.words import BULK_CLOSINGS, BULK_MIDDLES, BULK_OPENINGS, RARE_SENTENCES
from storage import audit, integrity
from storage.bulkinsert import bind_rows
from storage.models import JournalNote
from storage.nfc import nfc

_NOTES = cast(Table, JournalNote.__table__)

#: Persons (or journal notes) per transaction in ``rc_tui.demo.bulk.generate_bulk``.
BATCH = 20_000
#: Seconds the note maker has to end once the writer is done with it (then it is stopped).
MAKER_EXIT_S = 5.0
#: Batches the note maker makes ahead of the writer.
MAKER_DEPTH = 2
#: About one bulk note in this many gets one of the rare sentences.
RARE_ONE_IN = 50_000


def _bulk_note(rng: random.Random) -> tuple[str, str]:
    kind, opening = rng.choice(BULK_OPENINGS)
    parts = [opening, *rng.sample(BULK_MIDDLES, rng.randrange(1, 4))]
    if rng.randrange(RARE_ONE_IN) == 0:
        parts.append(rng.choice(RARE_SENTENCES))
    parts.append(rng.choice(BULK_CLOSINGS))
    return kind, " ".join(parts)

@dataclass(frozen=True)
class NoteBatch:
    notes: list[dict[str, Any]]  # bound: as stored
    log_rows: list[dict[str, Any]]  # chained and bound
    head: tuple[int, str]  # the log's head after them


@dataclass(frozen=True)
class NoteJob:
    """What the notes' batches are made from; plain values, so that a process of its own
    can make them (:class:`NoteMaker`)."""

    notes: int
    next_note: int
    targets: list[tuple[int, int, datetime]]  # person, case, opened
    weights: list[float]
    rng_state: tuple[Any, ...]  # the families' generator where they left it
    author_id: int
    author_name: str
    after: tuple[int, str]  # the access log's tail
    dialect: type[Dialect]  # the engine's, for the values as stored


def note_batches(job: NoteJob) -> Iterator[NoteBatch]:
    """The batches of ``job`` (see ``rc_tui.demo.bulk._write_notes``), dated between the
    case's opening and BASE_DATE, in the order of their dates (as a journal and a log fill
    up: ids and the log's times rise together, so the log's indexes by time only grow at
    one end while the notes go in); a few are unsigned drafts. Each signed note is sealed in
    the log, as signing through the service does: its hash is taken from the values as
    stored."""
    end = datetime.combine(BASE_DATE, datetime.min.time())
    dialect = job.dialect()
    rng = random.Random()  # noqa: S311 - reproducible fiction, not secrets
    rng.setstate(job.rng_state)
    next_note, after = job.next_note, job.after
    if not job.targets:
        return
    cumulative = list(itertools.accumulate(job.weights))
    dated = sorted(((opened + timedelta(seconds=int(
        rng.random() * max(0.0, (end - opened).total_seconds()))), person_id, case_id)
        for person_id, case_id, opened in rng.choices(
            job.targets, cum_weights=cumulative, k=job.notes)), key=itemgetter(0))
    for start in range(0, job.notes, BATCH):
        rows: list[dict[str, Any]] = []
        for created, person_id, case_id in dated[start:start + BATCH]:
            kind, body = _bulk_note(rng)
            rows.append({"id": next_note, "person_id": person_id, "case_id": case_id,
                         "note_type": kind, "body": nfc(body), "author_id": job.author_id,
                         "created_at": created,
                         "signed_at": created if rng.random() < 0.97 else None,
                         "corrects_id": None, "version": 1})
            next_note += 1
        stored = bind_rows(_NOTES, rows, dialect)
        log_rows, after = audit.chain([
            {"action": "sign", "user_id": job.author_id, "username": job.author_name,
             "person_id": r["person_id"], "record_type": "journal_note",
             "record_id": r["id"], "screen": "demo", "ts": r["signed_at"],
             "content_hash": integrity.content_hash_of("journal_note", b)}
            for r, b in zip(rows, stored, strict=True) if r["signed_at"] is not None], after)
        yield NoteBatch(stored, bind_rows(audit.LOG_TABLE, log_rows, dialect), after)


class NoteMaker:
    """A process of its own that makes the notes' batches (:func:`note_batches`) while the
    writer writes. In a thread of the writer's process (:func:`_ahead`) the two took turns
    at the interpreter's lock: a million notes took 31-33 s where making them alone took
    21 and writing them 13. Pickling them over a pipe costs about 4 s in all, on both sides.

    Started before it has work (a fresh interpreter takes a while to import), it waits for
    one job; it makes fiction from plain values and never opens the database. If the
    writer stops early, :meth:`close` ends it."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._here, there = context.Pipe()
        self._process = context.Process(target=_make_notes, name="rc-tui-bulk-notes",
                                        args=(there,), daemon=True)
        self._process.start()
        there.close()

    def batches(self, job: NoteJob) -> Iterator[NoteBatch]:
        self._here.send(job)
        while True:
            try:
                kind, value = self._here.recv()
            except EOFError:
                raise RuntimeError("the bulk demo's note maker ended without its notes"
                                   ) from None
            if kind == "batch":
                yield value
            elif kind == "done":
                return
            else:
                raise RuntimeError(f"the bulk demo's note maker failed: {value}")

    def close(self) -> None:
        self._here.close()  # a maker still waiting or sending finds the pipe closed
        self._process.join(timeout=MAKER_EXIT_S)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()


def _make_notes(pipe: Connection) -> None:
    """The note maker's process (see :class:`NoteMaker`). Each batch is pickled here and
    written to the pipe by a thread: a write blocks until the writer reads, and the writer
    reads only between its transactions, so the next batch is made meanwhile (up to
    :data:`MAKER_DEPTH` ahead)."""
    from multiprocessing.reduction import ForkingPickler

    from rc_tui.hygiene import harden_process

    harden_process()  # as every process of the app: no core file, no attaching
    gc.disable()  # many short-lived rows and no cycles to free, as in the writer
    outbox: queue.Queue[bytes | None] = queue.Queue(maxsize=MAKER_DEPTH)
    stopped = threading.Event()  # the writer closed its end

    def send_all() -> None:
        try:
            while (data := outbox.get()) is not None:
                pipe.send_bytes(data)
        except OSError:
            stopped.set()

    def hand(data: bytes | None) -> bool:
        while not stopped.is_set():
            try:
                outbox.put(data, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    sender = threading.Thread(target=send_all, name="rc-tui-bulk-notes-out", daemon=True)
    sender.start()
    try:
        job = pipe.recv()
        for batch in note_batches(job):
            if not hand(bytes(ForkingPickler.dumps(("batch", batch)))):
                return  # the writer stopped: nothing to report to
        hand(bytes(ForkingPickler.dumps(("done", None))))
    except EOFError:
        return  # closed before a job came
    except BaseException as exc:  # reported to the writer, which raises
        hand(bytes(ForkingPickler.dumps(("error", f"{type(exc).__name__}: {exc}"))))
    finally:
        if hand(None):
            sender.join()
        pipe.close()
