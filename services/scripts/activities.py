"""Temporal activities the scripts service executes: opening a flight's script issues (for the flight
workflow), and recording script issues' and sub-flows' steps (activities on their workflows' own queue)."""

import asyncio
from dataclasses import replace

from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio import activity
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy

from flightrak.activity_failures import classified_activity
from flightrak.item_steps import ItemSteps
from services.scripts import issues, models, packs, store
from services.scripts.letter_activities import LetterDrafting
from workflows import owners
from workflows import scripts as scripts_flow
from workflows.flight import models as flights
from workflows.scripts import models as m
from workflows.scripts.ids import script_issue_workflow_id
from workflows.scripts.workflows import ScriptIssueWorkflow

STARTS_AT_ONCE = 50  # workflow starts in flight together while opening a flight's issues


class ScriptsActivities(ItemSteps):
    def __init__(self, sessions: async_sessionmaker, temporal: Client, reminder_business_hours: float):
        # A script issue's closing step may make its CR's qualification letter due (services.scripts.letter_activities).
        recorded = LetterDrafting(temporal).recording(store.record_transition)
        super().__init__(sessions, recorded, models.NeedsAttention, owners.SCRIPTS)
        self._temporal = temporal
        self._reminder_business_hours = reminder_business_hours

    @classified_activity(flights.PACK_VERSION)
    async def pack_version(self, flight: str) -> int:
        async with self._sessions() as session:
            latest = await store.latest_pack(session, flight)
        return 0 if latest is None else latest.version

    @classified_activity(flights.OPEN_SCRIPT_ISSUES)
    async def open_script_issues(self, request: m.OpenScriptIssues) -> int:
        """Every pairing x script of `request.kind` from the latest pack: its Item ID reserved in one transaction,
        then, a batch at a time, the issues' workflows started and only then their items recorded (Ready to
        Begin): an issue is listed, and offers Begin Working, once its workflow can take it. Safe to retry:
        existing issues and their items are kept as they are and starting a running workflow again changes
        nothing. Returns how many issues of the kind there are."""
        async with self._sessions.begin() as session:
            latest = await store.latest_pack(session, request.flight)
            if latest is None:
                raise ValueError(f"flight {request.flight} has no script pack")
            pack = packs.pack_from_json(latest.content)
            existing = await store.existing_issues(session, request.flight)
            wanted = [
                (pairing, script)
                for pairing in request.pairings
                for script in issues.scripts_of(pack, request.kind, pairing)
            ]
            new = [(p, s) for p, s in wanted if (p.pairing.cr_duns, p.pairing.tdsp_duns, s.script_id) not in existing]
            item_ids = await store.new_item_ids(session, len(new))
            await store.add_issues(
                session,
                [
                    {
                        "item_id": item_id,
                        "flight": request.flight,
                        "script_id": script.script_id,
                        "cr_duns": p.pairing.cr_duns,
                        "tdsp_duns": p.pairing.tdsp_duns,
                        "sp_duns": p.pairing.sp_duns,
                        "pack_version": latest.version,
                        "parent_item_id": None,
                        "step": 0,
                        "esi_ids": p.premises.get(script.script_id, []),
                        "pairing_kinds": p.pairing_kinds,
                    }
                    for item_id, (p, script) in zip(item_ids, new, strict=True)
                ],
            )
            existing.update(
                {
                    (p.pairing.cr_duns, p.pairing.tdsp_duns, s.script_id): i
                    for i, (p, s) in zip(item_ids, new, strict=True)
                }
            )
        timing = m.Timing(request.ends_at, self._reminder_business_hours)
        starts = [
            m.ScriptIssueInput(
                existing[(p.pairing.cr_duns, p.pairing.tdsp_duns, s.script_id)],
                replace(p.pairing, ercot_duns=request.ercot_duns),
                issues.spec_of(s, latest.version),
                timing,
            )
            for p, s in wanted
        ]
        for first in range(0, len(starts), STARTS_AT_ONCE):
            batch = starts[first : first + STARTS_AT_ONCE]
            await asyncio.gather(*(self._start(issue) for issue in batch))
            opened = [
                issues.opened(issue.item_id, issue.pairing, script, latest.version)
                for issue, (_, script) in zip(batch, wanted[first : first + STARTS_AT_ONCE], strict=True)
            ]
            async with self._sessions.begin() as session:
                await store.add_opened(session, opened)
            activity.heartbeat(first)
        return len(starts)

    async def _start(self, issue: m.ScriptIssueInput) -> None:
        pairing = issue.pairing
        await self._temporal.start_workflow(
            ScriptIssueWorkflow.run,
            issue,
            id=script_issue_workflow_id(pairing.flight, pairing.cr_duns, pairing.tdsp_duns, issue.script.script_id),
            task_queue=scripts_flow.TASK_QUEUE,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )

    @classified_activity(m.OPEN_P2P_ITEM)
    async def open_p2p_item(self, request: m.P2PItemRequest) -> int:
        async with self._sessions.begin() as session:
            return await store.p2p_item(session, request.parent_item_id, request.step)
