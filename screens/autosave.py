"""The timed autosave of a form that saves its own record (a risk assessment's draft, the
samråd minutes): written in a thread worker, one save at a time."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual.timer import Timer

from screens.loading import load

if TYPE_CHECKING:
    from rc_tui.services.session import UserSession


class RecordAutosave:
    """A moment after the last change the form's state is read (on the UI thread) and
    saved in a thread worker (``screens.loading.load``): the save waits for the database
    write lock there, typing never does. Drafts of the other forms go through the session's
    ``DraftWriter``; these forms save a versioned record of their own instead, so a save
    needs the version the one before it returned – they are written one at a time, and a
    save the user asks for (Ctrl+S, sign, leave) waits for the one in flight
    (``after_autosave``) rather than racing it into a conflict.

    The form provides ``autosave_job`` (the save, read now; ``None``: nothing to save),
    ``autosaved`` (the save's result, on the UI thread) and ``autosave_failed`` (a
    refusal: show it; the input is kept and saved again at the next change or the next
    save asked for). A lock or hang-up meanwhile saves through ``save_on_close``.
    """

    AUTOSAVE_SECONDS: ClassVar[float] = 2.0
    dirty = False
    _autosave_timer: Timer | None = None
    _autosaving = False
    _edits = 0
    _after_save: Callable[[], object] | None = None

    def autosave_job(self) -> Callable[[UserSession], Any] | None:
        raise NotImplementedError

    def autosaved(self, result: Any) -> None:
        raise NotImplementedError

    def autosave_failed(self, exc: Exception) -> None:
        raise NotImplementedError

    def mark_changed(self) -> None:
        """Something was typed: saved a moment after the last change."""
        self._edits += 1
        self.dirty = True
        self._schedule()

    def _schedule(self) -> None:
        self.stop_autosave()
        self._autosave_timer = cast(Any, self).set_timer(self.AUTOSAVE_SECONDS, self.autosave)

    def stop_autosave(self) -> None:
        if self._autosave_timer is not None:
            self._autosave_timer.stop()
            self._autosave_timer = None

    @property
    def autosaving(self) -> bool:
        return self._autosaving

    def autosave(self) -> None:
        """The timer's save, in a thread worker (one at a time)."""
        self.stop_autosave()
        if self._autosaving or not self.dirty:
            return  # (the one in flight schedules the next if needed)
        job = self.autosave_job()
        if job is None:
            return
        edits = self._edits
        self._autosaving = True

        def saved(result: Any) -> None:
            self._autosaving = False
            self.autosaved(result)
            if self._edits == edits:
                self.dirty = False
            elif self._after_save is None:
                self._schedule()  # typed on meanwhile
            self._run_after_save()

        def failed(exc: Exception) -> bool:
            self._autosaving = False
            self.autosave_failed(exc)
            self._run_after_save()
            return True

        load(cast(Any, self), job, saved, key="autosave", failed=failed)

    def after_autosave(self, action: Callable[[], object]) -> None:
        """Run ``action`` (a save the user asked for, and what follows it) now – or, while
        an autosave is in flight, as soon as it has ended (it needs that save's version)."""
        if self._autosaving:
            self._after_save = action
        else:
            action()

    def _run_after_save(self) -> None:
        action, self._after_save = self._after_save, None
        if action is not None:
            action()
