"""EntryList: a list of short entries (evidence, sources) edited by key."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from rc_tui.i18n import _


class EntryList(Widget, can_focus=True):
    """A list of entries (factors, scenarios, incidents): a adds, Enter edits, x removes."""

    DEFAULT_CSS = """
    EntryList { height: auto; padding: 0 1; border-left: tall $primary-darken-2; }
    EntryList:focus { border-left: tall $accent; background: $primary-background; }
    """

    cursor: reactive[int] = reactive(0)

    class Act(Message):
        def __init__(self, entries: EntryList, action: str, index: int) -> None:
            super().__init__()
            self.entries = entries
            self.action = action
            self.index = index

    def __init__(self, kind: str, *, id: str | None = None, editable: bool = True) -> None:
        super().__init__(id=id)
        self.kind = kind
        self.editable = editable
        self.lines: list[str] = []

    def set_lines(self, lines: list[str]) -> None:
        self.lines = lines
        self.cursor = min(self.cursor, max(0, len(lines) - 1))
        self.refresh(layout=True)

    def render(self) -> Text:
        out = Text()
        for i, line in enumerate(self.lines):
            out.append(("› " if i == self.cursor and self.has_focus else "  ") + line + "\n",
                       style="reverse" if i == self.cursor and self.has_focus else "")
        out.append(_("a = add, Enter = change, x = remove") if self.editable
                   else _("a = add, x = remove"), style="italic")
        return out

    def on_key(self, event: events.Key) -> None:
        if event.key in ("up", "down") and self.lines:
            step = -1 if event.key == "up" else 1
            self.cursor = max(0, min(len(self.lines) - 1, self.cursor + step))
        elif event.character in ("a", "+"):
            self.post_message(self.Act(self, "add", -1))
        elif event.key == "enter" and self.lines and self.editable:
            self.post_message(self.Act(self, "edit", self.cursor))
        elif event.character == "x" or event.key == "delete":
            if self.lines:
                self.post_message(self.Act(self, "remove", self.cursor))
        else:
            return
        event.stop()
