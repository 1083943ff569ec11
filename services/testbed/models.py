"""The testbed service's tables, in its own schema: testing specifications requests and their items."""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, MetaData, Sequence, String, UniqueConstraint, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from flightrak.projections import ITEM_ID_STRIDE, ItemColumns, ItemHistoryColumns

SCHEMA = "testbed"

# Testbed's Item IDs are 3 mod 8 (see flightrak/projections.py).
item_id_seq = Sequence("item_id_seq", start=1003, increment=ITEM_ID_STRIDE, schema=SCHEMA)


class Base(DeclarativeBase):
    metadata = MetaData(schema=SCHEMA)


class Item(ItemColumns, Base):
    __tablename__ = "items"


class ItemHistory(ItemHistoryColumns, Base):
    __tablename__ = "item_history"


class SpecificationsRequest(Base):
    """A Request for Testing Specifications: a CR's, opened when ERCOT approves its registration, and a
    TDSP's, opened with the first approved pairing that tests with it. One per company and flight."""

    __tablename__ = "specifications_requests"
    __table_args__ = (UniqueConstraint("flight", "company_duns"),)

    item_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    flight: Mapped[str] = mapped_column(String(4), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # CR or TDSP
    company_duns: Mapped[str] = mapped_column(String(13), index=True)
    company_name: Mapped[str] = mapped_column(String(200))
    sp_duns: Mapped[str] = mapped_column(String(13), index=True)  # a CR's chosen Service Provider, or ""
    registration_item_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
