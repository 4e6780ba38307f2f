"""Where the app goes: search, a person, a case, and what follows an intake. The screens
are read in a thread first and opened when they are there (``screens.loading.load``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.screen import Screen

from screens.loading import OPEN_GROUP, load
from screens.typeahead import TypeAheadApp

if TYPE_CHECKING:
    from rc_tui.domain.instruments.library import Library
    from rc_tui.services.cases import CaseDetail
    from rc_tui.services.people import PersonDetail
    from rc_tui.services.session import UserSession

#: The shipped instrument used for the acute screening at intake.
ACUTE_INSTRUMENT = "rc-acute"


class Navigation(TypeAheadApp[int]):
    """The app shell's navigation (``RcApp`` sets ``session`` and ``instruments_dir``)."""

    session: UserSession | None
    instruments_dir: Path | None

    def action_search(self) -> None:
        from screens.search import SearchScreen

        if self.session is None or isinstance(self.screen, SearchScreen):
            return
        self.push_screen(SearchScreen())

    def open_person(self, person_id: int, *, tab: str | None = None,
                    replace_top: bool = False) -> None:
        """Open a person as this user may see them; no access -> the emergency screen.
        The person is read in a thread; the screen opens when it is there."""
        from screens.person import EmergencyAccessScreen, PersonScreen
        from storage.errors import NoAccess

        origin = self.screen

        def show(detail: PersonDetail) -> None:
            if self.screen is origin:  # the user has not gone elsewhere meanwhile
                self._open(PersonScreen(person_id, tab=tab, detail=detail), replace_top)

        def refused(exc: Exception) -> bool:
            if not isinstance(exc, NoAccess):
                return False
            if self.screen is origin:
                self._open(EmergencyAccessScreen(person_id), replace_top)
            return True

        load(self, lambda session: session.people("person").get(person_id), show,
             key="open", failed=refused, group=OPEN_GROUP)

    def open_case(self, case_id: int, *, replace_top: bool = False, message: str = "") -> None:
        """Open a case: read in a thread, the screen opens when it is there."""
        from screens.case import CaseScreen

        origin = self.screen

        def show(detail: CaseDetail) -> None:
            if self.screen is origin:
                self._open(CaseScreen(case_id, message, detail=detail), replace_top)

        load(self, lambda session: session.cases("case").detail(case_id), show, key="open",
             group=OPEN_GROUP)

    def _open(self, screen: Screen[Any], replace_top: bool) -> None:
        if replace_top and len(self.screen_stack) > 2:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def after_intake(self, result: Any, immediate_danger: bool) -> None:
        """After an intake: the acute screening first when there is immediate danger
        (a draft with the shipped acute instrument; leaving it opens the case)."""
        from rc_tui.services.cases import no_access_text
        from screens.assessment import AssessmentScreen

        for warning in result.warnings:
            self.notify(warning, markup=False, severity="warning", timeout=10)
        message = no_access_text() if result.no_access else ""
        if not result.case_visible:
            # every member was an existing person whose track this user does not hold:
            # the case is there, but not for them until a manager assigns them
            self.notify(message, markup=False, severity="warning", timeout=30)
            if len(self.screen_stack) > 2:
                self.pop_screen()
            return
        library = self.instrument_library() if immediate_danger else None
        if (library and ACUTE_INSTRUMENT in library.instruments and self.session
                and result.person_ids[0] not in result.no_access):
            person_id, case_id, intake_id = (result.person_ids[0], result.case_id,
                                             result.intake_id)
            instrument = library.get(ACUTE_INSTRUMENT)

            def started(assessment_id: int) -> None:
                self.switch_screen(AssessmentScreen(
                    assessment_id, after=lambda: self.open_case(case_id, replace_top=True,
                                                                message=message)))

            def failed(_exc: Exception) -> bool:
                self.open_case(case_id, replace_top=True, message=message)
                return False  # (and says why)

            # a write: in a thread like the reads (keys typed meanwhile wait for the form)
            load(self, lambda session: session.assessments("intake").start(
                person_id, instrument, case_id=case_id, intake_id=intake_id), started,
                key="open", failed=failed, group=OPEN_GROUP)
        else:
            self.open_case(result.case_id, replace_top=True, message=message)

    def instrument_library(self) -> Library:
        """The instruments: shipped ones and the organisation folder's (read anew each time,
        so a file dropped in is used without a restart)."""
        from rc_tui.domain.instruments.library import load_library

        return load_library(self.instruments_dir)
