"""A P2P sub-flow (guide §7.1 steps 9-23): the submitter does its part and clicks Task Complete; the receiver
reviews and clicks Task Complete (Completed), or escalates back to the submitter with a comment, who answers
with Return to Receiver (comment) and the receiver reviews again. Its parent script issue waits for it."""

import asyncio
from contextlib import suppress

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

from workflows import attention, list_mail
from workflows import search_attributes as sa
from workflows.items import SYSTEM_ACTOR, Actor, ItemTransition, OneActionAtATime, principal_of, refuse
from workflows.scripts import models as m
from workflows.scripts import rules
from workflows.scripts.reminders import reminder_mail
from workflows.scripts.waiting import Waiting

RECORD_OPTIONS = {**attention.STEP_OPTIONS, "local": True}


def instructions(state: str, spec: m.P2PSpec) -> str:
    if state == m.SUBMITTER_WORKING:
        return spec.submitter_instructions or f"The {spec.submitter} does its part, then clicks Task Complete."
    if state == m.RECEIVER_IN_REVIEW:
        return spec.receiver_instructions or (
            f"The {spec.receiver} checks the {spec.submitter}'s part: Task Complete when it is done, or Escalate "
            "to Submitter with a comment when it is not."
        )
    if state == m.ESCALATED_TO_SUBMITTER:
        return f"The {spec.submitter} answers the escalation, then clicks Return to Receiver with a comment."
    if state == m.NOT_COMPLETED:
        return "The flight ended before this sub-flow was completed."
    return "This sub-flow is complete."


@workflow.defn(name="P2PSubFlow")
class P2PWorkflow(attention.Attended):
    @workflow.init
    def __init__(self, request: m.P2PInput) -> None:
        self._request = request
        self._attention = attention.Attention(attention.SCRIPTS, request.item_id, m.P2P_SUB_FLOW)
        self._state = m.SUBMITTER_WORKING
        self._seq = 0
        self._one_at_a_time = OneActionAtATime("sub-flow")
        self._waiting = Waiting(request.timing.ends_at, request.timing.reminder_business_hours, self._remind)
        self._reminder_mails: list[asyncio.Task] = []

    @workflow.run
    async def run(self, request: m.P2PInput) -> m.P2PStatus:
        await self._move(
            m.SUBMITTER_WORKING, SYSTEM_ACTOR, "Opened", f"Opened by script issue {request.parent_item_id}.", ""
        )
        if not await self._waiting.until(lambda: self._state in m.P2P_CLOSED_STATES):
            await workflow.wait_condition(workflow.all_handlers_finished)
            await self._move(m.NOT_COMPLETED, SYSTEM_ACTOR, "Flight Ended", "The flight ended before this was done.")
        self._waiting.stop()
        for mail in self._reminder_mails:  # an SMTP outage delays a reminder: it is not lost when the sub-flow ends
            with suppress(ActivityError, ApplicationError):
                await mail
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.status()

    @workflow.query
    def status(self) -> m.P2PStatus:
        return m.P2PStatus(self._request.item_id, self._state, rules.p2p_responsible(self._state, self._request.spec))

    @workflow.update(name=m.TASK_COMPLETE)
    async def task_complete(self, action: m.ScriptAction) -> m.P2PStatus:
        after = m.RECEIVER_IN_REVIEW if self._state == m.SUBMITTER_WORKING else m.COMPLETED
        await self._act(m.TASK_COMPLETE, after, action)
        return self.status()

    @task_complete.validator
    def validate_task_complete(self, action: m.ScriptAction) -> None:
        self._check(m.TASK_COMPLETE, action)

    @workflow.update(name=m.ESCALATE_TO_SUBMITTER)
    async def escalate_to_submitter(self, action: m.ScriptAction) -> m.P2PStatus:
        await self._act(m.ESCALATE_TO_SUBMITTER, m.ESCALATED_TO_SUBMITTER, action)
        return self.status()

    @escalate_to_submitter.validator
    def validate_escalate_to_submitter(self, action: m.ScriptAction) -> None:
        self._check(m.ESCALATE_TO_SUBMITTER, action)

    @workflow.update(name=m.RETURN_TO_RECEIVER)
    async def return_to_receiver(self, action: m.ScriptAction) -> m.P2PStatus:
        await self._act(m.RETURN_TO_RECEIVER, m.RECEIVER_IN_REVIEW, action)
        return self.status()

    @return_to_receiver.validator
    def validate_return_to_receiver(self, action: m.ScriptAction) -> None:
        self._check(m.RETURN_TO_RECEIVER, action)

    def _check(self, name: str, action: m.ScriptAction) -> None:
        self._attention.admit(action)
        self._one_at_a_time.check()
        request = self._request
        problem = rules.p2p_refusal(
            name, self._state, request.spec, principal_of(action.actor), request.pairing, action.comment
        )
        refuse(problem)

    async def _act(self, name: str, to_state: str, action: m.ScriptAction) -> None:
        label = m.LABELS[name]
        with self._one_at_a_time.acting(label):
            await self._move(to_state, action.actor, label, action.comment)

    async def _remind(self, hours: float) -> None:
        """On the item, and by mail to the waiting party's lists."""
        request = self._request
        waiting_on = rules.p2p_responsible(self._state, request.spec)
        who = rules.party_name(waiting_on, request.pairing)
        comment = (
            f"Waiting on {who} for {hours:g} business hours. A reminder mail goes to the distribution lists of {who}."
        )
        await self._move(self._state, SYSTEM_ACTOR, "Reminder", comment)
        mail = reminder_mail(
            f"{workflow.info().workflow_id}-reminder-{self._seq}",
            request.item_id,
            m.P2P_SUB_FLOW,
            request.spec.title,
            request.pairing,
            waiting_on,
            self._state,
            instructions(self._state, request.spec),
            hours,
            self._waiting.since,
            script_issue=f"{request.parent_item_id} {request.script_id}",
        )
        self._reminder_mails.append(list_mail.send(self._attention, mail))

    async def _move(
        self, to_state: str, actor: Actor, label: str, comment: str = "", from_state: str | None = None
    ) -> None:
        from_state = self._state if from_state is None else from_state
        if to_state != from_state:
            self._waiting.restart()
        self._state = to_state
        self._seq += 1
        request = self._request
        responsible = rules.p2p_responsible(to_state, request.spec)
        self._upsert_search_attributes(responsible)
        pairing = request.pairing
        step = ItemTransition(
            workflow_id=workflow.info().workflow_id,
            item_id=request.item_id,
            seq=self._seq,
            item_type=m.P2P_SUB_FLOW,
            title=f"{request.spec.title} - {request.script_id} - {pairing.cr_name} / {pairing.tdsp_name}",
            company_duns=pairing.cr_duns,
            state=to_state,
            responsible_party=responsible,
            instructions=instructions(to_state, request.spec),
            fields={
                "flight": pairing.flight,
                "script_id": request.script_id,
                "parent_item_id": str(request.parent_item_id),
                "cr_duns": pairing.cr_duns,
                "cr_name": pairing.cr_name,
                "tdsp_duns": pairing.tdsp_duns,
                "tdsp_name": pairing.tdsp_name,
                "submitter": request.spec.submitter,
                "receiver": request.spec.receiver,
            },
            closed=to_state in m.P2P_CLOSED_STATES,
            actor=actor,
            action=label,
            from_state=from_state,
            to_state=to_state,
            changes={},
            comment=comment,
        )
        await self._attention.run(m.RECORD_ITEM_TRANSITION, step, **RECORD_OPTIONS)

    def _upsert_search_attributes(self, responsible: str) -> None:
        request = self._request
        workflow.upsert_search_attributes(
            [
                sa.ITEM_ID.value_set(str(request.item_id)),
                sa.ITEM_TYPE.value_set(m.P2P_SUB_FLOW),
                sa.FLIGHT.value_set(request.pairing.flight),
                sa.CR_DUNS.value_set(request.pairing.cr_duns),
                sa.TDSP_DUNS.value_set(request.pairing.tdsp_duns),
                sa.SCRIPT_ID.value_set(request.script_id),
                sa.COMPANY_DUNS.value_set(request.pairing.cr_duns),
                sa.ITEM_STATE.value_set(self._state),
                sa.RESPONSIBLE_PARTY.value_set(responsible or "-"),
            ]
        )
