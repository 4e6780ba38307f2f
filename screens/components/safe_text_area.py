"""SafeTextArea: a text box that shows control characters visibly and keeps its tabs."""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.widgets import TextArea
from textual.widgets.text_area import Edit, EditResult

from rc_tui.text import visible_same_length
from screens.base import translate_bindings


class SafeTextArea(TextArea):
    """A multi-line text field with the same guarantee as ``SafeInput``: control characters
    (except line breaks and tabs) become visible signs as they enter the field.

    Tab is text here (a tab character, drawn as spaces to the next tab stop), typed or
    pasted: a Tab must never move the focus out of the box, where the letters after it
    would act as keys (a `v` typed after a pasted tab marked a new incident). The box is
    left with Ctrl+O (to the next field; a single byte that every terminal and SSH client
    passes, shown in the footer) or Shift+Tab (to the previous one). Esc is not taken by
    the box (Textual's own indent mode leaves the box with it): it stays the screen's.
    """

    BINDINGS = [
        Binding("ctrl+o", "leave", "Next field", id="text-box.leave"),
    ]

    def __init__(self, text: str = "", **kwargs: object) -> None:
        super().__init__(visible_same_length(text, keep_newlines=True),
                         tab_behavior="indent", soft_wrap=True, **kwargs)  # type: ignore[arg-type]
        self.indent_type = "tabs"  # a typed Tab is the same character as a pasted one
        translate_bindings(self)

    def edit(self, edit: Edit) -> EditResult:
        edit.text = visible_same_length(edit.text, keep_newlines=True)
        return super().edit(edit)

    def load_text(self, text: str) -> None:
        super().load_text(visible_same_length(text, keep_newlines=True))

    def on_key(self, event: events.Key) -> None:
        if event.key == "escape":
            event.prevent_default()  # not Textual's "leave the box": the key goes on up

    def action_leave(self) -> None:
        """To the next field (in the screen's focus order)."""
        self.screen.focus_next()
