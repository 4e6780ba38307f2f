"""AppHeader: the top line with the product, the signed-in user and the demo marker."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from rc_tui.i18n import _
from screens.components.plain import Plain


class AppHeader(Horizontal):
    """Header: product name, the signed-in user and role, and a DEMO marker."""

    DEFAULT_CSS = """
    AppHeader { height: 1; dock: top; background: $primary-darken-2; color: $text; }
    AppHeader > #hdr-title { width: auto; padding: 0 1; text-style: bold; }
    AppHeader > #hdr-user { width: 1fr; padding: 0 1; }
    AppHeader > #hdr-demo { width: auto; padding: 0 1; background: $warning; color: $background;
                            text-style: bold; display: none; }
    AppHeader.-demo > #hdr-demo { display: block; }
    AppHeader.-outage { height: 2; }
    AppHeader > #hdr-outage { dock: bottom; width: 100%; height: 1; padding: 0 1;
                              background: $error; color: $text; text-style: bold; }
    """

    def __init__(self, title: str, user: str = "", demo: bool = False) -> None:
        super().__init__()
        self._title = title
        self._user = user
        self.set_class(demo, "-demo")

    def compose(self) -> ComposeResult:
        yield Plain(self._title, id="hdr-title", one_line=True)
        yield Plain(self._user, id="hdr-user", one_line=True)
        yield Static("DEMO", id="hdr-demo", markup=False)
        if getattr(self.app, "outage", False):  # working in an outage pack: on every screen
            self.add_class("-outage")
            yield Plain(_("Outage mode – changes are brought in when the connection is back"),
                        id="hdr-outage", one_line=True)
