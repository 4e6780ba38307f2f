"""What can be known about an installation before unlocking it (cheap to import)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from storage import files

DEFAULT_SETTINGS: dict[str, Any] = {
    "idle_timeout_seconds": 300,
    "session_lifetime_seconds": 12 * 3600,
    #: days a shelter stay may go on without a decision before an investigation is due
    "investigation_after_stay_days": 7,
    #: 1: shelter staff may run and sign, for the shelter's residents, the instruments for
    #: victims and children the organisation has loaded that require no special training
    "shelter_staff_assessments": 0,
}

#: The allowed range of each setting: enforced when an administrator sets it and again
#: when a session reads it from the signed directory (a value outside is not used).
SETTING_RANGES: dict[str, tuple[int, int]] = {
    "idle_timeout_seconds": (30, 3600),
    "session_lifetime_seconds": (3600, 24 * 3600),
    "investigation_after_stay_days": (1, 60),
    "shelter_staff_assessments": (0, 1),
}


def checked_setting(name: str, value: Any) -> Any:
    """``value`` if it is a whole number in the setting's range, else the default."""
    lo, hi = SETTING_RANGES[name]
    if isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi:
        return value
    return DEFAULT_SETTINGS[name]


#: Each user's own preferences (stored as one JSON object per user in ``meta``) and their
#: defaults. ``low_bandwidth``: no mouse tracking, 16 colours, ASCII borders, no animations.
DEFAULT_USER_PREFERENCES: dict[str, Any] = {
    "low_bandwidth": False,
}


def installation_exists(path: Path) -> bool:
    path = Path(path)
    return path.exists() or files.keyfile_path(path).exists()


def peek_demo(path: Path) -> tuple[bool, list[tuple[str, str, str]]]:
    """(is demo, demo logins) from the key file, without unlocking. Damage -> not demo."""
    from storage.errors import VaultError
    from storage.keys import KeyFile

    try:
        kf = KeyFile.load(files.keyfile_path(Path(path)))
    except VaultError:
        return False, []
    return kf.demo, (kf.demo_logins if kf.demo else [])
