"""SafeTextArea: a text box that shows control characters visibly."""

from __future__ import annotations

from textual.widgets import TextArea
from textual.widgets.text_area import Edit, EditResult

from rc_tui.text import visible_same_length


class SafeTextArea(TextArea):
    """A multi-line text field with the same guarantee as ``SafeInput``: control characters
    (except line breaks and tabs) become visible signs as they enter the field."""

    def __init__(self, text: str = "", **kwargs: object) -> None:
        super().__init__(visible_same_length(text, keep_newlines=True),
                         tab_behavior="focus", soft_wrap=True, **kwargs)  # type: ignore[arg-type]

    def edit(self, edit: Edit) -> EditResult:
        edit.text = visible_same_length(edit.text, keep_newlines=True)
        return super().edit(edit)

    def load_text(self, text: str) -> None:
        super().load_text(visible_same_length(text, keep_newlines=True))
