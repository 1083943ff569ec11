"""The testbed service's tables, in its own schema: testing specifications requests and their items."""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, MetaData, Sequence, String, func
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
    """A CR's Request for Testing Specifications, opened when ERCOT approves its registration."""

    __tablename__ = "specifications_requests"

    item_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # One per approved registration: a retried activity finds the request it already opened.
    registration_item_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    flight: Mapped[str] = mapped_column(String(4), index=True)
    cr_duns: Mapped[str] = mapped_column(String(13), index=True)
    cr_name: Mapped[str] = mapped_column(String(200))
    sp_duns: Mapped[str] = mapped_column(String(13), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
