"""What the samråd screens share: the service, the agencies offered."""

from __future__ import annotations

from rc_tui.domain import samrad as rules
from rc_tui.domain.vocab import AGENCIES
from rc_tui.services.samrad import (
    SamradService,
    agency_label,
)
from screens.base import RcModal, RcScreen

AGENCY_CODES = [rules.CENTRE, *AGENCIES]


def agency_options() -> list[tuple[str, str, str]]:
    return [(str(i), code, agency_label(code)) for i, code in enumerate(AGENCY_CODES)]


def _svc(screen: RcScreen | RcModal) -> SamradService:
    session = screen.shell.session
    assert session is not None
    return session.samrad("samrad")
