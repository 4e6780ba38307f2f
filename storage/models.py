"""SQLAlchemy 2.x typed ORM models. Schema changes go through ``storage/migrations``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.roles import Role, UserStatus

__all__ = ["AccessLog", "AuditHead", "Base", "Meta", "Role", "User", "UserStatus"]


class Base(DeclarativeBase):
    pass


class Meta(Base):
    """Installation-wide values: database id, audit key, settings (JSON values)."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=UserStatus.ACTIVE.value)
    must_change_passphrase: Mapped[bool] = mapped_column(default=False)
    language: Mapped[str | None] = mapped_column(String(8), default=None)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class AccessLog(Base):
    """Append-only, hash-chained access log.

    Database triggers refuse UPDATE and DELETE; ``hash`` chains every row to the previous
    one and ``audit_head`` anchors the tail (see ``storage.audit``). Holds record ids only,
    never personal data.
    """

    __tablename__ = "access_log"
    __table_args__ = (
        Index("ix_access_log_ts", "ts"),
        Index("ix_access_log_user", "user_id", "ts"),
        Index("ix_access_log_person", "person_id", "ts"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    ts: Mapped[datetime]
    user_id: Mapped[int | None] = mapped_column(default=None)
    username: Mapped[str | None] = mapped_column(String(32), default=None)
    action: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(16), default="ok")
    person_id: Mapped[int | None] = mapped_column(default=None)
    record_type: Mapped[str | None] = mapped_column(String(32), default=None)
    record_id: Mapped[int | None] = mapped_column(default=None)
    screen: Mapped[str | None] = mapped_column(String(48), default=None)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    flagged: Mapped[bool] = mapped_column(default=False)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """Single row anchoring the end of the access-log chain (detects a cut-off tail)."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_id: Mapped[int]
    last_hash: Mapped[str] = mapped_column(String(64))
