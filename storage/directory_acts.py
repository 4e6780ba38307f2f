"""What a data-key holder's session carries out of the administrators' signed directory
(``storage.directory``): a manager's login enrols pending users, any holder's transaction
records revocations (a rekey becomes pending) and administrators' new signing keys, and a
version-1 key file becomes the signed directory. Each function works inside the caller's
write transaction and under ``<db>.keys.lock``; it returns whether the key file changed
(the caller saves it)."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import audit, directory, keys
from storage.install import DEFAULT_SETTINGS, checked_setting
from storage.meta import ACCEPTED, PINNED, SETTINGS_STATEMENT, get_meta, set_meta
from storage.models import Role, User, UserStatus
from storage.values import EnrolledUser


def _accepted(s: Session) -> dict[str, int]:
    value = get_meta(s, ACCEPTED, {})
    return {str(k): int(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _signer(slot_or_signed: dict[str, Any] | None) -> str:
    return str((slot_or_signed or {}).get("by", ""))


def unrecorded(kf: keys.KeyFile, pinned: dict[str, bytes], accepted: Any) -> bool:
    """A signed revocation, an administrator's own new signing key or newer signed
    settings not yet recorded."""
    seen = accepted if isinstance(accepted, dict) else {}
    settings = directory.settings_of(kf, pinned)
    if settings.signed_by is not None and settings.issued_at > int(
            seen.get(directory.SETTINGS_ACCEPTED, 0)):
        return True
    for name in kf.revocations:
        body = directory.valid_revocation(kf, name, pinned)
        if body is not None and int(body["issued_at"]) > int(seen.get(name, 0)):
            return True
    for name in pinned:
        slot = kf.slots.get(name)
        body = directory.valid_enrolment(kf, name, pinned)
        if (slot is not None and body is not None and _signer(slot.statement) == name
                and int(body["issued_at"]) > int(seen.get(name, 0))):
            return True
    return False


def _active_admin(s: Session, username: str) -> User | None:
    row = s.scalar(select(User).where(User.username == username))
    if row is None or row.status != UserStatus.ACTIVE.value or row.role != Role.ADMIN.value:
        return None
    return row


def record_directory(s: Session, kf: keys.KeyFile, actor: User) -> bool:
    """Carry out what administrators signed and any data-key holder may record: an
    administrator's own new signing key (after their forced passphrase change) and
    revocations (the user is blocked in the database, a rekey becomes pending). Returns
    True when ``kf`` changed (the caller saves it)."""
    pinned = directory.pinned_from_meta(get_meta(s, PINNED, {}))
    accepted = _accepted(s)
    changed_kf = changed_db = False
    for name in list(pinned):  # rotations first: later statements may be signed with them
        slot = kf.slots.get(name)
        body = directory.valid_enrolment(kf, name, pinned)
        if (slot is None or body is None or _signer(slot.statement) != name
                or int(body["issued_at"]) <= accepted.get(name, 0)):
            continue
        admin = _active_admin(s, name)
        accepted[name] = int(body["issued_at"])
        changed_db = True
        if admin is None or slot.signing_public is None:
            continue
        pinned[name] = slot.signing_public
        slot.status = "active"
        changed_kf = True
        audit.append(s, "admin_key_changed", user_id=admin.id, username=admin.username,
                     record_type="user", record_id=admin.id)
    for name in list(kf.revocations):
        body = directory.valid_revocation(kf, name, pinned)
        if body is None or int(body["issued_at"]) <= accepted.get(name, 0):
            continue
        accepted[name] = int(body["issued_at"])
        changed_db = True
        admin = _active_admin(s, _signer(kf.revocations[name]))
        user = s.scalar(select(User).where(User.username == name))
        if admin is None or user is None or user.status != UserStatus.ACTIVE.value:
            continue
        user.status = UserStatus.REVOKED.value
        user.revoked_at = audit.utcnow()
        user.revoked_by_id = admin.id
        pinned.pop(name, None)
        set_meta(s, "rekey_pending", True)
        audit.append(s, "user_revoked", user_id=admin.id, username=admin.username,
                     record_type="user", record_id=user.id,
                     reason=f"recorded by {actor.username}")
        if kf.slots.pop(name, None) is not None:
            changed_kf = True
    settings = directory.settings_of(kf, pinned)
    if settings.signed_by is not None and settings.issued_at > accepted.get(
            directory.SETTINGS_ACCEPTED, 0):
        # the newest signed settings, kept in the database too: a session takes them when
        # the key file's are missing, broken or older (``AccountMixin.setting``)
        accepted[directory.SETTINGS_ACCEPTED] = settings.issued_at
        set_meta(s, SETTINGS_STATEMENT, kf.settings)
        changed_db = True
    if changed_db:
        set_meta(s, PINNED, directory.pinned_to_meta(pinned))
        set_meta(s, ACCEPTED, accepted)
    return changed_kf


def enrol_pending(
    s: Session, kf: keys.KeyFile, manager: User, data_key: bytes | bytearray, generation: int,
) -> tuple[EnrolledUser, ...]:
    """A manager's login: enrol every slot an administrator signed and nobody has enrolled
    yet. A data-key holder's slot gets the data key sealed to its public key; an
    administrator's signing key is pinned. Nothing happens for a statement whose signature
    does not verify against a pinned key, that names other keys than the slot's, or that is
    not newer than the last one accepted for that username (a revoked user stays revoked)."""
    pinned = directory.pinned_from_meta(get_meta(s, PINNED, {}))
    accepted = _accepted(s)
    done: list[EnrolledUser] = []
    for name, slot in sorted(kf.slots.items()):
        body = directory.valid_enrolment(kf, name, pinned)
        signer_name = _signer(slot.statement)
        if (body is None or signer_name == name
                or int(body["issued_at"]) <= accepted.get(name, 0)):
            continue
        signer = _active_admin(s, signer_name)
        if signer is None:
            continue
        user = s.scalar(select(User).where(User.username == name))
        if user is None:
            user = User(username=name, display_name=str(body["display_name"])[:200],
                        role=str(body["role"]), status=UserStatus.ACTIVE.value,
                        must_change_passphrase=bool(body["must_change"]),
                        created_at=audit.utcnow(), created_by_id=signer.id)
            s.add(user)
            s.flush()
            audit.append(s, "user_created", user_id=signer.id, username=signer.username,
                         record_type="user", record_id=user.id)
        elif user.status != UserStatus.ACTIVE.value or user.role != body["role"]:
            continue  # never re-enrolled, never given another role this way
        else:  # a passphrase reset: a new key pair
            user.must_change_passphrase = bool(body["must_change"])
        if slot.is_admin:
            assert slot.signing_public is not None
            pinned[name] = slot.signing_public
        else:
            slot.sealed_data_key = keys.seal_data_key(data_key, slot.public_key, kf.db_id,
                                                      name, generation)
            slot.generation = generation
        slot.status = "active"
        accepted[name] = int(body["issued_at"])
        audit.append(s, "user_enrolled", user_id=manager.id, username=manager.username,
                     record_type="user", record_id=user.id, reason=f"created by {signer_name}")
        done.append(EnrolledUser(name, user.display_name, Role(user.role), signer_name))
    if done:
        set_meta(s, PINNED, directory.pinned_to_meta(pinned))
        set_meta(s, ACCEPTED, accepted)
    return tuple(done)


def upgrade_directory(s: Session, kf: keys.KeyFile, actor: User) -> None:
    """A version-1 key file (every slot sealed the data key) becomes the signed directory.

    Each administrator's slot loses the data key and gets a new signing key, sealed to the
    administrator's own public key (their next login re-encrypts it under their passphrase)
    and pinned here. A rekey becomes pending, so that a copy of an old administrator's slot
    opens nothing once it ran. Slots without an active user are dropped.
    """
    rows = {u.username: u for u in s.scalars(select(User))}
    pinned: dict[str, bytes] = {}
    first: tuple[str, Ed25519PrivateKey] | None = None
    for name, slot in sorted(kf.slots.items()):
        row = rows.get(name)
        if row is None or row.status != UserStatus.ACTIVE.value:
            del kf.slots[name]
            continue
        slot.role, slot.display_name, slot.status = row.role, row.display_name, "active"
        if row.role == Role.ADMIN.value:
            signing = Ed25519PrivateKey.generate()
            slot.sealed_signing_key = keys.seal_signing_key(signing, slot.public_key, kf.db_id,
                                                            name)
            slot.signing_public = pinned[name] = signing.public_key().public_bytes_raw()
            slot.sealed_data_key = None
            slot.must_change = row.must_change_passphrase
            first = first or (name, signing)
    kf.pending_sealed = {n: v for n, v in kf.pending_sealed.items()
                         if n in kf.slots and not kf.slots[n].is_admin}
    if first is not None:
        values = {k: checked_setting(k, get_meta(s, f"setting.{k}", v))
                  for k, v in DEFAULT_SETTINGS.items()}
        kf.settings = directory.sign(kf.db_id, directory.settings_body(values), *first)
    kf.version = keys.KEYFILE_VERSION
    set_meta(s, PINNED, directory.pinned_to_meta(pinned))
    set_meta(s, "rekey_pending", True)
    audit.append(s, "directory_upgraded", user_id=actor.id, username=actor.username)
