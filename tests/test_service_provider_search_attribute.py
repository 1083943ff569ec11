"""ERCOT's operators filter a Service Provider's tasks in the Temporal UI (issue 17, operations): every item whose CR
acts through an SP carries FlightrakServiceProvider, a CR running its own EDI has none on any of its items (an SP
removed by Modify is cleared), and FlighTrak's own pages and API never show it."""

import asyncio
import time

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from flightrak import temporal
from flightrak.settings import Settings
from tests.conftest import free_port, sign_in
from tests.registration_helpers import (
    EDIGATE,
    ONCOR,
    act,
    create_flight,
    new_cr,
    registered,
    registration_closed,
    registration_fields,
)
from tests.test_script_issues_api import rows_when
from tests.test_script_pack_api import EXAMPLE, YAML
from tests.test_test_bed_api import filled, loading, template_rows, upload
from workflows import search_attributes as sa
from workflows.registration import models as registration
from workflows.scripts import models as scripts
from workflows.scripts.ids import script_issue_workflow_id


async def items_of(client: Client, cr_duns: str, designation: str) -> dict[str, tuple[str, str]]:
    """Workflow ID -> (item type, Service Provider or '') of the CR's items in the flight, as visibility has them."""
    query = f"{sa.CR_DUNS.name} = '{cr_duns}' AND {sa.FLIGHT.name} = '{designation}'"
    found = {}
    async for execution in client.list_workflows(query):
        attributes = execution.typed_search_attributes
        found[execution.id] = (attributes.get(sa.ITEM_TYPE) or "", attributes.get(sa.SERVICE_PROVIDER) or "")
    return found


async def when(check, timeout: float = 30.0):
    """`check()`'s value once it is truthy; the last value when the time is up."""
    give_up = time.monotonic() + timeout
    while not (found := await check()) and time.monotonic() < give_up:
        await asyncio.sleep(0.3)
    return found


async def test_an_sps_tasks_are_found_by_its_duns_and_a_cr_running_its_own_edi_has_none(http, temporal_env):
    client = temporal_env.client
    ercot = await sign_in(http, "admin@ercot.example")
    reviewer = await sign_in(http, "reviewer@ercot.example")
    oncor_ar = await sign_in(http, "ar@oncor.example")
    through_sp, own_edi = await new_cr(http), await new_cr(http)
    flight = await create_flight(http, ercot)
    designation = flight["designation"]

    by_sp = await registered(http, through_sp.ar, designation, through_sp.duns, tdsps=ONCOR, existing_cr=False)
    # The other CR first names the SP, then takes it off: its registration's attribute is cleared.
    own = await registered(http, own_edi.ar, designation, own_edi.duns, tdsps=ONCOR, existing_cr=False)
    form = await registration_fields(http, own_edi.ar, own_edi.duns, False, tdsps=ONCOR, service_provider="self")
    modified = await act(http, own_edi.ar, own["item_id"], "modify", **form)
    assert modified.status_code == 200, modified.text
    for cr, item in ((through_sp, by_sp), (own_edi, own)):
        assert (await act(http, cr.ar, item["item_id"], "submit")).status_code == 200
        approved = await act(http, reviewer, item["item_id"], "approve")
        assert approved.status_code == 200, approved.text
    assert "FlightrakServiceProvider" not in approved.text  # the operators' tool only

    published = await http.put(f"/api/v1/flights/{designation}/script-pack", content=EXAMPLE, headers=ercot | YAML)
    assert published.status_code == 201, published.text
    test_bed = await loading(http, oncor_ar, designation)
    premises = filled(await template_rows(http, oncor_ar, test_bed), 100_000 + int(designation) * 100)
    assert (await upload(http, oncor_ar, test_bed, premises)).is_success
    await act(http, oncor_ar, test_bed, "submit_test_bed")
    await act(http, reviewer, test_bed, "approve")
    await registration_closed(http, ercot, flight)
    assert (await act(http, ercot, flight["item_id"], "open_connectivity_testing")).status_code == 200

    # The issues' workflows are started before their rows are stored: once listed, each has its ID.
    names = {through_sp.name, own_edi.name}
    rows = await rows_when(
        http, ercot, "active-script-issues", designation, lambda rows: {r["CR Involved"] for r in rows} >= names
    )
    expected = {
        cr.duns: {
            script_issue_workflow_id(designation, cr.duns, ONCOR, r["Script ID"])
            for r in rows
            if r["CR Involved"] == cr.name
        }
        for cr in (through_sp, own_edi)
    }
    sp_items = await when(lambda: _with(items_of(client, through_sp.duns, designation), expected[through_sp.duns]))
    own_items = await when(lambda: _with(items_of(client, own_edi.duns, designation), expected[own_edi.duns]))
    assert all(expected.values()) and sp_items and own_items, "every item's attributes set within 30 s"
    assert {sp for _, sp in sp_items.values()} == {EDIGATE}, sp_items  # its registration, request, script issues
    assert {item_type for item_type, _ in sp_items.values()} >= {registration.ITEM_TYPE, scripts.SCRIPT_ISSUE}
    assert len({item_type for item_type, _ in sp_items.values()}) == 3, sp_items
    assert {sp for _, sp in own_items.values()} == {""}, own_items

    # What an operator types in the Temporal UI finds exactly the first CR's items, none of the other's.
    query = f"{sa.SERVICE_PROVIDER.name} = '{EDIGATE}' AND {sa.FLIGHT.name} = '{designation}'"
    assert {execution.id async for execution in client.list_workflows(query)} == set(sp_items)

    page = await http.get(f"/api/v1/items/{by_sp['item_id']}", headers=through_sp.ar)
    assert page.status_code == 200 and "FlightrakServiceProvider" not in page.text


async def _with(found, workflow_ids: set[str]):
    """The items found, once they hold these workflows with their attributes set."""
    items = await found
    return items if workflow_ids <= {id for id, (item_type, _) in items.items() if item_type} else None


async def test_flightrak_run_adds_the_attribute_to_a_dev_server_whose_database_was_made_before_it(tmp_path):
    """start-dev registers its --search-attribute flags only when it creates its database."""
    older = tuple(key for key in sa.ALL if key != sa.SERVICE_PROVIDER)
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal.binary("temporal"), search_attributes=older, port=free_port()
    )
    listed = env.client.operator_service.list_search_attributes
    request = ListSearchAttributesRequest(namespace=env.client.namespace)
    try:
        assert sa.SERVICE_PROVIDER.name not in (await listed(request)).custom_attributes
        settings = Settings(data_dir=tmp_path, temporal_address=env.client.service_client.config.target_host)
        for _ in range(2):  # a second start finds nothing to add
            await temporal.register_search_attributes(settings)
        custom = (await listed(request)).custom_attributes
    finally:
        await env.shutdown()
    assert custom[sa.SERVICE_PROVIDER.name] == IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD
