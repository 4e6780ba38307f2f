"""Key management: per-user key slots in a key file beside the database.

Design (see README, "Security model"):

* The database is encrypted by SQLCipher with a random 256-bit *data key* used as a raw
  key, so SQLCipher's own passphrase KDF is never the weak link.
* Every user has an X25519 key pair. The private key is encrypted (AES-256-GCM) under a
  key-encryption key derived from the user's passphrase with Argon2id; the data key is
  sealed to the user's public key with HPKE (RFC 9180, X25519 + HKDF-SHA256 + AES-256-GCM).
* Changing one's passphrase only re-encrypts one's own private key. Any unlocked session
  can seal a *new* data key to every remaining user's public key, which is what makes
  revocation + rekey possible without knowing the other users' passphrases – and lets
  every open session follow a rekey: it keeps its own private key for the session and
  unseals the new data key from its slot.
* During a rekey the key file holds two candidates: the slots' sealed keys and the
  ``pending`` ones (the other generation). Whichever opens the database is the data key;
  the holder of the database write lock settles the file (see ``Vault._keyfile``).
* Key roles: the data key is sealed only to the slots of enrolled *data-key holders*
  (caseworkers, shelter staff, managers). An administrator's slot holds no data key: it
  holds an Ed25519 *signing key*, encrypted under the same passphrase-derived key. Its
  public half is pinned in the encrypted database by a data-key holder.
* The key file is also the signed user directory (version 2): per slot the display name,
  role and an administrator's signed enrolment statement; signed revocations; the signed
  settings. Data-key holders act on a statement only when its signature verifies against
  a key pinned in the database (see ``storage.directory``).
* The key file holds usernames, display names, roles, KDF parameters, public keys,
  signatures and ciphertexts – no secret in the clear. All ciphertexts are bound to the
  database id and username (AEAD associated data).

The whole key design – KDF, slots, sealing and the key file – is kept in this one file
(over 500 lines) so that it can be reviewed in one place against the description above.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _argon2_cffi_bindings import ffi as _argon2_ffi
from _argon2_cffi_bindings import lib as _argon2_lib
from argon2.low_level import ARGON2_VERSION, Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from storage import files
from storage.errors import KeyFileDamaged, KeyFileMissing, UnknownUser, WrongPassphrase

KEYFILE_FORMAT = "rc-tui-keys"
KEYFILE_VERSION = 2
#: Version 1 files (every slot sealed the data key, roles lived only in the database) are
#: upgraded at the next login of a user whose slot holds the data key.
LEGACY_VERSION = 1

# Product minimums from the security requirements: never below 64 MiB and 3 passes.
MIN_MEMORY_KIB = 64 * 1024
MIN_TIME_COST = 3
TARGET_UNLOCK_SECONDS = 0.45  # aim for the middle of 0.3-0.7 s
MAX_TIME_COST = 12
MAX_MEMORY_KIB = 512 * 1024

#: Environment switch for the test suite only: allows and selects tiny Argon2 parameters
#: so CI stays fast. It is not a secret. The product refuses to *create* weak slots
#: without it, and upgrades weak slots at the next login when it is not set.
TEST_KDF_ENV = "RC_TUI_INSECURE_TEST_KDF"

_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


def test_kdf_enabled() -> bool:
    return os.environ.get(TEST_KDF_ENV) == "1"


def b64e(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64d(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


@dataclass(frozen=True)
class KdfParams:
    """Argon2id parameters, stored per user slot."""

    time_cost: int
    memory_kib: int
    parallelism: int
    salt: bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "alg": "argon2id",
            "t": self.time_cost,
            "m": self.memory_kib,
            "p": self.parallelism,
            "salt": b64e(self.salt),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KdfParams:
        if data.get("alg") != "argon2id":
            raise KeyFileDamaged("unsupported kdf")
        return cls(int(data["t"]), int(data["m"]), int(data["p"]), b64d(data["salt"]))

    def meets_product_minimum(self) -> bool:
        return self.time_cost >= MIN_TIME_COST and self.memory_kib >= MIN_MEMORY_KIB

    def derive(self, passphrase: str | bytearray) -> bytearray:
        """The 32-byte key-encryption key, in a buffer the caller zeroes (``wipe``).

        Argon2 reads the passphrase from and writes the key into Python-owned buffers
        (``ffi.from_buffer``): argon2-cffi's ``hash_secret_raw`` would copy the passphrase
        into a cffi buffer and return the key as ``bytes``, neither of which is wiped. A
        ``str`` passphrase is encoded into a buffer that is zeroed here; the ``str``
        itself cannot be wiped (Python strings are immutable).
        """
        secret = passphrase if isinstance(passphrase, bytearray) else bytearray(
            passphrase, "utf-8")
        kek = bytearray(32)
        try:
            rv = _argon2_lib.argon2_hash(
                self.time_cost, self.memory_kib, self.parallelism,
                _argon2_ffi.from_buffer(secret), len(secret),
                _argon2_ffi.from_buffer(self.salt), len(self.salt),
                _argon2_ffi.from_buffer(kek), len(kek),
                _argon2_ffi.NULL, 0, Type.ID.value, ARGON2_VERSION,
            )
        finally:
            if secret is not passphrase:
                wipe(secret)
        if rv != _argon2_lib.ARGON2_OK:
            wipe(kek)
            raise ValueError("argon2 failed")
        return kek


def wipe(buffer: bytearray) -> None:
    """Overwrite a secret held in a ``bytearray`` with zeros (in place)."""
    buffer[:] = bytes(len(buffer))


def test_params() -> KdfParams:
    """Tiny parameters for the test suite (only valid with ``RC_TUI_INSECURE_TEST_KDF=1``)."""
    return KdfParams(time_cost=1, memory_kib=8, parallelism=1, salt=secrets.token_bytes(16))


_calibrated: tuple[int, int, int] | None = None


def calibrate(target: float = TARGET_UNLOCK_SECONDS) -> KdfParams:
    """Choose Argon2id parameters so one derivation takes about ``target`` seconds here.

    Starts at the product minimum (64 MiB, 3 passes) and raises memory first, then
    passes, until the target is reached. The result is cached for this process.
    """
    global _calibrated
    if test_kdf_enabled():
        return test_params()
    if _calibrated is None:
        parallelism = max(1, min(4, os.cpu_count() or 1))
        t, m = MIN_TIME_COST, MIN_MEMORY_KIB
        probe = secrets.token_bytes(16)
        while True:
            start = time.perf_counter()
            hash_secret_raw(b"calibration", probe, t, m, parallelism, 32, Type.ID)
            elapsed = time.perf_counter() - start
            if elapsed >= target * 0.8:
                break
            scale = target / max(elapsed, 1e-3)
            if m < MAX_MEMORY_KIB:
                m = min(MAX_MEMORY_KIB, int(m * min(scale, 2.0)) // 1024 * 1024)
            elif t < MAX_TIME_COST:
                t = min(MAX_TIME_COST, max(t + 1, int(t * min(scale, 2.0))))
            else:
                break
        _calibrated = (t, m, parallelism)
    t, m, p = _calibrated
    return KdfParams(time_cost=t, memory_kib=m, parallelism=p, salt=secrets.token_bytes(16))


def new_data_key() -> bytearray:
    """A fresh data key. ``secrets`` hands it over as ``bytes`` once; that object is
    dropped at once (immutable, it cannot be zeroed)."""
    return bytearray(secrets.token_bytes(32))


def _aad(kind: str, db_id: str, username: str, generation: int = 0) -> bytes:
    return f"rc-tui/{kind}/v1|{db_id}|{username}|{generation}".encode()


@dataclass
class Slot:
    """One user's key slot and directory entry. Contains no secret in the clear."""

    username: str
    kdf: KdfParams
    public_key: bytes
    enc_private_key: bytes  # nonce(12) || AES-GCM ciphertext
    #: HPKE ciphertext of the data key; None for administrators and pending slots
    sealed_data_key: bytes | None
    generation: int
    role: str | None = None  # None only in a version-1 file
    display_name: str = ""
    #: "pending" until a manager's login enrols the slot, then "active". Informational
    #: (the administrator's list): security decisions use signatures and the database.
    status: str = "active"
    #: administrators: the Ed25519 signing key, encrypted under the passphrase-derived key
    enc_signing_key: bytes | None = None
    signing_public: bytes | None = None
    #: after the upgrade of a version-1 file: the signing key sealed to ``public_key``
    #: (the administrator's next login re-encrypts it under the passphrase)
    sealed_signing_key: bytes | None = None
    #: the administrator's signed statement that enrols this slot (see storage.directory)
    statement: dict[str, Any] | None = None
    must_change: bool = False  # administrators (data-key holders keep it in the database)
    prefs: dict[str, Any] = field(default_factory=dict)  # administrators' own preferences

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kdf": self.kdf.to_json(),
            "public_key": b64e(self.public_key),
            "private_key": b64e(self.enc_private_key),
            "data_key": b64e(self.sealed_data_key) if self.sealed_data_key else None,
            "generation": self.generation,
        }
        if self.role is not None:
            data.update(role=self.role, display_name=self.display_name, status=self.status)
        if self.enc_signing_key is not None:
            data["signing_key"] = b64e(self.enc_signing_key)
        if self.signing_public is not None:
            data["signing_public"] = b64e(self.signing_public)
        if self.sealed_signing_key is not None:
            data["sealed_signing_key"] = b64e(self.sealed_signing_key)
        if self.statement is not None:
            data["statement"] = self.statement
        if self.must_change:
            data["must_change"] = True
        if self.prefs:
            data["prefs"] = self.prefs
        return data

    @classmethod
    def from_json(cls, username: str, data: dict[str, Any]) -> Slot:
        def opt(name: str) -> bytes | None:
            value = data.get(name)
            return b64d(value) if value else None

        statement = data.get("statement")
        prefs = data.get("prefs", {})
        return cls(
            username=username,
            kdf=KdfParams.from_json(data["kdf"]),
            public_key=b64d(data["public_key"]),
            enc_private_key=b64d(data["private_key"]),
            sealed_data_key=opt("data_key"),
            generation=int(data["generation"]),
            role=str(data["role"]) if data.get("role") is not None else None,
            display_name=str(data.get("display_name", "")),
            status=str(data.get("status", "active")),
            enc_signing_key=opt("signing_key"),
            signing_public=opt("signing_public"),
            sealed_signing_key=opt("sealed_signing_key"),
            statement=statement if isinstance(statement, dict) else None,
            must_change=bool(data.get("must_change", False)),
            prefs=prefs if isinstance(prefs, dict) else {},
        )

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def seal_data_key(
    data_key: bytes | bytearray, public_key: bytes, db_id: str, username: str, gen: int
) -> bytes:
    pub = X25519PublicKey.from_public_bytes(public_key)
    return _SUITE.encrypt(data_key, pub, info=_aad("datakey", db_id, username, gen))


def make_slot(
    username: str, passphrase: str, data_key: bytes | bytearray | None, db_id: str,
    generation: int, kdf: KdfParams | None = None, private: X25519PrivateKey | None = None, *,
    role: str | None = None, display_name: str = "",
    signing: Ed25519PrivateKey | None = None,
) -> Slot:
    """Create a new slot (a new key pair, unless ``private`` is given) for ``username``.

    ``data_key`` None makes a slot without the data key (an administrator's, or one that
    waits for enrolment); ``signing`` is an administrator's signing key.
    """
    params = kdf or calibrate()
    private = private or X25519PrivateKey.generate()
    public = private.public_key().public_bytes_raw()
    kek = params.derive(passphrase)
    try:
        # private_bytes_raw() is a bytes copy of the private key (cryptography offers no
        # other way out); it exists only while a slot is made or rewrapped
        enc_priv = _encrypt(kek, private.private_bytes_raw(), _aad("privkey", db_id, username))
        sealed = (seal_data_key(data_key, public, db_id, username, generation)
                  if data_key is not None else None)
        slot = Slot(username, params, public, enc_priv, sealed, generation, role=role,
                    display_name=display_name)
        if signing is not None:
            store_signing_key(slot, signing, kek, db_id)
    finally:
        wipe(kek)
    return slot


def _encrypt(kek: bytes | bytearray, raw: bytes, aad: bytes) -> bytes:
    nonce = secrets.token_bytes(12)
    return nonce + AESGCM(kek).encrypt(nonce, raw, aad)


def _decrypt_into(kek: bytes | bytearray, blob: bytes, aad: bytes) -> bytearray:
    """Decrypted in place into a buffer the caller zeroes (no ``bytes`` copy)."""
    out = bytearray(max(0, len(blob) - 28))
    try:
        AESGCM(kek).decrypt_into(blob[:12], blob[12:], aad, out)
    except InvalidTag:
        wipe(out)
        raise WrongPassphrase() from None
    return out


@dataclass
class OpenedSlot:
    """What a passphrase opens in a slot (one key derivation). ``kek`` is a buffer the
    caller zeroes (``wipe``) once done with it."""

    private: X25519PrivateKey
    signing: Ed25519PrivateKey | None
    kek: bytearray


def open_slot(slot: Slot, passphrase: str, db_id: str) -> OpenedSlot:
    """Derive the KEK and decrypt the slot's private key (and an administrator's signing
    key); wrong passphrase -> WrongPassphrase."""
    kek = slot.kdf.derive(passphrase)
    try:
        raw = _decrypt_into(kek, slot.enc_private_key, _aad("privkey", db_id, slot.username))
        try:
            private = X25519PrivateKey.from_private_bytes(raw)
        finally:
            wipe(raw)
        signing = None
        if slot.enc_signing_key is not None:
            raw = _decrypt_into(kek, slot.enc_signing_key, _aad("signkey", db_id, slot.username))
            try:
                signing = Ed25519PrivateKey.from_private_bytes(raw)
            finally:
                wipe(raw)
        elif slot.sealed_signing_key is not None:
            try:  # HPKE returns bytes (no decrypt-into): dropped at once, not zeroable
                signing = Ed25519PrivateKey.from_private_bytes(_SUITE.decrypt(
                    slot.sealed_signing_key, private,
                    info=_aad("signkey", db_id, slot.username)))
            except (InvalidTag, ValueError) as exc:
                raise KeyFileDamaged("signing key does not open") from exc
    except BaseException:
        wipe(kek)
        raise
    return OpenedSlot(private, signing, kek)


def open_private_key(slot: Slot, passphrase: str, db_id: str) -> X25519PrivateKey:
    """Derive the KEK and decrypt the slot's private key; wrong passphrase -> WrongPassphrase."""
    kek = slot.kdf.derive(passphrase)
    try:
        raw = _decrypt_into(kek, slot.enc_private_key, _aad("privkey", db_id, slot.username))
    finally:
        wipe(kek)
    try:
        return X25519PrivateKey.from_private_bytes(raw)
    finally:
        wipe(raw)


def seal_signing_key(signing: Ed25519PrivateKey, public_key: bytes, db_id: str,
                     username: str) -> bytes:
    """The upgrade of a version-1 file: an administrator's new signing key, sealed to the
    administrator's own public key (their next login re-encrypts it under the passphrase)."""
    pub = X25519PublicKey.from_public_bytes(public_key)
    return _SUITE.encrypt(signing.private_bytes_raw(), pub,
                          info=_aad("signkey", db_id, username))


def store_signing_key(slot: Slot, signing: Ed25519PrivateKey, kek: bytes | bytearray,
                      db_id: str) -> None:
    slot.enc_signing_key = _encrypt(kek, signing.private_bytes_raw(),
                                    _aad("signkey", db_id, slot.username))
    slot.signing_public = signing.public_key().public_bytes_raw()
    slot.sealed_signing_key = None


def unseal_data_key(
    sealed: bytes, private: X25519PrivateKey, db_id: str, username: str, generation: int
) -> bytearray:
    """The data key in a buffer its holder zeroes. HPKE returns it as ``bytes`` (there is
    no decrypt-into for HPKE); that object is dropped at once but cannot be zeroed."""
    try:
        return bytearray(
            _SUITE.decrypt(sealed, private, info=_aad("datakey", db_id, username, generation))
        )
    except (InvalidTag, ValueError) as exc:
        raise KeyFileDamaged("data key slot does not open") from exc


def rewrap_slot(
    slot: Slot, private: X25519PrivateKey, new_passphrase: str, db_id: str,
    kdf: KdfParams | None = None, signing: Ed25519PrivateKey | None = None,
) -> Slot:
    """Same key pair, new passphrase: only this slot's private keys are re-encrypted."""
    params = kdf or calibrate()
    kek = params.derive(new_passphrase)
    try:
        enc = _encrypt(kek, private.private_bytes_raw(), _aad("privkey", db_id, slot.username))
        new = Slot(**{**slot.__dict__, "kdf": params, "enc_private_key": enc})
        if signing is not None:
            store_signing_key(new, signing, kek, db_id)
    finally:
        wipe(kek)
    return new


@dataclass
class KeyFile:
    """The key file: ``<db>.keys``. Plain JSON; holds no secret in the clear."""

    db_id: str
    generation: int
    audit_public_key: bytes
    slots: dict[str, Slot] = field(default_factory=dict)
    #: During a rekey: the new generation's sealed data keys, until the rekey completes.
    pending_generation: int | None = None
    pending_sealed: dict[str, bytes] = field(default_factory=dict)
    demo: bool = False
    demo_logins: list[tuple[str, str, str]] = field(default_factory=list)
    version: int = KEYFILE_VERSION
    #: signed revocations by username (see storage.directory)
    revocations: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: the settings an administrator signed (see storage.directory)
    settings: dict[str, Any] | None = None
    #: an outage pack's key file (``storage.pack``): what it is, no secret
    pack: dict[str, Any] | None = None

    def to_bytes(self) -> bytes:
        data: dict[str, Any] = {
            "format": KEYFILE_FORMAT,
            "version": self.version,
            "db_id": self.db_id,
            "generation": self.generation,
            "audit_public_key": b64e(self.audit_public_key),
            "slots": {name: slot.to_json() for name, slot in sorted(self.slots.items())},
        }
        if self.pending_generation is not None:
            data["pending"] = {
                "generation": self.pending_generation,
                "data_keys": {n: b64e(v) for n, v in sorted(self.pending_sealed.items())},
            }
        if self.revocations:
            data["revocations"] = dict(sorted(self.revocations.items()))
        if self.settings is not None:
            data["settings"] = self.settings
        if self.pack is not None:
            data["pack"] = self.pack
        if self.demo:
            data["demo"] = True
            data["demo_logins"] = [list(x) for x in self.demo_logins]
        return json.dumps(data, indent=1, ensure_ascii=True).encode("ascii") + b"\n"

    @classmethod
    def from_bytes(cls, raw: bytes) -> KeyFile:
        try:
            data = json.loads(raw.decode("utf-8"))
            if data.get("format") != KEYFILE_FORMAT:
                raise KeyFileDamaged("not an rc-tui key file")
            if int(data.get("version", 0)) > KEYFILE_VERSION:
                raise KeyFileDamaged("key file from a newer rc-tui")
            revocations = data.get("revocations", {})
            settings = data.get("settings")
            if not isinstance(revocations, dict) or not all(
                    isinstance(v, dict) for v in revocations.values()):
                raise KeyFileDamaged("revocations")
            kf = cls(
                version=int(data.get("version", LEGACY_VERSION)),
                revocations={str(k): v for k, v in revocations.items()},
                settings=settings if isinstance(settings, dict) else None,
                pack=data["pack"] if isinstance(data.get("pack"), dict) else None,
                db_id=str(data["db_id"]),
                generation=int(data["generation"]),
                audit_public_key=b64d(data["audit_public_key"]),
                slots={n: Slot.from_json(n, s) for n, s in data["slots"].items()},
                demo=bool(data.get("demo", False)),
                demo_logins=[
                    (str(a), str(b), str(c)) for a, b, c in data.get("demo_logins", [])
                ],
            )
            pending = data.get("pending")
            if pending:
                kf.pending_generation = int(pending["generation"])
                kf.pending_sealed = {n: b64d(v) for n, v in pending["data_keys"].items()}
            return kf
        except KeyFileDamaged:
            raise
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
            raise KeyFileDamaged(type(exc).__name__) from None

    @classmethod
    def load(cls, path: Path) -> KeyFile:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise KeyFileMissing(str(path)) from None
        except OSError as exc:
            raise KeyFileDamaged(type(exc).__name__) from None
        return cls.from_bytes(raw)

    def save(self, path: Path) -> None:
        files.atomic_write(path, self.to_bytes())

    def slot(self, username: str) -> Slot:
        try:
            return self.slots[username]
        except KeyError:
            raise UnknownUser() from None

    def holders(self) -> dict[str, Slot]:
        """The slots that hold the data key (enrolled data-key holders)."""
        return {n: slot for n, slot in self.slots.items() if slot.sealed_data_key is not None}
