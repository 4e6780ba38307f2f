"""What the casework screens share: the service, dates typed as text, choice keys."""

from __future__ import annotations

from datetime import date

from rc_tui.i18n import _
from rc_tui.services.casework import (
    CaseworkService,
)
from screens.base import RcModal, RcScreen

KEYS = "123456789abcdfghklmnopqrstuvwxyz"


def _date(value: str, what: str, problems: list[str]) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(_("{what}: a date as YYYY-MM-DD, please.", what=what))
        return None


def _svc(screen: RcScreen | RcModal) -> CaseworkService:
    session = screen.shell.session
    assert session is not None
    return session.casework("casework")
