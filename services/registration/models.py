"""The registration service's tables, in its own schema: the read model of flights, registrations and market
notices."""

from datetime import date, datetime

from sqlalchemy import func, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.schema import Index
from sqlalchemy.types import BigInteger, Boolean, Date, DateTime, Integer, String, Text

from flightrak.needs_attention import NeedsAttentionColumns
from flightrak.projections import InSchema, ItemColumns, ItemHistoryColumns, item_id_sequence

SCHEMA = "registration"


class Base(InSchema, DeclarativeBase, schema=SCHEMA): ...


class Flight(Base):
    """One row per flight, kept by its workflow's steps; the General dashboard reads it."""

    __tablename__ = "flights"

    designation: Mapped[str] = mapped_column(String(4), primary_key=True)
    item_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    signup_deadline: Mapped[date] = mapped_column(Date)
    registration_closes_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    day1_of_testing: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(64), index=True)


class Registration(Base):
    """One row per registration item; who the CR chose as its Service Provider is confidential."""

    __tablename__ = "registrations"
    __table_args__ = (
        # At most one live registration per CR and flight; a cancelled one may be followed by another.
        Index(
            "registrations_one_open_per_flight",
            "flight",
            "cr_duns",
            unique=True,
            postgresql_where=text("NOT closed"),
        ),
    )

    item_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    flight: Mapped[str] = mapped_column(String(4), index=True)
    cr_duns: Mapped[str] = mapped_column(String(13), index=True)
    cr_name: Mapped[str] = mapped_column(String(200))
    sp_duns: Mapped[str] = mapped_column(String(13), index=True)
    sp_name: Mapped[str] = mapped_column(String(200))
    tdsp_duns: Mapped[list[str]] = mapped_column(ARRAY(String(13)))
    state: Mapped[str] = mapped_column(String(64), index=True)
    approved: Mapped[bool] = mapped_column(Boolean, default=False)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class TestPairing(Base):
    """CR x TDSP for a flight, recorded when ERCOT approves the CR's registration."""

    __tablename__ = "test_pairings"

    flight: Mapped[str] = mapped_column(String(4), primary_key=True)
    cr_duns: Mapped[str] = mapped_column(String(13), primary_key=True)
    tdsp_duns: Mapped[str] = mapped_column(String(13), primary_key=True, index=True)
    registration_item_id: Mapped[int] = mapped_column(BigInteger, index=True)
    cr_name: Mapped[str] = mapped_column(String(200))
    tdsp_name: Mapped[str] = mapped_column(String(200))
    sp_duns: Mapped[str] = mapped_column(String(13), index=True)
    sp_name: Mapped[str] = mapped_column(String(200))


class Notice(Base):
    """One row per market notice, kept by its workflow's steps; the notice pages and reports read it."""

    __tablename__ = "notices"

    item_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    notice_id: Mapped[str | None] = mapped_column(String(20), unique=True)  # given at publication
    state: Mapped[str] = mapped_column(String(32), index=True)
    notice_date: Mapped[date | None] = mapped_column(Date)
    notice_type: Mapped[str] = mapped_column(String(40))
    short_description: Mapped[str] = mapped_column(String(300))
    audience: Mapped[str] = mapped_column(Text)  # kinds and DUNS as written, comma-separated
    days_affected: Mapped[list[date]] = mapped_column(ARRAY(Date))
    long_description: Mapped[str] = mapped_column(Text)
    action_required: Mapped[str] = mapped_column(Text)
    additional_information: Mapped[str] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(Text)
    flight: Mapped[str] = mapped_column(String(4), index=True, default="")
    reissue_of: Mapped[str] = mapped_column(String(20), default="")
    reissue_of_item_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    superseded_by: Mapped[str] = mapped_column(String(20), default="")
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    last_seq: Mapped[int] = mapped_column(Integer)


class NoticeNumber(Base):
    """ERCOT notice IDs handed out: M-<letter><MMDDYY>-<NN>, unique, one per notice."""

    __tablename__ = "notice_numbers"

    notice_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    stem: Mapped[str] = mapped_column(String(16), index=True)
    suffix: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int] = mapped_column(BigInteger, unique=True)


class NoticeRecipient(Base):
    """A company a published notice is addressed to, and whether it has acknowledged the action required."""

    __tablename__ = "notice_recipients"

    item_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    company_duns: Mapped[str] = mapped_column(String(13), primary_key=True, index=True)
    company_name: Mapped[str] = mapped_column(String(200))
    company_kind: Mapped[str] = mapped_column(String(8))
    lists: Mapped[list[str]] = mapped_column(ARRAY(String(254)))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[str] = mapped_column(String(200), default="")


class NoticeRead(Base):
    """Who has opened which notice: the dashboards mark the others unread."""

    __tablename__ = "notice_reads"

    item_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)
    read_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class NoticeMail(Base):
    """One mail of one round of a notice to one distribution list: queued until the SMTP server accepts it."""

    __tablename__ = "notice_mail"

    item_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    round: Mapped[str] = mapped_column(String(16), primary_key=True)
    list_email: Mapped[str] = mapped_column(String(254), primary_key=True)
    company_duns: Mapped[str] = mapped_column(String(13))
    status: Mapped[str] = mapped_column(String(16), index=True)  # queued, sent, unsubscribed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class NoticeSubscription(Base):
    """A distribution list's choice for one notice type; no row means subscribed. Kept, never deleted."""

    __tablename__ = "notice_subscriptions"

    list_email: Mapped[str] = mapped_column(String(254), primary_key=True)
    notice_type: Mapped[str] = mapped_column(String(40), primary_key=True)
    company_duns: Mapped[str] = mapped_column(String(13), index=True)
    subscribed: Mapped[bool] = mapped_column(Boolean)
    changed_by: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


# The tables every item-owning service keeps, in its own schema (flightrak.projections, flightrak.needs_attention).
item_id_seq = item_id_sequence(SCHEMA)


class Item(ItemColumns, Base): ...


class ItemHistory(ItemHistoryColumns, Base): ...


class NeedsAttention(NeedsAttentionColumns, Base): ...
