"""The key bar at the bottom of every screen: the keys that work here, on one line.

Textual's ``Footer`` builds one widget per key and rebuilds them all whenever the active
bindings change (every focus move, every dialog): measured, that was about 40 % of the CPU
time of a casework walk-through, and each rebuild is redrawn over the link. This bar is one
widget that draws one line of text, and only when what it shows has changed. It shows the
same keys in the same order as ``Footer`` (one key per action, the focused widget's first),
dims keys that are there but not possible now, and keeps the command palette's key visible
at the right edge, in the user's language, however many keys there are. A click on a key
presses it (the mouse is off in low-bandwidth mode).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget

from rc_tui.i18n import _

#: one shown key: (key, what the terminal shows for it, description, possible now)
Item = tuple[str, str, str, bool]


class KeyBar(Widget, can_focus=False):
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        width: 1fr;
        color: $footer-foreground;
        background: $footer-background;
    }
    KeyBar > .key-bar--key {
        color: $footer-key-foreground;
        background: $footer-key-background;
        text-style: bold;
    }
    KeyBar > .key-bar--description {
        color: $footer-description-foreground;
        background: $footer-description-background;
    }
    """
    COMPONENT_CLASSES = {"key-bar--key", "key-bar--description"}
    ALLOW_SELECT = False

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._items: tuple[Item, ...] = ()
        self._palette: Item | None = None
        #: (start, end, key) of each drawn key, for clicks
        self._spans: list[tuple[int, int, str]] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[Any]) -> None:
        if not self.is_attached or screen is not self.screen:
            return
        items, palette = self._shown(screen)
        if (items, palette) != (self._items, self._palette):
            self._items, self._palette = items, palette
            self.refresh()

    def _shown(self, screen: Screen[Any]) -> tuple[tuple[Item, ...], Item | None]:
        app = self.app
        active = screen.active_bindings
        seen: set[str] = set()
        items: list[Item] = []
        for _node, binding, enabled, _tooltip in active.values():
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            items.append(self._item(binding, enabled))
        palette = None
        if app.ENABLE_COMMAND_PALETTE and app.COMMAND_PALETTE_BINDING in active:
            _node, binding, enabled, _tooltip = active[app.COMMAND_PALETTE_BINDING]
            palette = (binding.key, app.get_key_display(binding), _("All actions"), enabled)
        return tuple(items), palette

    def _item(self, binding: Binding, enabled: bool) -> Item:
        return (binding.key, self.app.get_key_display(binding), binding.description, enabled)

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-bar--key")
        text_style = self.get_component_rich_style("key-bar--description")
        width = self.size.width
        tail = Text()
        if self._palette is not None:
            _key, shown, description, _enabled = self._palette
            tail = Text.assemble(" ", (f" {shown} ", key_style), (f"{description} ", text_style))
        room = max(0, width - tail.cell_len)
        line = Text(no_wrap=True, overflow="ellipsis")
        spans: list[tuple[int, int, str]] = []
        for key, shown, description, enabled in self._items:
            part = Text.assemble((f" {shown} ", key_style),
                                 (f"{description} " if description else "", text_style))
            if not enabled:
                part.stylize("dim")
            if line.cell_len + part.cell_len > room:
                if room - line.cell_len > 1:
                    line.append("…", text_style)
                break
            spans.append((line.cell_len, line.cell_len + part.cell_len, key))
            line.append_text(part)
        if self._palette is not None:
            line.append(" " * max(0, room - line.cell_len))
            spans.append((line.cell_len, line.cell_len + tail.cell_len, self._palette[0]))
            line.append_text(tail)
        self._spans = spans
        return line

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                self.app.simulate_key(key)
                return
