"""What every tab of the person view shares: the person, and the screen that holds it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from textual.widget import Widget

from rc_tui.services.people import PersonDetail
from screens.base import load

if TYPE_CHECKING:
    from rc_tui.services.session import UserSession
    from screens.app import RcApp
    from screens.person.screen import PersonScreen


class PersonPane(Widget):
    """A tab's content. It is filled when the tab is first shown, so opening a person
    reads – and writes to the access log – only what is looked at; the person screen keeps
    the key bindings and calls back into the pane. ``fetch`` reads in a thread,
    ``populate`` shows what it read (``screens.base.load``)."""

    def __init__(self, person_id: int, detail: PersonDetail) -> None:
        super().__init__()
        self.person_id = person_id
        self.detail = detail
        self.loaded = False
        self._ready = False
        self._wanted = False
        self._then: Callable[[], object] | None = None

    def on_mount(self) -> None:
        self._ready = True
        self.add_columns()
        if self._wanted:
            self.ensure_loaded()

    def ensure_loaded(self) -> None:
        """Fill the pane once; asked before it is mounted (a lazy pane), it fills itself
        as it mounts."""
        if self.loaded:
            return
        if not self._ready:
            self._wanted = True
            return
        self.loaded = True
        load(self, self.fetch, self._shown, key="pane")

    def _shown(self, data: Any) -> None:
        self.populate(data)
        then, self._then = self._then, None
        if then is not None:
            then()

    def refresh_data(self, then: Callable[[], object] | None = None) -> None:
        """Read again (after a change), or for the first time; ``then`` once it is shown."""
        self.loaded = False
        self._then = then
        self.ensure_loaded()

    def add_columns(self) -> None:
        """The columns of the pane's tables (only where the user may see them)."""

    def fetch(self, session: UserSession) -> Any:
        """Read the pane's data through the services (in a thread: no widgets here)."""
        return None

    def populate(self, data: Any) -> None:
        """Show what ``fetch`` read (on the UI thread)."""

    def table_width(self) -> int:
        """The columns a table in a pane has (the terminal less the pane's padding and a
        scroll bar): known before the table is laid out."""
        return self.app.size.width - 4

    @property
    def shell(self) -> RcApp:
        return cast("RcApp", self.app)

    @property
    def person_screen(self) -> PersonScreen:
        return cast("PersonScreen", self.screen)
