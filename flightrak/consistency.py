"""`flightrak check`: does every open item's projection say what its workflow says, and does every recorded
transaction show in the steps it advanced?

Built for a flight of thousands of items: the projections are read in one statement per service and the workflows'
state and responsible party in one paginated listing of Temporal's visibility (their search attributes). Visibility
and the projection may each be a moment behind the workflow, so every difference they suggest is confirmed with the
workflow's own query and a fresh read of the projection (or the item's history) before it is reported; a step in
flight (taken, its record not written yet) is waited for a few seconds, not reported. Items whose step failed for good
are on the operations page already ("Needs attention") and are left out."""

import asyncio
import importlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowQueryFailedError
from temporalio.service import RPCError, RPCStatusCode

from flightrak import db
from flightrak.projections import ITEM_ID_OWNERS
from flightrak.settings import Settings
from services.scripts import models as scripts_models
from services.scripts.transactions import key_of, receipt_of
from workflows import search_attributes as sa
from workflows.items import STANDING_QUERY, Standing
from workflows.scripts import models as m

# How long a difference may be a step in flight: its workflow asked this often, this far apart.
CONFIRM_ATTEMPTS = 6
CONFIRM_PAUSE = 1.0
QUERY_TIMEOUT = timedelta(seconds=5)
CONFIRMED_AT_ONCE = 16
NO_PARTY = "-"  # what the responsible-party search attribute holds for nobody (workflows.item_flow)


class CouldNotCheck(Exception):
    """PostgreSQL or Temporal did not answer: nothing was compared."""


@dataclass
class Difference:
    kind: str  # state, workflow_ended, no_workflow, transaction
    item_id: int
    item_type: str
    projection: str
    workflow: str
    transaction: str = ""  # sender DUNS:reference

    def line(self) -> str:
        about = f" transaction {self.transaction}" if self.transaction else ""
        return (
            f"item {self.item_id} ({self.item_type}){about}: projection says {self.projection}; "
            f"workflow says {self.workflow}"
        )


@dataclass
class Result:
    checked_at: datetime
    seconds: float
    items_checked: int
    transactions_checked: int
    differences: list[Difference] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "checked_at": self.checked_at.isoformat(),
            "seconds": round(self.seconds, 3),
            "items_checked": self.items_checked,
            "transactions_checked": self.transactions_checked,
            "differences": [asdict(difference) for difference in self.differences],
        }


def _models(service: str):
    return importlib.import_module(f"services.{service}.models")


def _party(party: str) -> str:
    return party or NO_PARTY


def _says(state: str, party: str) -> str:
    return f"{state} / {_party(party)}"


async def check(settings: Settings, keep: bool = True) -> Result:
    """Compares, reports every confirmed difference, and (with `keep`) keeps the result for the operations page."""
    from flightrak import temporal

    started, checked_at = time.monotonic(), datetime.now(UTC)
    engine = db.create_engine(settings.effective_database_url, pool_size=4)
    try:
        try:
            client = await temporal.connect(settings)
        except RuntimeError as error:  # the SDK's "failed client connect"
            raise CouldNotCheck(f"Temporal at {settings.effective_temporal_address} did not answer: {error}") from None
        sessions = db.session_factory(engine)
        try:
            items = await _ItemCheck(client, sessions).run()
            transactions = await _TransactionCheck(client, sessions).run()
            result = Result(
                checked_at,
                time.monotonic() - started,
                items_checked=items.checked,
                transactions_checked=transactions.checked,
                differences=[*items.differences, *transactions.differences],
            )
            if keep:
                await _keep(sessions, result)
        except (SQLAlchemyError, OSError) as error:
            raise CouldNotCheck(f"PostgreSQL did not answer: {error}") from None
        except RPCError as error:
            raise CouldNotCheck(f"Temporal did not answer: {error}") from None
        return result
    finally:
        await engine.dispose()


async def _keep(sessions: async_sessionmaker, result: Result) -> None:
    from services.identity import consistency

    found = [asdict(difference) for difference in result.differences]
    async with sessions.begin() as session:
        await consistency.keep(
            session, result.checked_at, result.seconds, result.items_checked, result.transactions_checked, found
        )


async def _confirmed(suspects: list, confirm: Callable[[Any], Awaitable["Difference | None"]]) -> list[Difference]:
    """Each suspect confirmed by `confirm` (None: no difference after all), a few at a time."""
    gate = asyncio.Semaphore(CONFIRMED_AT_ONCE)

    async def one(suspect) -> Difference | None:
        async with gate:
            return await confirm(suspect)

    found = await asyncio.gather(*(one(suspect) for suspect in suspects))
    return [difference for difference in found if difference is not None]


@dataclass
class _Projection:
    service: str
    item_id: int
    workflow_id: str
    item_type: str
    state: str
    responsible_party: str


class _ItemCheck:
    def __init__(self, client: Client, sessions: async_sessionmaker):
        self._client = client
        self._sessions = sessions
        self.checked = 0
        self.differences: list[Difference] = []

    async def run(self) -> "_ItemCheck":
        projections = await self._open_items()
        running = await self._running()
        self.checked = len(projections)
        suspects = [p for p in projections if running.get(p.workflow_id) != (p.state, _party(p.responsible_party))]
        self.differences = await _confirmed(suspects, self._confirm)
        return self

    async def _open_items(self) -> list[_Projection]:
        found = []
        async with self._sessions() as session:
            for service in ITEM_ID_OWNERS.values():
                item = _models(service).Item
                rows = await session.execute(
                    select(item.item_id, item.workflow_id, item.item_type, item.state, item.responsible_party).where(
                        item.closed.is_(False)
                    )
                )
                found += [_Projection(service, *row) for row in rows]
        return found

    async def _running(self) -> dict[str, tuple[str, str]]:
        """Workflow ID -> (state, responsible party) of every running item workflow, as visibility has them."""
        running = {}
        async for execution in self._client.list_workflows("ExecutionStatus = 'Running'", page_size=1000):
            attributes = execution.typed_search_attributes
            if attributes.get(sa.ITEM_ID) is not None:
                running[execution.id] = (
                    attributes.get(sa.ITEM_STATE) or "",
                    attributes.get(sa.RESPONSIBLE_PARTY) or "",
                )
        return running

    async def _reread(self, suspect: _Projection) -> _Projection | None:
        """The projection now; None when the item has closed meanwhile or needs attention (the operations page
        shows it already)."""
        models = _models(suspect.service)
        async with self._sessions() as session:
            row = await session.get(models.Item, suspect.item_id, populate_existing=True)
            marked = await session.scalar(
                select(models.NeedsAttention.id)
                .where(models.NeedsAttention.item_id == suspect.item_id, models.NeedsAttention.resolved_at.is_(None))
                .limit(1)
            )
        if row is None or row.closed or marked is not None:
            return None
        return _Projection(
            suspect.service, row.item_id, row.workflow_id, row.item_type, row.state, row.responsible_party
        )

    async def _confirm(self, suspect: _Projection) -> Difference | None:
        handle = self._client.get_workflow_handle(suspect.workflow_id)
        standing: Standing | None = None
        for attempt in range(CONFIRM_ATTEMPTS):
            if attempt:
                await asyncio.sleep(CONFIRM_PAUSE)
            try:
                status = (await handle.describe(rpc_timeout=QUERY_TIMEOUT)).status
            except RPCError as error:
                if error.status != RPCStatusCode.NOT_FOUND:
                    raise
                status = None
            projection = await self._reread(suspect)
            if projection is None:
                return None
            says = _says(projection.state, projection.responsible_party)
            if status is None:
                return self._difference("no_workflow", projection, says, f"no workflow {suspect.workflow_id}")
            if status != WorkflowExecutionStatus.RUNNING:
                ended = f"{status.name.lower()} (workflow {suspect.workflow_id})"
                return self._difference("workflow_ended", projection, f"open, {says}", ended)
            try:
                standing = await handle.query(STANDING_QUERY, result_type=Standing, rpc_timeout=QUERY_TIMEOUT)
            except (RPCError, WorkflowQueryFailedError) as error:
                return self._difference("state", projection, says, f"no answer to its query ({error})")
            if standing.unrecorded:
                continue  # a step in flight: its record is on its way
            if (standing.state, standing.responsible_party) == (projection.state, projection.responsible_party):
                return None
            return self._difference("state", projection, says, _says(standing.state, standing.responsible_party))
        assert standing is not None and projection is not None  # the loop asked the workflow at least once
        unrecorded = f" ({standing.unrecorded} steps not recorded after {CONFIRM_ATTEMPTS * CONFIRM_PAUSE:g} s)"
        return self._difference(
            "state", projection, says, _says(standing.state, standing.responsible_party) + unrecorded
        )

    @staticmethod
    def _difference(kind: str, projection: _Projection, says: str, workflow: str) -> Difference:
        return Difference(kind, projection.item_id, projection.item_type, says, workflow)


@dataclass
class _Receipt:
    key: str
    words: str  # as the item's history names it (workflows.scripts.models.receipt_words)
    valid: bool
    item_id: int
    claimed_step: int  # 0: none


@dataclass
class _Shown:
    """What an item's history shows of each receipt, by its words: the steps it advanced, and whether a step showed
    it as failed."""

    advanced: dict[str, int] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)


def _history_rows(item_ids):
    history = scripts_models.ItemHistory
    return select(history.item_id, history.comment, history.changes).where(
        history.item_id.in_(item_ids),
        or_(
            history.comment.like("ERCOT received %"),
            history.comment.like("% failed validation: %"),
            history.changes.has_key("last_transaction"),
            history.changes.has_key("last_failed_transaction"),
        ),
    )


class _TransactionCheck:
    """Every transaction matched to a script issue shows in that issue's history (the step it advanced, or the step
    that showed it failed), or the issue's workflow still holds it for a step to come (it came early); none advanced
    more than one step; its step claim names the item it matched."""

    def __init__(self, client: Client, sessions: async_sessionmaker):
        self._client = client
        self._sessions = sessions
        self.checked = 0
        self.differences: list[Difference] = []

    async def run(self) -> "_TransactionCheck":
        transaction, claim, item = scripts_models.Transaction, scripts_models.StepClaim, scripts_models.Item
        keyed = and_(claim.sender_duns == transaction.sender_duns, claim.reference == transaction.reference)
        statement = (
            select(transaction, claim.item_id, claim.step)
            .outerjoin(claim, keyed)
            .where(or_(transaction.matched_item_id.is_not(None), claim.item_id.is_not(None)))
        )
        async with self._sessions() as session:
            rows = (await session.execute(statement)).all()
            named = {row.matched_item_id for row, _, _ in rows} | {claimed for _, claimed, _ in rows}
            found = await session.execute(
                select(item.item_id, item.item_type, item.closed, item.workflow_id).where(item.item_id.in_(named))
            )
            self._items = {row.item_id: row for row in found}
            shown = await self._shown(session, self._items)
        suspects = []
        for kept, claimed_item, claimed_step in rows:
            if claimed_item is not None and claimed_item != kept.matched_item_id:
                self._claim_elsewhere(kept, claimed_item, claimed_step)
                continue
            if kept.matched_item_id not in self._items:
                continue  # a claim on no item of the scripts service: nothing to compare it with
            self.checked += 1
            receipt = receipt_of(kept)
            suspect = _Receipt(
                receipt.transaction_id, m.receipt_words(receipt), kept.valid, kept.matched_item_id, claimed_step or 0
            )
            history = shown.get(suspect.item_id, _Shown())
            advanced = history.advanced.get(suspect.words, 0)
            if advanced > 1:
                self._add(suspect, f"it advanced {advanced} steps", "each transaction advances one step")
            elif not advanced and suspect.words not in history.failed and not self._items[suspect.item_id].closed:
                suspects.append(suspect)
        self.differences += await _confirmed(suspects, self._confirm)
        return self

    @staticmethod
    async def _shown(session, items: dict) -> dict[int, _Shown]:
        shown: dict[int, _Shown] = {}
        for item_id, comment, changes in await session.execute(_history_rows(list(items))):
            history = shown.setdefault(item_id, _Shown())
            if comment.startswith("ERCOT received ") and comment.endswith("."):
                words = comment.removeprefix("ERCOT received ").removesuffix(".")
                history.advanced[words] = history.advanced.get(words, 0) + 1
            if "last_transaction" in changes:
                words = changes["last_transaction"]
                history.advanced[words] = history.advanced.get(words, 0) + 1
            if " failed validation: " in comment:
                history.failed.add(comment.split(" failed validation: ", 1)[0])
            if "last_failed_transaction" in changes:
                history.failed.add(changes["last_failed_transaction"].split(": ", 1)[0])
        return shown

    def _claim_elsewhere(self, kept, claimed_item: int, claimed_step: int) -> None:
        if claimed_item not in self._items:
            return  # a claim on no item of the scripts service
        self.checked += 1
        key = key_of(kept.sender_duns, kept.reference)
        matched = f"matched to item {kept.matched_item_id}" if kept.matched_item_id else "matched to no item"
        self.differences.append(
            Difference(
                "transaction",
                claimed_item,
                self._items[claimed_item].item_type,
                f"step {claimed_step} claimed by a transaction {matched}",
                "-",
                key,
            )
        )

    def _add(self, receipt: _Receipt, projection: str, workflow: str) -> None:
        item = self._items[receipt.item_id]
        self.differences.append(
            Difference("transaction", receipt.item_id, item.item_type, projection, workflow, receipt.key)
        )

    def _unanswered(self, receipt: _Receipt, error: Exception) -> Difference:
        item = self._items[receipt.item_id]
        return Difference(
            "transaction",
            receipt.item_id,
            item.item_type,
            "no step it advanced in the history",
            f"no answer to its query ({error})",
            receipt.key,
        )

    async def _confirm(self, receipt: _Receipt) -> Difference | None:
        item = self._items[receipt.item_id]
        handle = self._client.get_workflow_handle(item.workflow_id)
        for attempt in range(CONFIRM_ATTEMPTS):
            if attempt:
                await asyncio.sleep(CONFIRM_PAUSE)
            try:
                held, standing = await asyncio.gather(
                    handle.query(m.RECEIPTS_QUERY, result_type=m.Receipts, rpc_timeout=QUERY_TIMEOUT),
                    handle.query(STANDING_QUERY, result_type=Standing, rpc_timeout=QUERY_TIMEOUT),
                )
            except RPCError as error:
                if error.status != RPCStatusCode.NOT_FOUND:
                    return self._unanswered(receipt, error)
                held, standing = None, None
            except WorkflowQueryFailedError as error:
                return self._unanswered(receipt, error)
            if held is not None and receipt.key in held.waiting:
                return None  # it came before its step, which it will advance
            if standing is not None and standing.unrecorded:
                continue
            async with self._sessions() as session:
                history = (await self._shown(session, {receipt.item_id: item})).get(receipt.item_id, _Shown())
            if history.advanced.get(receipt.words) or receipt.words in history.failed:
                return None
            break
        claimed = f"step {receipt.claimed_step} claimed, " if receipt.claimed_step else ""
        what = "it advanced" if receipt.valid else "showed it failed"
        if held is None:
            workflow = "no such workflow"
        elif receipt.key in held.seen:
            workflow = "it took the receipt, but holds it for no step"
        else:
            workflow = "it never received the receipt"
        return Difference(
            "transaction",
            receipt.item_id,
            item.item_type,
            f"{claimed}no step {what} in the history",
            workflow,
            receipt.key,
        )
