"""The backup file format: ``MAGIC``, a JSON header padded to ``HEADER_SIZE`` bytes (format,
database id, method, time, and per part its name, size and SHA-256), then the parts in
that order. Written to a private temporary file and renamed into place when complete; read
back part by part with each checksum verified as it streams."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from storage import files
from storage.errors import BackupDamaged, TargetExists, VaultError

MAGIC = b"RC-TUI-BACKUP\n"
FORMAT = 1
HEADER_SIZE = 4096
PARTS = ("keys", "db", "wal")
CHUNK = 1 << 20

_O_BINARY = getattr(os, "O_BINARY", 0)


@dataclass(frozen=True)
class Part:
    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    db_id: str
    method: str
    created: str
    parts: tuple[Part, ...]

    @property
    def size(self) -> int:
        return HEADER_SIZE + sum(p.size for p in self.parts)



class Writer:
    """Writes a backup to a private temporary file beside ``out``; ``finish`` renames it."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.tmp = out.with_name(f".{out.name}.{secrets.token_hex(6)}.tmp")
        fd = os.open(self.tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_BINARY, 0o600)
        self.fh: IO[bytes] = os.fdopen(fd, "wb")
        self.fh.write(b"\0" * HEADER_SIZE)
        self.parts: list[Part] = []

    def add_bytes(self, name: str, data: bytes) -> None:
        self.fh.write(data)
        self.parts.append(Part(name, len(data), hashlib.sha256(data).hexdigest()))

    def add_file(self, name: str, path: Path) -> None:
        digest, size = hashlib.sha256(), 0
        with path.open("rb") as src:
            while chunk := src.read(CHUNK):
                self.fh.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        self.parts.append(Part(name, size, digest.hexdigest()))

    def finish(self, db_id: str, method: str) -> BackupInfo:
        created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        header = json.dumps({
            "format": FORMAT, "db_id": db_id, "method": method, "created": created,
            "parts": [{"name": p.name, "size": p.size, "sha256": p.sha256} for p in self.parts],
        }, sort_keys=True).encode("ascii")
        block = MAGIC + header + b"\n"
        if len(block) > HEADER_SIZE:
            raise VaultError("backup header too long")
        self.fh.seek(0)
        self.fh.write(block.ljust(HEADER_SIZE, b" "))
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        if self.out.exists():
            raise TargetExists(str(self.out))
        os.replace(self.tmp, self.out)
        files.restrict_file(self.out)
        files.fsync_dir(self.out.parent)
        return BackupInfo(self.out, db_id, method, created, tuple(self.parts))

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self.fh.close()
        with contextlib.suppress(OSError):
            self.tmp.unlink()


@contextlib.contextmanager
def writer(out: Path) -> Iterator[Writer]:
    out = Path(out)
    if out.exists():
        raise TargetExists(str(out))
    if not out.parent.exists():  # an existing folder keeps the permissions it was given
        files.ensure_private_dir(out.parent)
    w = Writer(out)
    try:
        yield w
    except BaseException:
        w.discard()
        raise


def read_header(path: Path) -> BackupInfo:
    """The header of a backup file, checked for shape and size (``BackupDamaged``)."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            block = fh.read(HEADER_SIZE)
            total = os.fstat(fh.fileno()).st_size
    except OSError as exc:
        raise BackupDamaged(type(exc).__name__) from None
    if len(block) != HEADER_SIZE or not block.startswith(MAGIC):
        raise BackupDamaged("not an rc-tui backup")
    try:
        data = json.loads(block[len(MAGIC):].decode("ascii"))
        if int(data["format"]) > FORMAT:
            raise BackupDamaged("backup from a newer rc-tui")
        parts = tuple(Part(str(p["name"]), int(p["size"]), str(p["sha256"]))
                      for p in data["parts"])
        info = BackupInfo(path, str(data["db_id"]), str(data["method"]),
                          str(data["created"]), parts)
    except BackupDamaged:
        raise
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise BackupDamaged(type(exc).__name__) from None
    names = [p.name for p in parts]
    if (len(set(names)) != len(names) or not set(names) <= set(PARTS)
            or "keys" not in names or "db" not in names or info.size != total
            or any(p.size < 0 for p in parts)):
        raise BackupDamaged("parts do not add up")
    return info


def unpack(info: BackupInfo, targets: dict[str, Path]) -> None:
    """Write each part to its target (0600), checking its SHA-256 as it streams."""
    with info.path.open("rb") as src:
        src.seek(HEADER_SIZE)
        for part in info.parts:
            digest, left = hashlib.sha256(), part.size
            fd = os.open(targets[part.name], os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_BINARY,
                         0o600)
            with os.fdopen(fd, "wb") as out:
                while left:
                    chunk = src.read(min(CHUNK, left))
                    if not chunk:
                        raise BackupDamaged("truncated")
                    out.write(chunk)
                    digest.update(chunk)
                    left -= len(chunk)
                out.flush()
                os.fsync(out.fileno())
            if digest.hexdigest() != part.sha256:
                raise BackupDamaged(f"{part.name} does not match its checksum")
