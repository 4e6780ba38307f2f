"""The signed user directory in the key file: statements, signatures and settings.

An administrator holds no data key, so user management happens outside the encrypted
database: the administrator signs *statements* with their Ed25519 signing key and writes
them into the key file (under ``<db>.keys.lock``):

* ``enrol``: this username, display name and role with this public key (and, for an
  administrator, this signing key). Written when a user is added or reset, and by an
  administrator's forced passphrase change (a new key pair, signed with the old key).
* ``revoke``: this username is revoked.
* ``settings``: the installation's settings.

Data-key holders act on a statement only when its signature verifies against an
administrator's signing key *pinned in the encrypted database* (``admin_signing_keys``),
and only once: the database remembers each username's last accepted ``issued_at``
(``directory_accepted``), so an old statement put back into the file is ignored. Anyone
who can write the key file can delete entries (and so lock users out, as deleting the
file would), but cannot make a data-key holder seal the data key to a key of their own.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from storage.install import DEFAULT_SETTINGS, checked_setting
from storage.keys import KeyFile, Slot, b64d, b64e

_CONTEXT = b"rc-tui/directory/v1\n"
ROLES = ("caseworker", "shelter", "manager", "admin")


def _canonical(db_id: str, body: dict[str, Any]) -> bytes:
    return _CONTEXT + json.dumps({"db_id": db_id, "body": body}, sort_keys=True,
                                 separators=(",", ":"), ensure_ascii=True).encode("ascii")


def issued_now() -> int:
    """A statement's time in nanoseconds: later statements about a user supersede earlier."""
    return time.time_ns()


def sign(db_id: str, body: dict[str, Any], signer: str, key: Ed25519PrivateKey) -> dict[str, Any]:
    return {"body": body, "by": signer, "sig": b64e(key.sign(_canonical(db_id, body)))}


def verify(db_id: str, signed: Any, pinned: dict[str, bytes]) -> dict[str, Any] | None:
    """The statement's body if its signature verifies with the signer's pinned key."""
    try:
        body, by, sig = signed["body"], signed["by"], b64d(signed["sig"])
        public = pinned.get(str(by))
        if public is None or not isinstance(body, dict):
            return None
        Ed25519PublicKey.from_public_bytes(public).verify(sig, _canonical(db_id, body))
        int(body["issued_at"])
    except (InvalidSignature, ValueError, KeyError, TypeError):
        return None
    return body


def enrol_body(slot: Slot, created_by: str, *, must_change: bool) -> dict[str, Any]:
    return {
        "kind": "enrol", "username": slot.username, "display_name": slot.display_name,
        "role": slot.role, "public_key": b64e(slot.public_key),
        "signing_public": b64e(slot.signing_public) if slot.signing_public else None,
        "created_by": created_by, "must_change": must_change, "issued_at": issued_now(),
    }


def revoke_body(username: str) -> dict[str, Any]:
    return {"kind": "revoke", "username": username, "issued_at": issued_now()}


def settings_body(values: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "settings", "values": values, "issued_at": issued_now()}


def valid_enrolment(kf: KeyFile, username: str, pinned: dict[str, bytes]) -> dict[str, Any] | None:
    """The slot's enrolment statement, if an administrator with a pinned key signed it and
    it names exactly this slot's keys."""
    slot = kf.slots.get(username)
    if slot is None or slot.statement is None:
        return None
    body = verify(kf.db_id, slot.statement, pinned)
    if (body is None or body.get("kind") != "enrol" or body.get("username") != username
            or body.get("role") not in ROLES or body.get("role") != slot.role
            or body.get("public_key") != b64e(slot.public_key)):
        return None
    signing = body.get("signing_public")
    if (body["role"] == "admin") != (signing is not None) or (
            signing is not None and signing != b64e(slot.signing_public or b"")):
        return None
    return body


def valid_revocation(kf: KeyFile, username: str, pinned: dict[str, bytes]) -> dict[str, Any] | None:
    body = verify(kf.db_id, kf.revocations.get(username), pinned)
    if body is None or body.get("kind") != "revoke" or body.get("username") != username:
        return None
    return body


@dataclass(frozen=True)
class Settings:
    values: dict[str, Any]
    signed_by: str | None
    #: the statement's time (0: not a signed statement)
    issued_at: int = 0


#: ``directory_accepted``'s entry for the settings (no username has this form): the
#: ``issued_at`` of the newest settings a data-key holder recorded
SETTINGS_ACCEPTED = "@settings"


def settings_of(kf: KeyFile, pinned: dict[str, bytes] | None) -> Settings:
    """The settings in the directory, range-checked. With ``pinned`` only signed ones are
    used (a data-key holder's session); without, as written (the administrator's view of
    their own file)."""
    return settings_from(kf.db_id, kf.settings, pinned)


def settings_from(db_id: str, signed: Any, pinned: dict[str, bytes] | None) -> Settings:
    """``settings_of`` for a settings statement on its own (the key file's, or the copy a
    data-key holder recorded in the database)."""
    body: dict[str, Any] | None
    if not isinstance(signed, dict):
        body = None
    elif pinned is None:
        body = signed.get("body") if isinstance(signed.get("body"), dict) else None
    else:
        body = verify(db_id, signed, pinned)
    values = body.get("values") if body and body.get("kind") == "settings" else None
    if not isinstance(values, dict) or body is None:
        return Settings(dict(DEFAULT_SETTINGS), None)
    try:
        issued = int(body.get("issued_at", 0))
    except (TypeError, ValueError):
        issued = 0
    return Settings({name: checked_setting(name, values.get(name)) for name in DEFAULT_SETTINGS},
                    str(signed.get("by")) if isinstance(signed, dict) else None, issued)


def pinned_from_meta(value: Any) -> dict[str, bytes]:
    if not isinstance(value, dict):
        return {}
    found: dict[str, bytes] = {}
    for name, key in value.items():
        try:
            found[str(name)] = b64d(str(key))
        except ValueError:
            continue
    return found


def pinned_to_meta(pinned: dict[str, bytes]) -> dict[str, str]:
    return {name: b64e(key) for name, key in sorted(pinned.items())}
