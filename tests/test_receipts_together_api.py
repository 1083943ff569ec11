"""Receipts that arrive together take different steps (issue 14's loose end): ERCOT's transaction-processing
system reports many 997s at once (a 997 names no premise, so each could go to any step waiting for one between
its parties). Each claims the step it advances in the database transaction that keeps it, so every waiting step
moves on exactly once, and one that finds no free step is kept Unmatched, saying so, instead of "matched" to a
step another took. On the real stack, through the HTTP API, against PostgreSQL and the Temporal dev server."""

import asyncio
from collections import Counter

from tests.conftest import sign_in, system_sign_in
from tests.registration_helpers import Tdsp, act, new_tdsp, report
from tests.test_script_issues_api import (
    ERCOT_DUNS,
    RUN,
    acknowledgement,
    flight_in_connectivity_testing,
    item_when,
    receipt,
    rows_when,
)
from tests.test_script_pack_api import EXAMPLE

WAITING = "Pending 997 from ERCOT"
CHECKING = "Pending Acknowledgement Checked by TDSP"
# Seconds for every step to be recorded: the suite's workers cache no workflow, so many signals at once make
# each task replay, and a step's local activity in flight when its workflow is evicted runs again (~a minute for
# sixteen on two cores).
MOVING = 120


def with_acknowledgements(count: int) -> str:
    """The example pack and `count` connectivity scripts more, each waiting, once the TDSP begins it, for ERCOT's
    997 to the TDSP (a 997 no example script waits for), then for the TDSP's click: the step the 997 took stays
    on the open issue."""
    scripts = "".join(
        f"""
  - script_id: EDMACK{n:02d}
    title: EDM acknowledgement to the TDSP {n} (example)
    kind: connectivity
    scenario: NAESB EDM connectivity
    begins: TDSP
    steps:
      - state: {WAITING}
        responsible: ERCOT
        instructions: ERCOT acknowledges the TDSP's test file {n} with a 997 functional acknowledgement.
        transaction: {{type: "997", sender: ERCOT, receiver: TDSP}}
      - state: {CHECKING}
        responsible: TDSP
        instructions: Check ERCOT's 997, then click Acknowledgement Checked.
        action: Acknowledgement Checked
"""
        for n in range(1, count + 1)
    )
    return EXAMPLE.rstrip("\n") + "\n" + scripts


async def waiting_for_997s(http, count: int, begun: int, tdsp: Tdsp) -> list[int]:
    """A flight with `count` acknowledgement scripts, of which the TDSP has begun the first `begun`: each of those
    steps waits for ERCOT's 997; the others are Ready to Begin. Their Item IDs, begun first."""
    designation = await flight_in_connectivity_testing(http, with_acknowledgements(count), tdsp)
    ready = await rows_when(
        http,
        tdsp.ar,
        "scripts-ready-to-begin",
        designation,
        lambda rows: sum(r["Script ID"].startswith("EDMACK") for r in rows) == count,
    )
    items = sorted(int(r["Item ID"]) for r in ready if r["Script ID"].startswith("EDMACK"))
    assert len(items) == count, ready
    replies = [await act(http, tdsp.ar, item, "begin_working") for item in items[:begun]]
    assert [reply.json()["state"] for reply in replies] == [WAITING] * begun, [reply.text for reply in replies]
    return items


async def test_sixteen_997s_at_once_move_sixteen_waiting_steps_each_once(http):
    # A TDSP of the test's own: a 997 may go to any open issue between its parties, in any flight.
    tdsp = await new_tdsp(http)
    items = await waiting_for_997s(http, 16, begun=16, tdsp=tdsp)
    edi = await system_sign_in(http) | {"content-type": "application/edi-x12"}
    first = RUN % 999_000_000 + 500_000

    # ERCOT's system uploads sixteen interchanges at the same moment, one valid 997 to the TDSP in each.
    sent = [acknowledgement(first + n, "A", receiver=tdsp.duns) for n in range(16)]
    replies = await asyncio.gather(*(http.post("/api/v1/transactions", content=body, headers=edi) for body in sent))
    assert [reply.status_code for reply in replies] == [202] * 16, [reply.text for reply in replies]
    outcomes = [reply.json()["transactions"][0] for reply in replies]
    # Each sender is told the truth: every 997 took a step of its own, and no step was given two.
    assert sorted(o["matched_item_id"] for o in outcomes) == sorted(items), outcomes
    assert [o["matched_step"] for o in outcomes] == [1] * 16 and not any(o["unmatched_reason"] for o in outcomes)

    # Every step moved on, once, by the 997 it was given; none waits.
    moved = [await item_when(http, tdsp.ar, item, lambda i: i["state"] == CHECKING, timeout=MOVING) for item in items]
    assert [item["state"] for item in moved] == [CHECKING] * 16
    given = {o["matched_item_id"]: o["reference"] for o in outcomes}
    for item in moved:
        received = [h for h in item["history"] if h["action"] == "997 Received"]
        assert len(received) == 1 and given[int(item["item_id"])] in received[0]["comment"], item["history"]
        assert (received[0]["from_state"], received[0]["to_state"]) == (WAITING, CHECKING)
    references = Counter(o["reference"] for o in outcomes)
    assert len(references) == 16 and set(references.values()) == {1}


async def test_more_997s_than_steps_keeps_the_extra_one_unmatched_saying_so(http):
    # A TDSP of the test's own: other tests' open issues with the demo TDSPs, waiting longer than these, would take
    # 997s to them first.
    tdsp = await new_tdsp(http)
    items = await waiting_for_997s(http, 6, begun=4, tdsp=tdsp)
    waiting, ready = items[:4], items[4:]
    systems = await system_sign_in(http)

    # Seven 997s at once: four take the steps waiting for one, two the steps of the scripts the TDSP has not begun
    # (a transaction may come before its step: the issue keeps it), and the seventh finds every step taken.
    sent = [receipt(700 + n, "997", ERCOT_DUNS, tdsp.duns, esi_id="") for n in range(7)]
    replies = await asyncio.gather(*(http.post("/api/v1/transactions", json=body, headers=systems) for body in sent))
    assert [reply.status_code for reply in replies] == [202] * 7, [reply.text for reply in replies]
    outcomes = [reply.json() for reply in replies]
    matched = [o for o in outcomes if o["matched_item_id"]]
    [extra] = [o for o in outcomes if not o["matched_item_id"]]
    assert sorted(o["matched_item_id"] for o in matched) == items, outcomes
    assert {o["matched_step"] for o in matched} == {1} and extra["matched_step"] is None
    reason = extra["unmatched_reason"]
    assert reason.startswith(f"no free step: every step that waits for a 997 from {ERCOT_DUNS} to {tdsp.duns}"), reason
    assert sum(f"item {item} step 1 took {ERCOT_DUNS}:" in reason for item in items) == 5, reason  # the newest 5

    # It is in the Unmatched Transactions report, with why, for ERCOT to look into.
    ercot = await sign_in(http, "admin@ercot.example")
    listed = {row["Reference"]: row for row in (await report(http, ercot, "unmatched-transactions"))["rows"]}
    assert listed[extra["reference"]]["Why Unmatched"] == reason

    # The waiting steps moved on, once each; those not begun move on by themselves once the TDSP begins them.
    for item_id in ready:
        assert (await act(http, tdsp.ar, item_id, "begin_working")).status_code == 200
    for item_id in waiting + ready:
        item = await item_when(http, tdsp.ar, item_id, lambda i: i["state"] == CHECKING, timeout=MOVING)
        assert [h["action"] for h in item["history"]].count("997 Received") == 1, item["history"]
