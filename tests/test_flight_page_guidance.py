"""ERCOT's flight page says what Open Connectivity Testing still waits for, and the Publish form explains the pack
format and offers the example pack (issue 15 item 6)."""

from pathlib import Path

from tests.conftest import sign_in
from tests.registration_helpers import LONESTAR, ONCOR, approved, create_flight, registration_closed
from tests.test_script_pack_api import EXAMPLE, YAML

EXAMPLE_FILE = Path(__file__).parent.parent / "services" / "scripts" / "example_pack.yaml"


def waits(page: str) -> set[str]:
    return {part.split('"', 1)[0] for part in page.split('data-waits="')[1:]}


async def test_the_flight_page_says_what_connectivity_testing_waits_for_and_offers_the_example_pack(http):
    ercot = await sign_in(http, "admin@ercot.example")
    reviewer = await sign_in(http, "reviewer@ercot.example")
    flight = await create_flight(http, ercot)
    designation, page_path = flight["designation"], f"/items/{flight['item_id']}"

    page = (await http.get(page_path, headers=ercot)).text
    assert "Open Connectivity Testing still waits for" in page
    assert waits(page) == {"signup-deadline", "pairings", "script-pack"}
    assert "ERCOT may move the deadline with Change Dates" in page
    assert 'href="/api/v1/script-packs/example"' in page and "<code>transaction</code>" in page
    lonestar = await sign_in(http, "ar@lonestar.example")
    assert "still waits for" not in (await http.get(page_path, headers=lonestar)).text  # ERCOT's to know

    example = await http.get("/api/v1/script-packs/example", headers=ercot)
    assert example.status_code == 200 and example.content == EXAMPLE_FILE.read_bytes()
    assert example.headers["content-type"].startswith("application/yaml")
    assert example.headers["content-disposition"] == 'attachment; filename="example_pack.yaml"'

    await approved(http, lonestar, reviewer, designation, LONESTAR, tdsps=ONCOR)
    published = await http.put(f"/api/v1/flights/{designation}/script-pack", content=EXAMPLE, headers=ercot | YAML)
    assert published.status_code == 201, published.text
    page = (await http.get(page_path, headers=ercot)).text
    assert waits(page) == {"signup-deadline", "test-beds"}
    assert 'data-tdsp="Oncor Electric Delivery Company LLC"' in page

    await registration_closed(http, ercot, flight)
    page = (await http.get(page_path, headers=ercot)).text
    assert waits(page) == {"test-beds"} and "Change Dates (above)" not in page
