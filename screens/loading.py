"""The load pattern: read through the services in a thread worker, show the result on
the UI thread (one place for stale results and errors); kept apart from the base screens
(``screens.base`` re-exports it)."""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from textual.dom import DOMNode
from textual.widgets import DataTable

from screens import compat

if TYPE_CHECKING:
    from rc_tui.services.session import UserSession

T = TypeVar("T")

#: The worker group of a load that opens the next screen: keys typed ahead wait for it
#: (they are meant for that screen; see ``screens.app.KEY_HOLDING_WORKERS``).
OPEN_GROUP = "open"

#: The worker group of a load unless it names its own (tests wait for the workers:
#: tests/helpers.py ``settle``).
LOAD_GROUP = "load"

#: The newest load of each node and key: an older one's result is dropped.
_LATEST: weakref.WeakKeyDictionary[DOMNode, dict[str, object]] = weakref.WeakKeyDictionary()


def load(node: DOMNode, fetch: Callable[[UserSession], T], populate: Callable[[T], object],
         *, key: str = "load", failed: Callable[[Exception], bool] | None = None,
         group: str = LOAD_GROUP) -> None:
    """Read through the services in a thread, show the result on the UI thread.

    Every service call is a transaction that takes the database's write lock (its access
    log entry is written in it) and may wait for it up to the busy timeout: on the UI thread
    that froze every key, lock and quick-hide included. So ``fetch(session)`` runs in a
    thread worker (group ``LOAD_GROUP``, or ``group``: the shell holds typed-ahead keys
    behind some, see ``KEY_HOLDING_WORKERS``) and ``populate(result)`` runs on the UI thread –
    only if the result is still wanted: ``node`` is still mounted, no newer load with the
    same ``key`` has started on it, and the session is still the one that read it (not
    locked meanwhile). ``populate`` may be a coroutine function (a screen that composes
    itself from what was read): it is awaited before the worker ends.

    Errors are handled here, once: a revoked session or a changed key locks the shell; a
    refusal (``VaultError``, ``ValidationError``) is offered to ``failed`` first (``True``:
    handled) and otherwise shown as a notification. Anything else is a bug and ends the app
    with its crash report, as on the UI thread.
    """
    from rc_tui.services.accounts import ValidationError
    from storage.errors import VaultError

    app = node.app
    session: UserSession | None = getattr(app, "session", None)
    if session is None:
        return
    token = object()
    _LATEST.setdefault(node, {})[key] = token

    def wanted() -> bool:
        return (_LATEST.get(node, {}).get(key) is token and node.is_attached
                and getattr(app, "session", None) is session)

    async def done(result: T) -> None:
        if wanted():
            shown = populate(result)
            if inspect.isawaitable(shown):
                await shown  # (a screen built from what was read: mounted before the
                # worker ends, so keys held behind it reach the new widgets)
            redraw_tables(node)

    def fail(exc: Exception) -> None:
        if getattr(app, "session", None) is not session:
            return  # locked meanwhile: whatever went wrong, nothing is shown
        if load_failed(app, exc):
            return
        if wanted() and not (failed is not None and failed(exc)):
            app.notify(refusal_text(exc), markup=False, severity="error", timeout=8)

    def job() -> None:
        assert session is not None
        try:
            result = fetch(session)
        except (VaultError, ValidationError) as exc:
            back(fail, exc)
        else:
            back(done, result)

    def back(callback: Callable[[Any], object], value: Any) -> None:
        if app.is_running:
            app.call_from_thread(callback, value)

    node.run_worker(job, thread=True, group=group, name=key)


#: each table's change count after its last redraw (see redraw_tables)
_REDRAWN: weakref.WeakKeyDictionary[DataTable[Any], int] = weakref.WeakKeyDictionary()


def redraw_tables(node: DOMNode) -> None:
    """Draw the refilled tables of ``node`` again once their columns have been measured.

    Textual's ``DataTable`` measures its columns only when its own queue is idle but caches
    each row's rendering as soon as it is drawn: a table refilled outside its own handlers
    (from a load) may be drawn in between and keep the rows cut to the old widths until the
    cursor moves. Setting a cell to its own value after the next refresh renders it anew.

    A table not changed since its last such redraw is left alone
    (``screens.compat.table_changes``): a search typed key by key drew its results twice
    per key."""
    from textual.coordinate import Coordinate

    for table in node.query(DataTable):
        if not table.row_count or not table.columns:
            continue
        changes = compat.table_changes(table)
        if changes is not None and _REDRAWN.get(table) == changes:
            continue

        def again(table: DataTable[Any] = table) -> None:
            if table.is_attached and table.row_count and table.columns:
                origin = Coordinate(0, 0)
                table.update_cell_at(origin, table.get_cell_at(origin))
                redrawn = compat.table_changes(table)
                if redrawn is not None:
                    _REDRAWN[table] = redrawn

        table.call_after_refresh(again)


def load_failed(app: Any, exc: Exception) -> bool:
    """A load's error that ends the session (revoked, key changed): the shell locks."""
    from storage.errors import KeyChanged, SessionRevoked

    if isinstance(exc, SessionRevoked):
        app.lock("revoked")
        return True
    if isinstance(exc, KeyChanged):
        app.lock("key_changed")
        return True
    return False


def refusal_text(exc: Exception) -> str:
    """A service's refusal as the user reads it."""
    from rc_tui.services.accounts import ValidationError, error_text
    from storage.errors import VaultError

    if isinstance(exc, ValidationError):
        return "\n".join(exc.reasons)
    assert isinstance(exc, VaultError)
    return error_text(exc)
