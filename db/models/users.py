"""Accounts, their role and their scope (communities, grids)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, RecordMixin
from db.sortkey import MAX_LENGTH, insert_default, keep_pinyin

ROLES = ("admin", "supervisor", "manager", "staff", "volunteer")

user_community = Table(
    "user_community", Base.metadata,
    Column("user_id", ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True),
    Column("community_id", ForeignKey("community.id"), primary_key=True),
)

user_grid = Table(
    "user_grid", Base.metadata,
    Column("user_id", ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True),
    Column("grid_id", ForeignKey("grid.id"), primary_key=True),
)


class User(RecordMixin, Base):
    # "user" is reserved in PostgreSQL
    __tablename__ = "app_user"
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    display_name: Mapped[str] = mapped_column(String(100), nullable=False)
    display_name_pinyin: Mapped[str | None] = mapped_column(String(MAX_LENGTH),  # db.sortkey
                                                            default=insert_default("display_name"))
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(100), nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    disabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    language: Mapped[str | None] = mapped_column(String(5))
    must_change_password: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    communities = relationship("Community", secondary=user_community, lazy="selectin", order_by="Community.code")
    grids = relationship("Grid", secondary=user_grid, lazy="selectin", order_by="Grid.code")


keep_pinyin(User, "display_name")

from sqlalchemy import case  # noqa: E402

from db.base import utcnow  # noqa: E402
from db.declarations import Column as ListColumn, Field, Ledger, Scope  # noqa: E402


def _locked(today):
    """Locked out now by failed sign-ins (until ``locked_until``, in UTC as stored)."""
    return case((User.locked_until > utcnow(), True), else_=False)


# Accounts (admin only). What is special — the username normalised, the password checked and
# hashed, the role's communities or grids, nobody locking themselves or the last administrator
# out, a disabled account's sessions ended — is in services.users, as hooks.
USER_LEDGER = Ledger(
    key="user", model=User, label="table.app_user", default_sort="username",
    page="users", actions={"create": "edit"}, scope=Scope(community=None), unique=(("username",),),
    clean="services.users:clean", after_save="services.users:after_save", expand="services.users:expand",
    columns=(ListColumn("locked", "users.locked", _locked),
             ListColumn("last_login_at", "users.last_login", lambda today: User.last_login_at)),
    fields=(
        Field("username", "users.username", required=True, max_length=64, search=True, once=True,
              help="users.username_help"),
        Field("display_name", "users.display_name", required=True, max_length=100, search=True),
        Field("role", "users.role", type="choice", choices=ROLES, choices_key="role", required=True, filter=True),
        Field("community_ids", "users.communities", type="multichoice", ref="community", column=False,
              help="users.scope_help", export=False),
        Field("grid_ids", "users.grids", type="multichoice", ref="grid", column=False, export=False),
        Field("email", "users.email", max_length=200, list=False),
        Field("password", "users.password", required=True, secret=True, once=True, column=False, list=False,
              export=False, importable=False),
        Field("disabled", "users.disabled", type="bool"),
    ),
)
