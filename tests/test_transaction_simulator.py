"""The transaction simulator (`flightrak simulate-transactions`): what it plans for waiting steps reads back as
the market's X12; run against the real stack it walks business scripts to Script Passed with nobody clicking,
its duplicates advance nothing twice, its failed receipts show their reasons on their steps, and what it sent
to match nothing is in the Unmatched Transactions report with why."""

import asyncio
import random
import sys
from collections import Counter
from dataclasses import replace

from services.identity.domain import demo_system_key
from services.scripts import simulator, x12
from tests.conftest import DEMO_PASSWORD, sign_in
from tests.registration_helpers import LONESTAR, ONCOR, act, report
from tests.test_script_issues_api import flight_in_connectivity_testing, item_when, rows_when

ERCOT_DUNS = x12.ERCOT_DUNS
PREMISE = "10443720000000001"


def waiting(item_id: int, kind: str, sender: str, receiver: str, esi_id: str = PREMISE) -> simulator.WaitingStep:
    return simulator.WaitingStep(item_id, "SW01", f"Pending {kind}", kind, sender, receiver, esi_id)


def test_planned_receipts_are_the_market_x12_for_each_waiting_step():
    steps = [
        waiting(1, "814_01", LONESTAR, ERCOT_DUNS),
        waiting(2, "814_03", ERCOT_DUNS, ONCOR, "10443720000000002"),
        waiting(3, "867_04", ONCOR, ERCOT_DUNS, "10443720000000003"),
        waiting(4, "814_24", LONESTAR, ERCOT_DUNS, "10443720000000004"),
    ]
    planner = simulator.Planner(random.Random(7))
    planned = planner.plan(steps, failures=0.25, duplicates=0.5, unmatched=0.75)
    kinds = Counter(p.kind for p in planned)
    assert kinds == {simulator.VALID: 3, simulator.FAILED: 1, simulator.DUPLICATE: 2, simulator.UNMATCHED: 3}
    for p in planned:
        reading = x12.read_interchange(p.interchange)
        assert reading.accepted_whole, reading.problems
        [read] = reading.receipts
        assert (read.texas_set_name, read.sender_duns, read.receiver_duns, read.reference, read.esi_id) == (
            p.receipt.texas_set_name,
            p.receipt.sender_duns,
            p.receipt.receiver_duns,
            p.receipt.reference,
            p.receipt.esi_id,
        )
        assert reading.envelope.sender_id.strip() == p.receipt.sender_duns and reading.envelope.usage == "T"
        if p.kind in (simulator.VALID, simulator.FAILED):
            step = next(s for s in steps if s.item_id == p.item_id)
            assert (read.texas_set_name, read.esi_id) == (step.type, step.esi_id)
            assert bool(read.reject_reasons) == (p.kind == simulator.FAILED)
    for copy in (p for p in planned if p.kind == simulator.DUPLICATE):
        original = next(p for p in planned if p.kind == simulator.VALID and p.interchange == copy.interchange)
        assert planned.index(original) < planned.index(copy)
    references = [p.receipt.reference for p in planned if p.kind != simulator.DUPLICATE]
    assert len(set(references)) == len(references)
    # The step given a failed receipt is given a valid one next time; a step's next transaction answers its last.
    again = planner.plan(steps, failures=1.0, duplicates=0, unmatched=0)
    failed_before = next(p.item_id for p in planned if p.kind == simulator.FAILED)
    assert [p.kind for p in again if p.item_id == failed_before] == [simulator.VALID]
    first = next(p for p in planned if p.item_id == 1 and p.kind == simulator.VALID)
    assert next(p for p in again if p.item_id == 1).receipt.answers_reference == first.receipt.reference


async def test_a_stopped_run_sends_nothing_more_and_answers_what_is_in_flight():
    """What SIGTERM or Ctrl-C does to `flightrak simulate-transactions`: the receipts in flight are answered and
    counted, those not yet sent are not sent."""
    steps = [waiting(n, "814_01", LONESTAR, ERCOT_DUNS, f"1044372000000{n:04d}") for n in range(1, 9)]
    planned = simulator.Planner(random.Random(3)).plan(steps, failures=0, duplicates=0, unmatched=0)
    stop = asyncio.Event()

    class SlowReporter:
        started = 0

        async def report(self, item: simulator.Planned) -> simulator.Sent:
            SlowReporter.started += 1
            if SlowReporter.started == 2:
                stop.set()  # the stop arrives while two receipts are in flight
            await asyncio.sleep(0.05)
            return simulator.Sent(item, 0.0, matched_item_id=item.item_id)

    sent = await simulator.send_all(SlowReporter(), planned, rate=0, concurrency=2, until=float("inf"), stop=stop)
    assert SlowReporter.started == 2 and len(sent) == 2  # the two in flight, answered; the other six never sent
    assert all(one.matched_item_id for one in sent)


async def test_the_simulator_walks_business_scripts_with_nobody_clicking(http, stack):
    designation = await flight_in_connectivity_testing(http)
    ercot_admin = await sign_in(http, "admin@ercot.example")
    flight = (await http.get(f"/api/v1/flights/{designation}", headers=ercot_admin)).json()
    assert (await act(http, ercot_admin, flight["item_id"], "open_business_testing")).status_code == 200
    lonestar = await sign_in(http, "user@lonestar.example")
    scripts = ("SW01", "MVI01", "MVO01")
    ready = await rows_when(
        http,
        lonestar,
        "scripts-ready-to-begin",
        designation,
        lambda rows: set(scripts) <= {r["Script ID"] for r in rows},
    )
    items = {r["Script ID"]: int(r["Item ID"]) for r in ready if r["Script ID"] in scripts}
    for item_id in items.values():
        assert (await act(http, lonestar, item_id, "begin_working")).status_code == 200
    for item_id in items.values():
        await item_when(http, lonestar, item_id, lambda i: "expects_type" in i["fields"])

    lines: list[str] = []
    options = simulator.Options(
        base_url=stack,
        system_key=demo_system_key(DEMO_PASSWORD),
        reader_password=DEMO_PASSWORD,
        flight=designation,
        rate=0,
        count=200,
        duration=150,
        rounds=40,
        failures=0.34,
        duplicates=0.5,
        unmatched=1.0,
        concurrency=4,
        seed=6,
    )
    summary = await simulator.simulate(options, out=lines.append)
    log = "\n".join(lines)
    counted = summary.counts()
    assert counted["errors"] == counted["unexpected"] == 0, log
    assert counted[simulator.FAILED] >= 1 and counted[simulator.DUPLICATE] >= 3 and counted[simulator.UNMATCHED] >= 3, (
        log
    )
    assert "matched item" in log and "duplicate (item" in log and "unmatched: " in log

    # Every step moved on by its transaction, once: five transactions, five steps, Script Passed.
    for script, item_id in items.items():
        passed = await item_when(http, lonestar, item_id, lambda i: i["state"] == "Script Passed")
        assert passed["state"] == "Script Passed", (script, passed["state"], log)
        received = Counter(h["action"] for h in passed["history"] if h["action"].endswith(" Received"))
        assert len(received) == 5 and set(received.values()) == {1}, (script, received)
    # A failed one is on its step's history with its reasons, and the step waited for a valid one. It claims no step,
    # so of issues alike it goes to one whose step is still free: the one FlighTrak answered, not always the planned.
    for sent in (s for s in summary.sent if s.planned.kind == simulator.FAILED):
        receipt = sent.planned.receipt
        item_id = sent.matched_item_id or sent.planned.item_id
        history = (await http.get(f"/api/v1/items/{item_id}", headers=lonestar)).json()["history"]
        [failed] = [h for h in history if receipt.reference in h["comment"]]
        assert failed["action"] == f"{receipt.texas_set_name} Failed"
        assert receipt.reasons[0] in failed["comment"]
    # What matched nothing is listed for ERCOT with the reason the simulator was given.
    listed = {row["Reference"]: row for row in (await report(http, ercot_admin, "unmatched-transactions"))["rows"]}
    unmatched = [s for s in summary.sent if s.planned.kind == simulator.UNMATCHED]
    for sent in unmatched:
        assert listed[sent.planned.receipt.reference]["Why Unmatched"] == sent.unmatched_reason
    reasons = {sent.unmatched_reason.split(":")[0].split(" ESI ID")[0] for sent in unmatched}
    assert reasons == {"unknown", "wrong party", "no script expects this type now"}

    # The command itself, as a user runs it: nothing waits any more.
    command = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "flightrak.cli",
        "simulate-transactions",
        *("--base-url", stack, "--flight", designation, "--reader-password", DEMO_PASSWORD),
        *("--system-key", demo_system_key(DEMO_PASSWORD), "--duration", "20"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output = (await asyncio.wait_for(command.communicate(), 60))[0].decode()
    assert command.returncode == 0 and "no step waits for a transaction" in output, output


def test_a_997_is_sent_as_x12_named_by_its_control_numbers_and_a_failed_one_rejects_a_set():
    steps = [
        simulator.WaitingStep(5, "CON05", "Pending 997 from CR", "997", LONESTAR, ERCOT_DUNS, ""),
        simulator.WaitingStep(6, "CON02", "Pending 997 from ERCOT", "997", ERCOT_DUNS, LONESTAR, ""),
    ]
    planned = simulator.Planner(random.Random(1)).plan(steps, failures=0.5, duplicates=0, unmatched=0)
    assert sorted(p.item_id for p in planned) == [5, 6]
    assert sorted(p.kind for p in planned) == [simulator.FAILED, simulator.VALID]
    for p in planned:
        reading = x12.read_interchange(p.interchange)
        assert reading.accepted_whole, reading.problems
        [read] = reading.receipts
        assert read == replace(p.receipt, control_number="0001")
        assert read.reference == f"{reading.envelope.control_number}-1-0001"  # ISA13-GS06-ST02
        assert (read.texas_set_name, read.service_code) == ("997", "GE")
        assert read.answers_reference.endswith("-0001")
        if p.kind == simulator.VALID:
            assert (read.action_code, read.passed, read.reasons) == ("A", True, ())
        else:
            assert (read.action_code, read.passed) == ("R", False)
            assert read.reasons[0].endswith("Rejected (AK901 R)")
            assert read.reject_reasons[0] == "AK2*814*0001" and "Rejected (AK501 R)" in read.reasons[-1]
