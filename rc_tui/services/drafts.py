"""Drafts: a form's unsaved input, kept in the encrypted database while it is typed.

A form autosaves within a few seconds of a change (and at once before a lock or a hang-up),
so a dropped SSH link, a closed terminal or a killed process loses at most those seconds.
At the next login the due list offers every draft back; opening the form again restores
it. A draft is its user's alone. A draft about a person is offered only while the user
may still see that person; the access log records when a draft is first written and
whenever one is restored – not every autosave.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from rc_tui.i18n import N_, _
from rc_tui.services.access import Capability, Level
from rc_tui.services.base import DueItem, Service, local_time
from storage.models import Draft

#: a draft holds at most this much JSON (the longest text a form takes, with room to spare)
MAX_PAYLOAD = 1_000_000

#: the forms that keep drafts, as the due list names them
FORMS: dict[str, str] = {
    "intake": N_("new intake"),
    "person_edit": N_("person details"),
    "consent": N_("consent"),
    "child_report": N_("child welfare report"),
    "note": N_("journal note"),
    "decision": N_("decision"),
    "plan_item": N_("action plan item"),
    "followup": N_("follow-up"),
    "samrad_request": N_("samråd request"),
    "admission": N_("shelter admission"),
    "departure": N_("departure"),
    "turned_away": N_("turned-away request"),
    "turned_away_followup": N_("follow-up of a turned-away request"),
    "departure_followup": N_("follow-up after a departure"),
    "shift_entry": N_("shift-log entry"),
    "assessment_entry": N_("risk assessment entry"),
    "assessment_text": N_("risk assessment evidence"),
    "assessment_sign": N_("risk assessment judgement"),
    "samrad_participant": N_("samråd participant"),
    "samrad_action": N_("samråd action"),
    "add_member": N_("person added to a case"),
    "close": N_("reason for closing"),
    "place": N_("shelter place"),
    "partner_contact": N_("partner contact"),
    "safety_plan": N_("safety plan"),
    "series": N_("series of talks"),
    "session": N_("session"),
    "recontact": N_("re-contact attempt"),
    "referral": N_("referral"),
    "referral_step": N_("referral's answer, start or end"),
    "rectify": N_("rectification"),
}


@dataclass(frozen=True)
class DraftView:
    form: str
    context: str
    person_id: int | None
    state: dict[str, Any]
    updated_at: datetime


class DraftService(Service):
    def _visible(self, s: Session, person_id: int | None) -> bool:
        return person_id is None or self.access.level(s, person_id) >= Level.SHELTER

    def save(self, form: str, context: str, person_id: int | None, state: dict[str, Any]
             ) -> None:
        """Keep the form's input (insert or replace). Never raises on a concurrent save of
        the same draft by the same user (two sessions): the last one wins."""
        self.require(Capability.CASE_CONTENT)
        payload = json.dumps(state, ensure_ascii=False)
        if len(payload) > MAX_PAYLOAD or form not in FORMS or len(context) > 64:
            return
        try:
            with self.write() as s:
                row = self._row(s, form, context)
                now = self.clock()
                if row is None:
                    if not self._visible(s, person_id):
                        return
                    row = Draft(user_id=self.user.id, form=form, context=context,
                                person_id=person_id, payload=payload, created_at=now,
                                updated_at=now)
                    s.add(row)
                    s.flush()
                    self.log(s, "create", person_id=person_id, record_type="draft",
                             record_id=row.id)
                else:
                    row.payload = payload
                    row.updated_at = now
        except StaleDataError:
            return

    def get(self, form: str, context: str) -> DraftView | None:
        """The draft to restore, if any (and if its person may still be seen)."""
        self.require(Capability.CASE_CONTENT)
        with self.write() as s:
            row = self._row(s, form, context)
            if row is None or not self._visible(s, row.person_id):
                return None
            self.log(s, "view", person_id=row.person_id, record_type="draft",
                     record_id=row.id)
            return _view(row)

    def discard(self, form: str, context: str) -> None:
        self.require(Capability.CASE_CONTENT)
        with self.write() as s:
            row = self._row(s, form, context)
            if row is not None:
                s.delete(row)

    def mine(self) -> list[DraftView]:
        self.require(Capability.CASE_CONTENT)
        with self.read() as s:
            return [_view(r) for r in s.scalars(select(Draft).where(
                Draft.user_id == self.user.id).order_by(Draft.updated_at))
                if self._visible(s, r.person_id)]

    def _row(self, s: Session, form: str, context: str) -> Draft | None:
        return s.scalar(select(Draft).where(Draft.user_id == self.user.id, Draft.form == form,
                                            Draft.context == context))


def _view(row: Draft) -> DraftView:
    try:
        state = json.loads(row.payload)
    except ValueError:
        state = {}
    return DraftView(row.form, row.context, row.person_id,
                     state if isinstance(state, dict) else {}, row.updated_at)


def drafts_due(svc: Service, s: Session) -> list[DueItem]:
    """Every unfinished form of this user, offered back on the due list."""
    items: list[DueItem] = []
    for row in s.scalars(select(Draft).where(Draft.user_id == svc.user.id)):
        if row.person_id is not None and svc.access.level(s, row.person_id) < Level.SHELTER:
            continue
        what = _(FORMS[row.form]) if row.form in FORMS else row.form
        items.append(DueItem(
            "draft", row.person_id, None,
            _("Unfinished: {what}, last typed {when} – open it to go on",
              what=what, when=f"{local_time(row.updated_at):%Y-%m-%d %H:%M}"),
            row.updated_at.date(), False))
    return items


#: a queued draft write: (person id, state) to keep, or None to discard
_Job = tuple[int | None, dict[str, Any]] | None


class DraftWriter:
    """Writes one session's drafts in the order they were asked for, from any thread.

    A form hands its state over (``save``/``discard``: memory only, instant); the writes
    happen in ``write_pending``, which a background thread calls after each hand-over and
    which the session calls once more before it closes – so an autosave never waits for
    the database write lock on the UI thread, and nothing handed over before a lock or a
    hang-up is lost. Writes never overlap; per draft only the newest request is written.
    A write that fails (the lock not had within the busy timeout, the driver's own error)
    stays queued for the next call unless a newer request replaced it.
    """

    def __init__(self, service: DraftService) -> None:
        self._svc = service
        self._queue_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._pending: dict[tuple[str, str], _Job] = {}
        self._idle = threading.Event()
        self._idle.set()
        self._draining = False

    def save(self, form: str, context: str, person_id: int | None,
             state: dict[str, Any]) -> None:
        self._put((form, context), (person_id, state))

    def discard(self, form: str, context: str) -> None:
        self._put((form, context), None)

    def _put(self, key: tuple[str, str], job: _Job) -> None:
        with self._queue_lock:
            self._pending[key] = job
            self._idle.clear()

    def get(self, form: str, context: str) -> DraftView | None:
        """The stored draft, after what is still queued has been written."""
        self.write_pending()
        return self._svc.get(form, context)

    @property
    def busy(self) -> bool:
        """Something handed over is not written yet."""
        return not self._idle.is_set()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until everything handed over is written (for tests and shutdown)."""
        return self._idle.wait(timeout)

    def claim(self) -> bool:
        """True when the caller should start a background ``drain``: something is queued
        and no drain is running or due. (So the autosave tick never stacks threads that
        all wait for the same lock.)"""
        with self._queue_lock:
            if self._draining or not self._pending:
                return False
            self._draining = True
            return True

    def drain(self) -> None:
        """The background write (after ``claim``): what is queued, and what is queued
        meanwhile, until nothing is left or a write fails (the next tick retries)."""
        while True:
            with self._write_lock:
                with self._queue_lock:
                    jobs, self._pending = self._pending, {}
                    if not jobs:
                        self._draining = False
                        self._idle.set()
                        return
                failed = self._write(jobs)
            if failed:
                with self._queue_lock:
                    self._draining = False
                return

    def write_pending(self) -> None:
        """Write what is queued now, in the calling thread (blocking; any thread: the
        session's close, a form about to restore its draft)."""
        with self._write_lock:
            with self._queue_lock:
                jobs, self._pending = self._pending, {}
            self._write(jobs)
            with self._queue_lock:
                if not self._pending:
                    self._idle.set()

    def _write(self, jobs: dict[tuple[str, str], _Job]) -> bool:
        """Write ``jobs`` in order (the caller holds the write lock); True if one failed."""
        failed = False
        for key, job in jobs.items():
            try:
                if job is None:
                    self._svc.discard(*key)
                else:
                    self._svc.save(key[0], key[1], job[0], job[1])
            except Exception:
                # busy past the timeout (the driver's own OperationalError), a session
                # that ended, anything: an autosave must neither stop the session's
                # close nor crash the UI. The write stays queued unless replaced.
                failed = True
                with self._queue_lock:
                    self._pending.setdefault(key, job)
        return failed
