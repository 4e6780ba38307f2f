"""In an outage pack, the writes the merge can replay are recorded as operations.

``record_offline(service)`` (called for every service made on a ``PackVault``) wraps the
service's supported write methods: each call is made as usual – applied to the pack, with
its access checks, validation and access-log entry – and its own transaction also stores
the call (service, method, arguments as JSON, the version a versioned edit was based on)
in ``pack_operations``. Every other data change in a pack is refused by the vault itself
(``OfflineRefused``), so nothing is written that could not be brought back.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rc_tui.services.packs import codec
from storage.models import PackOperation
from storage.pack import PackVault, utcnow


@dataclass(frozen=True)
class OpSpec:
    """A write the merge replays: which argument holds the base version (a versioned
    edit), which record kind the plain ``int`` it returns is (an append), and which kind of
    record a versioned edit changes (its id argument)."""

    version_arg: str | None = None
    returns: str | None = None
    edits: tuple[str, str] | None = None  # (kind, argument holding its id)


#: (service class, method) -> what the merge needs to know of it
SUPPORTED: dict[tuple[str, str], OpSpec] = {
    ("RecordService", "add_note"): OpSpec(returns="journal_note"),
    ("RecordService", "sign"): OpSpec(),
    ("ShelterService", "write_entry"): OpSpec(returns="shift_entry"),
    ("ShelterService", "mark_read"): OpSpec(),
    ("PartnerContactService", "record"): OpSpec(returns="partner_contact"),
    ("CaseService", "register_intake"): OpSpec(),
    ("ShelterService", "admit"): OpSpec(),
    ("PeopleService", "update"): OpSpec(version_arg="version", edits=("person", "person_id")),
}


def record_offline(service: Any) -> None:
    vault = service.vault
    if not isinstance(vault, PackVault):
        return
    name = type(service).__name__
    for (cls_name, method), spec in SUPPORTED.items():
        if cls_name == name:
            original = getattr(service, method)
            setattr(service, method, _recorded(vault, name, method, spec, original))


def _recorded(vault: PackVault, service: str, method: str, spec: OpSpec,
              original: Callable[..., Any]) -> Callable[..., Any]:
    signature = inspect.signature(original)

    @functools.wraps(original)
    def call(*args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        arguments = dict(bound.arguments)
        base = arguments.get(spec.version_arg) if spec.version_arg else None
        row = PackOperation(created_at=utcnow(), service=service, method=method,
                            args=codec.dumps(arguments),
                            base_version=int(base) if base is not None else None)
        with vault.carrying(lambda: row) as carry:
            result = original(*args, **kwargs)
        if carry.written:  # what it returned (the ids it made), for the merge's id map
            with vault.session(write=True) as s:
                stored = s.get(PackOperation, row.id)
                if stored is not None:
                    stored.result = codec.dumps(result)
        return result

    return call
