"""The two writes every item-owning service makes for its flows, as activities named for that service: an item's step
(its projection and history row) and a flow's mark of needing attention. Each service's activities inherit them.
A service's servicer writes the steps an action answered with at once, the same way (StepWriter)."""

import inspect
import logging
import typing
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.converter import value_to_type

from flightrak import needs_attention
from flightrak.activity_failures import classified_activity
from workflows.attention import AttentionRecord
from workflows.items import ItemTransition
from workflows.owners import Owner


class ItemSteps:
    def __init__(
        self,
        sessions: async_sessionmaker,
        record_transition: Callable[[AsyncSession, ItemTransition], Awaitable[None]],
        needs_attention_table: type,
        owner: Owner,
    ):
        """`record_transition` writes the service's projection (`store.record_transition`); `owner` names the
        activities as the service's flows call them."""
        self._sessions = sessions

        async def record_item_transition(step: ItemTransition) -> None:
            async with sessions.begin() as session:
                await record_transition(session, step)

        async def record_attention(entry: AttentionRecord) -> None:
            async with sessions.begin() as session:
                await needs_attention.record(session, needs_attention_table, entry)

        self.record_item_transition = classified_activity(owner.record_item_transition)(record_item_transition)
        self.record_attention = classified_activity(owner.record_attention)(record_attention)


log = logging.getLogger(__name__)


class StepWriter:
    """Writes the steps an action answered with (workflows.items.UNRECORDED_STEPS) as the flow's record activity
    does, in one transaction, as soon as the action answers: Temporal holds them then, and the activity writes the
    same rows (idempotent on item and seq) whether or not this did, so a failure here only leaves the page a moment
    behind."""

    def __init__(self, sessions: async_sessionmaker, record_transition: Callable[[AsyncSession, Any], Awaitable[None]]):
        """`record_transition` is what the record activity runs (`store.record_transition`); it says the step's type."""
        self._sessions = sessions
        self._record = record_transition
        step_parameter = list(inspect.signature(record_transition).parameters)[1]
        self._step_type = typing.get_type_hints(record_transition)[step_parameter]

    async def __call__(self, steps: list[Any]) -> None:
        if not steps:
            return
        try:
            async with self._sessions.begin() as session:
                for step in steps:
                    await self._record(session, value_to_type(self._step_type, step))
        except SQLAlchemyError as error:
            log.warning("steps left to their record activity: %s", str(error).splitlines()[0])
