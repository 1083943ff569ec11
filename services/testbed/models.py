"""The testbed service's tables, in its own schema: testing specifications requests and their items, the
flight's pairings and test-bed scripts, and the test beds TDSPs attach."""

from datetime import datetime

from sqlalchemy import func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.schema import ForeignKey, Identity, UniqueConstraint
from sqlalchemy.types import ARRAY, BigInteger, DateTime, Integer, SmallInteger, String, Text

from flightrak.needs_attention import NeedsAttentionColumns
from flightrak.projections import InSchema, ItemColumns, ItemHistoryColumns, item_id_sequence

SCHEMA = "testbed"


class Base(InSchema, DeclarativeBase, schema=SCHEMA): ...


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


class Pairing(Base):
    """A CR and a TDSP it tests with in a flight, with the CR's Service Provider; recorded when ERCOT
    approves the CR's registration. The testbed's own copy: templates and the CR Scripts Test Bed
    report read it."""

    __tablename__ = "pairings"

    flight: Mapped[str] = mapped_column(String(4), primary_key=True)
    cr_duns: Mapped[str] = mapped_column(String(13), primary_key=True)
    tdsp_duns: Mapped[str] = mapped_column(String(13), primary_key=True, index=True)
    cr_name: Mapped[str] = mapped_column(String(200))
    tdsp_name: Mapped[str] = mapped_column(String(200))
    sp_duns: Mapped[str] = mapped_column(String(13), index=True)
    pairing_kinds: Mapped[str] = mapped_column(String(64), server_default="new_cr")  # comma-separated


class TestBedScript(Base):
    """A script whose rows a flight's test beds hold, for the pairings that run it, and how many premises (ESI
    IDs) it needs: ESIID1, ESIID2 ... stand in for them until the TDSP's test bed is approved. Each version of
    the flight's script pack gives its own list (version 0: the default list, before any pack); see
    store.held_version for which list a TDSP's test bed follows."""

    __tablename__ = "test_bed_scripts"

    flight: Mapped[str] = mapped_column(String(4), primary_key=True)
    pack_version: Mapped[int] = mapped_column(Integer, primary_key=True, server_default="0")
    script_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    premises: Mapped[int] = mapped_column(SmallInteger)
    # One per premise, in order, when the pack names them ("Move-out premise", "Move-in premise"); else none.
    premise_names: Mapped[list[str]] = mapped_column(ARRAY(String(40)), server_default="{}")
    position: Mapped[int] = mapped_column(SmallInteger)
    # comma-separated, as the pack names them
    runs_for: Mapped[str] = mapped_column(String(64), server_default="new_cr,bank_change,system_change")
    tdsp_types: Mapped[str] = mapped_column(String(32), server_default="iou,muni_coop")


class TestBed(Base):
    """One valid test-bed file a TDSP attached to its request; the request's item names the current one
    (field test_bed_id), and ERCOT's approval of the request approves it. Earlier ones stay, for the record."""

    __tablename__ = "test_beds"

    test_bed_id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    item_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey(f"{SCHEMA}.specifications_requests.item_id"), index=True
    )
    file_name: Mapped[str] = mapped_column(String(255))
    row_count: Mapped[int] = mapped_column(Integer)
    pack_version: Mapped[int] = mapped_column(Integer, server_default="0")  # of the scripts it was checked against
    uploaded_by: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class TestBedRow(Base):
    """A premise of a test bed, cleaned; written with COPY (see store.check_and_add_test_bed). No foreign key to its
    test bed: checking one per row tripled the time to store a 20,000-row file, and rows are only ever
    written, and dropped, with their test bed by store.check_and_add_test_bed and store.drop_test_bed."""

    __tablename__ = "test_bed_rows"

    test_bed_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    esi_id: Mapped[str] = mapped_column(String(22), primary_key=True)  # unique in a test bed
    cr_duns: Mapped[str] = mapped_column(String(13))
    script_id: Mapped[str] = mapped_column(String(20))
    premise: Mapped[int] = mapped_column(SmallInteger, server_default="1")  # which of its script's premises
    customer_1: Mapped[str] = mapped_column(Text, server_default="")
    customer_2: Mapped[str] = mapped_column(Text, server_default="")
    zip_code: Mapped[str] = mapped_column(String(10))
    meter_number: Mapped[str] = mapped_column(String(30))
    customer_name_1: Mapped[str] = mapped_column(Text, server_default="")
    customer_name_2: Mapped[str] = mapped_column(Text, server_default="")
    rate_class: Mapped[str] = mapped_column(String(40))
    doe_number: Mapped[str] = mapped_column(Text, server_default="")
    membership_account_1: Mapped[str] = mapped_column(Text, server_default="")
    membership_account_2: Mapped[str] = mapped_column(Text, server_default="")
    serv_loc: Mapped[str] = mapped_column(Text, server_default="")
    cycle: Mapped[str] = mapped_column(String(2))


# The tables every item-owning service keeps, in its own schema (flightrak.projections, flightrak.needs_attention).
item_id_seq = item_id_sequence(SCHEMA)


class Item(ItemColumns, Base): ...


class ItemHistory(ItemHistoryColumns, Base): ...


class NeedsAttention(NeedsAttentionColumns, Base): ...
