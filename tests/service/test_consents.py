"""Consent to information exchange with several agencies at once: one event per agency,
all in one transaction (a bad agency among them records none)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rc_tui.services.errors import ValidationError
from rc_tui.services.records import RecordService
from storage.vault import Vault
from tests.service.test_access import (  # noqa: F401 - fixtures
    ANNA,
    ANNA_PASS,
    Family,
    as_user,
    family,
)


def _exchange(records: RecordService, person: int) -> dict[str | None, str]:
    return {c.agency: c.state for c in records.consents(person) if c.kind == "info_exchange"}


def test_several_agencies_in_one_consent(family: Family,
                                         as_user: Callable[[str, str], Vault]) -> None:
    records = RecordService(as_user(ANNA, ANNA_PASS))
    records.record_consent(family.victim, "info_exchange", "given", "written",
                           agencies=["police", "health", "police"])
    assert _exchange(records, family.victim) == {"police": "given", "health": "given"}


def test_a_bad_agency_records_none(family: Family,
                                   as_user: Callable[[str, str], Vault]) -> None:
    records = RecordService(as_user(ANNA, ANNA_PASS))
    with pytest.raises(ValidationError):
        records.record_consent(family.victim, "info_exchange", "given", "written",
                               agencies=["police", "the-neighbours"])
    with pytest.raises(ValidationError):
        records.record_consent(family.victim, "info_exchange", "given", "written")
    with pytest.raises(ValidationError):
        records.record_consent(family.victim, "investigation", "given", "written",
                               agencies=["police"])
    assert _exchange(records, family.victim) == {}
