"""The draft writer: forms hand their drafts over on the UI thread, a thread worker (or
the closing session) writes them – in order, newest request per draft, retried when a
write fails, and never lost by a close."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from rc_tui.services.drafts import DraftService, DraftWriter
from rc_tui.services.session import UserSession
from storage.vault import Vault
from tests.conftest import ANNA, ANNA_PASS


class FakeDrafts:
    """Records the writes; the first ``fail`` writes raise (a lock held elsewhere)."""

    def __init__(self, fail: int = 0) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.threads: list[threading.Thread] = []
        self.fail = fail

    def _call(self, *call: Any) -> None:
        self.threads.append(threading.current_thread())
        if self.fail:
            self.fail -= 1
            raise RuntimeError("database is locked")
        self.calls.append(call)

    def save(self, form: str, context: str, person: int | None, state: dict[str, Any]
             ) -> None:
        self._call("save", form, context, state)

    def discard(self, form: str, context: str) -> None:
        self._call("discard", form, context)


def test_the_newest_request_per_draft_is_written_in_order() -> None:
    fake = FakeDrafts()
    writer = DraftWriter(fake)  # type: ignore[arg-type]
    writer.save("intake", "", None, {"what": "a"})
    writer.save("note", "1:new", 1, {"body": "x"})
    writer.save("intake", "", None, {"what": "ab"})  # replaces the first
    writer.discard("note", "1:new")  # saved, then discarded: only the discard
    assert writer.busy and writer.claim() and not writer.claim()  # one drain at a time
    drain = threading.Thread(target=writer.drain)
    drain.start()
    drain.join(10)
    assert fake.calls == [("save", "intake", "", {"what": "ab"}),
                          ("discard", "note", "1:new")]
    assert not writer.busy and fake.threads == [drain, drain]


def test_a_failed_write_stays_queued_and_is_retried() -> None:
    fake = FakeDrafts(fail=1)
    writer = DraftWriter(fake)  # type: ignore[arg-type]
    writer.save("intake", "", None, {"what": "a"})
    assert writer.claim()
    writer.drain()  # fails: kept, and the next tick may start another drain
    assert writer.busy and fake.calls == []
    assert writer.claim()
    writer.drain()
    assert not writer.busy and fake.calls == [("save", "intake", "", {"what": "a"})]


def test_closing_the_session_writes_what_was_handed_over(installed: Path) -> None:
    session = UserSession(Vault.unlock(installed, ANNA, ANNA_PASS))
    session.draft_writer().save("intake", "", None, {"what": "Ringde i natt"})
    session.close("hangup")  # no worker ran: the closing thread writes it
    with Vault.unlock(installed, ANNA, ANNA_PASS) as v:
        (draft,) = DraftService(v).mine()
    assert draft.state == {"what": "Ringde i natt"}
