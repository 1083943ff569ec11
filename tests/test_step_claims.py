"""A step claimed by one transaction is never taken by another, on PostgreSQL (issue 14's loose end): a step being
claimed at this moment is passed over for the next free one, then waited on, and a claim rolled back frees its
step for the next receipt."""

import asyncio
import itertools
import time

import pytest
from sqlalchemy import text

from flightrak import db
from services.scripts import store
from services.scripts.transactions import Reported

ERCOT_DUNS = "183529049"
ONCOR = "103994067"
_items = itertools.count(time.time_ns() // 1_000 * 8 + 7)  # Item IDs of no service (7 mod 8): this test's own


@pytest.fixture
async def sessions(settings):
    engine = db.create_engine(settings.database_url, pool_size=4)
    yield db.session_factory(engine)
    await engine.dispose()


async def kept_997(session, n: int):
    """A valid 997 to Oncor, kept as a receipt is (the claim names it)."""
    reported = Reported(
        type="997", sender_duns=ERCOT_DUNS, receiver_duns=ONCOR, reference=f"CLAIM-{time.time_ns()}-{n}"
    )
    return await store.record_transaction(session, reported, "json", "tests")


async def blocked_on_a_lock(session) -> bool:
    """Whether a statement on step_claims is waiting for another transaction's lock (asked in a transaction of
    its own: PostgreSQL shows one transaction the same pg_stat_activity throughout)."""
    waiting = await session.scalar(
        text(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%step_claims%' "
            "AND datname = current_database()"
        )
    )
    await session.rollback()
    return waiting > 0


async def test_a_step_being_claimed_is_passed_over_then_waited_on_and_freed_by_a_rollback(sessions):
    first, second = next(_items), next(_items)
    steps = [(first, 1), (second, 1)]
    async with sessions() as holding, sessions() as other, sessions() as third, sessions() as watching:
        one = await kept_997(holding, 1)
        assert await store.claim_free_step(holding, one, steps) == (first, 1)

        # Another receipt at the same moment takes the next free step, without waiting for the first's commit.
        two = await kept_997(other, 2)
        assert await asyncio.wait_for(store.claim_free_step(other, two, steps), 5) == (second, 1)
        await other.commit()

        # A third, for the first step alone, waits for the one claiming it; that one rolls back: the step is free.
        three = await kept_997(third, 3)
        await third.commit()
        waiting = asyncio.create_task(store.claim_free_step(third, three, [(first, 1)]))
        while not await blocked_on_a_lock(watching):
            assert not waiting.done(), waiting.result()
            await asyncio.sleep(0.05)
        await holding.rollback()
        assert await asyncio.wait_for(waiting, 10) == (first, 1)
        await third.commit()

        assert await store.claimed_steps(watching, {first, second}) == {(first, 1), (second, 1)}
        assert await store.claimed_step_of(watching, three.sender_duns, three.reference) == 1
        # Every step taken: the next receipt claims none, and neither does ERCOT's attach of it.
        four = await kept_997(watching, 4)
        assert await store.claim_free_step(watching, four, steps) is None
        assert not await store.claim_step(watching, four, first, 1)
        await watching.rollback()
