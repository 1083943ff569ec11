"""One workflow per script issue (a pairing x script of the flight's pack): Ready to Begin until the party that
begins it clicks Begin Working, then the script's steps in order, each ending by a participant's button, by a
matching transaction that ERCOT's systems report (a signal; nobody clicks), or by a P2P sub-flow (a child
workflow); the last step passes -> Script Passed. ERCOT may attach by hand a transaction that matched no issue to
the step waiting for one (an update, with its comment). Any party may escalate to ERCOT or to its testing partner;
ERCOT may mark the script failed. A task waiting on one party raises a reminder every so many business hours, on
the item and by mail to that party's distribution lists; at the flight's end an unfinished script closes as Not
Completed."""

import asyncio
from contextlib import suppress

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError, ChildWorkflowError

from workflows import attention, list_mail
from workflows import search_attributes as sa
from workflows.items import SYSTEM_ACTOR, Actor, ItemTransition, OneActionAtATime, conflict, principal_of, refuse
from workflows.scripts import models as m
from workflows.scripts import rules
from workflows.scripts.ids import p2p_workflow_id
from workflows.scripts.p2p import P2PWorkflow
from workflows.scripts.reminders import reminder_mail
from workflows.scripts.waiting import Waiting

RECORD_OPTIONS = {**attention.STEP_OPTIONS, "local": True}
KEPT_RECEIPTS = 200  # transactions remembered for later steps, newest kept
P2P_ENDED = "Ended"  # a sub-flow that ended without completing (terminated or failed)
SYSTEM_PARTY = "FlighTrak"  # who escalated, when the tool itself did


def describe(transaction: m.TransactionSpec) -> str:
    return f"{transaction.type} from the {transaction.sender} to the {transaction.receiver}"


@workflow.defn(name="ScriptIssue")
class ScriptIssueWorkflow(attention.Attended):
    @workflow.init
    def __init__(self, request: m.ScriptIssueInput) -> None:
        self._request = request
        self._attention = attention.Attention(attention.SCRIPTS, request.item_id, m.SCRIPT_ISSUE)
        self._steps = request.script.steps
        self._step = 0  # 0: Ready to Begin; n: the pack's step n (1-based)
        self._state = m.READY_TO_BEGIN
        self._responsible = request.script.begins
        self._escalated_by = ""
        self._resume: tuple[str, str] = ("", "")  # state and responsible party to go back to after an escalation
        self._seq = 1  # the service recorded the issue's opening
        self._fields: dict[str, str] = {}
        self._receipts: list[m.TransactionReceipt] = []
        self._seen_receipts: set[str] = set()
        self._p2p_opened: set[int] = set()  # steps whose sub-flow started
        self._p2p_done: dict[int, str] = {}  # step -> the sub-flow's final state
        self._one_at_a_time = OneActionAtATime("script")
        self._waiting = Waiting(request.timing.ends_at, request.timing.reminder_business_hours, self._remind)
        self._reminder_mails: list[asyncio.Task] = []

    @workflow.run
    async def run(self, request: m.ScriptIssueInput) -> m.ScriptIssueStatus:
        self._upsert_search_attributes()
        while self._state not in m.CLOSED_STATES:
            step = self._step
            spec = self._current()
            if spec is not None and spec.p2p is not None and step not in self._p2p_opened:
                await self._open_p2p(step, spec.p2p)
            await self._report_failed_transactions()
            seen = len(self._receipts)
            ended = not await self._waiting.until(
                lambda step=step, seen=seen: (
                    self._step != step
                    or self._state in m.CLOSED_STATES
                    or len(self._receipts) != seen
                    or self._may_move_on(step)
                    or self._p2p_ended(step)
                )
            )
            await workflow.wait_condition(lambda: not self._one_at_a_time.busy)
            if self._p2p_ended(step):
                await self._escalate_ended_p2p(spec.p2p)
            elif ended and self._state not in m.CLOSED_STATES:
                await self._move(m.NOT_COMPLETED, "", SYSTEM_ACTOR, "Flight Ended", "The flight ended first.")
            elif self._step == step and self._may_move_on(step):
                await self._step_done_by_itself(step, spec)
        self._waiting.stop()
        for mail in self._reminder_mails:  # an SMTP outage delays a reminder: it is not lost when the issue closes
            with suppress(ActivityError, ApplicationError):
                await mail
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.status()

    @workflow.query
    def status(self) -> m.ScriptIssueStatus:
        return m.ScriptIssueStatus(self._request.item_id, self._state, self._responsible, self._step, self._shown())

    # Participants' actions

    @workflow.update(name=m.BEGIN_WORKING)
    async def begin_working(self, action: m.ScriptAction) -> m.ScriptIssueStatus:
        with self._one_at_a_time.acting(m.LABELS[m.BEGIN_WORKING]):
            await self._next_step(action.actor, m.LABELS[m.BEGIN_WORKING], action.comment)
        return self.status()

    @begin_working.validator
    def validate_begin_working(self, action: m.ScriptAction) -> None:
        self._check(m.BEGIN_WORKING, action)

    @workflow.update(name=m.STEP_ACTION)
    async def step_action(self, action: m.ScriptAction) -> m.ScriptIssueStatus:
        label = self._current().action
        with self._one_at_a_time.acting(label):
            await self._next_step(action.actor, label, action.comment)
        return self.status()

    @step_action.validator
    def validate_step_action(self, action: m.ScriptAction) -> None:
        self._check(m.STEP_ACTION, action)

    @workflow.update(name=m.ESCALATE_TO_ERCOT)
    async def escalate_to_ercot(self, action: m.ScriptAction) -> m.ScriptIssueStatus:
        await self._escalate(m.ESCALATE_TO_ERCOT, m.ESCALATED_TO_ERCOT, action)
        return self.status()

    @escalate_to_ercot.validator
    def validate_escalate_to_ercot(self, action: m.ScriptAction) -> None:
        self._check(m.ESCALATE_TO_ERCOT, action)

    @workflow.update(name=m.ESCALATE_TO_PARTNER)
    async def escalate_to_partner(self, action: m.ScriptAction) -> m.ScriptIssueStatus:
        await self._escalate(m.ESCALATE_TO_PARTNER, m.ESCALATED_TO_PARTNER, action)
        return self.status()

    @escalate_to_partner.validator
    def validate_escalate_to_partner(self, action: m.ScriptAction) -> None:
        self._check(m.ESCALATE_TO_PARTNER, action)

    @workflow.update(name=m.RESOLVE)
    async def resolve(self, action: m.ScriptAction) -> m.ScriptIssueStatus:
        with self._one_at_a_time.acting(m.LABELS[m.RESOLVE]):
            state, responsible = self._resume
            if self._escalated_by == SYSTEM_PARTY and self._p2p_done.get(self._step) == P2P_ENDED:
                self._p2p_done[self._step] = m.COMPLETED  # ERCOT counts the ended sub-flow as done
            self._escalated_by = ""
            await self._move(state, responsible, action.actor, m.LABELS[m.RESOLVE], action.comment)
        return self.status()

    @resolve.validator
    def validate_resolve(self, action: m.ScriptAction) -> None:
        self._check(m.RESOLVE, action)

    @workflow.update(name=m.MARK_FAILED)
    async def mark_failed(self, action: m.ScriptAction) -> m.ScriptIssueStatus:
        with self._one_at_a_time.acting(m.LABELS[m.MARK_FAILED]):
            await self._move(m.SCRIPT_FAILED, "", action.actor, m.LABELS[m.MARK_FAILED], action.comment)
        return self.status()

    @mark_failed.validator
    def validate_mark_failed(self, action: m.ScriptAction) -> None:
        self._check(m.MARK_FAILED, action)

    # Transactions that ERCOT's systems received

    @workflow.signal(name=m.TRANSACTION_RECEIVED)
    def transaction_received(self, receipt: m.TransactionReceipt) -> None:
        """Kept until a step expects it: a transaction may come before its step (systems are quick) or twice
        (a retried report); each transaction counts once."""
        if receipt.transaction_id in self._seen_receipts or self._state in m.CLOSED_STATES:
            return
        self._seen_receipts.add(receipt.transaction_id)
        self._receipts = [*self._receipts, receipt][-KEPT_RECEIPTS:]

    @workflow.update(name=m.ATTACH_TRANSACTION)
    async def attach_transaction(self, attached: m.AttachedTransaction) -> m.ScriptIssueStatus:
        """ERCOT's person decided this transaction, which matched nothing, is the one the step waits for: a valid
        one moves the step on, a failed one is shown on the step with its reasons (the step waits on), either
        recorded under their name with their comment."""
        with self._one_at_a_time.acting(m.LABELS[m.ATTACH_TRANSACTION]):
            receipt = attached.receipt
            self._seen_receipts.add(receipt.transaction_id)
            label, comment = m.LABELS[m.ATTACH_TRANSACTION], attached.comment.strip()
            if receipt.valid:
                changes = {"last_transaction": self._took(receipt)}
                await self._next_step(attached.actor, label, comment, changes)
            else:
                changes = {"last_failed_transaction": self._failed(receipt)}
                await self._move(self._state, self._responsible, attached.actor, label, comment, changes)
        return self.status()

    @attach_transaction.validator
    def validate_attach_transaction(self, attached: m.AttachedTransaction) -> None:
        self._attention.admit(attached)
        self._one_at_a_time.check()
        if attached.receipt.transaction_id in self._seen_receipts:
            refuse(conflict("this script issue has this transaction already"))
        spec = self._current()
        expected = spec.transaction if spec is not None and self._state == spec.state else None
        problem = rules.attach_refusal(
            self.situation(),
            expected.type if expected else "",
            describe(expected) if expected else "",
            principal_of(attached.actor),
            attached.receipt.type,
            attached.comment,
        )
        refuse(problem)

    # The steps

    def situation(self) -> rules.Situation:
        spec = self._current()
        action = spec.action if spec is not None and self._state == spec.state else ""
        return rules.Situation(self._state, self._responsible, action, self._escalated_by)

    def _current(self) -> m.StepSpec | None:
        return self._steps[self._step - 1] if 0 < self._step <= len(self._steps) else None

    def _check(self, action: str, given: m.ScriptAction) -> None:
        self._attention.admit(given)
        self._one_at_a_time.check()
        problem = rules.script_refusal(
            action, self.situation(), principal_of(given.actor), self._request.pairing, given.comment
        )
        refuse(problem)

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

    def _receipt_words(self, receipt: m.TransactionReceipt) -> str:
        esi_id = f", ESI ID {receipt.esi_id}" if receipt.esi_id else ""
        reference = f", reference {receipt.reference}" if receipt.reference else ""
        return f"{receipt.type} from {receipt.sender_duns} to {receipt.receiver_duns}{esi_id}{reference}"

    async def _report_failed_transactions(self) -> None:
        """A transaction the current step expects that failed validation: shown on the step, which waits on."""
        spec = self._current()
        if spec is None or spec.transaction is None or self._escalated_by:
            return
        failed = [r for r in self._receipts if not r.valid and self._matches(r, spec.transaction)]
        for receipt in failed:
            self._receipts = [r for r in self._receipts if r is not receipt]
            words = self._receipt_words(receipt)
            self._failed(receipt)
            reasons = "; ".join(receipt.reasons) or "no reason given"
            comment = f"{words} failed validation: {reasons}. The step waits for a valid one."
            await self._move(self._state, self._responsible, SYSTEM_ACTOR, f"{receipt.type} Failed", comment)

    def _failed(self, receipt: m.TransactionReceipt) -> str:
        """Shows a failed transaction on the step, with its reasons; returns what is shown."""
        shown = f"{self._receipt_words(receipt)}: {'; '.join(receipt.reasons) or 'failed validation'}"
        self._fields["last_failed_transaction"] = shown
        return shown

    def _took(self, receipt: m.TransactionReceipt) -> str:
        """Shows the transaction that ended the step (and its premise); returns what is shown."""
        self._fields["last_transaction"] = self._receipt_words(receipt)
        if receipt.esi_id:
            self._fields["esi_id"] = receipt.esi_id
        return self._fields["last_transaction"]

    async def _step_done_by_itself(self, step: int, spec: m.StepSpec) -> None:
        if spec.transaction is not None:
            receipt = self._matching_receipt(spec.transaction)
            self._receipts = [r for r in self._receipts if r is not receipt]
            label = f"{spec.transaction.type} Received"
            comment = f"ERCOT received {self._took(receipt)}."
        else:
            label, comment = f"{spec.p2p.title} Completed", ""
        await self._next_step(SYSTEM_ACTOR, label, comment)

    async def _next_step(self, actor: Actor, label: str, comment: str, changes: dict[str, str] | None = None) -> None:
        self._step += 1
        spec = self._current()
        if spec is None:
            await self._move(m.SCRIPT_PASSED, "", actor, label, comment, changes)
        else:
            await self._move(spec.state, spec.responsible, actor, label, comment, changes)

    async def _escalate(self, name: str, to_state: str, action: m.ScriptAction) -> None:
        with self._one_at_a_time.acting(m.LABELS[name]):
            parties = rules.parties_of(principal_of(action.actor), self._request.pairing)
            self._escalated_by = m.CR if m.CR in parties else m.TDSP
            self._resume = (self._state, self._responsible)
            to = m.ERCOT if to_state == m.ESCALATED_TO_ERCOT else rules.partner_of(self._escalated_by)
            await self._move(to_state, to, action.actor, m.LABELS[name], action.comment)

    async def _open_p2p(self, step: int, spec: m.P2PSpec) -> None:
        request = self._request
        item_id = await self._attention.run(
            m.OPEN_P2P_ITEM, m.P2PItemRequest(request.item_id, step), result_type=int, **RECORD_OPTIONS
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
        await self._move(self._state, self._responsible, SYSTEM_ACTOR, f"{spec.title} Opened", f"Item {item_id}.")

    async def _await_p2p(self, step: int, child) -> None:
        try:
            done: m.P2PStatus = await child
            self._p2p_done[step] = done.state
        except ChildWorkflowError as error:  # terminated by an operator, or failed: ERCOT decides what now
            self._p2p_done[step] = P2P_ENDED
            self._fields["p2p_ended"] = str(error.cause or error)

    async def _escalate_ended_p2p(self, spec: m.P2PSpec) -> None:
        self._escalated_by = SYSTEM_PARTY
        self._resume = (self._state, self._responsible)
        why = self._fields.get("p2p_ended", "")
        comment = (
            f"{spec.title} ended without being completed ({why}). Resolve Escalation to count it as done, "
            "or Mark Failed."
        )
        await self._move(m.ESCALATED_TO_ERCOT, m.ERCOT, SYSTEM_ACTOR, "Escalated by FlighTrak", comment)

    async def _remind(self, hours: float) -> None:
        """On the item, and by mail to the waiting party's lists; a sub-flow in progress mails its own reminders."""
        request, spec = self._request, self._current()
        who = rules.party_name(self._responsible, request.pairing)
        comment = f"Waiting on {who} for {hours:g} business hours."
        sub_flow_working = spec is not None and spec.p2p is not None and self._state == spec.state
        mailed = not sub_flow_working
        if mailed:
            comment += f" A reminder mail goes to the distribution lists of {who}."
        await self._move(self._state, self._responsible, SYSTEM_ACTOR, "Reminder", comment)
        if mailed:
            script = request.script
            mail = reminder_mail(
                f"{workflow.info().workflow_id}-reminder-{self._seq}",
                request.item_id,
                m.SCRIPT_ISSUE,
                f"{script.script_id} {script.title}",
                request.pairing,
                self._responsible,
                self._state,
                self._instructions(),
                hours,
                self._waiting.since,
            )
            self._reminder_mails.append(list_mail.send(self._attention, mail))

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
        situation = self.situation()
        if situation.step_action:
            fields["step_action"] = situation.step_action
        if spec is not None and spec.transaction is not None and self._state == spec.state:
            fields["expects"] = describe(spec.transaction)
            # What the scripts service matches a reported transaction against.
            fields["expects_type"] = spec.transaction.type
            fields["expects_sender"] = spec.transaction.sender
            fields["expects_receiver"] = spec.transaction.receiver
        if self._escalated_by:
            fields["escalated_by"] = self._escalated_by
        return fields

    def _instructions(self) -> str:
        spec = self._current()
        if self._state == m.READY_TO_BEGIN:
            return f"The {self._request.script.begins} clicks Begin Working to start this script."
        if self._state == m.ESCALATED_TO_ERCOT:
            return "ERCOT answers the escalation (see the comments): Resolve Escalation, or Mark Failed."
        if self._state == m.ESCALATED_TO_PARTNER:
            return f"The {self._responsible} answers the escalation (see the comments), then Resolve Escalation."
        if self._state == m.SCRIPT_PASSED:
            return "The script passed."
        if self._state == m.SCRIPT_FAILED:
            return "ERCOT marked the script failed (see the comments)."
        if self._state == m.NOT_COMPLETED:
            return "The flight ended before the script passed."
        return spec.instructions if spec is not None else ""

    async def _move(
        self,
        to_state: str,
        responsible: str,
        actor: Actor,
        label: str,
        comment: str = "",
        changes: dict[str, str] | None = None,
    ) -> None:
        """The state changes before the step is recorded, so a second action in the same instant sees it."""
        from_state, self._state = self._state, to_state
        if (to_state, responsible) != (from_state, self._responsible):
            self._waiting.restart()
        self._responsible = responsible
        self._seq += 1
        self._upsert_search_attributes()
        request = self._request
        pairing, script = request.pairing, request.script
        step = ItemTransition(
            workflow_id=workflow.info().workflow_id,
            item_id=request.item_id,
            seq=self._seq,
            item_type=m.SCRIPT_ISSUE,
            title=f"{script.script_id} {script.title} - {pairing.cr_name} / {pairing.tdsp_name}",
            company_duns=pairing.cr_duns,
            state=to_state,
            responsible_party=responsible,
            instructions=self._instructions(),
            fields=self._shown(),
            closed=to_state in m.CLOSED_STATES,
            actor=actor,
            action=label,
            from_state=from_state,
            to_state=to_state,
            changes=changes or {},
            comment=comment,
        )
        await self._attention.run(m.RECORD_ITEM_TRANSITION, step, **RECORD_OPTIONS)

    def _upsert_search_attributes(self) -> None:
        request = self._request
        workflow.upsert_search_attributes(
            [
                sa.ITEM_ID.value_set(str(request.item_id)),
                sa.ITEM_TYPE.value_set(m.SCRIPT_ISSUE),
                sa.FLIGHT.value_set(request.pairing.flight),
                sa.CR_DUNS.value_set(request.pairing.cr_duns),
                sa.TDSP_DUNS.value_set(request.pairing.tdsp_duns),
                sa.SCRIPT_ID.value_set(request.script.script_id),
                sa.COMPANY_DUNS.value_set(request.pairing.cr_duns),
                sa.ITEM_STATE.value_set(self._state),
                sa.RESPONSIBLE_PARTY.value_set(self._responsible or "-"),
            ]
        )
