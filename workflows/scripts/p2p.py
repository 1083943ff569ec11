"""A P2P sub-flow (guide §7.1 steps 9-23), running its table (rules.P2P_FLOW): the submitter does its part and clicks
Task Complete; the receiver reviews and clicks Task Complete (Completed), or escalates back to the submitter with a
comment, who answers with Return to Receiver (comment) and the receiver reviews again. Its parent script issue waits
for it."""

from temporalio import workflow

from workflows.items import SYSTEM_ACTOR, Actor
from workflows.scripts import models as m
from workflows.scripts import rules
from workflows.scripts.pairing_flow import PairingItemFlow
from workflows.scripts.rules import P2P_FLOW, SubFlow
from workflows.table import State


@workflow.defn(name="P2PSubFlow")
class P2PWorkflow(PairingItemFlow[SubFlow], flow=P2P_FLOW):
    @workflow.init
    def __init__(self, request: m.P2PInput) -> None:
        self._request = request
        self._begin(request.item_id)  # its opening is its first step, to Submitter Working
        self._begin_waiting(request.pairing, request.script_id, request.timing)

    @workflow.run
    async def run(self, request: m.P2PInput) -> m.P2PStatus:
        opened = f"Opened by script issue {request.parent_item_id}."
        await self._record_move(m.SUBMITTER_WORKING, SYSTEM_ACTOR, "Opened", {}, opened)
        if not await self._waiting.until(lambda: self._state in m.P2P_CLOSED_STATES):
            await workflow.wait_condition(workflow.all_handlers_finished)
            ended = "The flight ended before this was done."
            await self._record_move(m.NOT_COMPLETED, SYSTEM_ACTOR, P2P_FLOW.action(m.FLIGHT_ENDED).label, {}, ended)
        await self._end_waiting()
        return self.status()

    @workflow.query
    def status(self) -> m.P2PStatus:
        return m.P2PStatus(self._request.item_id, self._state, self._waits_on())

    # What the table's rules read, and how the item reads.

    def _facts(self) -> SubFlow:
        return rules.sub_flow_facts(self._request.pairing, self._waits_on())

    def _waits_on(self) -> str:
        return self._standing(self._state).responsible if self._state else ""

    def _title(self) -> str:
        request, pairing = self._request, self._request.pairing
        return f"{request.spec.title} - {request.script_id} - {pairing.cr_name} / {pairing.tdsp_name}"

    def _projected_fields(self) -> dict[str, str]:
        request, pairing = self._request, self._request.pairing
        return {
            "flight": pairing.flight,
            "script_id": request.script_id,
            "parent_item_id": str(request.parent_item_id),
            "cr_duns": pairing.cr_duns,
            "cr_name": pairing.cr_name,
            "tdsp_duns": pairing.tdsp_duns,
            "tdsp_name": pairing.tdsp_name,
            "submitter": request.spec.submitter,
            "receiver": request.spec.receiver,
        }

    def _standing(self, state: str) -> State:
        """The submitter and receiver the pack names, with its own instructions for them when it gives some."""
        row, spec = super()._standing(state), self._request.spec
        party, given = {
            rules.SUBMITTER: (spec.submitter, spec.submitter_instructions),
            rules.RECEIVER: (spec.receiver, spec.receiver_instructions),
        }.get(row.responsible, ("", ""))
        if not party:
            return row
        instructions = "" if state == m.ESCALATED_TO_SUBMITTER else given
        return State(party, instructions or row.instructions.format(party=party, submitter=spec.submitter))

    async def _record_move(
        self, to_state: str, actor: Actor, label: str, changes: dict[str, str], comment: str
    ) -> None:
        """A task that moves on is waited on from now: its reminders count again."""
        if to_state != self._state:
            self._waiting.restart()
        await super()._record_move(to_state, actor, label, changes, comment)

    async def _remind(self, hours: float) -> None:
        """On the item, and by mail to the waiting party's lists."""
        request = self._request
        standing = self._standing(self._state)
        who = rules.party_name(standing.responsible, request.pairing)
        comment = (
            f"Waiting on {who} for {hours:g} business hours. A reminder mail goes to the distribution lists of {who}."
        )
        await self._record_move(self._state, SYSTEM_ACTOR, "Reminder", {}, comment)
        script_issue = f"{request.parent_item_id} {request.script_id}"
        self._mail_reminder(
            m.P2P_SUB_FLOW, request.spec.title, standing.responsible, standing.instructions, hours, script_issue
        )
