"""Type-ahead that is correct by construction: keys are delivered one at a time.

Why: Textual's app forwards every key to the focused widget's own message queue as soon as
the app reads it, and a key that moves the focus (Tab, Enter that advances a form, a
one-key choice, a key that opens a dialog) takes effect only when it has travelled through
that queue and bubbled up to the binding that handles it. All keys of one driver read (a
laggy SSH link, a password manager's auto-type, tmux ``send-keys``) are forwarded before
the first of them is handled, so ``user⇥passphrase`` put the passphrase in clear text into
the username field.

Here the app holds the keys (and pastes) it reads in its own queue and delivers the next
one only when the one before it is done: it has passed through every widget that handles
it (a mark posted after it follows it up the same chain of queues), the messages it caused
on its way (``Input.Submitted``, ``Changed``) have been handled (a second mark from the
same widget), and, when it moved the focus or changed the screens, the screen has been
refreshed and the new focus has settled (marks again from the new focus until nothing
moves). Then the focus is resolved anew for the next key.

A key that opens a dialog is not repeated: presses of the same key that were read while
the dialog was opening (an impatient second ``a`` over a slow link) are dropped, so a
burst of ``a`` opens exactly one dialog. Any other key typed ahead goes to the dialog
(``a`` then ``Anna`` opens the dialog with "Anna" in its first field).

Work a key starts in the background is waited for only where the app says so
(:meth:`TypeAheadApp.hold_keys`: in rc-tui the login's key derivation and the other
passphrase forms), so keys typed after the login's Enter reach the home screen. Timers are
not waited for.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from typing import Any, TypeVar

from textual import events
from textual.message import Message
from textual.message_pump import MessagePump
from textual.screen import ModalScreen

from screens.compat import CompatApp

ReturnType = TypeVar("ReturnType")

#: Seconds between checks that the widget a mark was sent through still exists (a widget
#: removed with the mark in its queue never passes it on). Only a safety net: marks
#: normally return within milliseconds, and nothing depends on this time.
WATCH_SECONDS = 0.1

TypedEvent = events.Key | events.Paste


class TypeAheadMark(Message):
    """Posted behind a delivered key; it bubbles up the same chain and tells the app, on
    arrival, that everything queued before it on that chain has been handled."""

    def __init__(self, token: int) -> None:
        super().__init__()
        self.token = token


@dataclasses.dataclass
class _Delivery:
    """The key being delivered, what the app looked like before it, and the mark out."""

    event: TypedEvent
    target: MessagePump
    before: tuple[Any, ...]
    seen: tuple[Any, ...]
    token: int = 0  # of the one mark still out; an older mark is ignored
    waiting_on: MessagePump | None = None
    phase: str = "key"  # "key": the key itself; "settle": what it caused
    refreshing: bool = False  # waiting for ``waiting_on`` (a screen) to refresh
    held: bool = False  # done, but the app holds the next key (``hold_keys``)


class TypeAheadApp(CompatApp[ReturnType]):
    """An app that delivers keys and pastes in order, each to the focus the keys before
    it left (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._typed: deque[TypedEvent] = deque()
        self._delivery: _Delivery | None = None
        self._mark_tokens = 0

    @property
    def keys_pending(self) -> int:
        """Keys (and pastes) read but not yet delivered, the one in delivery included."""
        return len(self._typed) + (self._delivery is not None)

    def on_mount(self) -> None:
        self.set_interval(WATCH_SECONDS, self._watch)

    def hold_keys(self) -> bool:
        """True while the next key must wait although the last one has been handled: work
        it started in the background decides where the next key goes. Asked again every
        ``WATCH_SECONDS`` while it holds."""
        return False

    def keys_waiting(self) -> list[TypedEvent]:
        """The keys and pastes read but not yet delivered, oldest first."""
        return list(self._typed)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded \
                and self.screen_stack:
            self._typed.append(event)
            if self._delivery is None:
                await self._deliver_next()
            return
        await super().on_event(event)

    def _layout(self) -> tuple[Any, ...]:
        """What decides where the next key goes: the screens and the focused widget."""
        return (*self.screen_stack, self.focused)

    async def _deliver_next(self) -> None:
        if self._delivery is not None or not self._typed or not self.screen_stack:
            return
        event = self._typed.popleft()
        target: MessagePump = self.focused or self.screen
        layout = self._layout()
        delivery = _Delivery(event, target, layout, layout)
        self._delivery = delivery
        try:
            # Textual's own routing: priority bindings, then the focused widget
            await super().on_event(event)
        except BaseException:
            self._delivery = None
            self.call_later(self._deliver_next)
            raise
        self._send_mark(delivery, target)

    def _new_token(self, delivery: _Delivery) -> int:
        self._mark_tokens += 1
        delivery.token = self._mark_tokens
        return delivery.token

    def _send_mark(self, delivery: _Delivery, node: MessagePump) -> None:
        delivery.waiting_on, delivery.refreshing = node, False
        if not node.post_message(TypeAheadMark(self._new_token(delivery))):
            delivery.waiting_on = None  # gone: nothing to wait for
            self.post_message(TypeAheadMark(delivery.token))

    def _watch(self) -> None:
        """A mark still out in a widget that is gone (removed with the mark in its queue),
        or a refresh awaited on a screen that is no longer shown, would never come back:
        stop waiting for it. A held key goes on once ``hold_keys`` lets it."""
        delivery = self._delivery
        if delivery is not None and delivery.held:
            if not self.hold_keys() and self.screen_stack:
                delivery.held = False
                delivery.seen = ()  # look again: the work may have changed screens and focus
                self._send_mark(delivery, self.focused or self.screen)
            return
        node = delivery.waiting_on if delivery is not None else None
        if delivery is None or node is None or (
                node.is_attached and node.is_running
                and not (delivery.refreshing and node is not self.screen)):
            return
        delivery.waiting_on = None
        self.post_message(TypeAheadMark(self._new_token(delivery)))

    async def on_type_ahead_mark(self, mark: TypeAheadMark) -> None:
        mark.stop()
        delivery = self._delivery
        if delivery is None or mark.token != delivery.token:
            return
        delivery.waiting_on = None
        if delivery.phase == "key":
            # The key has been handled all the way up. Messages the widget posted while
            # handling it (Submitted, Changed) follow the same chain: one more mark.
            delivery.phase = "settle"
            self._send_mark(delivery, delivery.target)
            return
        now = self._layout()
        if now != delivery.seen:
            # Focus or screens moved: let the screen refresh (a new screen mounts and
            # focuses its first field) and look again from the new focus.
            delivery.seen = now
            token = self._new_token(delivery)
            delivery.waiting_on, delivery.refreshing = self.screen, True
            self.screen.call_after_refresh(self._settle_again, token)
            return
        if self.hold_keys():
            delivery.held = True
            return
        await self._delivered(delivery)

    def _settle_again(self, token: int) -> None:
        delivery = self._delivery
        if delivery is None or delivery.token != token or not self.screen_stack:
            return
        self._send_mark(delivery, self.focused or self.screen)

    async def _delivered(self, delivery: _Delivery) -> None:
        event = delivery.event
        top = self.screen_stack[-1] if self.screen_stack else None
        if (isinstance(event, events.Key) and isinstance(top, ModalScreen)
                and top not in delivery.before):
            # the key opened a dialog: its repeats read meanwhile are impatience, not input
            while (self._typed and isinstance(self._typed[0], events.Key)
                   and self._typed[0].key == event.key):
                self._typed.popleft()
        self._delivery = None
        await self._deliver_next()
