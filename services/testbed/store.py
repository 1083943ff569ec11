"""Reads and writes of the testbed tables; the only module that speaks SQL for this service."""

from collections.abc import Generator, Iterable
from contextlib import AsyncExitStack
from dataclasses import replace

from psycopg import AsyncConnection, AsyncCopy
from sqlalchemy import BigInteger, Table, and_, case, delete, exists, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from flightrak import authz, errors, item_events, projections
from flightrak.copying import same_named
from flightrak.tokens import Principal
from flightrak.visibility import readable_where
from services.testbed import catalog, models
from services.testbed import test_bed_file as tbf
from workflows.items import SYSTEM_ACTOR, ItemTransition
from workflows.specifications import models as specifications
from workflows.specifications.ids import specifications_workflow_id
from workflows.specifications.rules import FLOWS


async def request_for(session: AsyncSession, flight: str, duns: str) -> models.SpecificationsRequest | None:
    return await session.scalar(
        select(models.SpecificationsRequest).where(
            models.SpecificationsRequest.flight == flight, models.SpecificationsRequest.company_duns == duns
        )
    )


async def request_and_item(
    session: AsyncSession, flight: str, duns: str
) -> tuple[models.SpecificationsRequest, models.Item] | None:
    request = await request_for(session, flight, duns)
    if request is None:
        return None
    return request, await projections.item(session, models.Item, request.item_id)


async def open_request(
    session: AsyncSession,
    flight: str,
    kind: str,
    duns: str,
    name: str,
    sp_duns: str = "",
    registration_item_id: int | None = None,
) -> tuple[specifications.SpecificationsInput, bool]:
    """The company's request for this flight, opened (item and first step recorded) if it had none, or reopened
    if the registration it served was cancelled; returns the workflow input and whether it was opened now."""
    why = (
        f"when ERCOT approved registration {registration_item_id}."
        if registration_item_id
        else f"for {name}'s pairings in flight {flight}."
    )
    existing = await request_for(session, flight, duns)
    if existing is not None:
        item = await projections.item(session, models.Item, existing.item_id)
        if item.state != specifications.CANCELLED:
            # Its workflow runs on from there; a run not yet started (a retried opening) starts at its last step.
            return _input(existing, item.last_seq), False
        existing.sp_duns, existing.registration_item_id = sp_duns, registration_item_id
        await session.flush()
        reopened = _input(existing, item.last_seq + 1)
        await _record_opening(session, reopened, "Reopened", specifications.CANCELLED, f"Reopened {why}")
        return reopened, True
    item_id = await session.scalar(select(models.item_id_seq.next_value()))
    request = models.SpecificationsRequest(
        item_id=item_id,
        flight=flight,
        kind=kind,
        company_duns=duns,
        company_name=name,
        sp_duns=sp_duns,
        registration_item_id=registration_item_id,
    )
    session.add(request)
    await session.flush()
    opened = _input(request)
    await _record_opening(session, opened, "Opened", "", f"Opened {why}")
    return opened, True


async def _record_opening(
    session: AsyncSession, opened: specifications.SpecificationsInput, action: str, from_state: str, why: str
) -> None:
    """The request's first step (or first since it was cancelled), recorded before its workflow runs."""
    flight, duns, name = opened.flight, opened.company_duns, opened.company_name
    pending = FLOWS[opened.kind].states[specifications.PENDING_SPECIFICATIONS]
    await record_transition(
        session,
        ItemTransition(
            workflow_id=specifications_workflow_id(flight, duns),
            item_id=opened.item_id,
            seq=opened.opened_seq,
            item_type=specifications.ITEM_TYPE,
            title=f"Flight {flight} Testing Specifications - {name}",
            company_duns=duns,
            state=specifications.PENDING_SPECIFICATIONS,
            responsible_party=pending.responsible,
            instructions=pending.instructions,
            fields=opened.fields,
            closed=False,
            actor=SYSTEM_ACTOR,
            action=action,
            from_state=from_state,
            to_state=specifications.PENDING_SPECIFICATIONS,
            changes={},
            comment=why,
        ),
    )


def _input(request: models.SpecificationsRequest, opened_seq: int = 1) -> specifications.SpecificationsInput:
    fields = {"flight": request.flight, "kind": request.kind, "company_name": request.company_name}
    if request.sp_duns:
        fields["service_provider"] = request.sp_duns
    if request.registration_item_id:
        fields["registration_item_id"] = str(request.registration_item_id)
    return specifications.SpecificationsInput(
        **same_named(request, "item_id", "flight", "kind", "company_duns", "company_name"),
        service_provider_duns=request.sp_duns,
        fields=fields,
        opened_seq=opened_seq,
    )


def resumed_input(request: models.SpecificationsRequest, item: models.Item) -> specifications.SpecificationsInput:
    """A run of the request that starts where its projection stands: one whose workflow has ended is started again
    to record its cancellation."""
    return replace(_input(request, item.last_seq), fields=dict(item.fields), state=item.state)


def readable(principal: Principal, flight: str = "", item_id: int = 0):
    """The Requests for Testing Specifications (with their items) a caller may read, by
    authz.specifications_readers: the item page, the Test Specs reports and their exports all ask this. Searched
    by flight and Item ID, newest first."""
    request, pairing = models.SpecificationsRequest, models.Pairing
    paired = and_(pairing.flight == request.flight, pairing.tdsp_duns == request.company_duns)
    readers = authz.specifications_readers(
        request.company_duns,
        request.sp_duns,
        select(pairing.cr_duns).where(paired),
        select(pairing.sp_duns).where(paired),
    )
    statement = (
        select(request, models.Item)
        .join(models.Item, models.Item.item_id == request.item_id)
        .where(readable_where(principal, readers))
    )
    if flight:
        statement = statement.where(request.flight == flight)
    if item_id:
        statement = statement.where(request.item_id == item_id)
    return statement.order_by(request.item_id.desc())


async def readable_request(
    session: AsyncSession, principal: Principal, item_id: int
) -> tuple[models.Item, models.SpecificationsRequest]:
    found = (await session.execute(readable(principal, item_id=item_id))).first()
    if found is None:
        raise errors.NotFound(f"no item {item_id}")
    spec, item = found
    return item, spec


async def rows(session: AsyncSession, statement) -> list:
    return list((await session.execute(statement)).all())


def _announcement():
    """A Request for Testing Specifications, announced to its readers (authz.specifications_readers, as readable
    reads them)."""
    item, request, pairing = models.Item.__table__, models.SpecificationsRequest.__table__, models.Pairing.__table__
    paired = and_(pairing.c.flight == request.c.flight, pairing.c.tdsp_duns == request.c.company_duns)
    readers = authz.specifications_readers(
        request.c.company_duns,
        request.c.sp_duns,
        select(pairing.c.cr_duns).where(paired),
        select(pairing.c.sp_duns).where(paired),
    )
    return item_events.announcement(
        item, readers, joined=item.join(request, request.c.item_id == item.c.item_id), flight=request.c.flight
    )


ANNOUNCE_ITEMS = _announcement()


async def record_transition(session: AsyncSession, step: ItemTransition) -> None:
    if await projections.record_transition(session, models.Item, models.ItemHistory, step):
        await item_events.announce(session, ANNOUNCE_ITEMS, step.item_id)


async def record_pairings(
    session: AsyncSession,
    flight: str,
    cr: tuple[str, str],
    sp_duns: str,
    tdsps: Iterable[tuple[str, str]],
    pairing_kinds: Iterable[str] = ("new_cr",),
) -> None:
    """The CR's pairings, as ERCOT approved them, and the default test-bed scripts (version 0) if the flight has
    none yet: no script pack has given it any. Safe to repeat."""
    kinds = ",".join(pairing_kinds)
    rows = [
        {
            "flight": flight,
            "cr_duns": cr[0],
            "cr_name": cr[1],
            "tdsp_duns": duns,
            "tdsp_name": name,
            "sp_duns": sp_duns,
            "pairing_kinds": kinds,
        }
        for duns, name in tdsps
    ]
    if rows:
        await session.execute(pg_insert(models.Pairing).values(rows).on_conflict_do_nothing())
    if await session.scalar(select(exists().where(models.TestBedScript.flight == flight))):
        return
    scripts = [
        {
            "flight": flight,
            "pack_version": catalog.DEFAULT_LIST,
            "script_id": script_id,
            "title": title,
            "premises": premises,
            "premise_names": list(names),
            "position": position,
        }
        for position, (script_id, title, premises, names) in enumerate(catalog.DEFAULT_TEST_BED_SCRIPTS, start=1)
    ]
    await session.execute(pg_insert(models.TestBedScript).values(scripts).on_conflict_do_nothing())


async def set_test_bed_scripts(session: AsyncSession, flight: str, pack_version: int, scripts: list[dict]) -> None:
    """A version of the flight's script pack gives its test-bed scripts (each a dict of TestBedScript's columns
    but flight, version and position), replacing what the same version gave before: a published version never
    changes, so telling it again changes nothing. A version giving none leaves the test beds as they are."""
    script = models.TestBedScript
    await session.execute(delete(script).where(script.flight == flight, script.pack_version == pack_version))
    if scripts:
        rows = [
            {"flight": flight, "pack_version": pack_version, "position": position, **given}
            for position, given in enumerate(scripts, start=1)
        ]
        await session.execute(pg_insert(script).values(rows))


# A TDSP's test bed, once submitted (ERCOT reviewing it) or approved, keeps the scripts it was checked against;
# before, it follows the newest list of the flight's test-bed scripts.
HELD_STATES = (specifications.TEST_BED_REVIEW, specifications.COMPLETED)


def _newest_lists(flight: str = ""):
    """(flight, pack_version) of each flight's newest test-bed scripts."""
    script = models.TestBedScript
    statement = select(script.flight, func.max(script.pack_version).label("pack_version")).group_by(script.flight)
    if flight:
        statement = statement.where(script.flight == flight)
    return statement.subquery("newest")


def _attached_test_bed(item):
    return models.TestBed.test_bed_id == item.fields["test_bed_id"].astext.cast(BigInteger)


def _held_version(item, newest):
    """Which version of the flight's test-bed scripts a TDSP's test bed is held to (see HELD_STATES); the item
    and its attached test bed (outer-joined: it may have none) are in the statement."""
    test_bed = models.TestBed
    held = and_(item.state.in_(HELD_STATES), test_bed.pack_version.is_not(None))
    return case((held, test_bed.pack_version), else_=newest.c.pack_version)


async def held_version(session: AsyncSession, flight: str, tdsp_duns: str) -> int | None:
    """The version of the flight's test-bed scripts the TDSP's test bed is held to; None before the flight has
    any (no registration approved, no pack)."""
    request, item = models.SpecificationsRequest, models.Item
    newest = _newest_lists(flight)
    statement = (
        select(_held_version(item, newest))
        .select_from(request)
        .join(item, item.item_id == request.item_id)
        .outerjoin(models.TestBed, _attached_test_bed(item))
        .join(newest, newest.c.flight == request.flight)
        .where(request.flight == flight, request.company_duns == tdsp_duns)
    )
    found = await session.scalar(statement)
    if found is None:  # no request yet: the newest list
        found = await session.scalar(select(newest.c.pack_version))
    return found


async def test_bed_pairings(
    session: AsyncSession, flight: str, tdsp_duns: str, pack_version: int | None
) -> list[tbf.Pairing]:
    """Every pairing x script a TDSP's test bed must cover under that version of the flight's test-bed scripts,
    with the script's premises (a row each): each paired CR's scripts that its pairing runs."""
    pairing, script = models.Pairing, models.TestBedScript
    statement = (
        select(pairing.cr_duns, pairing.cr_name, script.script_id, script.premises, script.premise_names)
        .add_columns(pairing.pairing_kinds, script.runs_for, script.tdsp_types)
        .join(script, script.flight == pairing.flight)
        .where(pairing.flight == flight, pairing.tdsp_duns == tdsp_duns, script.pack_version == pack_version)
        .order_by(pairing.cr_name, script.position)
    )
    return [
        tbf.Pairing(cr_duns, cr_name, script_id, catalog.premise_labels(premises, names))
        for cr_duns, cr_name, script_id, premises, names, kinds, runs_for, tdsp_types in (
            await session.execute(statement)
        ).all()
        if catalog.pairing_runs(kinds, tdsp_duns, runs_for, tdsp_types)
    ]


async def test_bed_behind(session: AsyncSession, flight: str, tdsp_duns: str, test_bed_id: int) -> int | None:
    """The newest version of the flight's test-bed scripts when it asks this TDSP's test bed for other rows
    than the version the test bed was checked against (a pack published since it was attached); None when
    the test bed covers the newest, which it then counts as checked against."""
    test_bed = await session.get_one(models.TestBed, test_bed_id)
    script = models.TestBedScript
    newest = await session.scalar(select(func.max(script.pack_version)).where(script.flight == flight))
    if newest is None or test_bed.pack_version == newest:
        return None
    checked, asked = [
        tbf.expected_of(await test_bed_pairings(session, flight, tdsp_duns, version))
        for version in (test_bed.pack_version, newest)
    ]
    if checked != asked:
        return newest
    test_bed.pack_version = newest
    return None


async def premises_missing(session: AsyncSession, flight: str, tdsp_duns: str, test_bed_id: int) -> list[str]:
    """Each premise that a kept test bed's scripts need and it has no row for, under the version of the flight's
    test-bed scripts it was checked against ('CR 123456789, script MVO-MVI01: premise 2 (Move-in premise)'). A
    test bed checked since premises were counted has none; one kept before may."""
    test_bed = await session.get_one(models.TestBed, test_bed_id)
    rows = models.TestBedRow
    kept = select(rows.cr_duns, rows.script_id, rows.premise).where(rows.test_bed_id == test_bed_id)
    given = set((await session.execute(kept)).tuples().all())
    return [
        f"CR {pairing.cr_duns}, script {pairing.script_id}: premise {number}" + (f" ({name})" if name else "")
        for pairing in await test_bed_pairings(session, flight, tdsp_duns, test_bed.pack_version)
        for number, name in enumerate(pairing.premises, start=1)
        if (pairing.cr_duns, pairing.script_id, number) not in given
    ]


# Template column -> test_bed_rows column.
ROW_COLUMNS = {
    tbf.CR_DUNS: "cr_duns",
    tbf.SCRIPT_ID: "script_id",
    tbf.PREMISE: "premise",
    tbf.CUSTOMER_1: "customer_1",
    tbf.CUSTOMER_2: "customer_2",
    tbf.ESI_ID: "esi_id",
    tbf.ZIP_CODE: "zip_code",
    tbf.METER_NUMBER: "meter_number",
    tbf.CUSTOMER_NAME_1: "customer_name_1",
    tbf.CUSTOMER_NAME_2: "customer_name_2",
    tbf.RATE_CLASS: "rate_class",
    tbf.DOE_NUMBER: "doe_number",
    tbf.MEMBERSHIP_ACCOUNT_1: "membership_account_1",
    tbf.MEMBERSHIP_ACCOUNT_2: "membership_account_2",
    tbf.SERV_LOC: "serv_loc",
    tbf.CYCLE: "cycle",
}


async def check_and_add_test_bed(
    session: AsyncSession,
    item_id: int,
    file_name: str,
    uploaded_by: str,
    steps: Generator[tbf.KeptRows, None, tbf.TestBedResult],
    pack_version: int,
) -> tuple[tbf.TestBedResult, models.TestBed | None]:
    """Checks a test bed and writes it at once: each chunk of rows that passed goes to PostgreSQL (one COPY)
    as the next chunk is checked, so the database stores on its own core while this one checks. `steps` is
    `test_bed_file.check_in_steps(...)`, checking against `pack_version` of the flight's test-bed scripts.
    Returns the result and, when it is good, the test bed; when it is not, what was written must not be kept:
    the caller rolls the session back."""
    test_bed = models.TestBed(
        item_id=item_id, file_name=file_name, row_count=0, uploaded_by=uploaded_by, pack_version=pack_version
    )
    session.add(test_bed)
    await session.flush()
    driver = (await (await session.connection()).get_raw_connection()).driver_connection
    assert isinstance(driver, AsyncConnection)  # psycopg's, open: the session has just flushed
    async with AsyncExitStack() as stack:  # the COPY opens with the first rows that pass
        copy: AsyncCopy | None = None
        while True:
            try:
                kept = next(steps)
            except StopIteration as done:
                checked = done.value
                break
            if None in kept.columns:
                continue  # a column without a header name: written from the result's rows at the end
            if copy is None:
                cursor = await stack.enter_async_context(driver.cursor())
                copy = await stack.enter_async_context(cursor.copy(_copy_statement(kept.columns)))
            await copy.write(_copy_data(test_bed.test_bed_id, kept.text))
    if not checked.ok:
        return checked, None
    if None in checked.file_columns:
        columns = list(tbf.TEMPLATE_COLUMNS)
        lines = ("\t".join(_copy_value(row[c]) for c in columns) for row in checked.rows)
        async with driver.cursor() as cursor, cursor.copy(_copy_statement(columns)) as copy:
            await copy.write("".join(f"{test_bed.test_bed_id}\t{line}\n" for line in lines))
    test_bed.row_count = checked.row_count
    await session.flush()
    return checked, test_bed


def _copy_statement(columns) -> str:
    names = ", ".join(["test_bed_id", *(ROW_COLUMNS[c] for c in columns)])
    table = models.TestBedRow.__table__
    assert isinstance(table, Table)  # a mapped class's own table
    return f"COPY {table.fullname} ({names}) FROM STDIN"


def _copy_value(value: str) -> str:
    return value.replace("\\", "\\\\") if "\\" in value else value


def _copy_data(test_bed_id: int, rows_text: str) -> str:
    """PostgreSQL's COPY text format from the checked rows: a tab between cells, a line per row, each led
    by the test bed's id. Checked cells hold no tab, line end or separator; a backslash is escaped."""
    lead = f"{test_bed_id}\t"
    cells = _copy_value(rows_text).replace(tbf.CELL_SEPARATOR, "\t")
    return lead + cells.replace(tbf.ROW_SEPARATOR, "\n" + lead) + "\n"


async def test_bed_rows(session: AsyncSession, test_bed_id: int) -> list[dict[str, str]]:
    """A kept test bed's rows by template column, ordered by CR, script, premise and ESI ID."""
    table = models.TestBedRow.__table__
    statement = (
        select(*(table.c[name] for name in ROW_COLUMNS.values()))
        .where(table.c.test_bed_id == test_bed_id)
        .order_by(table.c.cr_duns, table.c.script_id, table.c.premise, table.c.esi_id)
    )
    columns = list(ROW_COLUMNS)
    return [
        dict(zip(columns, row, strict=True)) | {tbf.PREMISE: str(row.premise)}
        for row in (await session.execute(statement)).all()
    ]


# The CR Scripts Test Bed's premise columns: every test_bed_rows column but the two a pairing x script names,
# and the premise's number, which orders its rows (ESIID1, ESIID2 ...).
PREMISE_COLUMNS = [name for name in ROW_COLUMNS.values() if name not in ("cr_duns", "script_id", "premise")]


async def scripts_test_bed(session: AsyncSession, principal: Principal, flight: str = "", item_id: int = 0):
    """Every pairing x script the caller may see, in the report's order, each with the premises of the TDSP's
    test bed once ERCOT has approved it (an empty list until then). Its rows are read by the pairing's parties
    (authz.pairing_readers: the CR, its SP, the TDSP) and ERCOT.

    Two queries, joined here: the pairings x scripts (with each TDSP's approved test bed), then the rows of
    those test beds. As one SQL join the planner, misjudging a fresh test bed's size, chose a nested loop that
    read every approved test bed once per report row."""
    pairing, script, request, item = models.Pairing, models.TestBedScript, models.SpecificationsRequest, models.Item
    approved_test_bed = case((item.state == specifications.COMPLETED, models.TestBed.test_bed_id), else_=None)
    newest = _newest_lists(flight)
    statement = (
        select(
            request.item_id,
            pairing.flight,
            pairing.cr_name,
            pairing.tdsp_name,
            script.script_id,
            script.premises,
            pairing.cr_duns,
            approved_test_bed,
            pairing.pairing_kinds,
            pairing.tdsp_duns,
            script.runs_for,
            script.tdsp_types,
        )
        .select_from(pairing)
        .join(newest, newest.c.flight == pairing.flight)
        .outerjoin(request, and_(request.flight == pairing.flight, request.company_duns == pairing.tdsp_duns))
        .outerjoin(item, item.item_id == request.item_id)
        .outerjoin(models.TestBed, _attached_test_bed(item))
        .join(script, and_(script.flight == pairing.flight, script.pack_version == _held_version(item, newest)))
    )
    if flight:
        statement = statement.where(pairing.flight == flight)
    if item_id:
        statement = statement.where(request.item_id == item_id)
    statement = statement.where(
        readable_where(principal, authz.pairing_readers(pairing.cr_duns, pairing.sp_duns, pairing.tdsp_duns))
    )
    statement = statement.order_by(
        pairing.flight.desc(), pairing.cr_name, pairing.cr_duns, pairing.tdsp_name, script.position
    )
    found = [
        row[:8] for row in (await session.execute(statement)).all() if catalog.pairing_runs(*row[8:])
    ]  # each pairing's scripts: those it runs
    approved = {test_bed_id for *_, test_bed_id in found if test_bed_id is not None}
    premises: dict[tuple, list[list[str]]] = {}
    if approved:
        rows = models.TestBedRow.__table__
        kept = select(rows.c.test_bed_id, rows.c.cr_duns, rows.c.script_id, *(rows.c[c] for c in PREMISE_COLUMNS))
        kept = kept.where(rows.c.test_bed_id.in_(approved))
        if not principal.is_ercot:
            kept = kept.where(rows.c.cr_duns.in_({cr_duns for *_, cr_duns, _ in found}))
        ordered = kept.order_by(rows.c.premise, rows.c.esi_id)
        for test_bed_id, cr_duns, script_id, *values in (await session.execute(ordered)).all():
            premises.setdefault((test_bed_id, cr_duns, script_id), []).append(values)
    return [
        (item_id, flight, cr_name, tdsp_name, script_id, count, premises.get((test_bed_id, cr_duns, script_id), []))
        for item_id, flight, cr_name, tdsp_name, script_id, count, cr_duns, test_bed_id in found
    ]


async def tdsp_count(session: AsyncSession, flight: str) -> int:
    """TDSPs with a request in the flight that is not cancelled (each has a paired CR)."""
    request, item = models.SpecificationsRequest, models.Item
    return (await session.execute(
        select(func.count())
        .select_from(request)
        .join(item, item.item_id == request.item_id)
        .where(request.flight == flight, request.kind == specifications.TDSP, item.state != specifications.CANCELLED)
    )).scalar_one()


async def test_beds_missing(session: AsyncSession, flight: str) -> list[tuple[str, str]]:
    """(TDSP name, state) of every TDSP request in the flight whose test bed ERCOT has not approved; a cancelled
    one (its only paired CR left the flight) waits for nothing."""
    request, item = models.SpecificationsRequest, models.Item
    statement = (
        select(request.company_name, item.state)
        .join(item, item.item_id == request.item_id)
        .where(
            request.flight == flight,
            request.kind == specifications.TDSP,
            item.state.not_in((specifications.COMPLETED, specifications.CANCELLED)),
        )
        .order_by(request.company_name)
    )
    return [tuple(row) for row in (await session.execute(statement)).all()]


async def end_pairings(session: AsyncSession, flight: str, cr_duns: str) -> None:
    """The CR's pairings in the flight end (its registration was cancelled): no template, test bed or report asks
    for its rows any more. Safe to repeat."""
    pairing = models.Pairing
    await session.execute(delete(pairing).where(pairing.flight == flight, pairing.cr_duns == cr_duns))


async def has_pairings(session: AsyncSession, flight: str, tdsp_duns: str) -> bool:
    pairing = models.Pairing
    return bool(await session.scalar(select(exists().where(pairing.flight == flight, pairing.tdsp_duns == tdsp_duns))))


async def test_bed_under_way(session: AsyncSession, flight: str, tdsp_duns: str) -> int | None:
    """The test bed attached to the TDSP's request while ERCOT has not approved it yet, if any."""
    found = await request_and_item(session, flight, tdsp_duns)
    if found is None or found[1].closed or "test_bed_id" not in found[1].fields:
        return None
    return int(found[1].fields["test_bed_id"])


async def drop_cr_rows(session: AsyncSession, test_bed_id: int, cr_duns: str) -> int:
    """Takes a CR that left the flight out of a test bed not yet approved; returns the rows the test bed keeps.
    Safe to repeat."""
    rows = models.TestBedRow
    await session.execute(delete(rows).where(rows.test_bed_id == test_bed_id, rows.cr_duns == cr_duns))
    test_bed = await session.get_one(models.TestBed, test_bed_id)
    counted = select(func.count()).where(rows.test_bed_id == test_bed_id)
    test_bed.row_count = (await session.execute(counted)).scalar_one()
    return test_bed.row_count


async def drop_test_bed(session: AsyncSession, test_bed_id: int) -> None:
    await session.execute(delete(models.TestBedRow).where(models.TestBedRow.test_bed_id == test_bed_id))
    await session.execute(delete(models.TestBed).where(models.TestBed.test_bed_id == test_bed_id))


async def approved_premises(session: AsyncSession, flight: str) -> dict[tuple[str, str, str], list[str]]:
    """(CR DUNS, TDSP DUNS, Script ID) -> the ESI IDs of that TDSP's approved test bed for the CR's script."""
    request, item, rows = models.SpecificationsRequest, models.Item, models.TestBedRow
    test_bed_id = item.fields["test_bed_id"].astext.cast(BigInteger)
    statement = (
        select(request.company_duns, rows.cr_duns, rows.script_id, rows.esi_id)
        .join(item, item.item_id == request.item_id)
        .join(rows, rows.test_bed_id == test_bed_id)
        .where(request.flight == flight, request.kind == specifications.TDSP, item.state == specifications.COMPLETED)
        .order_by(rows.premise, rows.esi_id)
    )
    premises: dict[tuple[str, str, str], list[str]] = {}
    for tdsp_duns, cr_duns, script_id, esi_id in (await session.execute(statement)).all():
        premises.setdefault((cr_duns, tdsp_duns, script_id), []).append(esi_id)
    return premises


async def flight_pairings(session: AsyncSession, flight: str) -> list[models.Pairing]:
    statement = select(models.Pairing).where(models.Pairing.flight == flight)
    return list(await session.scalars(statement.order_by(models.Pairing.cr_name, models.Pairing.tdsp_name)))
