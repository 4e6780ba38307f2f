"""SafeInput: a one-line text field that shows control characters visibly."""

from __future__ import annotations

import re

from textual import events
from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input

from rc_tui.text import visible_same_length

#: Tabs and every kind of line break (those ``str.splitlines`` knows), in runs.
_BREAKS = re.compile(r"[\t\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]+")


def one_line(text: str) -> str:
    """Pasted text for a one-line field: tabs and line breaks become spaces (a trailing
    line break, as copied with a whole line, is dropped)."""
    return _BREAKS.sub(" ", text.rstrip("\r\n"))


class SafeInput(Input):
    """A text field that never sends control characters to the terminal.

    Textual's Input draws its value as is, so an ESC or C1 byte in a pasted or stored
    value would reach the terminal. Here every such character is replaced by a visible
    sign of the same length as it enters the field (password fields are drawn as bullets
    and keep their exact value).

    A paste is taken whole, its tabs and line breaks as spaces (Textual's Input keeps only
    the first line: the rest of a pasted address would be lost without a sign). Password
    fields keep Textual's rule, the first line: a passphrase is never changed.
    """

    #: Textual's Input sets its virtual size (the width of its text) on every key, and a
    #: widget's virtual size asks for a new layout of the whole screen – each key laid
    #: out every widget of a form again. A field's size does not follow its text (a field
    #: whose width does, ``width: auto``, is laid out by Textual's Input itself), so here
    #: the change only redraws the field.
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    def validate_value(self, value: str) -> str:
        if self.password:
            return value
        return visible_same_length(value)

    def on_paste(self, event: events.Paste) -> None:
        if self.password or not event.text:
            return  # Textual's own handling
        event.prevent_default()
        event.stop()
        text = one_line(event.text)
        selection = self.selection
        if selection.is_empty:
            self.insert_text_at_cursor(text)
        else:
            self.replace(text, *selection)
