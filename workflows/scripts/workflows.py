"""One workflow per script issue (a pairing x script of the flight's pack), running its table (rules.FLOW), whose row
"A step of the script" stands for each of the pack's steps: Ready to Begin until the party that begins it clicks Begin
Working, then the script's steps in order, each ending by a participant's button, by a
matching transaction that ERCOT's systems report (a signal; nobody clicks), or by a P2P sub-flow (a child
workflow); the last step passes -> Script Passed. ERCOT may attach by hand a transaction that matched no issue to
the step waiting for one (an update, with its comment). Any party may escalate to ERCOT or to its testing partner;
ERCOT may mark the script failed. A task waiting on one party raises a reminder every so many business hours, on
the item and by mail to that party's distribution lists; at the flight's end an unfinished script closes as Not
Completed."""

import asyncio
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ChildWorkflowError

from workflows import attention
from workflows.items import SYSTEM_ACTOR, Actor, Refusal, conflict, principal_of
from workflows.scripts import models as m
from workflows.scripts import rules
from workflows.scripts.ids import p2p_workflow_id
from workflows.scripts.p2p import P2PWorkflow
from workflows.scripts.pairing_flow import PairingItemFlow
from workflows.scripts.rules import FLOW, Script
from workflows.table import State

OPEN_P2P_OPTIONS = attention.STEP_OPTIONS
KEPT_RECEIPTS = 200  # transactions remembered for later steps, newest kept
P2P_ENDED = "Ended"  # a sub-flow that ended without completing (terminated or failed)
SYSTEM_PARTY = "FlighTrak"  # who escalated, when the tool itself did


def describe(transaction: m.TransactionSpec) -> str:
    return f"{transaction.type} from the {transaction.sender} to the {transaction.receiver}"


@workflow.defn(name="ScriptIssue")
class ScriptIssueWorkflow(PairingItemFlow[Script], flow=FLOW):
    @workflow.init
    def __init__(self, request: m.ScriptIssueInput) -> None:
        self._request = request
        self._begin(request.item_id, m.READY_TO_BEGIN)
        self._seq = 1  # the service recorded the issue's opening
        self._steps = request.script.steps
        self._step = 0  # 0: Ready to Begin; n: the pack's step n (1-based)
        self._responsible = request.script.begins
        self._escalated_by = ""
        self._resume = ""  # the state to go back to after an escalation
        self._receipts: list[m.TransactionReceipt] = []
        self._seen_receipts: set[str] = set()
        self._p2p_opened: set[int] = set()  # steps whose sub-flow started
        self._p2p_done: dict[int, str] = {}  # step -> the sub-flow's final state
        self._begin_waiting(request.pairing, request.script.script_id, request.timing)

    @workflow.run
    async def run(self, request: m.ScriptIssueInput) -> m.ScriptIssueStatus:
        self._upsert_search_attributes(self._standing(self._state))
        while self._state not in m.CLOSED_STATES:
            step = self._step
            spec = self._current()
            if spec is not None and spec.p2p is not None and step not in self._p2p_opened:
                await self._open_p2p(step, spec.p2p)
            await self._report_failed_transactions()
            seen = len(self._receipts)

            def something_happened(step: int = step, seen: int = seen) -> bool:
                return (
                    self._step != step
                    or self._state in m.CLOSED_STATES
                    or len(self._receipts) != seen
                    or self._may_move_on(step)
                    or self._p2p_ended(step)
                )

            ended = not await self._waiting.until(something_happened)
            await workflow.wait_condition(lambda: not self._one_at_a_time.busy)
            if spec is not None and spec.p2p is not None and self._p2p_ended(step):
                await self._escalate_ended_p2p(spec.p2p)
            elif ended and self._state not in m.CLOSED_STATES:
                await self._record_move(m.NOT_COMPLETED, SYSTEM_ACTOR, "Flight Ended", {}, "The flight ended first.")
            elif spec is not None and self._step == step and self._may_move_on(step):
                await self._step_done_by_itself(step, spec)
        await self._end_waiting()
        return self.status()

    @workflow.query
    def status(self) -> m.ScriptIssueStatus:
        return m.ScriptIssueStatus(self._request.item_id, self._state, self._responsible, self._step, self._shown())

    # What the table's rules read, and how the item reads.

    def _facts(self) -> Script:
        return rules.script_facts(self._request.pairing, self._state, self._responsible, self._shown())

    def _title(self) -> str:
        pairing, script = self._request.pairing, self._request.script
        return f"{script.script_id} {script.title} - {pairing.cr_name} / {pairing.tdsp_name}"

    def _projected_fields(self) -> dict[str, str]:
        return self._shown()

    def _standing(self, state: str) -> State:
        """A step answers to its sender, with its instructions; Ready to Begin to the party the script names; an
        escalation to a testing partner, to the partner of who escalated."""
        kind, row = rules.kind_of(state), super()._standing(state)
        spec = self._current()
        if kind == rules.STEP and spec is not None:
            return State(spec.responsible, spec.instructions)
        party = {
            m.READY_TO_BEGIN: self._request.script.begins,
            m.ESCALATED_TO_PARTNER: rules.partner_of(self._escalated_by),
        }.get(kind)
        return row if party is None else State(party, row.instructions.format(party=party), row.closed)

    async def _record_move(
        self, to_state: str, actor: Actor, label: str, changes: dict[str, str], comment: str
    ) -> None:
        """A task that moves to another state or party is waited on from now: its reminders count again."""
        responsible = self._standing(to_state).responsible
        if (to_state, responsible) != (self._state, self._responsible):
            self._waiting.restart()
        self._responsible = responsible
        await super()._record_move(to_state, actor, label, changes, comment)

    def _input_refusal(self, name: str, given: Any) -> Refusal | None:
        if name != m.ATTACH_TRANSACTION:
            return None
        if given.receipt.transaction_id in self._seen_receipts:
            return conflict("this script issue has this transaction already")
        return rules.wrong_transaction(self._facts(), given.receipt.type)

    # Participants' actions that do more than move.

    async def _take_begin_working(self, action: m.ScriptAction) -> None:
        await self._next_step(action.actor, FLOW.action(m.BEGIN_WORKING).label, action.comment)

    async def _take_step_action(self, action: m.ScriptAction) -> None:
        spec = self._current()
        assert spec is not None  # the table offers a step's action only at a step
        await self._next_step(action.actor, spec.action, action.comment)

    async def _take_escalate_to_ercot(self, action: m.ScriptAction) -> None:
        await self._escalate(m.ESCALATE_TO_ERCOT, action)

    async def _take_escalate_to_partner(self, action: m.ScriptAction) -> None:
        await self._escalate(m.ESCALATE_TO_PARTNER, action)

    async def _escalate(self, name: str, action: m.ScriptAction) -> None:
        parties = rules.parties_of(principal_of(action.actor), self._request.pairing)
        self._escalated_by = m.CR if m.CR in parties else m.TDSP
        self._resume = self._state
        await self._move(name, action)

    async def _take_resolve(self, action: m.ScriptAction) -> None:
        if self._escalated_by == SYSTEM_PARTY and self._p2p_done.get(self._step) == P2P_ENDED:
            self._p2p_done[self._step] = m.COMPLETED  # ERCOT counts the ended sub-flow as done
        self._escalated_by = ""
        label = FLOW.action(m.RESOLVE).label
        await self._record_move(self._resume, action.actor, label, {}, action.comment)

    # Transactions that ERCOT's systems received

    @workflow.signal(name=m.TRANSACTION_RECEIVED)
    def transaction_received(self, receipt: m.TransactionReceipt) -> None:
        """Kept until a step expects it: a transaction may come before its step (systems are quick) or twice
        (a retried report); each transaction counts once."""
        if receipt.transaction_id in self._seen_receipts or self._state in m.CLOSED_STATES:
            return
        self._seen_receipts.add(receipt.transaction_id)
        self._receipts = [*self._receipts, receipt][-KEPT_RECEIPTS:]

    @workflow.query(name=m.RECEIPTS_QUERY)
    def receipts(self) -> m.Receipts:
        return m.Receipts([r.transaction_id for r in self._receipts], sorted(self._seen_receipts))

    @workflow.update(name=m.ATTACH_TRANSACTION)
    async def attach_transaction(self, attached: m.AttachedTransaction) -> dict[str, Any]:
        """ERCOT's person decided this transaction, which matched nothing, is the one the step waits for: a valid
        one moves the step on, a failed one is shown on the step with its reasons (the step waits on), either
        recorded under their name with their comment."""
        label = FLOW.action(m.ATTACH_TRANSACTION).label
        with self._one_at_a_time.acting(label):
            receipt = attached.receipt
            self._seen_receipts.add(receipt.transaction_id)
            comment = attached.comment.strip()
            if receipt.valid:
                changes = {"last_transaction": self._took(receipt)}
                await self._next_step(attached.actor, label, comment, changes)
            else:
                changes = {"last_failed_transaction": self._failed(receipt)}
                await self._record_move(self._state, attached.actor, label, changes, comment)
        return self._answer()

    @attach_transaction.validator
    def validate_attach_transaction(self, attached: m.AttachedTransaction) -> None:
        """The table's row (ERCOT, a step, its comment), its guard (the step waits for a transaction), then the
        transaction itself (`_input_refusal`: not seen yet, of the step's type)."""
        self._check(m.ATTACH_TRANSACTION, attached)

    # The steps

    def _current(self) -> m.StepSpec | None:
        return self._steps[self._step - 1] if 0 < self._step <= len(self._steps) else None

    def _may_move_on(self, step: int) -> bool:
        """A step that ends by itself is done: its transaction arrived, or its sub-flow completed."""
        if self._escalated_by or self._state in m.CLOSED_STATES or step == 0:
            return False
        spec = self._steps[step - 1]
        if spec.transaction is not None:
            return self._matching_receipt(spec.transaction) is not None
        return spec.p2p is not None and self._p2p_done.get(step) == m.COMPLETED

    def _p2p_ended(self, step: int) -> bool:
        return self._p2p_done.get(step) == P2P_ENDED and not self._escalated_by and self._state not in m.CLOSED_STATES

    def _matching_receipt(self, expected: m.TransactionSpec) -> m.TransactionReceipt | None:
        return next((r for r in self._receipts if r.valid and self._matches(r, expected)), None)

    def _matches(self, receipt: m.TransactionReceipt, expected: m.TransactionSpec) -> bool:
        return (
            receipt.type == expected.type
            and receipt.sender_duns in self._duns_of(expected.sender)
            and receipt.receiver_duns in self._duns_of(expected.receiver)
        )

    def _duns_of(self, party: str) -> set[str]:
        pairing = self._request.pairing
        if party in (m.CR, m.SP):
            return {pairing.cr_duns, pairing.sp_duns} - {""}
        return {pairing.tdsp_duns if party == m.TDSP else pairing.ercot_duns}

    async def _report_failed_transactions(self) -> None:
        """A transaction the current step expects that failed validation: shown on the step, which waits on."""
        spec = self._current()
        if spec is None or spec.transaction is None or self._escalated_by:
            return
        failed = [r for r in self._receipts if not r.valid and self._matches(r, spec.transaction)]
        for receipt in failed:
            self._receipts = [r for r in self._receipts if r is not receipt]
            words = m.receipt_words(receipt)
            self._failed(receipt)
            reasons = "; ".join(receipt.reasons) or "no reason given"
            comment = f"{words} failed validation: {reasons}. The step waits for a valid one."
            await self._record_move(self._state, SYSTEM_ACTOR, f"{receipt.type} Failed", {}, comment)

    def _failed(self, receipt: m.TransactionReceipt) -> str:
        """Shows a failed transaction on the step, with its reasons; returns what is shown."""
        shown = f"{m.receipt_words(receipt)}: {'; '.join(receipt.reasons) or 'failed validation'}"
        self._fields["last_failed_transaction"] = shown
        return shown

    def _took(self, receipt: m.TransactionReceipt) -> str:
        """Shows the transaction that ended the step (and its premise); returns what is shown."""
        self._fields["last_transaction"] = m.receipt_words(receipt)
        if receipt.esi_id:
            self._fields["esi_id"] = receipt.esi_id
        return self._fields["last_transaction"]

    async def _step_done_by_itself(self, step: int, spec: m.StepSpec) -> None:
        if spec.transaction is not None:
            receipt = self._matching_receipt(spec.transaction)
            assert receipt is not None  # the step moves on by itself once its transaction is here
            self._receipts = [r for r in self._receipts if r is not receipt]
            label = f"{spec.transaction.type} Received"
            comment = f"ERCOT received {self._took(receipt)}."
        else:
            assert spec.p2p is not None  # a step that ends by itself ends by its transaction or its sub-flow
            label, comment = f"{spec.p2p.title} Completed", ""
        await self._next_step(SYSTEM_ACTOR, label, comment)

    async def _next_step(self, actor: Actor, label: str, comment: str, changes: dict[str, str] | None = None) -> None:
        """To the pack's next step; after the last, Script Passed."""
        self._step += 1
        spec = self._current()
        await self._record_move(m.SCRIPT_PASSED if spec is None else spec.state, actor, label, changes or {}, comment)

    async def _open_p2p(self, step: int, spec: m.P2PSpec) -> None:
        request = self._request
        item_id = await self._attention.run(
            m.OPEN_P2P_ITEM, m.P2PItemRequest(request.item_id, step), result_type=int, **OPEN_P2P_OPTIONS
        )
        child = await workflow.start_child_workflow(
            P2PWorkflow.run,
            m.P2PInput(
                item_id,
                request.item_id,
                workflow.info().workflow_id,
                request.pairing,
                spec,
                request.timing,
                request.script.script_id,
            ),
            id=p2p_workflow_id(request.item_id, step),
        )
        self._fields["p2p_item_id"] = str(item_id)
        self._p2p_opened.add(step)
        asyncio.create_task(self._await_p2p(step, child))
        await self._record_move(self._state, SYSTEM_ACTOR, f"{spec.title} Opened", {}, f"Item {item_id}.")

    async def _await_p2p(self, step: int, child) -> None:
        try:
            done: m.P2PStatus = await child
            self._p2p_done[step] = done.state
        except ChildWorkflowError as error:  # terminated by an operator, or failed: ERCOT decides what now
            self._p2p_done[step] = P2P_ENDED
            self._fields["p2p_ended"] = str(error.cause or error)

    async def _escalate_ended_p2p(self, spec: m.P2PSpec) -> None:
        self._escalated_by = SYSTEM_PARTY
        self._resume = self._state
        why = self._fields.get("p2p_ended", "")
        comment = (
            f"{spec.title} ended without being completed ({why}). Resolve Escalation to count it as done, "
            "or Mark Failed."
        )
        label = FLOW.action(m.SUB_FLOW_ENDED).label
        await self._record_move(m.ESCALATED_TO_ERCOT, SYSTEM_ACTOR, label, {}, comment)

    async def _remind(self, hours: float) -> None:
        """On the item, and by mail to the waiting party's lists; a sub-flow in progress mails its own reminders."""
        request, spec = self._request, self._current()
        who = rules.party_name(self._responsible, request.pairing)
        comment = f"Waiting on {who} for {hours:g} business hours."
        sub_flow_working = spec is not None and spec.p2p is not None and self._state == spec.state
        mailed = not sub_flow_working
        if mailed:
            comment += f" A reminder mail goes to the distribution lists of {who}."
        await self._record_move(self._state, SYSTEM_ACTOR, "Reminder", {}, comment)
        if mailed:
            title = f"{request.script.script_id} {request.script.title}"
            instructions = self._standing(self._state).instructions
            self._mail_reminder(m.SCRIPT_ISSUE, title, self._responsible, instructions, hours)

    def _shown(self) -> dict[str, str]:
        request, spec = self._request, self._current()
        pairing, script = request.pairing, request.script
        fields = {
            "flight": pairing.flight,
            "script_id": script.script_id,
            "script_title": script.title,
            "pack_version": str(script.pack_version),
            "cr_duns": pairing.cr_duns,
            "cr_name": pairing.cr_name,
            "tdsp_duns": pairing.tdsp_duns,
            "tdsp_name": pairing.tdsp_name,
            "step": f"{min(self._step, len(self._steps))} of {len(self._steps)}",
            **self._fields,
        }
        at_step = spec if spec is not None and self._state == spec.state else None
        expected = at_step.transaction if at_step is not None else None
        if at_step is not None and at_step.action:
            fields["step_action"] = at_step.action
        if expected is not None:
            fields["expects"] = describe(expected)
            # What the scripts service matches a reported transaction against.
            fields["expects_type"] = expected.type
            fields["expects_sender"] = expected.sender
            fields["expects_receiver"] = expected.receiver
        if self._escalated_by:
            fields["escalated_by"] = self._escalated_by
        return fields
