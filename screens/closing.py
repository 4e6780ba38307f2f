"""How a session ends in the UI: what the open screens still save, and the closing thread
that saves it, writes the access-log entry and forgets the key – bounded, so lock,
quick-hide, quit and hang-up never wait for the database."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from textual.screen import Screen

if TYPE_CHECKING:
    from rc_tui.services.session import UserSession

#: Seconds a closing session (lock, quit, hang-up, idle lock) may wait for the database's
#: write lock – for its unsaved drafts and its closing access-log entry – before it forgets
#: the key regardless. The screen changes at once; this runs in a thread. Two seconds lets
#: the ordinary traffic through (a write waits about 2 s at most with eight busy writers,
#: tests/service/test_concurrency.py) but keeps an unattended, locked terminal from holding
#: the key for the busy timeout (10 s) while another user's long save or a backup holds the
#: lock. An entry not written in time is not lost: it is sealed to the audit key and enters
#: the access log at the next login, marked "deferred" (``Vault.close``).
CLOSE_WAIT_SECONDS = 2.0

#: What a closing session still saves, read from the widgets on the UI thread and run by
#: the closing thread with the session (``closing_saves``).
ClosingSave = Callable[["UserSession"], object]


def close_session(session: UserSession, action: str, saves: list[ClosingSave]) -> None:
    """The closing thread: save what was typed, log, forget the key – all within
    ``CLOSE_WAIT_SECONDS`` of the write lock (the limit is set first, so a save that cannot
    get the lock in time gives up instead of keeping the key)."""
    session.limit_waits(CLOSE_WAIT_SECONDS)
    try:
        for save in saves:
            with contextlib.suppress(Exception):
                save(session)
    finally:
        session.close(action, wait=CLOSE_WAIT_SECONDS)


def closing_saves(screens: Iterable[Screen[Any]]) -> list[ClosingSave]:
    """What each open screen has not saved yet, read now (on the UI thread, which writes
    nothing).

    A form with a ``FormMixin`` draft hands it to the session's draft writer
    (``queue_draft``: memory only); ``UserSession.close`` writes what is queued. A screen
    that saves its own work (risk assessment, investigation, samråd minutes) returns that
    save from ``save_on_close``; the closing thread runs it."""
    found: list[ClosingSave] = []
    for screen in screens:
        with contextlib.suppress(Exception):
            own = getattr(screen, "save_on_close", None)
            if own is not None:
                save = own()
                if save is not None:
                    found.append(save)
            queue = getattr(screen, "queue_draft", None)
            if queue is not None:
                queue()
    return found


def clear_passphrase_fields(screens: Iterable[Screen[Any]]) -> None:
    """Empty every passphrase field (login, change passphrase, new user) before the
    screens go: a removed widget would otherwise keep its value until it is collected."""
    from textual.widgets import Input

    for screen in screens:
        for field in screen.query(Input):
            if field.password and field.value:
                field.value = ""
