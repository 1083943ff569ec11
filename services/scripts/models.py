"""The scripts service's tables, in its own schema: the script packs ERCOT publishes per flight (each
version kept, never changed), and the script issues and P2P sub-flows with their items."""

from datetime import datetime

from sqlalchemy import func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.schema import ForeignKeyConstraint, Identity, Index, UniqueConstraint
from sqlalchemy.types import BigInteger, Boolean, DateTime, Integer, String, Text

from flightrak.needs_attention import NeedsAttentionColumns
from flightrak.projections import InSchema, ItemColumns, ItemHistoryColumns, item_id_sequence

SCHEMA = "scripts"


class Base(InSchema, DeclarativeBase, schema=SCHEMA): ...


class Pack(Base):
    """One published version of a flight's script pack, as canonical JSON. A new upload that differs makes
    the next version; running script issues keep the version they started with (it is in their input)."""

    __tablename__ = "packs"

    flight: Mapped[str] = mapped_column(String(4), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    example: Mapped[bool] = mapped_column(Boolean)
    script_count: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)  # packs.pack_as_json
    digest: Mapped[str] = mapped_column(String(64))  # sha256 of content
    published_by: Mapped[str] = mapped_column(String(200))
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ScriptIssue(Base):
    """A script issue (a pairing x script) or one of its P2P sub-flows: who it is between, for reports."""

    __tablename__ = "script_issues"
    __table_args__ = (
        Index(
            "uq_scripts_script_issues_sub_flow",
            "parent_item_id",
            "step",
            unique=True,
            postgresql_where=text("parent_item_id IS NOT NULL"),
        ),
        # A flight's issues newest first, as the reports searched by flight read them.
        Index("ix_scripts_script_issues_flight_item", "flight", "item_id"),
    )

    item_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    flight: Mapped[str] = mapped_column(String(4), index=True)
    script_id: Mapped[str] = mapped_column(String(20))
    cr_duns: Mapped[str] = mapped_column(String(13), index=True)
    tdsp_duns: Mapped[str] = mapped_column(String(13), index=True)
    sp_duns: Mapped[str] = mapped_column(String(13), index=True)
    pack_version: Mapped[int] = mapped_column(Integer)
    parent_item_id: Mapped[int | None] = mapped_column(BigInteger, index=True)  # a P2P sub-flow's script issue
    step: Mapped[int] = mapped_column(Integer, default=0)  # a P2P sub-flow's step of its parent
    # The premises of the TDSP's approved test bed this script runs on: its transactions name one of them.
    esi_ids: Mapped[list] = mapped_column(JSONB, default=list, server_default=text("'[]'::jsonb"))
    # What selected its scripts (new_cr, bank_change, system_change): the scenarios a qualification letter certifies.
    pairing_kinds: Mapped[list] = mapped_column(JSONB, default=list, server_default=text("'[]'::jsonb"))


class Transaction(Base):
    """A transaction ERCOT's systems reported, kept once (on its sender and the sender's own reference, as a
    retried delivery repeats both) whether or not a script issue was waiting for it."""

    __tablename__ = "transactions"
    __table_args__ = (
        Index("ix_scripts_transactions_unmatched", "received_at", postgresql_where=text("matched_item_id IS NULL")),
    )

    sender_duns: Mapped[str] = mapped_column(String(13), primary_key=True)
    reference: Mapped[str] = mapped_column(String(100), primary_key=True)  # BGN02 and its like
    transaction_id: Mapped[str | None] = mapped_column(String(100))  # the reporting system's own ID, if it gave one
    type: Mapped[str] = mapped_column(String(10))
    receiver_duns: Mapped[str] = mapped_column(String(13))
    esi_id: Mapped[str] = mapped_column(String(22))
    answers_reference: Mapped[str] = mapped_column(String(100), server_default="")  # the one it responds to
    valid: Mapped[bool] = mapped_column(Boolean)
    reasons: Mapped[list] = mapped_column(JSONB)
    source: Mapped[str] = mapped_column(String(8), server_default="json")  # json or x12
    matched_item_id: Mapped[int | None] = mapped_column(BigInteger)
    unmatched_reason: Mapped[str] = mapped_column(Text, server_default="")
    attached_by: Mapped[str] = mapped_column(String(200), server_default="")  # ERCOT, matching it by hand
    attached_comment: Mapped[str] = mapped_column(Text, server_default="")  # why ERCOT counted it for that step
    attached_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reported_by: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class StepClaim(Base):
    """The step of a script issue that a valid transaction advances, claimed in the database transaction that
    keeps it: one transaction a step and one step a transaction, so receipts that arrive together take different
    steps, whether or not the issue has taken them yet."""

    __tablename__ = "step_claims"
    __table_args__ = (
        ForeignKeyConstraint(
            ["sender_duns", "reference"], ["scripts.transactions.sender_duns", "scripts.transactions.reference"]
        ),
        UniqueConstraint("sender_duns", "reference", name="uq_scripts_step_claims_transaction"),
    )

    item_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    step: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # 1-based, as "k of n"
    sender_duns: Mapped[str] = mapped_column(String(13))
    reference: Mapped[str] = mapped_column(String(100))
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class RefusedTransaction(Base):
    """What an X12 interchange held that was refused (the whole interchange, a functional group or one
    transaction set), kept with why, for ERCOT to investigate: nothing sent is dropped unseen."""

    __tablename__ = "refused_transactions"

    refused_id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    level: Mapped[str] = mapped_column(String(20))  # interchange, functional group, transaction set
    control_number: Mapped[str] = mapped_column(String(20))
    first_position: Mapped[int] = mapped_column(Integer)
    last_position: Mapped[int] = mapped_column(Integer)
    problems: Mapped[list] = mapped_column(JSONB)  # [{position, segment_id, control_number, reason}]
    text: Mapped[str] = mapped_column(Text)
    reported_by: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Letter(Base):
    """A CR's qualification letter for a flight, as its latest draft froze it: each pairing and script, with the
    day it passed (empty: not passed), so the PDF is exactly what ERCOT reviewed."""

    __tablename__ = "letters"
    __table_args__ = (UniqueConstraint("flight", "cr_duns", name="uq_scripts_letters_flight_cr"),)

    item_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    flight: Mapped[str] = mapped_column(String(4))
    cr_duns: Mapped[str] = mapped_column(String(13))
    sp_duns: Mapped[str] = mapped_column(String(13))
    cr_name: Mapped[str] = mapped_column(String(200))
    draft: Mapped[int] = mapped_column(Integer)
    scenarios: Mapped[list] = mapped_column(JSONB)  # New CR, Bank Change, System Change
    rows: Mapped[list] = mapped_column(JSONB)  # letters.LetterRow as dicts, in pairing and pack order
    drafted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


# The tables every item-owning service keeps, in its own schema (flightrak.projections, flightrak.needs_attention).
item_id_seq = item_id_sequence(SCHEMA)


class Item(ItemColumns, Base):
    # The task reports ask for open items by whose task they are, newest first (store.report_statement).
    __table_args__ = (
        Index(
            "ix_scripts_items_open_by_party",
            "responsible_party",
            "item_id",
            postgresql_where=text("NOT closed"),
        ),
    )


class ItemHistory(ItemHistoryColumns, Base):
    # Whose task the step left the item: the flight analytics' time per responsible party (services/scripts/analytics).
    responsible_party: Mapped[str] = mapped_column(String(64), server_default="")


class NeedsAttention(NeedsAttentionColumns, Base): ...
