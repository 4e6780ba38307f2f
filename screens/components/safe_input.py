"""SafeInput: a one-line text field that shows control characters visibly."""

from __future__ import annotations

from textual.widgets import Input

from rc_tui.text import visible_same_length


class SafeInput(Input):
    """A text field that never sends control characters to the terminal.

    Textual's Input draws its value as is, so an ESC or C1 byte in a pasted or stored
    value would reach the terminal. Here every such character is replaced by a visible
    sign of the same length as it enters the field (password fields are drawn as bullets
    and keep their exact value).
    """

    def validate_value(self, value: str) -> str:
        if self.password:
            return value
        return visible_same_length(value)
