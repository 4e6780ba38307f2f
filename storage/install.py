"""What can be known about an installation before unlocking it (cheap to import)."""

from __future__ import annotations

import re
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
    #: how documents leave the program: "encrypted_pdf" (a file with a one-time password
    #: in the user's export folder) or "printer" (piped to the CUPS queue, no file)
    "document_output": "encrypted_pdf",
    #: 1: the user may also write a plaintext file (after a warning); only an
    #: administrator's explicit choice turns it on
    "plaintext_export": 0,
    #: export files older than this are removed at the next start and by `exports purge`
    "export_max_age_hours": 24,
    #: the centre's name in every document's header
    "centre_name": "",
    #: the CUPS queue for "printer" ("" = the system's default queue)
    "printer_queue": "",
    #: statistics show counts from 1 to k-1 as "<k" (rc_tui.domain.suppression)
    "suppression_k": 5,
    #: the days an outage pack opens for after it was made (``rc-tui pack create``)
    "pack_days": 7,
}

#: The allowed range of each setting: enforced when an administrator sets it and again
#: when a session reads it from the signed directory (a value outside is not used).
SETTING_RANGES: dict[str, tuple[int, int]] = {
    "idle_timeout_seconds": (30, 3600),
    "session_lifetime_seconds": (3600, 24 * 3600),
    "investigation_after_stay_days": (1, 60),
    "shelter_staff_assessments": (0, 1),
    "plaintext_export": (0, 1),
    "export_max_age_hours": (1, 7 * 24),
    # below 3, "<k" would name the count ("<2" is 1)
    "suppression_k": (3, 20),
    "pack_days": (1, 14),
}

#: settings that take one of a few words
SETTING_CHOICES: dict[str, tuple[str, ...]] = {
    "document_output": ("encrypted_pdf", "printer"),
}

#: settings that are text: their longest length and the pattern the whole value matches (a
#: queue name is handed to `lp -d`, so it may not start with "-" or hold odd characters)
SETTING_TEXTS: dict[str, tuple[int, str]] = {
    "centre_name": (80, r"[^\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]*"),
    "printer_queue": (64, r"(?:[A-Za-z0-9_][A-Za-z0-9_.@-]*)?"),
}


def setting_allowed(name: str, value: Any) -> bool:
    """Whether ``value`` is a value the setting ``name`` may take."""
    if name in SETTING_CHOICES:
        return isinstance(value, str) and value in SETTING_CHOICES[name]
    if name in SETTING_TEXTS:
        longest, pattern = SETTING_TEXTS[name]
        return (isinstance(value, str) and len(value) <= longest
                and re.fullmatch(pattern, value) is not None)
    lo, hi = SETTING_RANGES[name]
    return isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi


def checked_setting(name: str, value: Any) -> Any:
    """``value`` if the setting may take it (``setting_allowed``), else the default."""
    return value if setting_allowed(name, value) else DEFAULT_SETTINGS[name]


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


def is_pack(path: Path) -> bool:
    """Whether ``path`` is an outage pack (its key file says so; no secret is read)."""
    import json

    try:
        data = json.loads(files.keyfile_path(Path(path)).read_bytes())
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and isinstance(data.get("pack"), dict)
