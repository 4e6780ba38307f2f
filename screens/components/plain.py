"""Plain: a Static that draws its text literally (never as markup)."""

from __future__ import annotations

from textual.visual import VisualType
from textual.widgets import Static

from screens.components.text import literal


class Plain(Static):
    """A Static that never parses markup and shows control characters visibly."""

    def __init__(self, text: str = "", *, id: str | None = None,
                 classes: str | None = None, one_line: bool = False) -> None:
        self._one_line = one_line
        self._plain_text: str | None = text
        super().__init__(literal(text, one_line=one_line), markup=False, id=id, classes=classes)

    def set_text(self, text: str) -> None:
        # the same text again (a list read anew, a search finding the same) is not laid
        # out and drawn again
        if text == self._plain_text:
            return
        self.update(literal(text, one_line=self._one_line))
        self._plain_text = text

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        self._plain_text = None  # drawn from elsewhere: set_text no longer knows what is shown
        super().update(content, layout=layout)
