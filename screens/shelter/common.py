"""What the shelter screens share: the service, times typed as text, key lists."""

from __future__ import annotations

from datetime import datetime

from rc_tui.domain.vocab import label
from rc_tui.i18n import _
from rc_tui.services.shelter import (
    ShelterService,
)
from screens.base import RcModal, RcScreen

STATE_STYLE = {"free": "bold green", "occupied": "", "planned": "bold yellow",
               "out_of_use": "dim"}


def _svc(screen: RcScreen | RcModal) -> ShelterService:
    session = screen.shell.session
    assert session is not None
    return session.shelter("shelter")


def _when(value: str, problems: list[str]) -> datetime | None:
    """A date, or a date and time ("2026-11-26 22:10"), as typed."""
    value = value.strip()
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        problems.append(_("Date and time as YYYY-MM-DD HH:MM, please."))
        return None


def _now_text() -> str:
    return f"{datetime.now():%Y-%m-%d %H:%M}"


def _vocab(vocabulary: dict[str, str], keys: str) -> list[tuple[str, str, str]]:
    return [(key, code, label(vocabulary, code)) for key, code in zip(keys, vocabulary,
                                                                     strict=False)]
