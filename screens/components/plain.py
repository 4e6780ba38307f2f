"""Plain: a Static that draws its text literally (never as markup)."""

from __future__ import annotations

from textual.widgets import Static

from screens.components.text import literal


class Plain(Static):
    """A Static that never parses markup and shows control characters visibly."""

    def __init__(self, text: str = "", *, id: str | None = None,
                 classes: str | None = None, one_line: bool = False) -> None:
        self._one_line = one_line
        super().__init__(literal(text, one_line=one_line), markup=False, id=id, classes=classes)

    def set_text(self, text: str) -> None:
        self.update(literal(text, one_line=self._one_line))
