"""Installation settings that an administrator may change (validated here)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rc_tui.i18n import _

if TYPE_CHECKING:
    from storage.vault import Vault

IDLE_RANGE = (30, 3600)
LIFETIME_RANGE = (3600, 24 * 3600)


class SettingError(ValueError):
    pass


def _check(value: int, bounds: tuple[int, int]) -> None:
    lo, hi = bounds
    if not lo <= value <= hi:
        raise SettingError(_("Allowed values are {lo}-{hi} seconds.", lo=lo, hi=hi))


def set_idle_timeout(vault: Vault, seconds: int) -> None:
    _check(seconds, IDLE_RANGE)
    vault.set_setting("idle_timeout_seconds", seconds)


def set_session_lifetime(vault: Vault, seconds: int) -> None:
    _check(seconds, LIFETIME_RANGE)
    vault.set_setting("session_lifetime_seconds", seconds)


STAY_DAYS_RANGE = (1, 60)


def set_investigation_after_stay_days(vault: Vault, days: int) -> None:
    """Days a shelter stay may go on without a decision before an investigation is due."""
    lo, hi = STAY_DAYS_RANGE
    if not lo <= days <= hi:
        raise SettingError(_("Allowed values are {lo}-{hi} days.", lo=lo, hi=hi))
    vault.set_setting("investigation_after_stay_days", days)


def set_shelter_staff_assessments(vault: Vault, on: bool) -> None:
    """Whether shelter staff may run and sign, for the shelter's residents, the
    instruments for victims and children that need no special training."""
    vault.set_setting("shelter_staff_assessments", 1 if on else 0)


DOCUMENT_OUTPUTS = ("encrypted_pdf", "printer")
EXPORT_AGE_RANGE = (1, 7 * 24)


def set_document_output(vault: Vault, output: str) -> None:
    """How documents leave the program: an encrypted PDF in the user's export folder, or
    the printer queue."""
    if output not in DOCUMENT_OUTPUTS:
        raise SettingError(_("Allowed values are: {values}.",
                             values=", ".join(DOCUMENT_OUTPUTS)))
    vault.set_setting("document_output", output)


def set_plaintext_export(vault: Vault, allowed: bool) -> None:
    """Whether users may also write a plaintext file (after a warning): off unless an
    administrator turns it on."""
    vault.set_setting("plaintext_export", 1 if allowed else 0)


def set_export_max_age_hours(vault: Vault, hours: int) -> None:
    lo, hi = EXPORT_AGE_RANGE
    if not lo <= hours <= hi:
        raise SettingError(_("Allowed values are {lo}-{hi} hours.", lo=lo, hi=hi))
    vault.set_setting("export_max_age_hours", hours)


def _set_text(vault: Vault, name: str, value: str) -> None:
    from storage.install import setting_allowed

    if not setting_allowed(name, value):
        raise SettingError(_("Not an allowed value (too long, or characters that may not "
                             "be used)."))
    vault.set_setting(name, value)


def set_centre_name(vault: Vault, name: str) -> None:
    """The centre's name in every document's header."""
    _set_text(vault, "centre_name", name.strip())


def set_printer_queue(vault: Vault, queue: str) -> None:
    """The CUPS queue documents are printed on ("" = the system's default queue)."""
    _set_text(vault, "printer_queue", queue.strip())


K_RANGE = (3, 20)


def set_suppression_k(vault: Vault, k: int) -> None:
    """The smallest count the statistics show as it is (smaller ones are "<k")."""
    lo, hi = K_RANGE
    if not lo <= k <= hi:
        raise SettingError(_("Allowed values are {lo}-{hi}.", lo=lo, hi=hi))
    vault.set_setting("suppression_k", k)


def set_pack_days(vault: Vault, days: int) -> None:
    """The days an outage pack opens for after it was made (``rc-tui pack create``)."""
    if not 1 <= days <= 14:
        raise SettingError(_("Allowed values are {lo}-{hi}.", lo=1, hi=14))
    vault.set_setting("pack_days", days)


def current(vault: Vault) -> dict[str, Any]:
    return {
        "idle_timeout_seconds": int(vault.setting("idle_timeout_seconds")),
        "session_lifetime_seconds": int(vault.setting("session_lifetime_seconds")),
        "investigation_after_stay_days": int(vault.setting("investigation_after_stay_days")),
        "shelter_staff_assessments": int(vault.setting("shelter_staff_assessments")),
        "document_output": str(vault.setting("document_output")),
        "plaintext_export": int(vault.setting("plaintext_export")),
        "export_max_age_hours": int(vault.setting("export_max_age_hours")),
        "centre_name": str(vault.setting("centre_name")),
        "printer_queue": str(vault.setting("printer_queue")),
        "suppression_k": int(vault.setting("suppression_k")),
        "pack_days": int(vault.setting("pack_days")),
    }


class SettingsService:
    """The installation's settings for the signed-in session (an administrator's session
    signs changes; every other session's vault refuses them)."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def current(self) -> dict[str, Any]:
        return current(self._vault)

    def set_idle_timeout(self, seconds: int) -> None:
        set_idle_timeout(self._vault, seconds)

    def set_session_lifetime(self, seconds: int) -> None:
        set_session_lifetime(self._vault, seconds)

    def set_investigation_after_stay_days(self, days: int) -> None:
        set_investigation_after_stay_days(self._vault, days)

    def set_shelter_staff_assessments(self, on: bool) -> None:
        set_shelter_staff_assessments(self._vault, on)
    def set_suppression_k(self, k: int) -> None:
        set_suppression_k(self._vault, k)
