"""Receipts arriving together never share a step (issue 16 item 5): hundreds of waiting steps, of scripts run on
a premise (an 814_01 names it) and of scripts on none (a 997 names none, so each could go to any step waiting for
one between its parties), are sent their receipts all at once: as X12 interchanges of many sets (taken
concurrently inside the service), as a JSON batch, and as single reports over HTTP and over gRPC to two scripts
servicers on the same database. Each step is claimed once, every receipt answered "matched" moved its step once
(the item's history), and the only receipts refused as having no free step are the ones sent beyond the steps.
On the suite's stack: PostgreSQL, the Temporal dev server, the worker, the gateway."""

import asyncio
import time
import uuid
from collections import Counter
from datetime import UTC, datetime

import grpc
import pytest
from sqlalchemy import func, select
from temporalio.testing import ActivityEnvironment

from flightrak import db, grpc_runtime, service_process
from flightrak import temporal as temporal_connection
from flightrak.scripts.v1 import scripts_pb2 as pb
from flightrak.scripts.v1 import scripts_pb2_grpc
from services.scripts import models, packs, store, x12
from services.scripts.activities import ScriptsActivities
from tests.begun_issues import begin_working
from tests.conftest import free_port, system_sign_in
from workflows.scripts import models as m
from workflows.scripts.ids import script_issue_workflow_id

ERCOT_DUNS = x12.ERCOT_DUNS
CRS, TDSPS = 5, 5
ON_PREMISE = [f"PRM{n:02d}" for n in range(1, 5)]  # each waits for the CR's 814_01 naming its own premise
NO_PREMISE = [f"ACK{n:02d}" for n in range(1, 5)]  # each waits for ERCOT's 997 to the TDSP
EXTRA_997S = 1  # a TDSP's 997s beyond its waiting steps: each must be refused as having no free step
SECOND_814S = 5  # 814_01s, with references of their own, for a premise whose step another 814_01 takes
RESENT = 5  # receipts sent twice at the same moment, the same reference: one is stored, the other duplicate
# The worker records every move; two hundred at once take it a while on two cores.
MOVING = 180
SINGLES_AT_ONCE = 48
BEGUN_AT_ONCE = 20


def concurrency_pack() -> packs.ScriptPack:
    def script(script_id: str, state: str, transaction: str) -> str:
        return f"""
  - script_id: {script_id}
    title: Together {script_id}
    kind: business
    scenario: Receipts together
    begins: CR
    steps:
      - state: {state}
        responsible: CR
        instructions: The transaction comes.
        transaction: {transaction}
      - state: Moved {script_id}
        responsible: CR
        instructions: Click Done.
        action: Done"""

    scripts = [script(s, "Pending 814_01 from CR", '{type: "814_01", sender: CR, receiver: ERCOT}') for s in ON_PREMISE]
    scripts += [script(s, "Pending 997 from ERCOT", '{type: "997", sender: ERCOT, receiver: TDSP}') for s in NO_PREMISE]
    return packs.parse_pack(f"title: Receipts together\nexample: true\nscripts:{''.join(scripts)}\n")


class Market:
    """This test's own CRs, TDSPs and premises (no other test's steps between them), and its flight's issues."""

    def __init__(self):
        tag = uuid.uuid4().int % 10**6
        self.flight = f"C{uuid.uuid4().hex[:3]}"
        self.crs = [f"6{tag:06d}{c:02d}" for c in range(CRS)]
        self.tdsps = [f"5{tag:06d}{t:02d}" for t in range(TDSPS)]
        first_premise = 10_000_000_000_000_000 + tag * 1000
        self.premises = {
            (cr, tdsp, script): str(first_premise + n)
            for n, (cr, tdsp, script) in enumerate(
                (cr, tdsp, script) for cr in self.crs for tdsp in self.tdsps for script in ON_PREMISE
            )
        }
        self.references = iter(range(1, 10**6))

    def pairings(self) -> list[m.PairingToTest]:
        return [
            m.PairingToTest(
                m.Pairing(self.flight, cr, f"Together Retail {cr}", tdsp, f"Together Wires {tdsp}"),
                ["new_cr"],
                "iou",
                {script: [self.premises[cr, tdsp, script]] for script in ON_PREMISE},
            )
            for cr in self.crs
            for tdsp in self.tdsps
        ]

    def reference(self) -> str:
        return f"TOG{self.flight}{next(self.references):06d}"


async def open_and_begin(sessions, client, market: Market) -> dict[int, str]:
    """The flight's issues opened by the scripts service's own activity, then begun by each CR: Item ID -> the
    type its first step waits for."""
    pack = concurrency_pack()
    async with sessions.begin() as session:
        await store.add_pack_version(session, market.flight, pack, packs.pack_as_json(pack), "tests")
    testing = market.pairings()
    request = m.OpenScriptIssues(market.flight, "business", testing, "2099-01-01T00:00:00-06:00", ERCOT_DUNS)
    opened = await ActivityEnvironment().run(ScriptsActivities(sessions, client, 0).open_script_issues, request)
    assert opened == len(testing) * (len(ON_PREMISE) + len(NO_PREMISE)), opened
    begins = [
        (
            client.get_workflow_handle(
                script_issue_workflow_id(market.flight, p.pairing.cr_duns, p.pairing.tdsp_duns, s)
            ),
            p,
        )
        for p in testing
        for s in ON_PREMISE + NO_PREMISE
    ]
    for first in range(0, len(begins), BEGUN_AT_ONCE):
        await asyncio.gather(
            *(begin_working(handle, p.pairing.cr_duns) for handle, p in begins[first : first + BEGUN_AT_ONCE])
        )
    give_up = time.monotonic() + 120
    while len(waiting := await waiting_steps(sessions, market.flight)) < opened:
        assert time.monotonic() < give_up, f"{len(waiting)} of {opened} begun issues recorded within 120 s"
        await asyncio.sleep(0.5)
    return waiting


async def waiting_steps(sessions, flight: str) -> dict[int, str]:
    issue, item = models.ScriptIssue, models.Item
    async with sessions() as session:
        rows = await session.execute(
            select(item.item_id, item.fields["expects_type"].astext)
            .join(issue, issue.item_id == item.item_id)
            .where(issue.flight == flight, item.fields["expects_type"].astext.in_(["814_01", "997"]))
        )
        return dict(rows.all())


async def received_counts(sessions, items: set[int]) -> Counter[int]:
    """Item ID -> how many times its history records a transaction received."""
    history = models.ItemHistory
    async with sessions() as session:
        rows = await session.execute(
            select(history.item_id, func.count())
            .where(history.item_id.in_(items), history.action.in_(["814_01 Received", "997 Received"]))
            .group_by(history.item_id)
        )
        return Counter(dict(rows.all()))


def json_receipt(kind: str, sender: str, receiver: str, reference: str, esi_id: str = "") -> dict:
    return {
        "type": kind,
        "sender_duns": sender,
        "receiver_duns": receiver,
        "esi_id": esi_id,
        "reference": reference,
        "valid": True,
    }


def interchange_of(receipts: list[dict], control_number: int) -> bytes:
    """814_01s of one CR, each a transaction set of one interchange."""
    today = datetime.now(UTC).strftime("%Y%m%d")
    sets = [
        x12.new_receipt(
            r["type"], r["sender_duns"], r["receiver_duns"], reference=r["reference"], esi_id=r["esi_id"], date=today
        )
        for r in receipts
    ]
    written = x12.write_interchange(sets, prepared=datetime.now(UTC), control_number=control_number)
    return written.encode()


@pytest.fixture
async def second_scripts_servicer(settings, stack):
    """Another replica of the scripts service, on the same database and Temporal, as `run --replicas 2` starts."""
    port = free_port()
    server, _, engine, _ = await service_process.start("scripts", settings, port)
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    yield f"127.0.0.1:{port}"
    await server.stop(grace=1)
    await engine.dispose()


async def test_hundreds_of_receipts_at_once_take_each_step_once(http, settings, second_scripts_servicer):
    engine = db.create_engine(settings.database_url, pool_size=4)
    sessions = db.session_factory(engine)
    client = await temporal_connection.connect(settings)
    market = Market()
    try:
        waiting = await open_and_begin(sessions, client, market)
        await send_and_check(http, settings, second_scripts_servicer, sessions, market, waiting)
    finally:
        await engine.dispose()


async def send_and_check(http, settings, second: str, sessions, market: Market, waiting: dict[int, str]) -> None:
    system = await system_sign_in(http)
    # One 814_01 for each premise step, from its CR; a few premises get a second one, of another reference.
    by_cr: dict[str, list[dict]] = {cr: [] for cr in market.crs}
    for (cr, _, _), premise in market.premises.items():
        by_cr[cr].append(json_receipt("814_01", cr, ERCOT_DUNS, market.reference(), premise))
    seconds = [
        json_receipt("814_01", cr, ERCOT_DUNS, market.reference(), premise)
        for (cr, _, _), premise in list(market.premises.items())[:: len(market.premises) // SECOND_814S][:SECOND_814S]
    ]
    # ERCOT's 997s to each TDSP: one for each of its steps waiting for one, and one more.
    by_tdsp = {
        tdsp: [
            json_receipt("997", ERCOT_DUNS, tdsp, market.reference()) for _ in range(CRS * len(NO_PREMISE) + EXTRA_997S)
        ]
        for tdsp in market.tdsps
    }
    resent = [by_tdsp[market.tdsps[-1]][n] for n in range(RESENT)]

    outcomes: list[dict] = []
    singles_at_once = asyncio.Semaphore(SINGLES_AT_ONCE)
    channels = [grpc_runtime.channel(settings.service_address("scripts")), grpc_runtime.channel(second)]
    stubs = [scripts_pb2_grpc.ScriptsServiceStub(channel) for channel in channels]
    metadata = (("authorization", system["authorization"]),)
    edi = system | {"content-type": "application/edi-x12"}

    def as_dict(outcome: pb.TransactionOutcome) -> dict:
        return {
            "reference": outcome.reference,
            "type": outcome.type,
            "matched_item_id": outcome.matched_item_id or None,
            "matched_step": outcome.matched_step or None,
            "duplicate": outcome.duplicate,
            "unmatched_reason": outcome.unmatched_reason or None,
        }

    async def interchange_over_http(receipts: list[dict], control_number: int) -> None:
        reply = await http.post("/api/v1/transactions", content=interchange_of(receipts, control_number), headers=edi)
        assert reply.status_code == 202, reply.text
        outcomes.extend(reply.json()["transactions"])

    async def interchange_over_grpc(receipts: list[dict], control_number: int, stub) -> None:
        read = await stub.ReportInterchange(
            pb.Interchange(content=interchange_of(receipts, control_number)), metadata=metadata, timeout=120
        )
        assert read.accepted_whole, read.problems
        outcomes.extend(as_dict(outcome) for outcome in read.transactions)

    async def batch_over_http(receipts: list[dict]) -> None:
        reply = await http.post("/api/v1/transactions", json=receipts, headers=system, timeout=120)
        assert reply.status_code == 202, reply.text
        outcomes.extend(reply.json()["transactions"])

    async def single_over_http(receipt: dict) -> None:
        async with singles_at_once:
            reply = await http.post("/api/v1/transactions", json=receipt, headers=system, timeout=120)
        assert reply.status_code in (200, 202), reply.text
        outcomes.append(reply.json())

    async def single_over_grpc(receipt: dict, stub) -> None:
        async with singles_at_once:
            outcome = await stub.ReportTransaction(pb.TransactionReport(**receipt), metadata=metadata, timeout=120)
        outcomes.append(as_dict(outcome))

    crs, tdsps = market.crs, market.tdsps
    sending = [
        interchange_over_http(by_cr[crs[0]], 1 + uuid.uuid4().int % 10**8),
        interchange_over_grpc(by_cr[crs[1]], 1 + uuid.uuid4().int % 10**8, stubs[1]),
        batch_over_http(by_cr[crs[2]] + by_tdsp[tdsps[0]]),
        *(single_over_http(r) for r in by_cr[crs[3]] + by_tdsp[tdsps[1]] + seconds),
        *(single_over_grpc(r, stubs[n % 2]) for n, r in enumerate(by_cr[crs[4]] + by_tdsp[tdsps[2]])),
        *(single_over_grpc(r, stubs[1]) for r in by_tdsp[tdsps[3]]),
        *(single_over_grpc(r, stubs[0]) if n % 2 else single_over_http(r) for n, r in enumerate(by_tdsp[tdsps[4]])),
        *(single_over_http(r) for r in resent),  # the same receipts again, at the same moment
    ]
    try:
        await asyncio.gather(*sending)
    except grpc.aio.AioRpcError as error:
        pytest.fail(f"a report failed: {error.code().name} {error.details()}")
    finally:
        for channel in channels:
            await channel.close()

    sent_distinct = sum(len(r) for r in by_cr.values()) + len(seconds) + sum(len(r) for r in by_tdsp.values())
    assert len(outcomes) == sent_distinct + RESENT
    # The same receipt sent twice at once: stored once, the other answered duplicate with what the first was told.
    by_reference: dict[str, list[dict]] = {}
    for outcome in outcomes:
        by_reference.setdefault(outcome["reference"], []).append(outcome)
    for receipt in resent:
        answers = by_reference[receipt["reference"]]
        assert sorted(a["duplicate"] for a in answers) == [False, True], answers
        assert len({(a["matched_item_id"], a["matched_step"]) for a in answers}) == 1, answers
    firsts = [outcome for outcome in outcomes if not outcome["duplicate"]]
    assert len(firsts) == sent_distinct, [o for o in outcomes if o["duplicate"] and o not in resent]

    # Each step was given to one receipt; every receipt told "matched" names a step that waited for its type.
    matched = [o for o in firsts if o["matched_item_id"]]
    steps = Counter((o["matched_item_id"], o["matched_step"]) for o in matched)
    assert steps and set(steps.values()) == {1}, [step for step, n in steps.items() if n > 1]
    assert all(waiting.get(o["matched_item_id"]) == o["type"] and o["matched_step"] == 1 for o in matched), matched
    no_free_step = [o for o in firsts if (o["unmatched_reason"] or "").startswith("no free step")]
    other_unmatched = [o for o in firsts if not o["matched_item_id"] and o not in no_free_step]
    assert not other_unmatched, other_unmatched[:3]

    # The database agrees: a claim per matched receipt, each step's once.
    items = set(waiting)
    async with sessions() as session:
        claims = (
            await session.execute(
                select(models.StepClaim.item_id, models.StepClaim.step, models.StepClaim.reference).where(
                    models.StepClaim.item_id.in_(items)
                )
            )
        ).all()
    assert sorted((i, s, r) for i, s, r in claims) == sorted(
        (o["matched_item_id"], o["matched_step"], o["reference"]) for o in matched
    )

    # Every matched step moved, once; none moved twice; the steps still waiting are those no receipt was left for.
    moved = {o["matched_item_id"] for o in matched}
    give_up = time.monotonic() + MOVING
    while (counted := await received_counts(sessions, items)).keys() != moved:
        assert time.monotonic() < give_up, f"{len(moved - counted.keys())} matched steps not moved in {MOVING} s"
        assert counted.keys() <= moved, counted.keys() - moved
        await asyncio.sleep(1)
    assert set(counted.values()) == {1}, {item: n for item, n in counted.items() if n > 1}
    still_waiting = await waiting_steps(sessions, market.flight)
    assert len(still_waiting) == len(no_free_step) - SECOND_814S - TDSPS * EXTRA_997S == 0, (
        len(still_waiting),
        len(no_free_step),
    )
    assert {o["reference"] for o in no_free_step} >= {r["reference"] for r in seconds}
