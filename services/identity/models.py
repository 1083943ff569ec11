"""The identity service's own tables, in its own schema."""

from datetime import datetime

from sqlalchemy import func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.schema import ForeignKey, Index
from sqlalchemy.types import BigInteger, Boolean, DateTime, Double, Integer, String, Text

from flightrak.needs_attention import NeedsAttentionColumns
from flightrak.projections import InSchema, ItemColumns, ItemHistoryColumns, item_id_sequence

SCHEMA = "identity"


class Base(InSchema, DeclarativeBase, schema=SCHEMA): ...


class Company(Base):
    __tablename__ = "companies"

    duns: Mapped[str] = mapped_column(String(13), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(8))
    parent_duns: Mapped[str | None] = mapped_column(ForeignKey("companies.duns"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    deactivated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deactivated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class DistributionList(Base):
    """A company's shared mailbox; a removed list keeps its row (who added and removed it, when)."""

    __tablename__ = "distribution_lists"
    # Unique among current lists only, so a removed address may be listed again.
    __table_args__ = (
        Index("uq_distribution_lists_current_email", "email", unique=True, postgresql_where=text("removed_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    company_duns: Mapped[str] = mapped_column(ForeignKey("companies.duns"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    removed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    company_duns: Mapped[str] = mapped_column(ForeignKey("companies.duns"), index=True)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    employee_id: Mapped[str] = mapped_column(String(32), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    phone: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str | None] = mapped_column(Text)
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    deactivated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Invitation(Base):
    """A one-time set-password link; only the token's hash is kept, and the token sealed until its mail is sent."""

    __tablename__ = "invitations"
    __table_args__ = (
        Index("ix_invitations_mail_waiting", "mail_due_at", postgresql_where=text("mail_sealed IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    superseded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    mail_sealed: Mapped[str | None] = mapped_column(Text)
    mail_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    mail_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    mail_error: Mapped[str | None] = mapped_column(Text)
    mailed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TransactionSystem(Base):
    """A transaction-processing system ERCOT registered to report transactions; only its key's hash is kept."""

    __tablename__ = "transaction_systems"

    system_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    key_hash: Mapped[str] = mapped_column(Text)
    key_issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    registered_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deactivated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deactivated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Session(Base):
    """One sign-in of a person or a transaction system; its tokens are honoured only while it is not revoked.
    Signing out revokes it; deactivation, a role change or a new system key revokes every session of theirs."""

    __tablename__ = "sessions"
    __table_args__ = (
        Index("ix_sessions_user_open", "user_id", postgresql_where=text("revoked_at IS NULL")),
        Index("ix_sessions_system_open", "system_id", postgresql_where=text("revoked_at IS NULL")),
    )

    session_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    system_id: Mapped[str | None] = mapped_column(ForeignKey("transaction_systems.system_id"))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_because: Mapped[str | None] = mapped_column(String(64))


class CalendarFeed(Base):
    """A user's secret calendar feed URL: the hash of its token (the token itself is told once), and the session
    its fetches are made in. One per user; a new URL replaces the row's hash, revoking deletes the row."""

    __tablename__ = "calendar_feeds"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    session_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Dashboard(Base):
    """A dashboard a user composed from reports (guide §4); shared ones are read by the owner's company."""

    __tablename__ = "dashboards"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    company_duns: Mapped[str] = mapped_column(ForeignKey("companies.duns"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class DashboardReport(Base):
    """One report on a dashboard, at its place, with its saved filters (empty: not filtered)."""

    __tablename__ = "dashboard_reports"

    dashboard_id: Mapped[int] = mapped_column(ForeignKey("dashboards.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    report: Mapped[str] = mapped_column(String(64))
    flight: Mapped[str] = mapped_column(String(8), default="")
    state: Mapped[str] = mapped_column(String(100), default="")
    responsible_party: Mapped[str] = mapped_column(String(200), default="")
    search: Mapped[str] = mapped_column(String(200), default="")


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)


class ConsistencyCheck(Base):
    """One result of `flightrak check` (flightrak.consistency), kept for ERCOT's operations page: the newest is shown,
    a few before it are kept."""

    __tablename__ = "consistency_checks"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    seconds: Mapped[float] = mapped_column(Double)
    items_checked: Mapped[int] = mapped_column(Integer)
    transactions_checked: Mapped[int] = mapped_column(Integer)
    differences: Mapped[list] = mapped_column(JSONB)  # [{kind, item_id, item_type, projection, workflow, transaction}]


# The tables every item-owning service keeps, in its own schema (flightrak.projections, flightrak.needs_attention).
item_id_seq = item_id_sequence(SCHEMA)


class Item(ItemColumns, Base): ...


class ItemHistory(ItemHistoryColumns, Base): ...


class NeedsAttention(NeedsAttentionColumns, Base): ...
