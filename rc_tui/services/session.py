"""One signed-in user's session: what the terminal UI holds instead of the vault.

The UI never touches ``storage.vault.Vault`` itself. After a login it gets a
``UserSession`` and asks it for everything: who is signed in, what their role may do
(``can`` / ``capabilities``, answered by the one capability table in
``rc_tui.services.access``), the services – each made for the screen that calls it, so
the access log says where a record was seen – the user's own preferences, and the end of
the session (``close``). Session grants (emergency access, revealed identities) live here
and end with the session.

A ``UserSession`` may be used from thread workers: the vault hands one pooled connection
to one thread at a time, and every service call is its own transaction.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from rc_tui.services.access import Capability, capabilities_of, forget_grants
from rc_tui.services.base import Clock, utcnow

if TYPE_CHECKING:

    from rc_tui.services.accounts import AccountService
    from rc_tui.services.assessments import AssessmentService
    from rc_tui.services.cases import CaseService
    from rc_tui.services.casework import CaseworkService
    from rc_tui.services.documents import DocumentService
    from rc_tui.services.drafts import DraftService, DraftWriter
    from rc_tui.services.extracts import ExtractService
    from rc_tui.services.home import HomeService
    from rc_tui.services.logreview import LogReviewService
    from rc_tui.services.packs import PackMergeService, PackService
    from rc_tui.services.people import PeopleService
    from rc_tui.services.record_rights import RecordRightsService
    from rc_tui.services.records import RecordService
    from rc_tui.services.referrals import ReferralService
    from rc_tui.services.retention import RetentionService
    from rc_tui.services.safety import PartnerContactService, SafetyPlanService
    from rc_tui.services.samrad import SamradService
    from rc_tui.services.search import SearchService
    from rc_tui.services.sessions import SessionService
    from rc_tui.services.settings import SettingsService
    from rc_tui.services.shelter import ShelterService
    from rc_tui.services.statistics import StatisticsService
    from storage.roles import Role
    from storage.vault import EnrolledUser, UserInfo, Vault


class UserSession:
    """The signed-in user, their capabilities and the services, for one unlocked vault."""

    def __init__(self, vault: Vault, *, clock: Clock = utcnow) -> None:
        self._vault = vault
        self.clock = clock
        #: serialises close(): the shell may end a session from the UI thread while a
        #: worker still holds it
        self._close_lock = threading.Lock()
        self._draft_writer: DraftWriter | None = None

    # ------------------------------------------------------------------ who
    @property
    def user(self) -> UserInfo:
        return self._vault.user

    @property
    def role(self) -> Role:
        return self._vault.user.role

    @property
    def demo(self) -> bool:
        return bool(self._vault.demo)

    @property
    def enrolled(self) -> tuple[EnrolledUser, ...]:
        """Users whom this (manager's) login enrolled: shown once on the home screen."""
        return tuple(getattr(self._vault, "enrolled", ()))

    @property
    def must_change_passphrase(self) -> bool:
        return bool(self._vault.user.must_change_passphrase)

    # ------------------------------------------------------------------ what they may do
    @property
    def capabilities(self) -> frozenset[Capability]:
        return capabilities_of(self._vault.user.role)

    def can(self, capability: Capability) -> bool:
        """Whether the user's role may do ``capability`` (the screens decide with this which
        keys to offer; the services refuse on their own whatever a screen offers)."""
        return capability in self.capabilities

    # ------------------------------------------------------------------ life
    @property
    def is_open(self) -> bool:
        return self._vault.is_open

    @property
    def ended(self) -> str | None:
        """Why the session ended on its own ("revoked", "key_changed"); None while open."""
        return self._vault.ended

    def heartbeat(self) -> None:
        """A cheap transaction: ends a revoked session at once and follows a rekey."""
        self._vault.heartbeat()

    def close(self, action: str | None = "logout", *, wait: float | None = None) -> None:
        """Log ``action`` (when the database can take it), release connections, forget the
        key and this session's grants. Safe to call twice and from any thread. Drafts
        handed to the draft writer are written first, by the closing thread.

        ``wait``: the most seconds to wait for the database's write lock – for those drafts
        and the closing entry (see ``Vault.close``); the key is forgotten by then whatever
        else holds the lock."""
        with self._close_lock:
            if wait is not None:
                self._vault.limit_waits(wait)
            if self._draft_writer is not None and self._vault.is_open:
                self._draft_writer.write_pending()
            forget_grants(self._vault)
            self._vault.close(action, wait=wait)

    def limit_waits(self, seconds: float) -> None:
        """The session is closing: none of its calls (in any thread) waits for the
        database's write lock longer than ``seconds`` from now; a call that would fails
        with ``DatabaseLocked``."""
        self._vault.limit_waits(seconds)

    def interrupt_waits(self, thread: int) -> None:
        """A call of this session in ``thread`` that is waiting for the database's write
        lock now gives up at once (``DatabaseLocked``). Safe to call from any thread: the
        terminal UI's input thread calls it when lock, quick-hide or quit is typed."""
        self._vault.interrupt_waits(thread)

    # ------------------------------------------------------------------ own preferences
    def setting(self, name: str) -> Any:
        return self._vault.setting(name)

    def preference(self, name: str) -> Any:
        return self._vault.preference(name)

    def set_preference(self, name: str, value: Any) -> None:
        self._vault.set_preference(name, value)

    def set_language(self, language: str | None) -> None:
        self._vault.set_language(language)

    # ------------------------------------------------------------------ services
    # One factory per service. ``screen`` names the screen in the access log.
    def people(self, screen: str) -> PeopleService:
        from rc_tui.services.people import PeopleService
        return PeopleService(self._vault, screen=screen, clock=self.clock)

    def cases(self, screen: str) -> CaseService:
        from rc_tui.services.cases import CaseService
        return CaseService(self._vault, screen=screen, clock=self.clock)

    def casework(self, screen: str) -> CaseworkService:
        from rc_tui.services.casework import CaseworkService
        return CaseworkService(self._vault, screen=screen, clock=self.clock)

    def assessments(self, screen: str) -> AssessmentService:
        from rc_tui.services.assessments import AssessmentService
        return AssessmentService(self._vault, screen=screen, clock=self.clock)

    def records(self, screen: str) -> RecordService:
        from rc_tui.services.records import RecordService
        return RecordService(self._vault, screen=screen, clock=self.clock)

    def partner_contacts(self, screen: str) -> PartnerContactService:
        from rc_tui.services.safety import PartnerContactService
        return PartnerContactService(self._vault, screen=screen, clock=self.clock)

    def safety_plans(self, screen: str) -> SafetyPlanService:
        from rc_tui.services.safety import SafetyPlanService
        return SafetyPlanService(self._vault, screen=screen, clock=self.clock)
    def sessions(self, screen: str) -> SessionService:
        from rc_tui.services.sessions import SessionService
        return SessionService(self._vault, screen=screen, clock=self.clock)

    def referrals(self, screen: str) -> ReferralService:
        from rc_tui.services.referrals import ReferralService
        return ReferralService(self._vault, screen=screen, clock=self.clock)

    def samrad(self, screen: str) -> SamradService:
        from rc_tui.services.samrad import SamradService
        return SamradService(self._vault, screen=screen, clock=self.clock)

    def shelter(self, screen: str) -> ShelterService:
        from rc_tui.services.shelter import ShelterService
        return ShelterService(self._vault, screen=screen, clock=self.clock)

    def search(self, screen: str = "search") -> SearchService:
        from rc_tui.services.search import SearchService
        return SearchService(self._vault, screen=screen, clock=self.clock)

    def home(self, screen: str = "home") -> HomeService:
        from rc_tui.services.home import HomeService
        return HomeService(self._vault, screen=screen, clock=self.clock)

    def log_review(self, screen: str = "log_review") -> LogReviewService:
        from rc_tui.services.logreview import LogReviewService
        return LogReviewService(self._vault, screen=screen, clock=self.clock)

    def statistics(self, screen: str = "statistics") -> StatisticsService:
        from rc_tui.services.statistics import StatisticsService
        return StatisticsService(self._vault, screen=screen, clock=self.clock)

    def retention(self, screen: str = "retention") -> RetentionService:
        from rc_tui.services.retention import RetentionService
        return RetentionService(self._vault, screen=screen, clock=self.clock)

    def drafts(self, screen: str = "drafts") -> DraftService:
        from rc_tui.services.drafts import DraftService
        return DraftService(self._vault, screen=screen, clock=self.clock)

    def draft_writer(self) -> DraftWriter:
        """This session's one draft writer (the forms hand their drafts to it; it writes
        them off the UI thread, and ``close`` writes what is left)."""
        from rc_tui.services.drafts import DraftWriter

        with self._close_lock:
            if self._draft_writer is None:
                self._draft_writer = DraftWriter(self.drafts("draft"))
            return self._draft_writer

    def extracts(self, screen: str) -> ExtractService:
        from rc_tui.services.extracts import ExtractService
        return ExtractService(self._vault, screen=screen, clock=self.clock)

    def record_rights(self, screen: str) -> RecordRightsService:
        from rc_tui.services.record_rights import RecordRightsService
        return RecordRightsService(self._vault, screen=screen, clock=self.clock)

    def packs(self, screen: str = "pack") -> PackService:
        from rc_tui.services.packs import PackService
        return PackService(self._vault, screen=screen, clock=self.clock)

    def pack_merge(self, screen: str = "pack_merge") -> PackMergeService:
        from rc_tui.services.packs import PackMergeService
        return PackMergeService(self._vault, screen=screen, clock=self.clock)

    def documents(self, screen: str = "document") -> DocumentService:
        from rc_tui.services.documents import DocumentService
        return DocumentService(self._vault, screen=screen, clock=self.clock)

    def accounts(self) -> AccountService:
        from rc_tui.services.accounts import AccountService
        return AccountService(self._vault)

    def settings(self) -> SettingsService:
        from rc_tui.services.settings import SettingsService
        return SettingsService(self._vault)
