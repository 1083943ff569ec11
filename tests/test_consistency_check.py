"""`flightrak check` (flightrak.consistency) on the suite's real stack: every open item's projection against its
workflow, every recorded transaction against the steps it advanced. A healthy stack shows no difference (a step in
flight, a receipt that came before its step, are not ones); a projection changed behind its workflow's back, and a
step claim that no step's advance shows, are reported, by the command (exit 1) and on ERCOT's operations page and
API, which no one else reads."""

import asyncio
import json
import os
import sys
import time

import pytest
from sqlalchemy import make_url, text

from flightrak import consistency, db, temporal
from tests.conftest import free_port, sign_in, system_sign_in
from tests.registration_helpers import new_tdsp
from tests.test_receipts_together_api import CHECKING, MOVING, waiting_for_997s
from tests.test_script_issues_api import ERCOT_DUNS, RUN, item_when, receipt


@pytest.fixture(scope="module")
async def issues(stack, settings):
    """Three script issues of a TDSP of the module's own, each waiting (once begun) for ERCOT's 997: two begun and
    moved on by their 997, the third not begun yet and holding the 997 that came before its step."""
    from httpx import AsyncClient

    async with AsyncClient(base_url=stack, timeout=60) as http:
        tdsp = await new_tdsp(http)
        items = await waiting_for_997s(http, 3, begun=2, tdsp=tdsp)
        systems = await system_sign_in(http)
        sent = [receipt(RUN % 1_000_000 + 900 + n, "997", ERCOT_DUNS, tdsp.duns, esi_id="") for n in range(3)]
        for body in sent:
            reply = await http.post("/api/v1/transactions", json=body, headers=systems)
            assert reply.status_code == 202 and reply.json()["matched_item_id"], reply.text
        for item in items[:2]:
            await item_when(http, tdsp.ar, item, lambda i: i["state"] == CHECKING, timeout=MOVING)
    return items, tdsp


@pytest.fixture
async def sessions(settings):
    engine = db.create_engine(settings.database_url, pool_size=2)
    yield db.session_factory(engine)
    await engine.dispose()


async def run_command(settings, *args: str, **overrides: str) -> tuple[int, str, str]:
    """`flightrak check` as an operator runs it, with the settings of the stack's processes."""
    env = os.environ | {
        "FLIGHTRAK_DATABASE_URL": settings.database_url,
        "FLIGHTRAK_TEMPORAL_ADDRESS": settings.temporal_address,
        "FLIGHTRAK_DATA_DIR": str(settings.data_dir),
        **overrides,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "flightrak.cli", "check", *args, env=env, stdout=-1, stderr=-1
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=180)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_a_healthy_stack_shows_no_difference(issues, settings):
    items, _ = issues
    result = await consistency.check(settings)
    assert [d.line() for d in result.differences] == []
    assert result.items_checked >= len(items) and result.transactions_checked >= 3


async def test_a_projection_changed_behind_its_workflow_is_reported_by_the_command_and_on_the_page(
    issues, settings, sessions, http
):
    items, tdsp = issues
    corrupted = items[0]
    async with sessions.begin() as session:
        await session.execute(
            text("UPDATE scripts.items SET responsible_party = 'Nobody' WHERE item_id = :item_id"),
            {"item_id": corrupted},
        )
    try:
        result = await consistency.check(settings, keep=False)
        [found] = [d for d in result.differences if d.item_id == corrupted]
        assert (found.kind, found.item_type) == ("state", "Script Issue")
        assert found.projection == f"{CHECKING} / Nobody" and found.workflow == f"{CHECKING} / TDSP", found

        code, out, err = await run_command(settings)
        assert code == 1, (out, err)
        assert [line for line in out.splitlines() if line.startswith(f"item {corrupted} ")] == [found.line()], out
        code, out, _ = await run_command(settings, "--json")
        assert code == 1
        shown = json.loads(out)
        assert {"checked_at", "items_checked", "transactions_checked", "differences"} <= shown.keys()
        assert [d["item_id"] for d in shown["differences"]] == [corrupted], shown
    finally:
        async with sessions.begin() as session:
            await session.execute(
                text("UPDATE scripts.items SET responsible_party = 'TDSP' WHERE item_id = :item_id"),
                {"item_id": corrupted},
            )

    # The command kept its last result: ERCOT's staff see it on the operations page and through the API.
    ercot = await sign_in(http, "admin@ercot.example")
    reply = await http.get("/api/v1/operations/consistency", headers=ercot)
    assert reply.status_code == 200, reply.text
    last = reply.json()
    assert last["checked"] and [d["item_id"] for d in last["differences"]] == [str(corrupted)], last
    assert last["differences"][0]["projection"] == f"{CHECKING} / Nobody"
    page = await http.get("/operations", headers=ercot)
    assert page.status_code == 200
    assert 'id="consistency-check"' in page.text and f'data-item-id="{corrupted}"' in page.text
    assert f"{CHECKING} / Nobody" in page.text

    # Nobody else reads it.
    assert (await http.get("/api/v1/operations/consistency", headers=tdsp.ar)).status_code == 403
    assert (await http.get("/api/v1/operations/consistency")).status_code == 401

    # Put right, the projection agrees again.
    code, out, err = await run_command(settings)
    assert code == 0 and out == "", (out, err)


async def test_a_step_claim_whose_step_never_advanced_is_reported(issues, settings, sessions):
    items, tdsp = issues
    moved = items[1]
    reference = f"CONSISTENCY-{time.time_ns()}"
    values = {"item_id": moved, "sender": ERCOT_DUNS, "receiver": tdsp.duns, "reference": reference}
    async with sessions.begin() as session:
        # A 997 kept and matched to the issue, claiming its step 2, whose workflow was never told of it.
        await session.execute(
            text(
                "INSERT INTO scripts.transactions (sender_duns, reference, type, receiver_duns, esi_id, valid, "
                "reasons, matched_item_id, reported_by) VALUES (:sender, :reference, '997', :receiver, '', true, "
                "'[]'::jsonb, :item_id, 'tests')"
            ),
            values,
        )
        await session.execute(
            text(
                "INSERT INTO scripts.step_claims (item_id, step, sender_duns, reference) "
                "VALUES (:item_id, 2, :sender, :reference)"
            ),
            values,
        )
    try:
        result = await consistency.check(settings, keep=False)
        [found] = [d for d in result.differences if d.transaction == f"{ERCOT_DUNS}:{reference}"]
        assert (found.kind, found.item_id, found.item_type) == ("transaction", moved, "Script Issue")
        assert found.projection == "step 2 claimed, no step it advanced in the history", found
        assert found.workflow == "it never received the receipt", found
        assert [d for d in result.differences if d.transaction != found.transaction] == []
    finally:
        async with sessions.begin() as session:
            await session.execute(text("DELETE FROM scripts.step_claims WHERE reference = :reference"), values)
            await session.execute(text("DELETE FROM scripts.transactions WHERE reference = :reference"), values)


async def test_an_open_item_whose_workflow_ended_is_reported(issues, settings, sessions):
    items, _ = issues
    ended = items[2]
    async with sessions() as session:
        workflow_id = await session.scalar(
            text("SELECT workflow_id FROM scripts.items WHERE item_id = :item_id"), {"item_id": ended}
        )
    client = await temporal.connect(settings)
    await client.get_workflow_handle(workflow_id).terminate("an operator's mistake (test)")
    try:
        result = await consistency.check(settings, keep=False)
        [found] = [d for d in result.differences if d.item_id == ended]
        assert found.kind == "workflow_ended" and found.workflow.startswith("terminated"), found
        assert found.projection.startswith("open, Ready to Begin"), found
    finally:
        # The item closed, as an operator would close it: the suite's later checks have nothing to find.
        async with sessions.begin() as session:
            await session.execute(
                text("UPDATE scripts.items SET closed = true WHERE item_id = :item_id"), {"item_id": ended}
            )


async def test_the_command_could_not_check_without_postgresql_or_temporal(stack, settings):
    nothing_there = f"127.0.0.1:{free_port()}"
    no_database = make_url(settings.database_url).set(port=free_port()).render_as_string(hide_password=False)
    for down, setting in (
        ("PostgreSQL", {"FLIGHTRAK_DATABASE_URL": no_database}),
        ("Temporal", {"FLIGHTRAK_TEMPORAL_ADDRESS": nothing_there}),
    ):
        code, out, err = await run_command(settings, **setting)
        assert (code, out) == (2, ""), (code, out, err)
        assert f"{down} " in err and "did not answer" in err, err
