"""The services' two transaction helpers: ``audited`` (transaction + access check +
access-log entry) and ``versioned`` (optimistic locking)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from rc_tui.services.base import SameVersion, Service
from rc_tui.services.errors import Conflict, ConflictError, NoAccess, ValidationError
from storage.models import AccessLog
from storage.vault import Vault
from tests.conftest import ANNA, ANNA_PASS


@pytest.fixture
def svc(installed: Path) -> Iterator[Service]:
    v = Vault.unlock(installed, ANNA, ANNA_PASS, clock=lambda: 9e9)
    yield Service(v, screen="probe")
    v.close(None)


def _entries(svc: Service, record_type: str) -> list[tuple[str, str, int | None]]:
    with svc.vault.session() as s:
        return [(e.action, e.outcome, e.person_id) for e in s.scalars(
            select(AccessLog).where(AccessLog.record_type == record_type))]


def test_audited_logs_once_after_the_work(svc: Service) -> None:
    with svc.audited("probe_list", check=lambda s: None) as s:
        svc.log(s, "view", record_type="probe_part")  # what the work itself logs
    assert _entries(svc, "probe_list") == [("view", "ok", None)]
    with svc.vault.session() as s:
        order = list(s.scalars(select(AccessLog.record_type).where(
            AccessLog.record_type.in_(("probe_list", "probe_part"))).order_by(AccessLog.id)))
    assert order == ["probe_part", "probe_list"]


def test_audited_logs_a_refusal_and_nothing_else(svc: Service) -> None:
    ran = False
    with pytest.raises(NoAccess):
        with svc.audited("probe_list", person_id=4711):
            ran = True
    assert not ran
    assert _entries(svc, "probe_list") == []
    assert _entries(svc, "person") == [("view", "denied", 4711)]


def test_audited_logs_nothing_when_the_work_fails(svc: Service) -> None:
    with pytest.raises(ValidationError):
        with svc.audited("probe_list", check=lambda s: None):
            raise ValidationError(["no"])
    assert _entries(svc, "probe_list") == []


class _Row:
    def __init__(self, version: int) -> None:
        self.version = version


def test_same_version_refuses_a_changed_row() -> None:
    row = _Row(3)
    assert SameVersion("row changed elsewhere")(row, 3) is row
    with pytest.raises(ConflictError, match="row changed elsewhere"):
        SameVersion("row changed elsewhere")(row, 2)
    assert Conflict is ConflictError


def test_versioned_reports_a_change_at_the_write_as_the_same_conflict(svc: Service) -> None:
    with pytest.raises(ConflictError, match="row changed elsewhere") as caught:
        with svc.versioned("row changed elsewhere") as (_s, same_version):
            same_version(_Row(1), 1)
            raise StaleDataError("UPDATE matched 0 rows")
    assert isinstance(caught.value.__cause__, StaleDataError)
