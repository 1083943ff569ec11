"""The registration service's tables, in its own schema: the read model of flights and registrations."""

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, DateTime, Index, MetaData, Sequence, String, func, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from flightrak.projections import ITEM_ID_STRIDE, ItemColumns, ItemHistoryColumns

SCHEMA = "registration"

# Registration's Item IDs are 2 mod 8 (see flightrak/projections.py).
item_id_seq = Sequence("item_id_seq", start=1002, increment=ITEM_ID_STRIDE, schema=SCHEMA)


class Base(DeclarativeBase):
    metadata = MetaData(schema=SCHEMA)


class Item(ItemColumns, Base):
    __tablename__ = "items"


class ItemHistory(ItemHistoryColumns, Base):
    __tablename__ = "item_history"


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
