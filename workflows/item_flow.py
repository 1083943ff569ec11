"""The one base every item workflow runs its table on (workflows.table.Flow): one validator, one move, one record of
each step, the search attributes, one action at a time.

A step is recorded by a regular activity, never a local one: Temporal schedules it in the same workflow task that
changed the state, so the projection and the history row are written only for a transition Temporal has recorded,
and a worker that dies mid-action leaves nothing that did not happen (the action is then the workflow's to decide
again). Writes are keyed by the step's sequence number, so a retried activity writes the step once.

An action answers as soon as its state has changed, with the steps not yet recorded (items.UNRECORDED_STEPS): Temporal
holds them once the update has answered, so the service that forwarded the action writes them at once, and the page
shows the step without waiting for the activity, which then writes nothing new. A step into a closed state is
recorded before the action answers, so no workflow ends with a record still to write."""

from collections.abc import Sequence
from dataclasses import asdict
from datetime import timedelta
from typing import Any, ClassVar, Generic

from temporalio import workflow
from temporalio.common import RawValue, SearchAttributeUpdate

from workflows import attention
from workflows import search_attributes as sa
from workflows.items import (
    REFUSAL_QUERY,
    STANDING_QUERY,
    UNRECORDED_QUERY,
    UNRECORDED_STEPS,
    ActionInput,
    Actor,
    Asked,
    ItemTransition,
    OneActionAtATime,
    Refusal,
    Standing,
    principal_of,
    refuse,
)
from workflows.table import Facts, Flow, State

# A step's record is one statement: a worker killed while writing it is noticed after seconds, not the half minute
# a step that calls out to another service may take, so the item's page catches up with its workflow quickly.
RECORD_OPTIONS = {**attention.STEP_OPTIONS, "start_to_close_timeout": timedelta(seconds=5)}
# An item started with its first action (update-with-start) waits this long for it; a refused one leaves nothing.
FIRST_ACTION_WITHIN = timedelta(minutes=10)


class ItemFlow(attention.Attended, Generic[Facts]):
    """Subclasses name their table (`class FlightWorkflow(ItemFlow[Flight], flow=FLOW)`, or say by `_table` which
    table an item runs) and, unless it is ActionInput, ACTION_INPUT, call `_begin` in their `__init__`, and say what
    the table's rules read (`_facts`) and how the item reads (`_title`, `_company_duns`, `_projected_fields`). An
    action with more to do than move (open another item, merge fields) is a method `_take_<name>`."""

    FLOW: ClassVar[Flow[Any]]
    ACTION_INPUT: ClassVar[type] = ActionInput  # the dataclass every action of the flow takes (actor, fields, comment)

    def __init_subclass__(cls, flow: Flow[Any] | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if flow is not None:
            cls.FLOW = flow

    async def _first_action_taken(self) -> bool:
        """Waits for the action the item's workflow was started with (update-with-start); False when that action was
        refused, so there is no item to keep and the workflow ends."""
        try:
            await workflow.wait_condition(lambda: self._state != "", timeout=FIRST_ACTION_WITHIN)
        except TimeoutError:
            return False
        return True

    def _begin(self, item_id: int, state: str = "", fields: dict[str, str] | None = None) -> None:
        self._item_id = item_id
        self._state = state
        self._fields: dict[str, str] = dict(fields or {})
        self._seq = 0
        self._unrecorded: dict[int, Any] = {}  # seq -> the step as its record activity takes it, until written
        self._party = ""  # the responsible party the item's last step (or its start) showed
        self._flow = self._table()
        self._attention = attention.Attention(self._flow.owner, item_id, self._flow.item_type)
        self._one_at_a_time = OneActionAtATime(self._flow.item_word)

    # What each flow says about its items.

    def _table(self) -> Flow[Any]:
        """The table this item runs: the flow's, or its kind's where the kinds of its items differ in actions."""
        return self.FLOW

    def _facts(self) -> Facts:
        raise NotImplementedError

    def _title(self) -> str:
        raise NotImplementedError

    def _company_duns(self) -> str:
        raise NotImplementedError

    def _projected_fields(self) -> dict[str, str]:
        return dict(self._fields)

    def _keep_fields(self, given: dict[str, str]) -> dict[str, str]:
        """Keeps the fields an action brings; answers what changed, as its history row shows it ("old -> new")."""
        before, self._fields = self._fields, {**self._fields, **given}
        return {
            name: f"{before[name]} -> {value}" if before.get(name) else value
            for name, value in self._fields.items()
            if before.get(name) != value
        }

    def _search_attributes(self) -> list[SearchAttributeUpdate[Any]]:
        """The flow's own attributes besides the item's ID, type, company, state and responsible party."""
        return []

    def _standing(self, state: str) -> State:
        """Who answers for the item in `state`, and what to do: the table's, unless the flow decides it now (a
        published notice waits on the companies that have not acknowledged; a script's step, on its sender)."""
        return self._flow.states[self._flow.kind_of(state)]

    def _upsert_search_attributes(self, state: State) -> None:
        """Each move sets them; a flow whose service recorded its first state sets them as it starts."""
        self._party = state.responsible
        workflow.upsert_search_attributes(
            [
                sa.ITEM_ID.value_set(str(self._item_id)),
                sa.ITEM_TYPE.value_set(self._flow.item_type),
                sa.COMPANY_DUNS.value_set(self._company_duns()),
                sa.ITEM_STATE.value_set(self._state),
                sa.RESPONSIBLE_PARTY.value_set(state.responsible or "-"),
                *self._search_attributes(),
            ]
        )

    def _recorded(self, step: ItemTransition) -> Any:
        """What the record activity takes: the step, or the step and what it adds to the flow's own tables."""
        return step

    # Every action of the table is one dynamic update, named as in the table.

    @workflow.update(dynamic=True)
    async def act(self, name: str, args: Sequence[RawValue]) -> Any:
        given = self._given(args)
        with self._one_at_a_time.acting(self._flow.action(name).label):
            take = getattr(self, f"_take_{name}", None)
            if take is not None:
                await take(given)
            else:
                await self._move(name, given)
        return self._answer()

    @act.validator
    def validate_act(self, name: str, args: Sequence[RawValue]) -> None:
        self._check(name, self._given(args))

    def status(self) -> Any:
        raise NotImplementedError

    @workflow.query(name=UNRECORDED_QUERY)
    def unrecorded(self) -> int:
        """Steps taken whose record activity has not finished: how far the item's page may be behind it."""
        return len(self._unrecorded)

    @workflow.query(name=STANDING_QUERY)
    def standing(self) -> Standing:
        return Standing(self._state, self._party, self._seq, len(self._unrecorded))

    def _answer(self) -> dict[str, Any]:
        """What an update answers: the item's status, and the steps its record activity has not written yet."""
        return {**asdict(self.status()), UNRECORDED_STEPS: list(self._unrecorded.values())}

    @workflow.query(name=REFUSAL_QUERY)
    def refusal(self, asked: Asked) -> Refusal | None:
        """What the table says of an action now, for a service about to do work a refused action would waste."""
        principal = principal_of(asked.actor)
        return self._flow.refusal(asked.action, self._state, principal, self._facts(), workflow.now(), asked.comment)

    def _given(self, args: Sequence[RawValue]) -> Any:
        if len(args) != 1:
            raise ValueError("an action takes one input: who acts, the fields and the comment")
        return workflow.payload_converter().from_payload(args[0].payload, self.ACTION_INPUT)

    def _check(self, name: str, given: Any) -> None:
        self._attention.admit(given)
        self._one_at_a_time.check()
        refuse(self._refusal(name, given))

    def _refusal(self, name: str, given: Any) -> Refusal | None:
        """The table's answer for this item now, then the action's own input (a flow's `_input_refusal`)."""
        return self.refusal(Asked(name, given.actor, given.comment)) or self._input_refusal(name, given)

    def _input_refusal(self, name: str, given: Any) -> Refusal | None:
        return None

    async def _move(self, name: str, given: Any, changes: dict[str, str] | None = None) -> None:
        """Takes table action `name`: to the state it leads to, recorded with who, the changes and the comment."""
        action = self._flow.action(name)
        to_state = action.to(self._flow.kind_of(self._state))
        await self._record_move(to_state, given.actor, action.label, changes or {}, given.comment)

    async def _record_move(
        self, to_state: str, actor: Actor, label: str, changes: dict[str, str], comment: str
    ) -> None:
        """The state changes before the step is recorded, so an action arriving meanwhile sees it."""
        from_state, self._state = self._state, to_state
        self._seq += 1
        state = self._standing(to_state)
        self._upsert_search_attributes(state)
        step = ItemTransition(
            workflow_id=workflow.info().workflow_id,
            item_id=self._item_id,
            seq=self._seq,
            item_type=self._flow.item_type,
            title=self._title(),
            company_duns=self._company_duns(),
            state=to_state,
            responsible_party=state.responsible,
            instructions=state.instructions,
            fields=self._projected_fields(),
            closed=state.closed,
            actor=actor,
            action=label,
            from_state=from_state,
            to_state=to_state,
            changes=changes,
            comment=comment,
        )
        seq = self._seq
        self._unrecorded[seq] = self._recorded(step)
        self._attention.record(
            self._flow.owner.record_item_transition,
            self._unrecorded[seq],
            lambda: self._unrecorded.pop(seq),
            task_queue=self._flow.owner.task_queue or None,
            **RECORD_OPTIONS,
        )
        if state.closed:
            await self._attention.recorded()
