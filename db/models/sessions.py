"""Server-side sign-in sessions: the signed re-login cookie carries a session id whose SHA-256
is stored here, and every run checks it, so sign-out, a password change, a reset or disabling
an account ends it at once (DESIGN.md "Security and privacy")."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, utcnow

REVOKE_REASONS = ("logout", "password_change", "reset", "disabled", "ended_by_user", "idle", "expired")


class UserSession(Base):
    """One signed-in browser. ``sid_hash`` is the SHA-256 (hex) of the random session id; the
    id itself lives only in the browser's cookie and the Streamlit session."""

    __tablename__ = "user_session"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sid_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)  # absolute end
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(20))  # one of REVOKE_REASONS
    user_agent: Mapped[str | None] = mapped_column(String(200))
    ip: Mapped[str | None] = mapped_column(String(45))
