"""A CR's Begin Working on script issues a test opened with the scripts service's own activity, as a busy machine
needs it asked."""

import asyncio
import time

from temporalio.client import WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError

from workflows.items import Actor
from workflows.scripts import models as m


async def begin_working(handle, cr_duns: str, within: float = 120.0) -> None:
    """Asked again while the worker is too busy to take it (a workflow task past its deadline refuses updates until
    its retry ran, and an update's call may time out); a retry refused because an earlier ask went through is done."""
    give_up, asked_before = time.monotonic() + within, False
    action = m.ScriptAction(Actor("tests", "Tester", cr_duns, ["user"], "CR"), "")
    while True:
        try:
            await handle.execute_update(m.BEGIN_WORKING, action)
            return
        except WorkflowUpdateFailedError:
            if asked_before:
                return
            raise
        except (RPCError, WorkflowUpdateRPCTimeoutOrCancelledError):
            if time.monotonic() > give_up:
                raise
            asked_before = True
            await asyncio.sleep(1)
