"""Audit log and settings (thresholds and options as rows)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, RecordMixin, utcnow


class AuditLog(Base):
    """Append-only; each entry's hash covers its header, the digests of its payloads and the
    previous entry's hash. A payload may later be redacted (``redacted_at``): its digest stays,
    so the chain still verifies, and a later ``redact`` entry names it."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_table_row", "table_name", "row_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    action: Mapped[str] = mapped_column(String(32), nullable=False)
    table_name: Mapped[str] = mapped_column(String(64), nullable=False)
    row_id: Mapped[int | None] = mapped_column(Integer)
    community_id: Mapped[int | None] = mapped_column(Integer, index=True)
    before: Mapped[str | None] = mapped_column(Text)  # JSON
    after: Mapped[str | None] = mapped_column(Text)  # JSON
    before_digest: Mapped[str | None] = mapped_column(String(64))  # sha256 of ``before`` as first written
    after_digest: Mapped[str | None] = mapped_column(String(64))
    redacted_at: Mapped[datetime | None] = mapped_column(DateTime)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)


class AuditHead(Base):
    """One row: the newest entry's id and hash. Appends lock it (serialising the chain on
    every backend) and ``verify`` compares the chain's end with it, so deleting the newest
    entries is found too."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_id: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class Setting(RecordMixin, Base):
    """A threshold or option. ``community_id`` NULL is the default for every community."""

    __tablename__ = "setting"
    __table_args__ = (UniqueConstraint("key", "community_id", name="uq_setting_key_community"),)
    key: Mapped[str] = mapped_column(String(100), nullable=False)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"))
    value: Mapped[str] = mapped_column(Text, nullable=False)  # JSON
    kind: Mapped[str] = mapped_column(String(20), nullable=False, default="int")
