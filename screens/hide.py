"""Quick-hide: an instant neutral screen over whatever is open (the form stays intact)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from screens.base import RcScreen


class HideScreen(RcScreen):
    """Blank and neutral. Ctrl+G, F12 or Enter returns to the screen below, unchanged."""

    NEEDS_SESSION = False  # shown with no one signed in
    BINDINGS = [
        Binding("enter", "app.quick_hide", "Back", show=False, id="hide.quick-hide"),
    ]

    def compose(self) -> ComposeResult:
        yield Static("", id="hide-blank", markup=False)
