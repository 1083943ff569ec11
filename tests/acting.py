"""Actions on item workflows as the tests take them: an action answers once its state has changed, before its record
activity has written the step (workflows.item_flow), so a test that reads what was recorded waits for it first, as the
item's page would once the service has written the steps the action answered with."""

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

from workflows.items import UNRECORDED_QUERY

Answer = TypeVar("Answer")


async def recorded(handle: Any, within: float = 15) -> None:
    """Until the item's workflow has no step left for its record activity to write."""
    give_up = asyncio.get_running_loop().time() + within
    while await handle.query(UNRECORDED_QUERY, result_type=int):
        assert asyncio.get_running_loop().time() < give_up, f"{handle.id}: steps still unrecorded after {within} s"
        await asyncio.sleep(0.02)


async def acted(pending: Awaitable[Answer], handle: Any) -> Answer:
    """The action's answer, once its steps are recorded."""
    answer = await pending
    await recorded(handle)
    return answer
