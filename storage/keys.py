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
  the holder of the database write lock settles the file (see ``Vault._locked_keyfile``).
* The key file holds usernames, KDF parameters, public keys and ciphertexts – nothing
  else. All ciphertexts are bound to the database id and username (AEAD associated data).
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
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from storage import files
from storage.errors import KeyFileDamaged, KeyFileMissing, UnknownUser, WrongPassphrase

KEYFILE_FORMAT = "rc-tui-keys"
KEYFILE_VERSION = 1

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
    """One user's key slot. Contains no secret in the clear."""

    username: str
    kdf: KdfParams
    public_key: bytes
    enc_private_key: bytes  # nonce(12) || AES-GCM ciphertext
    sealed_data_key: bytes  # HPKE ciphertext of the data key
    generation: int

    def to_json(self) -> dict[str, Any]:
        return {
            "kdf": self.kdf.to_json(),
            "public_key": b64e(self.public_key),
            "private_key": b64e(self.enc_private_key),
            "data_key": b64e(self.sealed_data_key),
            "generation": self.generation,
        }

    @classmethod
    def from_json(cls, username: str, data: dict[str, Any]) -> Slot:
        return cls(
            username=username,
            kdf=KdfParams.from_json(data["kdf"]),
            public_key=b64d(data["public_key"]),
            enc_private_key=b64d(data["private_key"]),
            sealed_data_key=b64d(data["data_key"]),
            generation=int(data["generation"]),
        )


def seal_data_key(
    data_key: bytes | bytearray, public_key: bytes, db_id: str, username: str, gen: int
) -> bytes:
    pub = X25519PublicKey.from_public_bytes(public_key)
    return _SUITE.encrypt(data_key, pub, info=_aad("datakey", db_id, username, gen))


def make_slot(
    username: str, passphrase: str, data_key: bytes | bytearray, db_id: str, generation: int,
    kdf: KdfParams | None = None, private: X25519PrivateKey | None = None,
) -> Slot:
    """Create a new slot (a new key pair, unless ``private`` is given) for ``username``."""
    params = kdf or calibrate()
    private = private or X25519PrivateKey.generate()
    public = private.public_key().public_bytes_raw()
    enc_priv = _encrypt_private(private, passphrase, params, db_id, username)
    sealed = seal_data_key(data_key, public, db_id, username, generation)
    return Slot(username, params, public, enc_priv, sealed, generation)


def _encrypt_private(
    private: X25519PrivateKey, passphrase: str, params: KdfParams, db_id: str, username: str
) -> bytes:
    kek = params.derive(passphrase)
    try:
        nonce = secrets.token_bytes(12)
        # private_bytes_raw() is a bytes copy of the private key (cryptography offers no
        # other way out); it exists only while a slot is made or rewrapped
        ct = AESGCM(kek).encrypt(nonce, private.private_bytes_raw(),
                                 _aad("privkey", db_id, username))
    finally:
        wipe(kek)
    return nonce + ct


def open_private_key(slot: Slot, passphrase: str, db_id: str) -> X25519PrivateKey:
    """Derive the KEK and decrypt the slot's private key; wrong passphrase -> WrongPassphrase."""
    kek = slot.kdf.derive(passphrase)
    ciphertext = slot.enc_private_key[12:]
    raw = bytearray(max(0, len(ciphertext) - 16))  # decrypted in place: no bytes copy
    try:
        AESGCM(kek).decrypt_into(
            slot.enc_private_key[:12], ciphertext, _aad("privkey", db_id, slot.username), raw,
        )
        return X25519PrivateKey.from_private_bytes(raw)
    except InvalidTag:
        raise WrongPassphrase() from None
    finally:
        wipe(kek)
        wipe(raw)


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
    kdf: KdfParams | None = None,
) -> Slot:
    """Same key pair, new passphrase: only this slot's private key is re-encrypted."""
    params = kdf or calibrate()
    enc = _encrypt_private(private, new_passphrase, params, db_id, slot.username)
    return Slot(slot.username, params, slot.public_key, enc, slot.sealed_data_key, slot.generation)


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

    def to_bytes(self) -> bytes:
        data: dict[str, Any] = {
            "format": KEYFILE_FORMAT,
            "version": KEYFILE_VERSION,
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
            kf = cls(
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

    def reseal_all(self, data_key: bytes | bytearray, generation: int) -> dict[str, bytes]:
        """Seal ``data_key`` for every slot (no passphrases needed: public keys only)."""
        return {
            name: seal_data_key(data_key, slot.public_key, self.db_id, name, generation)
            for name, slot in self.slots.items()
        }
